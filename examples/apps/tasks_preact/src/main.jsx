import { render } from 'preact'
import { App } from './App.jsx'
import { RedesignApp } from './RedesignApp.jsx'
import './style.css'

// One source, two builds: `vite build --mode redesign` ships the restyled app.
if (import.meta.env.MODE === 'redesign') {
  document.body.classList.add('rd')
  render(<RedesignApp />, document.getElementById('app'))
} else {
  // the original app always shows a route in the address bar
  if (!window.location.hash) window.history.replaceState(null, '', '#/')
  render(<App />, document.getElementById('app'))
}
