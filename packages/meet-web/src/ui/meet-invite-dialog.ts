import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DialInInfo, PhoneCallView } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { ADMIT_GATEWAY_TEXT, DIAL_IN_E2EE_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/** What the dialog knows about dial-in: still asking the server, none offered, or numbers and PIN. */
export type DialInState = 'loading' | 'none' | DialInInfo;

const CALL_STATE_TEXT: Readonly<Record<PhoneCallView['state'], string>> = {
  calling: 'Calling…', connected: 'In the meeting', failed: 'Failed', ended: 'Ended',
};

/**
 * How to bring people in: the meeting link (copy), the phone numbers and PIN when the server offers
 * dial-in, and for moderators a form that calls a phone into the meeting, with the calls' progress
 * and a hang-up button. In an end-to-end encrypted meeting both say that the phone gateway holds
 * the meeting's keys.
 * @fires meet-action - dial-out, hang-up, close-dialog
 */
@customElement('meet-invite-dialog')
export class MeetInviteDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    dialog { width: min(480px, calc(100vw - 24px)); }
    section { display: grid; gap: 10px; }
    h3 { font-size: 15px; font-weight: 600; }
    .row { display: flex; gap: 8px; }
    .row input { flex: 1; min-width: 0; }
    /* The call button's label is longer in an encrypted meeting: it goes under the number when it must. */
    form.row { flex-wrap: wrap; }
    form.row input { flex: 1 1 160px; }
    input[type='tel'] {
      font: inherit; font-size: 15px; color: var(--text); background: var(--bg);
      border: 1px solid var(--border); border-radius: 10px; padding: 10px 12px; min-height: 44px;
    }
    .link { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 14px; }
    .dial-in { font-size: 15px; color: var(--text); }
    .dial-in strong { font-variant-numeric: tabular-nums; letter-spacing: 0.02em; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    .numbers li { display: flex; gap: 10px; font-size: 14px; color: var(--muted); }
    .numbers .country { min-width: 2.5em; font-weight: 600; color: var(--text); }
    .calls li { display: flex; align-items: center; gap: 10px; padding: 8px 10px; border-radius: 10px; background: var(--surface-2); }
    .calls .who { flex: 1; min-width: 0; display: grid; }
    .calls .number { font-variant-numeric: tabular-nums; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .calls .state { font-size: 12px; color: var(--muted); }
    .calls .state.connected { color: var(--speaking); }
    .calls .state.failed { color: #ff8a8a; }
    .calls svg.icon { color: var(--muted); }
    .error { color: #ff9c9c; font-size: 14px; }
    .hint { color: var(--muted); font-size: 13px; }
    .admit { color: var(--warning); font-size: 13px; line-height: 1.4; }
    .copied { color: var(--speaking); font-size: 13px; }
  `];

  /** The meeting's address, as people open it. */
  @property() roomUrl = '';
  @property({ attribute: false }) dialIn: DialInState = 'loading';
  /** The local participant moderates: offer calling a phone. */
  @property({ type: Boolean }) canDialOut = false;
  @property({ attribute: false }) calls: readonly PhoneCallView[] = [];
  /** The meeting is end-to-end encrypted: phone calls go through a gateway admitted to the keys. */
  @property({ type: Boolean }) e2ee = false;
  @state() private copied: 'yes' | 'failed' | undefined;

  override render() {
    const dialIn = typeof this.dialIn === 'object' ? this.dialIn : undefined;
    const first = dialIn?.numbers[0];
    const latest = this.calls.at(-1);
    return html`<dialog aria-labelledby="invite-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="invite-title">Invite people</h2>
        <button class="icon-btn" aria-label="Close invite" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <section>
          <h3>Share the meeting link</h3>
          <div class="row">
            <input type="text" class="link" readonly aria-label="Meeting link" .value=${this.roomUrl} @focus=${(e: Event) => (e.target as HTMLInputElement).select()}>
            <button class="btn primary" @click=${this.#copy}>${icons.copy}Copy</button>
          </div>
          ${this.copied === 'yes' ? html`<p class="copied" role="status">Copied. Paste it into an e-mail or chat.</p>`
            : this.copied === 'failed' ? html`<p class="hint" role="status">Select the link and copy it with Ctrl+C.</p>` : nothing}
        </section>
        ${this.dialIn === 'loading' ? html`<p class="hint">Looking up dial-in numbers…</p>`
          : dialIn === undefined || first === undefined ? nothing : html`<section aria-labelledby="dial-in-title">
          <h3 id="dial-in-title">Join by phone</h3>
          <p class="dial-in">Dial in: <strong>${first.number}</strong>${dialIn.pin !== undefined ? html`, PIN <strong>${dialIn.pin}#</strong>` : nothing}</p>
          ${dialIn.numbers.length > 1 ? html`<ul class="numbers" aria-label="Dial-in numbers">${dialIn.numbers.map((n) => html`<li>
            <span class="country">${n.country}</span><span>${n.number}</span>${n.tollFree ? html`<span>toll-free</span>` : nothing}</li>`)}</ul>` : nothing}
          ${this.e2ee ? html`<p class="admit">${DIAL_IN_E2EE_TEXT}</p>` : nothing}
        </section>`}
        ${this.canDialOut ? html`<section aria-labelledby="dial-out-title">
          <h3 id="dial-out-title">Call a phone into the meeting</h3>
          ${this.e2ee ? html`<p class="admit" id="dial-out-admit">${ADMIT_GATEWAY_TEXT}</p>` : nothing}
          <form class="row" @submit=${this.#dial}>
            <input type="tel" name="number" aria-label="Phone number" placeholder="+1 555 0100" autocomplete="off" required maxlength="40" inputmode="tel">
            <button class="btn primary" type="submit">${icons.phone}${this.e2ee ? 'Admit gateway and call' : 'Call'}</button>
          </form>
          ${latest?.error !== undefined ? html`<p class="error" role="alert">${latest.error.message}</p>` : nothing}
          ${this.calls.length === 0 ? nothing : html`<ul class="calls" aria-label="Phone calls">${[...this.calls].reverse().map((c) => this.#call(c))}</ul>`}
        </section>` : nothing}
      </div>
    </dialog>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  #call(c: PhoneCallView) {
    const live = c.state === 'calling' || c.state === 'connected';
    return html`<li aria-label=${`Call to ${c.number}`}>
      ${icons.phone}
      <span class="who"><span class="number">${c.number}</span><span class=${`state ${c.state}`} role="status">${CALL_STATE_TEXT[c.state]}</span></span>
      ${live ? html`<button class="btn small danger" aria-label=${`Hang up ${c.number}`} @click=${() => dispatchAction(this, { kind: 'hang-up', callId: c.id })}>Hang up</button>` : nothing}
    </li>`;
  }

  #dial(event: Event): void {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=number]');
    const number = (input?.value ?? '').trim();
    if (number === '') return;
    dispatchAction(this, { kind: 'dial-out', number });
    if (input !== null) input.value = '';
  }

  async #copy(): Promise<void> {
    const dialIn = typeof this.dialIn === 'object' ? this.dialIn : undefined;
    const first = dialIn?.numbers[0];
    const text = first === undefined ? this.roomUrl
      : `${this.roomUrl}\nDial in: ${first.number}${dialIn?.pin !== undefined ? `, PIN ${dialIn.pin}#` : ''}`;
    try {
      await navigator.clipboard.writeText(text);
      this.copied = 'yes';
    } catch {
      // No clipboard permission (some browsers, plain http): the link field is selectable.
      this.copied = 'failed';
      this.renderRoot.querySelector<HTMLInputElement>('input.link')?.select();
    }
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-invite-dialog': MeetInviteDialog } }
