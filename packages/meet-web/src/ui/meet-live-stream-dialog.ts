import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { liveStreamTarget } from '../client/recording/live-stream-target.ts';
import { dispatchAction } from './actions.ts';
import { ADMIT_STREAMER_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/**
 * A moderator streams the meeting live: asks for the stream key (YouTube's "Stream key") or an
 * rtmp:// address, checked before it is sent. The key is a secret: it is not shown in clear text.
 * In an end-to-end encrypted meeting it says that the recorder will hold the meeting's keys.
 * @fires meet-action - start-live-stream, close-dialog
 */
@customElement('meet-live-stream-dialog')
export class MeetLiveStreamDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    form { display: grid; gap: 12px; }
    .hint { font-size: 13px; color: var(--muted, #aab); margin: 0; }
    .wrong { color: #ff9c9c; font-size: 14px; margin: 0; }
    .admit { font-size: 14px; line-height: 1.45; color: var(--warning); margin: 0; }
    .show { display: flex; align-items: center; gap: 8px; font-size: 14px; cursor: pointer; }
  `];

  /** The meeting is end-to-end encrypted: the recorder that streams it is admitted to the keys. */
  @property({ type: Boolean }) e2ee = false;
  /** The entered target was neither a key nor an rtmp address. */
  @state() private wrong = false;
  @state() private reveal = false;

  override render() {
    return html`<dialog aria-labelledby="live-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="live-title">Start a live stream</h2>
        <button class="icon-btn" aria-label="Close live stream" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <p>Stream this meeting live, for example on YouTube. Everyone in the meeting sees that it is live.</p>
        ${this.e2ee ? html`<p class="admit">${ADMIT_STREAMER_TEXT}</p>` : nothing}
        <form @submit=${this.#submit}>
          <label class="field">Stream key or RTMP address
            <input type=${this.reveal ? 'text' : 'password'} name="target" autocomplete="off" spellcheck="false" required maxlength="2048"
                aria-invalid=${this.wrong ? 'true' : 'false'} aria-describedby=${this.wrong ? 'wrong' : 'hint'} @input=${() => { this.wrong = false; }}></label>
          <p class="hint" id="hint">A key from your streaming service's live dashboard (sent to YouTube), or an rtmp:// or rtmps:// address.</p>
          <label class="show"><input type="checkbox" .checked=${this.reveal} @change=${(e: Event) => { this.reveal = (e.target as HTMLInputElement).checked; }}>Show the key</label>
          ${this.wrong ? html`<p class="wrong" id="wrong" role="alert">That is not a stream key or an rtmp:// address.</p>` : nothing}
          <div class="actions">
            <button class="btn ghost" type="button" @click=${this.#close}>Cancel</button>
            <button class="btn primary" type="submit">${this.e2ee ? 'Admit recorder and go live' : 'Go live'}</button>
          </div>
        </form>
      </div>
    </dialog>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
    this.renderRoot.querySelector<HTMLInputElement>('input[name=target]')?.focus();
  }

  #submit(event: Event): void {
    event.preventDefault();
    const target = liveStreamTarget(this.renderRoot.querySelector<HTMLInputElement>('input[name=target]')?.value ?? '');
    if (target === undefined) {
      this.wrong = true;
      return;
    }
    dispatchAction(this, { kind: 'start-live-stream', target });
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-live-stream-dialog': MeetLiveStreamDialog } }
