import { useState } from 'preact/hooks'
import { useRoute, useTasks, visibleFor } from './store.js'

function TaskItem({ task, onToggle, onDestroy, onSave }) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(task.title)
  const finish = () => {
    setEditing(false)
    onSave(draft)
  }
  const cls = [task.completed ? 'completed' : '', editing ? 'editing' : ''].join(' ').trim()
  return (
    <li class={cls}>
      <div class="view">
        <input class="toggle" type="checkbox" checked={task.completed} onChange={onToggle} />
        <label
          onDblClick={() => {
            setDraft(task.title)
            setEditing(true)
          }}
        >
          {task.title}
        </label>
        <button class="destroy" aria-label="Delete" onClick={onDestroy} />
      </div>
      {editing && (
        <input
          class="edit"
          value={draft}
          ref={(el) => el && el.focus()}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onBlur={finish}
          onKeyDown={(e) => {
            if (e.key === 'Enter') finish()
            if (e.key === 'Escape') setEditing(false)
          }}
        />
      )}
    </li>
  )
}

export function App() {
  const store = useTasks()
  const route = useRoute()
  const [text, setText] = useState('')
  const left = store.tasks.filter((t) => !t.completed).length
  const shown = visibleFor(store.tasks, route)
  return (
    <div>
      <section class="taskapp">
        <header class="header">
          <h1>tasks</h1>
          <input
            class="new-task"
            placeholder="What should be done?"
            autofocus
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                store.add(text)
                setText('')
              }
            }}
          />
        </header>
        {store.tasks.length > 0 && (
          <section class="main">
            <input
              id="toggle-all"
              class="toggle-all"
              type="checkbox"
              checked={left === 0}
              onChange={() => store.toggleAll(left !== 0)}
            />
            <label for="toggle-all">Mark all as complete</label>
            <ul class="task-list">
              {shown.map((task) => (
                <TaskItem
                  key={task.id}
                  task={task}
                  onToggle={() => store.toggle(task.id)}
                  onDestroy={() => store.remove(task.id)}
                  onSave={(title) => store.rename(task.id, title)}
                />
              ))}
            </ul>
          </section>
        )}
        {store.tasks.length > 0 && (
          <footer class="footer">
            <span class="task-count">
              <strong>{left}</strong> {left === 1 ? 'item' : 'items'} left
            </span>
            <ul class="filters">
              <li>
                <a href="#/" class={route === '/' ? 'selected' : ''}>All</a>
              </li>
              <li>
                <a href="#/active" class={route === '/active' ? 'selected' : ''}>Active</a>
              </li>
              <li>
                <a href="#/completed" class={route === '/completed' ? 'selected' : ''}>Completed</a>
              </li>
            </ul>
            {store.tasks.length > left && (
              <button class="clear-completed" onClick={store.clearCompleted}>
                Clear completed
              </button>
            )}
          </footer>
        )}
      </section>
      <footer class="info">
        <p>Double-click to edit a task</p>
      </footer>
    </div>
  )
}
