import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { E2eeView, ParticipantView, RecorderE2ee, SasSymbol } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import {
  E2EE_ON_TEXT, E2EE_SERVICES_TEXT, E2EE_UNSUPPORTED_TEXT, E2EE_VERIFY_TEXT, PHONE_HOLDS_KEYS_TEXT, PHONE_NO_KEYS_TEXT, RECORDER_NO_KEYS_TEXT, recorderHoldsKeysText,
} from './e2ee-text.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/**
 * End-to-end encryption: the state, and per remote participant the 7 emoji of the pair's short
 * authentication string, to compare out of band and mark verified. Phone callers and recorders
 * have no emoji to compare (nobody can read them to a gateway): their rows say whether they hold
 * the keys and what that means.
 * @fires meet-action - set-e2ee-verified, close-dialog
 */
@customElement('meet-e2ee-dialog')
export class MeetE2eeDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    section { display: grid; gap: 10px; }
    p { font-size: 14px; line-height: 1.45; }
    .note { color: var(--muted); font-size: 13px; }
    .warn { color: var(--warning); }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
    li { display: grid; gap: 8px; padding: 12px; border-radius: 12px; background: var(--surface-2); }
    .who { display: flex; align-items: center; gap: 8px; font-weight: 600; }
    .who .state { margin-left: auto; font-weight: 500; font-size: 13px; color: var(--muted); display: inline-flex; align-items: center; gap: 4px; }
    .who .state.ok { color: #7fe0b0; }
    .who .state.warn { color: var(--warning); }
    .what { font-size: 13px; line-height: 1.4; color: var(--muted); }
    .sas { display: grid; grid-template-columns: repeat(7, 1fr); gap: 3px; }
    .sym { display: grid; justify-items: center; min-width: 0; padding: 4px 1px; border-radius: 8px; background: var(--surface); }
    .sym .e { font-size: 24px; line-height: 1.2; }
    .sym .n { font-size: 9px; letter-spacing: -0.2px; color: var(--muted); white-space: nowrap; text-align: center; }
    svg.icon { width: 16px; height: 16px; }
  `];

  /** The room's E2EE state. */
  @property({ attribute: false }) e2ee: E2eeView | undefined;
  @property({ attribute: false }) participants: readonly ParticipantView[] = [];
  /** The SAS of the local participant with `id` (the conference's `e2eeSas`). */
  @property({ attribute: false }) sasOf: (id: string) => readonly SasSymbol[] | undefined = () => undefined;
  /** The room's recording and live stream: what a recorder holding the keys does with the meeting. */
  @property({ attribute: false }) recording = false;
  @property({ attribute: false }) streaming = false;

  override render() {
    const e = this.e2ee;
    // While the room is not encrypted a phone call is not either: only people are listed, to verify ahead.
    const remotes = this.participants.filter((p) => !p.isLocal && (!p.isPhone || e?.enabled === true));
    const recorders = e?.enabled === true ? e.recorders ?? [] : [];
    return html`<dialog aria-labelledby="e2ee-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="e2ee-title">End-to-end encryption</h2>
        <button class="icon-btn" aria-label="Close end-to-end encryption" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <section>
          ${e?.enabled === true
            ? html`<p>${e.supported ? E2EE_ON_TEXT : html`<span class="warn">${E2EE_UNSUPPORTED_TEXT}</span>`}</p>`
            : html`<p>This meeting is not end-to-end encrypted. A moderator can turn it on in the security options.</p>`}
          <p class="note">${E2EE_SERVICES_TEXT}</p>
        </section>
        ${e?.supported === false ? nothing : html`<section aria-label="Verify participants">
          ${remotes.length + recorders.length === 0 ? html`<p class="note">Nobody else is here yet.</p>`
            : remotes.some((p) => !p.isPhone) ? html`<p>${E2EE_VERIFY_TEXT}</p>` : nothing}
          <ul>${remotes.map((p) => (p.isPhone ? this.#phoneRow(p) : this.#row(p)))}${recorders.map((r) => this.#recorderRow(r))}</ul>
        </section>`}
      </div>
    </dialog>`;
  }

  #row(p: ParticipantView) {
    const sas = this.sasOf(p.id);
    const verified = p.e2ee?.verified === true;
    return html`<li aria-label=${`Verification with ${p.displayName}`}>
      <div class="who">${p.displayName}
        <span class=${verified ? 'state ok' : 'state'}>${verified ? html`${icons.shield}Verified` : p.e2ee?.hasKeys === true ? 'Not verified' : 'Holds no keys: cannot see or hear this meeting'}</span></div>
      ${sas === undefined ? nothing : html`<div class="sas" role="list" aria-label=${`Emoji to compare with ${p.displayName}`}>
        ${sas.map((s) => html`<span class="sym" role="listitem" aria-label=${s.name}><span class="e" aria-hidden="true">${s.emoji}</span><span class="n">${s.name}</span></span>`)}</div>
        <div class="actions"><button class=${verified ? 'btn ghost' : 'btn primary'} aria-pressed=${String(verified)}
          @click=${() => dispatchAction(this, { kind: 'set-e2ee-verified', id: p.id, verified: !verified })}>${verified ? `Unmark ${p.displayName}` : `They match: ${p.displayName} is verified`}</button></div>`}
    </li>`;
  }

  #phoneRow(p: ParticipantView) {
    const keys = p.e2ee?.hasKeys === true;
    return html`<li aria-label=${`Keys of ${p.displayName}`}>
      <div class="who">${icons.phone}${p.displayName}
        <span class=${keys ? 'state' : 'state warn'}>${keys ? 'Holds keys' : 'Holds no keys'}</span></div>
      <p class="what">${keys ? PHONE_HOLDS_KEYS_TEXT : PHONE_NO_KEYS_TEXT}</p>
    </li>`;
  }

  #recorderRow(r: RecorderE2ee) {
    return html`<li aria-label="Keys of the recorder">
      <div class="who">${icons.record}Recorder
        <span class=${r.hasKeys ? 'state' : 'state warn'}>${r.hasKeys ? 'Holds keys' : 'Holds no keys'}</span></div>
      <p class="what">${r.hasKeys ? recorderHoldsKeysText(this.recording, this.streaming) : RECORDER_NO_KEYS_TEXT}</p>
    </li>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-e2ee-dialog': MeetE2eeDialog } }
