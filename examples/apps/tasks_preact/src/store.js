import { useEffect, useState } from 'preact/hooks'

let nextId = 1
const seed = ['buy milk', 'call mom', 'water plants'].map((title) => ({ id: nextId++, title, completed: false }))

export function currentRoute() {
  const path = window.location.hash.replace(/^#/, '')
  return path === '/active' || path === '/completed' ? path : '/'
}

export function useRoute() {
  const [route, setRoute] = useState(currentRoute())
  useEffect(() => {
    const onHash = () => setRoute(currentRoute())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  return route
}

export function useTasks() {
  const [tasks, setTasks] = useState(seed)
  return {
    tasks,
    add(title) {
      const t = title.trim()
      if (t) setTasks([...tasks, { id: nextId++, title: t, completed: false }])
    },
    toggle(id) {
      setTasks(tasks.map((t) => (t.id === id ? { ...t, completed: !t.completed } : t)))
    },
    toggleAll(completed) {
      setTasks(tasks.map((t) => ({ ...t, completed })))
    },
    rename(id, title) {
      const t = title.trim()
      setTasks(t ? tasks.map((x) => (x.id === id ? { ...x, title: t } : x)) : tasks.filter((x) => x.id !== id))
    },
    remove(id) {
      setTasks(tasks.filter((t) => t.id !== id))
    },
    clearCompleted() {
      setTasks(tasks.filter((t) => !t.completed))
    },
  }
}

export function visibleFor(tasks, route) {
  if (route === '/active') return tasks.filter((t) => !t.completed)
  if (route === '/completed') return tasks.filter((t) => t.completed)
  return tasks
}
