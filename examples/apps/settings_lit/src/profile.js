export const COUNTRIES = ['France', 'Germany', 'Italy', 'Spain', 'United Kingdom']

export const initialProfile = () => ({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  country: 'United Kingdom',
  newsletter: false,
  updates: true,
  dark: false,
})

export function applyTheme(dark) {
  document.documentElement.dataset.theme = dark ? 'dark' : 'light'
}
