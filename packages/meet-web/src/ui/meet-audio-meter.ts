import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { levelOf } from './audio-level.ts';
import { tokens } from './theme.ts';

const BARS = 5;
const SAMPLE_MS = 100;

/** "Is my microphone working?": a small level meter for a stream's audio, before joining. */
@customElement('meet-audio-meter')
export class MeetAudioMeter extends LitElement {
  static override styles = [tokens, css`
    :host { display: inline-flex; align-items: end; gap: 3px; height: 18px; }
    span { width: 4px; border-radius: 2px; background: rgba(255, 255, 255, 0.25); transition: background 0.08s; }
    span.on { background: var(--speaking); }
  `];

  /** The stream whose first audio track is measured. */
  @property({ attribute: false }) stream: MediaStream | undefined;
  @state() private level = 0;
  #audio: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  override render() {
    const lit = Math.round(this.level * BARS);
    return html`<div role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(this.level * 100)}
        style="display:contents">${Array.from({ length: BARS }, (_, i) => html`<span class=${i < lit ? 'on' : ''} style=${`height:${6 + i * 3}px`}></span>`)}</div>`;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('stream')) this.#measure();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stop();
  }

  #measure(): void {
    this.#stop();
    const track = this.stream?.getAudioTracks()[0];
    if (track === undefined) return;
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.#audio = audio;
    // Browsers may start an AudioContext suspended until the page was clicked; any click resumes it.
    if (audio.state === 'suspended') document.addEventListener('pointerdown', () => void audio.resume(), { once: true });
    this.#timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      this.level = track.enabled ? levelOf(samples) : 0;
    }, SAMPLE_MS);
  }

  #stop(): void {
    clearInterval(this.#timer);
    void this.#audio?.close().catch(() => undefined);
    this.#audio = undefined;
    this.level = 0;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-audio-meter': MeetAudioMeter } }
