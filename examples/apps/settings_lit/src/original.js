import { LitElement, css, html } from 'lit'
import { COUNTRIES, applyTheme, initialProfile } from './profile.js'

class TextField extends LitElement {
  static properties = { label: {}, type: {}, value: {} }
  static styles = css`
    :host { display: block; margin-bottom: 14px; }
    label { display: block; font-weight: 600; margin-bottom: 4px; }
    input { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #bbb; border-radius: 4px; }
  `
  constructor() {
    super()
    this.type = 'text'
    this.value = ''
  }
  render() {
    return html`<label for="input">${this.label}</label>
      <input id="input" type=${this.type} .value=${this.value} @input=${(e) => (this.value = e.target.value)} />`
  }
}
customElements.define('text-field', TextField)

class SelectField extends LitElement {
  static properties = { label: {}, value: {}, options: { type: Array } }
  static styles = TextField.styles
  render() {
    return html`<label for="select">${this.label}</label>
      <select id="select" @change=${(e) => (this.value = e.target.value)}>
        ${this.options.map((o) => html`<option value=${o} ?selected=${o === this.value}>${o}</option>`)}
      </select>`
  }
}
customElements.define('select-field', SelectField)

class CheckField extends LitElement {
  static properties = { label: {}, checked: { type: Boolean } }
  static styles = css`:host { display: block; margin: 6px 0; }`
  render() {
    return html`<label
      ><input type="checkbox" .checked=${this.checked} @change=${(e) => (this.checked = e.target.checked)} />
      ${this.label}</label
    >`
  }
}
customElements.define('check-field', CheckField)

class ToggleSwitch extends LitElement {
  static properties = { label: {}, checked: { type: Boolean } }
  static styles = css`
    :host { display: flex; align-items: center; gap: 10px; margin: 10px 0; }
    button { width: 40px; height: 22px; border-radius: 11px; border: 0; background: #bbb; position: relative; }
    button[aria-checked='true'] { background: #2a7; }
    button::after { content: ''; position: absolute; top: 3px; left: 3px; width: 16px; height: 16px; border-radius: 50%; background: #fff; }
    button[aria-checked='true']::after { left: 21px; }
  `
  render() {
    return html`<span id="lbl">${this.label}</span>
      <button
        role="switch"
        aria-labelledby="lbl"
        aria-checked=${this.checked ? 'true' : 'false'}
        @click=${() => {
          this.checked = !this.checked
          this.dispatchEvent(new Event('change', { bubbles: true, composed: true }))
        }}
      ></button>`
  }
}
customElements.define('toggle-switch', ToggleSwitch)

class ConfirmDialog extends LitElement {
  static properties = { heading: {} }
  static styles = css`
    dialog { border: 0; border-radius: 6px; padding: 0; width: 380px; box-shadow: 0 10px 40px rgba(0,0,0,.3); }
    header { display: flex; justify-content: space-between; align-items: center; padding: 12px 16px; border-bottom: 1px solid #eee; }
    h2 { margin: 0; font-size: 18px; }
    .x { border: 0; background: none; font-size: 22px; cursor: pointer; }
    .body { padding: 16px; }
    footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 16px; }
    .danger { background: #c22; color: #fff; border: 0; padding: 6px 12px; border-radius: 4px; }
  `
  open() {
    this.renderRoot.querySelector('dialog').showModal()
  }
  close() {
    this.renderRoot.querySelector('dialog').close()
  }
  render() {
    return html`<dialog>
      <header><h2>${this.heading}</h2><button class="x" aria-label="Close" @click=${this.close}>×</button></header>
      <div class="body"><slot></slot></div>
      <footer>
        <button @click=${this.close}>Cancel</button>
        <button
          class="danger"
          @click=${() => {
            this.close()
            this.dispatchEvent(new Event('confirm'))
          }}
        >
          Delete
        </button>
      </footer>
    </dialog>`
  }
}
customElements.define('confirm-dialog', ConfirmDialog)

class SettingsPage extends LitElement {
  static properties = { profile: { state: true }, flash: { state: true }, deleted: { state: true } }
  static styles = css`
    :host { display: block; font-family: Georgia, serif; max-width: 760px; margin: 0 auto; color: #222; }
    header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #222; }
    h1 { font-size: 26px; }
    .layout { display: grid; grid-template-columns: 2fr 1fr; gap: 30px; margin-top: 20px; }
    fieldset { border: 1px solid #ccc; margin-bottom: 16px; }
    .summary { background: #f4f4ee; padding: 12px; }
    .summary-row { margin: 4px 0; }
    .flash { background: #dfd; padding: 8px; }
    .actions { display: flex; justify-content: space-between; }
    .link-danger { color: #c22; background: none; border: 0; text-decoration: underline; cursor: pointer; }
  `
  constructor() {
    super()
    this.profile = initialProfile()
    this.flash = ''
    this.deleted = false
    applyTheme(false)
  }
  field(id) {
    return this.renderRoot.getElementById(id)
  }
  save(e) {
    e.preventDefault()
    this.profile = {
      name: this.field('name').value,
      email: this.field('email').value,
      country: this.field('country').value,
      newsletter: this.field('newsletter').checked,
      updates: this.field('updates').checked,
      dark: this.field('dark').checked,
    }
    this.flash = 'Settings saved'
  }
  render() {
    if (this.deleted) return html`<p>Your account has been deleted.</p>`
    const p = this.profile
    return html`
      <header>
        <h1>Account settings</h1>
        <span>Signed in as <strong>${p.name}</strong></span>
      </header>
      ${this.flash ? html`<p class="flash" role="status">${this.flash}</p>` : ''}
      <div class="layout">
        <form @submit=${this.save}>
          <fieldset>
            <legend>Profile</legend>
            <text-field id="name" label="Full name" .value=${p.name}></text-field>
            <text-field id="email" label="Email" type="email" .value=${p.email}></text-field>
            <select-field id="country" label="Country" .options=${COUNTRIES} .value=${p.country}></select-field>
          </fieldset>
          <fieldset>
            <legend>Notifications</legend>
            <check-field id="newsletter" label="Send me the newsletter" ?checked=${p.newsletter}></check-field>
            <check-field id="updates" label="Product updates" ?checked=${p.updates}></check-field>
          </fieldset>
          <fieldset>
            <legend>Appearance</legend>
            <toggle-switch
              id="dark"
              label="Dark mode"
              ?checked=${p.dark}
              @change=${(e) => applyTheme(e.target.checked)}
            ></toggle-switch>
          </fieldset>
          <div class="actions">
            <button type="submit">Save changes</button>
            <button type="button" class="link-danger" @click=${() => this.field('confirm').open()}>
              Delete account
            </button>
          </div>
        </form>
        <section class="summary" aria-labelledby="summary-title">
          <h2 id="summary-title">Profile summary</h2>
          <p class="summary-row"><b>Name:</b> <span>${p.name}</span></p>
          <p class="summary-row"><b>Email:</b> <span>${p.email}</span></p>
          <p class="summary-row"><b>Country:</b> <span>${p.country}</span></p>
          <p class="summary-row"><b>Newsletter:</b> <span>${p.newsletter ? 'Yes' : 'No'}</span></p>
        </section>
      </div>
      <confirm-dialog id="confirm" heading="Delete account?" @confirm=${() => (this.deleted = true)}>
        This removes your profile and all your data. It cannot be undone.
      </confirm-dialog>
    `
  }
}
customElements.define('settings-page', SettingsPage)
