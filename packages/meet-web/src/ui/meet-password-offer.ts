import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { dispatchAction } from './actions.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

/**
 * Shown to the first moderator right after creating a room: set a password now?
 * @fires meet-action - set-room-password, dismiss-password-offer
 */
@customElement('meet-password-offer')
export class MeetPasswordOffer extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; }
    .offer { display: grid; gap: 12px; padding: 16px 18px; width: min(420px, calc(100vw - 24px)); }
    .head { display: flex; gap: 12px; align-items: start; }
    .head svg.icon { color: #9bb5ff; width: 22px; height: 22px; margin-top: 2px; }
    h2 { font-size: 15px; font-weight: 600; }
    p { color: var(--muted); font-size: 14px; line-height: 1.45; margin-top: 4px; }
    form { display: flex; gap: 8px; }
    form input { flex: 1; min-width: 0; }
  `];

  override render() {
    return html`<section class="card offer" role="region" aria-labelledby="offer-title">
      <div class="head">${icons.lock}<div>
        <h2 id="offer-title">You created this meeting</h2>
        <p>Add a password so that only people you give it to can join.</p></div></div>
      <form @submit=${this.#set}>
        <input type="text" name="password" aria-label="New meeting password" placeholder="Password" autocomplete="off" maxlength="64">
        <button class="btn primary small" type="submit">Set</button>
        <button class="btn ghost small" type="button" @click=${() => dispatchAction(this, { kind: 'dismiss-password-offer' })}>Not now</button>
      </form>
    </section>`;
  }

  #set(event: Event): void {
    event.preventDefault();
    const password = (this.renderRoot.querySelector<HTMLInputElement>('input')?.value ?? '').trim();
    if (password === '') return;
    dispatchAction(this, { kind: 'set-room-password', password });
    dispatchAction(this, { kind: 'dismiss-password-offer' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-password-offer': MeetPasswordOffer } }
