import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Notice } from '../client/conference-api.ts';
import { controls, tokens } from './theme.ts';

/** A notice on screen, with the id its timer removes it by. */
export type ShownNotice = Notice & { readonly id: number };

/** Brief notices ("Bob muted you", "Only moderators can do that"), read out by screen readers. */
@customElement('meet-toasts')
export class MeetToasts extends LitElement {
  static override styles = [tokens, controls, css`
    :host { position: fixed; top: 16px; left: 50%; transform: translateX(-50%); z-index: 50; display: grid; gap: 8px; width: min(420px, calc(100vw - 24px)); pointer-events: none; }
    .toast { padding: 12px 16px; border-radius: 12px; background: var(--surface-3); border: 1px solid var(--border); font-size: 14px; line-height: 1.4; box-shadow: 0 10px 30px rgba(0, 0, 0, 0.4); }
    .toast.warning { border-color: #6b5620; }
    .toast.error { border-color: #7a2b2b; background: #3a2326; }
  `];

  @property({ attribute: false }) notices: readonly ShownNotice[] = [];

  override render() {
    return html`<div role="status" aria-live="polite">${this.notices.map((n) => html`<div class=${`toast ${n.kind}`}>${n.text}</div>`)}</div>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-toasts': MeetToasts } }
