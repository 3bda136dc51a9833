import { useState } from 'preact/hooks'
import { useRoute, useTasks, visibleFor } from './store.js'

// The 2.0 look: a card layout, filters as a tab bar above the list, the clear button moved
// to the top bar, custom checkboxes, and an icon button to remove a task.
function Row({ task, onToggle, onRemove, onSave }) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(task.title)
  const done = () => {
    setEditing(false)
    onSave(draft)
  }
  return (
    <li class={'todo-row' + (task.completed ? ' todo-row--done' : '')} data-testid="todo-row">
      {editing ? (
        <input
          class="todo-row__editor"
          aria-label="Edit task"
          value={draft}
          ref={(el) => el && el.focus()}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onBlur={done}
          onKeyDown={(e) => {
            if (e.key === 'Enter') done()
            if (e.key === 'Escape') setEditing(false)
          }}
        />
      ) : (
        <>
          <label class="checkbox">
            <input class="checkbox__native" type="checkbox" checked={task.completed} onChange={onToggle} />
            <span class="checkbox__box" aria-hidden="true" />
          </label>
          <span
            class="todo-row__title"
            onDblClick={() => {
              setDraft(task.title)
              setEditing(true)
            }}
          >
            {task.title}
          </span>
          <button class="icon-btn todo-row__remove" title="Remove task" onClick={onRemove}>
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="2" />
            </svg>
          </button>
        </>
      )}
    </li>
  )
}

export function RedesignApp() {
  const store = useTasks()
  const route = useRoute()
  const [text, setText] = useState('')
  const left = store.tasks.filter((t) => !t.completed).length
  const shown = visibleFor(store.tasks, route)
  const tab = (path, label) => (
    <a class={'tabs__tab' + (route === path ? ' tabs__tab--active' : '')} href={'#' + path} aria-current={route === path ? 'page' : undefined}>
      {label}
    </a>
  )
  return (
    <main class="shell">
      <div class="topbar">
        <h2 class="topbar__title">To-do</h2>
        <span class="pill" aria-live="polite">
          {left} left
        </span>
        {store.tasks.length > left && (
          <button class="btn btn--ghost" onClick={store.clearCompleted}>
            Clear completed
          </button>
        )}
      </div>
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault()
          store.add(text)
          setText('')
        }}
      >
        <input
          id="newTaskField"
          class="composer__field"
          type="text"
          placeholder="Add a new task…"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </form>
      <nav class="tabs" aria-label="Filter">
        {tab('/', 'All')}
        {tab('/active', 'Active')}
        {tab('/completed', 'Completed')}
      </nav>
      <ul class="todo-list">
        {shown.map((task) => (
          <Row
            key={task.id}
            task={task}
            onToggle={() => store.toggle(task.id)}
            onRemove={() => store.remove(task.id)}
            onSave={(title) => store.rename(task.id, title)}
          />
        ))}
      </ul>
      <p class="hint">Tip: double-click a task to rename it.</p>
    </main>
  )
}
