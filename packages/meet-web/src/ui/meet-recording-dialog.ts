import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { dispatchAction } from './actions.ts';
import { ADMIT_RECORDER_TEXT } from './e2ee-text.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/**
 * A moderator confirms a recording in an end-to-end encrypted meeting: the recorder will hold the
 * meeting's keys, and the button says so. (Without E2EE, "Start recording" starts at once.)
 * @fires meet-action - start-recording (admitRecorder), close-dialog
 */
@customElement('meet-recording-dialog')
export class MeetRecordingDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    p { font-size: 14px; line-height: 1.45; }
    .hint { font-size: 13px; color: var(--muted); }
  `];

  override render() {
    return html`<dialog aria-labelledby="recording-title" aria-describedby="recording-admit" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="recording-title">Record this encrypted meeting?</h2>
        <button class="icon-btn" aria-label="Close recording" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <p id="recording-admit">${ADMIT_RECORDER_TEXT}</p>
        <p class="hint">Everyone in the meeting sees that it is recorded.</p>
        <div class="actions">
          <button class="btn ghost" @click=${this.#close}>Cancel</button>
          <button class="btn primary" @click=${() => dispatchAction(this, { kind: 'start-recording', admitRecorder: true })}>${icons.record}Admit recorder and start</button>
        </div>
      </div>
    </dialog>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-recording-dialog': MeetRecordingDialog } }
