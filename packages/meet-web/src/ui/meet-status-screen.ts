import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

/**
 * A calm full-screen message: errors, waiting in the lobby or for the host, the end of a
 * meeting, an unsupported browser. The buttons come from the parent.
 * @slot - extra content under the text (a form)
 * @slot actions - the buttons
 */
@customElement('meet-status-screen')
export class MeetStatusScreen extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: grid; place-items: center; min-height: 100%; padding: 24px 16px; background: var(--bg); }
    .card { width: min(460px, 100%); padding: 32px 28px; display: grid; gap: 14px; justify-items: center; text-align: center; }
    .badge { width: 56px; height: 56px; border-radius: 50%; display: grid; place-items: center; background: var(--surface-2); }
    .badge svg.icon { width: 28px; height: 28px; }
    .badge svg.logo { width: 40px; height: 40px; }
    .badge.error { background: rgba(199, 52, 52, 0.16); color: #ff8a8a; }
    .badge.wait { background: var(--accent-soft); color: #9bb5ff; }
    .spinner { width: 28px; height: 28px; border-radius: 50%; border: 3px solid rgba(155, 181, 255, 0.25); border-top-color: #9bb5ff; animation: spin 1s linear infinite; }
    @keyframes spin { to { transform: rotate(360deg); } }
    @media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 3s; } }
    h1 { font-size: 22px; font-weight: 650; line-height: 1.3; }
    p { color: var(--muted); font-size: 15px; line-height: 1.55; }
    ::slotted([slot='actions']) { margin-top: 6px; }
    .slot-wrap { width: 100%; display: grid; gap: 12px; }
  `];

  @property() heading = '';
  @property() detail = '';
  /** error: a warning sign; wait: a spinner; info: the logo. */
  @property() tone: 'error' | 'wait' | 'info' = 'info';

  override render() {
    return html`<main class="card" role=${this.tone === 'error' ? 'alert' : 'status'}>
      <div class=${`badge ${this.tone}`} aria-hidden="true">
        ${this.tone === 'error' ? icons.warning : this.tone === 'wait' ? html`<div class="spinner"></div>` : icons.logo}
      </div>
      <h1>${this.heading}</h1>
      ${this.detail === '' ? nothing : html`<p>${this.detail}</p>`}
      <div class="slot-wrap"><slot></slot><slot name="actions"></slot></div>
    </main>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-status-screen': MeetStatusScreen } }
