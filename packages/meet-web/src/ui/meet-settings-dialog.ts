import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LocalMedia } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['M', 'Mute or unmute microphone'], ['V', 'Start or stop camera'], ['D', 'Share screen'],
  ['C', 'Open or close chat'], ['R', 'Raise or lower hand'], ['W', 'Tile or speaker view'],
];

/**
 * Display name, camera and microphone choice, and the keyboard shortcuts.
 * @fires meet-action - set-display-name, switch-device, close-dialog
 */
@customElement('meet-settings-dialog')
export class MeetSettingsDialog extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    dl { display: grid; grid-template-columns: auto 1fr; gap: 8px 12px; margin: 0; font-size: 14px; }
    dt kbd { display: inline-grid; place-items: center; min-width: 26px; height: 26px; border: 1px solid var(--border); border-radius: 6px; background: var(--surface-2); font: inherit; font-weight: 600; }
    dd { margin: 0; align-self: center; color: var(--muted); }
    h3 { font-size: 14px; font-weight: 600; }
  `];

  /** Where the device list comes from. */
  @property({ attribute: false }) media: LocalMedia | undefined;
  @property() displayName = '';
  @state() private devices: readonly MediaDeviceInfo[] = [];

  override render() {
    const inUse = (kind: 'audio' | 'video') =>
      this.media?.stream?.getTracks().find((t) => t.kind === kind)?.getSettings().deviceId ?? '';
    const options = (kind: MediaDeviceKind, current: string) => this.devices.filter((d) => d.kind === kind)
      .map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === current}>${d.label || `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${i + 1}`}</option>`);
    return html`<dialog aria-labelledby="settings-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="settings-title">Settings</h2>
        <button class="icon-btn" aria-label="Close settings" @click=${this.#close}>${icons.close}</button></div>
      <form class="dialog-body" @submit=${this.#save}>
        <label class="field">Your name<input type="text" name="name" .value=${this.displayName} maxlength="64" autocomplete="name"></label>
        <label class="field">Camera<select @change=${(e: Event) => this.#switch('videoinput', e)}>${options('videoinput', inUse('video'))}</select></label>
        <label class="field">Microphone<select @change=${(e: Event) => this.#switch('audioinput', e)}>${options('audioinput', inUse('audio'))}</select></label>
        <h3>Keyboard shortcuts</h3>
        <dl>${SHORTCUTS.map(([key, what]) => html`<dt><kbd>${key}</kbd></dt><dd>${what}</dd>`)}</dl>
        <div class="actions"><button class="btn primary" type="submit">Done</button></div>
      </form>
    </dialog>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
    void this.media?.devices().then((devices) => { this.devices = devices; });
  }

  #switch(device: 'audioinput' | 'videoinput', event: Event): void {
    dispatchAction(this, { kind: 'switch-device', device, deviceId: (event.target as HTMLSelectElement).value });
  }

  #save(event: Event): void {
    event.preventDefault();
    const name = (this.renderRoot.querySelector<HTMLInputElement>('input[name=name]')?.value ?? '').trim();
    if (name !== '' && name !== this.displayName) dispatchAction(this, { kind: 'set-display-name', name });
    this.#close(event);
  }

  #close(event: Event): void {
    event.preventDefault();
    dispatchAction(this, { kind: 'close-dialog' });
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-settings-dialog': MeetSettingsDialog } }
