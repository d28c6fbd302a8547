import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { E2eeView, RoomView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { E2EE_SERVICES_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/**
 * Moderators lock the room with a password and switch the lobby on or off.
 * @fires meet-action - set-room-password, set-lobby, close-dialog
 */
@customElement('meet-security-dialog')
export class MeetSecurityDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    section { display: grid; gap: 10px; }
    h3 { font-size: 15px; font-weight: 600; }
    .row { display: flex; gap: 8px; }
    .row input { flex: 1; }
    .switch { display: flex; align-items: center; gap: 12px; font-size: 15px; cursor: pointer; }
    .switch input { width: 20px; height: 20px; accent-color: var(--accent); }
    .status { display: flex; align-items: center; gap: 8px; color: var(--speaking); font-size: 14px; }
  `];

  @property({ attribute: false }) room: RoomView | undefined;
  /** End-to-end encryption (absent: the core has none, the section is not shown). */
  @property({ attribute: false }) e2ee: E2eeView | undefined;

  override render() {
    const room = this.room;
    return html`<dialog aria-labelledby="security-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="security-title">Security options</h2>
        <button class="icon-btn" aria-label="Close security options" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <section>
          <h3>Password</h3>
          ${room?.locked === true
            ? html`<p class="status">${icons.lock}This meeting is locked with a password.</p>
                <div class="actions"><button class="btn ghost" @click=${() => dispatchAction(this, { kind: 'set-room-password', password: undefined })}>Remove password</button></div>`
            : html`<p>People will need this password to join.</p>
                <form class="row" @submit=${this.#lock}>
                  <input type="text" name="password" aria-label="Meeting password" autocomplete="off" required minlength="1" maxlength="64">
                  <button class="btn primary" type="submit">Lock</button>
                </form>`}
        </section>
        <section>
          <h3>Lobby</h3>
          <label class="switch"><input type="checkbox" .checked=${room?.lobbyEnabled === true}
              @change=${(e: Event) => dispatchAction(this, { kind: 'set-lobby', enabled: (e.target as HTMLInputElement).checked })}>
            Ask new people to wait until a moderator lets them in</label>
        </section>
        ${this.e2ee === undefined ? nothing : html`<section>
          <h3>End-to-end encryption</h3>
          <label class="switch"><input type="checkbox" .checked=${this.e2ee.enabled} ?disabled=${!this.e2ee.supported && !this.e2ee.enabled}
              @change=${(e: Event) => dispatchAction(this, { kind: 'set-e2ee', enabled: (e.target as HTMLInputElement).checked })}>
            Encrypt camera, microphone and screen for the people in the meeting only</label>
          <p>${E2EE_SERVICES_TEXT}</p>
        </section>`}
      </div>
    </dialog>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  #lock(event: Event): void {
    event.preventDefault();
    const password = (this.renderRoot.querySelector<HTMLInputElement>('input[name=password]')?.value ?? '').trim();
    if (password !== '') dispatchAction(this, { kind: 'set-room-password', password });
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-security-dialog': MeetSecurityDialog } }
