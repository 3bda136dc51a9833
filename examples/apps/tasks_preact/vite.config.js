import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'

// base './' so the built files work from any path the test server mounts them on
export default defineConfig({
  base: './',
  plugins: [preact()],
  build: { modulePreload: false },
})
