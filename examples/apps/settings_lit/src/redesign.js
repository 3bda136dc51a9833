import { LitElement, css, html } from 'lit'
import { COUNTRIES, applyTheme, initialProfile } from './profile.js'

// The redesign: a design-system look (ui-* components), placeholder-style inputs labelled
// only by aria-label, cards in a two-column grid, a custom modal instead of <dialog>.
const tokens = css`
  :host { --accent: #5b4bdb; --line: #e2e4ee; font-family: Inter, system-ui, sans-serif; }
`

class UiInput extends LitElement {
  static properties = { label: {}, type: {}, value: {} }
  static styles = [
    tokens,
    css`
      input { width: 100%; box-sizing: border-box; padding: 12px 14px; border: 1px solid var(--line); border-radius: 10px; font-size: 15px; margin-bottom: 12px; }
      input:focus { outline: 2px solid var(--accent); }
    `,
  ]
  constructor() {
    super()
    this.type = 'text'
    this.value = ''
  }
  render() {
    return html`<input
      class="ui-input__control"
      type=${this.type}
      aria-label=${this.label}
      placeholder=${this.label}
      .value=${this.value}
      @input=${(e) => (this.value = e.target.value)}
    />`
  }
}
customElements.define('ui-input', UiInput)

class UiSelect extends LitElement {
  static properties = { label: {}, value: {}, options: { type: Array } }
  static styles = [tokens, css`select { width: 100%; padding: 11px; border-radius: 10px; border: 1px solid var(--line); }`]
  render() {
    return html`<select aria-label=${this.label} @change=${(e) => (this.value = e.target.value)}>
      ${this.options.map((o) => html`<option ?selected=${o === this.value}>${o}</option>`)}
    </select>`
  }
}
customElements.define('ui-select', UiSelect)

class UiCheckbox extends LitElement {
  static properties = { label: {}, checked: { type: Boolean } }
  static styles = [tokens, css`:host { display: flex; gap: 8px; align-items: center; padding: 8px 0; border-bottom: 1px solid var(--line); } label { flex: 1; }`]
  render() {
    return html`<label for="cb">${this.label}</label
      ><input id="cb" type="checkbox" .checked=${this.checked} @change=${(e) => (this.checked = e.target.checked)} />`
  }
}
customElements.define('ui-checkbox', UiCheckbox)

class UiSwitch extends LitElement {
  static properties = { label: {}, checked: { type: Boolean } }
  static styles = [tokens, css`label { display: flex; justify-content: space-between; align-items: center; } input { accent-color: var(--accent); width: 36px; height: 20px; }`]
  render() {
    return html`<label
      >${this.label}
      <input
        type="checkbox"
        role="switch"
        .checked=${this.checked}
        @change=${(e) => {
          this.checked = e.target.checked
          this.dispatchEvent(new Event('change', { bubbles: true, composed: true }))
        }}
    /></label>`
  }
}
customElements.define('ui-switch', UiSwitch)

class UiModal extends LitElement {
  static properties = { title: {}, shown: { type: Boolean, reflect: true } }
  static styles = [
    tokens,
    css`
      .backdrop[hidden] { display: none; }
      .backdrop { position: fixed; inset: 0; background: rgba(20, 20, 40, 0.45); display: grid; place-items: center; }
      .panel { background: #fff; border-radius: 16px; width: 420px; padding: 22px; position: relative; }
      .close { position: absolute; top: 12px; right: 12px; border: 0; background: none; cursor: pointer; }
      .row { display: flex; justify-content: flex-end; gap: 10px; margin-top: 18px; }
      .danger { background: #d33; color: #fff; border: 0; border-radius: 8px; padding: 8px 14px; }
      .plain { background: none; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; }
    `,
  ]
  render() {
    return html`<div class="backdrop" ?hidden=${!this.shown}>
      <div class="panel" role="dialog" aria-modal="true" aria-labelledby="t" ?hidden=${!this.shown}>
        <button class="close" title="Close dialog" @click=${() => (this.shown = false)}>
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><path d="M2 2l12 12M14 2L2 14" stroke="#555" stroke-width="2" /></svg>
        </button>
        <h3 id="t">${this.title}</h3>
        <slot></slot>
        <div class="row">
          <button class="plain" @click=${() => (this.shown = false)}>Keep account</button>
          <button
            class="danger"
            @click=${() => {
              this.shown = false
              this.dispatchEvent(new Event('confirm'))
            }}
          >
            Delete forever
          </button>
        </div>
      </div>
    </div>`
  }
}
customElements.define('ui-modal', UiModal)

class AcmeSettings extends LitElement {
  static properties = { profile: { state: true }, toast: { state: true }, modal: { state: true }, gone: { state: true } }
  static styles = [
    tokens,
    css`
      :host { display: block; background: #f6f7fb; min-height: 100vh; }
      .topnav { display: flex; align-items: center; gap: 16px; padding: 12px 28px; background: #fff; border-bottom: 1px solid var(--line); }
      .logo { font-weight: 800; color: var(--accent); flex: 1; }
      .user { display: flex; align-items: center; gap: 8px; }
      .avatar { width: 28px; height: 28px; border-radius: 50%; background: var(--accent); }
      main { display: grid; grid-template-columns: 1fr 320px; gap: 20px; padding: 24px 28px; max-width: 1000px; }
      .card { background: #fff; border-radius: 14px; padding: 18px; margin-bottom: 16px; border: 1px solid var(--line); }
      .card h3 { margin-top: 0; font-size: 15px; text-transform: uppercase; letter-spacing: 0.04em; color: #667; }
      .kv { display: flex; justify-content: space-between; padding: 6px 0; border-bottom: 1px dashed var(--line); }
      .kv__key { color: #667; }
      .toast { position: fixed; bottom: 20px; left: 50%; transform: translateX(-50%); background: #222; color: #fff; padding: 10px 16px; border-radius: 10px; }
      .primary { background: var(--accent); color: #fff; border: 0; border-radius: 10px; padding: 10px 18px; }
      .danger-link { color: #d33; background: none; border: 0; cursor: pointer; }
      .bar { display: flex; justify-content: space-between; }
    `,
  ]
  constructor() {
    super()
    this.profile = initialProfile()
    this.toast = ''
    this.gone = false
    applyTheme(false)
  }
  get(id) {
    return this.renderRoot.querySelector(`[data-field="${id}"]`)
  }
  save() {
    this.profile = {
      name: this.get('name').value,
      email: this.get('email').value,
      country: this.get('country').value,
      newsletter: this.get('newsletter').checked,
      updates: this.get('updates').checked,
      dark: this.get('dark').checked,
    }
    this.toast = 'Changes saved'
  }
  render() {
    if (this.gone) return html`<main><div class="card">Your account was deleted.</div></main>`
    const p = this.profile
    return html`
      <header class="topnav">
        <span class="logo">acme</span>
        <span class="user"><span class="avatar"></span><span class="user__name">${p.name}</span></span>
      </header>
      <main>
        <div>
          <div class="card">
            <h3>Personal details</h3>
            <ui-input data-field="name" label="Your name" .value=${p.name}></ui-input>
            <ui-input data-field="email" label="Email address" type="email" .value=${p.email}></ui-input>
            <ui-select data-field="country" label="Country or region" .options=${COUNTRIES} .value=${p.country}></ui-select>
          </div>
          <div class="card">
            <h3>Emails</h3>
            <ui-checkbox data-field="newsletter" label="Monthly newsletter" ?checked=${p.newsletter}></ui-checkbox>
            <ui-checkbox data-field="updates" label="Product update emails" ?checked=${p.updates}></ui-checkbox>
          </div>
          <div class="card">
            <h3>Theme</h3>
            <ui-switch data-field="dark" label="Dark mode" ?checked=${p.dark} @change=${(e) => applyTheme(e.target.checked)}></ui-switch>
          </div>
          <div class="bar">
            <button class="danger-link" @click=${() => (this.get('confirm').shown = true)}>Delete my account</button>
            <button class="primary" @click=${this.save}>Save</button>
          </div>
        </div>
        <section class="card" aria-label="Your profile">
          <h3>Your profile</h3>
          <div class="kv"><span class="kv__key">Name</span><span class="kv__value">${p.name}</span></div>
          <div class="kv"><span class="kv__key">Email</span><span class="kv__value">${p.email}</span></div>
          <div class="kv"><span class="kv__key">Country</span><span class="kv__value">${p.country}</span></div>
          <div class="kv"><span class="kv__key">Newsletter</span><span class="kv__value">${p.newsletter ? 'Yes' : 'No'}</span></div>
        </section>
      </main>
      ${this.toast ? html`<div class="toast" role="status">${this.toast}</div>` : ''}
      <ui-modal data-field="confirm" title="Delete your account?" @confirm=${() => (this.gone = true)}>
        <p>We will erase your profile and all of your data. This cannot be undone.</p>
      </ui-modal>
    `
  }
}
customElements.define('acme-settings', AcmeSettings)
