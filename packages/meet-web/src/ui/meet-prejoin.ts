import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConferenceError, LocalMedia } from '../client/conference-api.ts';
import { avatarColour, initials } from './avatar.ts';
import { explainError } from './error-text.ts';
import './meet-audio-meter.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

/** What the user chose before joining. */
export type JoinRequest = { readonly displayName: string; readonly audioMuted: boolean; readonly videoMuted: boolean };

/**
 * The check before joining: camera preview, name, devices, join muted or not.
 * @fires meet-join - detail: JoinRequest
 * @fires meet-home - back to the welcome page
 */
@customElement('meet-prejoin')
export class MeetPrejoin extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; min-height: 100%; background: radial-gradient(1000px 500px at 50% -20%, #1a2140 0%, var(--bg) 65%); }
    .page { max-width: 1040px; min-height: 100vh; min-height: 100dvh; margin: 0 auto; padding: 24px 20px 40px; display: grid; grid-template-columns: minmax(0, 1fr); grid-template-rows: auto 1fr; gap: 28px; }
    .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 18px; color: var(--text); text-decoration: none; width: fit-content; }
    .brand svg.logo { width: 30px; height: 30px; }
    main { display: grid; grid-template-columns: minmax(0, 1.45fr) minmax(300px, 1fr); gap: 36px; align-items: center; align-self: center; padding-bottom: 6vh; }
    .preview { position: relative; aspect-ratio: 16 / 9; border-radius: 18px; overflow: hidden; background: #181c24; box-shadow: 0 24px 70px rgba(0, 0, 0, 0.5); }
    video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); display: block; }
    .placeholder { position: absolute; inset: 0; display: grid; place-items: center; align-content: center; gap: 12px; text-align: center; padding: 20px; }
    .avatar { width: 96px; height: 96px; border-radius: 50%; display: grid; place-items: center; font-size: 34px; font-weight: 600; color: #fff; }
    .media-error { color: #ffb0b0; max-width: 380px; display: grid; gap: 6px; }
    .media-error strong { color: var(--text); font-size: 16px; }
    .media-error span { color: var(--muted); font-size: 14px; line-height: 1.45; }
    .you { position: absolute; left: 12px; top: 12px; padding: 4px 10px; border-radius: 8px; background: rgba(13, 15, 19, 0.72); font-size: 13px; font-weight: 500; max-width: calc(100% - 24px); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .meter { position: absolute; right: 12px; top: 12px; display: flex; align-items: center; gap: 6px; padding: 5px 10px; border-radius: 8px; background: rgba(13, 15, 19, 0.72); }
    .meter svg.icon { width: 16px; height: 16px; }
    .toggles { position: absolute; left: 0; right: 0; bottom: 14px; display: flex; justify-content: center; gap: 12px; }
    .toggle { width: 52px; height: 52px; border-radius: 50%; border: 0; display: grid; place-items: center; background: rgba(30, 34, 42, 0.82); color: var(--text); backdrop-filter: blur(8px); }
    .toggle:hover { background: rgba(52, 58, 70, 0.9); }
    .toggle[aria-pressed='true'] { background: var(--danger); color: #fff; }
    .toggle svg.icon { width: 22px; height: 22px; }
    .side { display: grid; gap: 18px; }
    h1 { font-size: 28px; font-weight: 700; letter-spacing: -0.01em; overflow-wrap: anywhere; }
    .sub { color: var(--muted); font-size: 15px; margin-top: 6px; }
    form { display: grid; gap: 14px; }
    .devices { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
    .join { min-height: 52px; font-size: 16px; border-radius: 12px; }
    .note { color: var(--muted); font-size: 13px; line-height: 1.5; }
    .name-error { color: #ff9c9c; font-size: 14px; margin: 0; }
    @media (max-width: 760px) {
      main { grid-template-columns: minmax(0, 1fr); gap: 20px; align-self: start; padding-bottom: 0; }
      .page { padding: 16px 14px 32px; gap: 16px; }
      .devices { grid-template-columns: 1fr; }
    }
  `];

  /** The room about to be joined. */
  @property() room = '';
  /** Camera and microphone for the preview; kept open for the meeting. */
  @property({ attribute: false }) media: LocalMedia | undefined;
  /** Pre-filled name (local storage or the link). */
  @property() displayName = '';
  @property({ type: Boolean }) audioMuted = false;
  @property({ type: Boolean }) videoMuted = false;
  /** The operator asks everyone for a name. */
  @property({ type: Boolean }) requireDisplayName = false;
  @property() appName = 'Plenum';

  @state() private stream: MediaStream | undefined;
  @state() private mediaError: ConferenceError | undefined;
  @state() private devices: readonly MediaDeviceInfo[] = [];
  @state() private nameMissing = false;
  @state() private opening = true;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#open({});
  }

  override render() {
    const showVideo = this.stream !== undefined && !this.videoMuted && this.stream.getVideoTracks().length > 0;
    const cams = this.devices.filter((d) => d.kind === 'videoinput');
    const mics = this.devices.filter((d) => d.kind === 'audioinput');
    const inUse = (kind: 'audio' | 'video') => this.stream?.getTracks().find((t) => t.kind === kind)?.getSettings().deviceId ?? '';
    const name = this.displayName.trim();
    return html`<div class="page">
      <a class="brand" href="/" @click=${this.#home}>${icons.logo}<span>${this.appName}</span></a>
      <main>
        <div class="preview" role="group" aria-label="Camera preview">
          ${showVideo ? html`<video autoplay playsinline muted .srcObject=${this.stream}></video>` : html`<div class="placeholder">
            ${this.mediaError === undefined
              ? html`<div class="avatar" style=${`background:${avatarColour(name || '?')}`} aria-hidden="true">${initials(name || '?')}</div>
                  ${this.opening ? html`<span class="note">Starting camera…</span>` : html`<span class="note">Camera is off</span>`}`
              : html`<div class="media-error" role="alert" data-code=${this.mediaError.code}>${icons.warning}<strong>${explainError(this.mediaError.code).title}</strong>
                  ${this.mediaError.code === 'media-failed' || this.mediaError.code === 'camera-unavailable' ? html`<span>${this.mediaError.message}</span>` : nothing}
                  <span>${explainError(this.mediaError.code).detail}${this.stream === undefined ? ' You can still join and listen.' : ''}</span>
                  <button class="btn ghost retry-media" type="button" @click=${() => void this.#open({})}>Try again</button></div>`}
          </div>`}
          ${name === '' ? nothing : html`<span class="you" aria-hidden="true">${name}</span>`}
          ${this.stream?.getAudioTracks().length ? html`<span class="meter">${this.audioMuted ? icons.micOff : icons.mic}<meet-audio-meter .stream=${this.stream}></meet-audio-meter></span>` : nothing}
          <div class="toggles">
            <button class="toggle" aria-pressed=${String(this.audioMuted)} aria-label=${this.audioMuted ? 'Unmute microphone' : 'Mute microphone'}
                    title=${this.audioMuted ? 'Unmute microphone' : 'Mute microphone'} @click=${this.#toggleAudio}>${this.audioMuted ? icons.micOff : icons.mic}</button>
            <button class="toggle" aria-pressed=${String(this.videoMuted)} aria-label=${this.videoMuted ? 'Start camera' : 'Stop camera'}
                    title=${this.videoMuted ? 'Start camera' : 'Stop camera'} @click=${this.#toggleVideo}>${this.videoMuted ? icons.cameraOff : icons.camera}</button>
          </div>
        </div>
        <div class="side">
          <div><h1>${this.room}</h1><p class="sub">Check your camera and microphone, then join.</p></div>
          <form @submit=${this.#join} novalidate>
            <label class="field">Your name
              <input type="text" name="name" autocomplete="name" maxlength="64" placeholder="How others will see you"
                     .value=${this.displayName} aria-invalid=${String(this.nameMissing)} aria-describedby=${this.nameMissing ? 'name-error' : nothing}
                     @input=${(e: Event) => { this.displayName = (e.target as HTMLInputElement).value; this.nameMissing = false; }}></label>
            ${this.nameMissing ? html`<p class="name-error" id="name-error" role="alert">Please enter your name to join.</p>` : nothing}
            ${cams.length + mics.length === 0 ? nothing : html`<div class="devices">
              <label class="field">Camera<select @change=${(e: Event) => this.#choose('video', e)}>
                ${cams.length === 0 ? html`<option disabled selected>No camera</option>` : nothing}
                ${cams.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === inUse('video')}>${d.label || `Camera ${i + 1}`}</option>`)}</select></label>
              <label class="field">Microphone<select @change=${(e: Event) => this.#choose('audio', e)}>
                ${mics.length === 0 ? html`<option disabled selected>No microphone</option>` : nothing}
                ${mics.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === inUse('audio')}>${d.label || `Microphone ${i + 1}`}</option>`)}</select></label>
            </div>`}
            <button class="btn primary join" type="submit">Join meeting</button>
          </form>
          <p class="note">Your name is kept only in this browser.</p>
        </div>
      </main>
    </div>`;
  }

  async #open(choice: { audioDeviceId?: string; videoDeviceId?: string }): Promise<void> {
    const media = this.media;
    if (media === undefined) return;
    this.opening = true;
    try {
      this.stream = await media.open({ audio: true, video: true, ...choice });
      // Only the microphone (or only the camera) opened: say which one is missing, and show it off.
      this.mediaError = media.missing;
      if (media.missing?.code === 'camera-unavailable') this.videoMuted = true;
      if (media.missing?.code === 'microphone-unavailable') this.audioMuted = true;
      this.#applyMutes();
    } catch (error) {
      this.stream = undefined;
      this.mediaError = isConferenceError(error) ? error : { code: 'media-failed', message: String(error) };
    } finally {
      this.opening = false;
    }
    this.devices = await media.devices().catch(() => []);
  }

  /** The preview follows the toggles; the meeting starts muted accordingly (JoinOptions). */
  #applyMutes(): void {
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !this.audioMuted;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !this.videoMuted;
  }

  #toggleAudio(): void {
    this.audioMuted = !this.audioMuted;
    this.#applyMutes();
  }

  #toggleVideo(): void {
    this.videoMuted = !this.videoMuted;
    this.#applyMutes();
  }

  #choose(kind: 'audio' | 'video', event: Event): void {
    const deviceId = (event.target as HTMLSelectElement).value;
    void this.#open(kind === 'audio' ? { audioDeviceId: deviceId } : { videoDeviceId: deviceId });
  }

  #join(event: Event): void {
    event.preventDefault();
    const displayName = this.displayName.trim();
    if (displayName === '' && this.requireDisplayName) {
      this.nameMissing = true;
      this.renderRoot.querySelector<HTMLInputElement>('input[name=name]')?.focus();
      return;
    }
    this.dispatchEvent(new CustomEvent<JoinRequest>('meet-join', {
      detail: { displayName, audioMuted: this.audioMuted, videoMuted: this.videoMuted }, bubbles: true, composed: true,
    }));
  }

  #home(event: Event): void {
    event.preventDefault();
    this.dispatchEvent(new CustomEvent('meet-home', { bubbles: true, composed: true }));
  }
}

function isConferenceError(value: unknown): value is ConferenceError {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
    && typeof (value as { message?: unknown }).message === 'string';
}

declare global { interface HTMLElementTagNameMap { 'meet-prejoin': MeetPrejoin } }
