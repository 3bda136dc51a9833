// One source, two builds: `vite build --mode redesign` ships the restyled page.
const root = document.getElementById('root')
if (import.meta.env.MODE === 'redesign') {
  await import('./redesign.js')
  root.append(document.createElement('acme-settings'))
} else {
  await import('./original.js')
  root.append(document.createElement('settings-page'))
}
