import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LiveStreamView, RecordingView } from '../client/conference-api.ts';
import { tokens } from './theme.ts';

const downloadIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 4v11M7.5 10.5 12 15l4.5-4.5M5 19.5h14"/></svg>`;
const waveIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
  <circle cx="12" cy="12" r="2.2" fill="currentColor"/><path d="M8 8.5a5 5 0 0 0 0 7M16 8.5a5 5 0 0 1 0 7M5.2 5.8a9 9 0 0 0 0 12.4M18.8 5.8a9 9 0 0 1 0 12.4"/></svg>`;

/** The recorder's two jobs, as the jibri IQ's recording_mode names them: a recording to a file, a live stream. */
export type RecordingMode = 'file' | 'stream';

/** What each badge says: the text shown, the name a screen reader reads, and the tooltip. */
const TEXTS = {
  file: {
    on: 'REC', onLabel: 'Recording', pending: 'Starting recording…', pendingLabel: 'Starting recording',
    startedBy: (name: string) => `Recording, started by ${name}`, byNobodyKnown: 'This meeting is being recorded',
  },
  stream: {
    on: 'LIVE', onLabel: 'Streaming live', pending: 'Going live…', pendingLabel: 'Starting the live stream',
    startedBy: (name: string) => `Live, started by ${name}`, byNobodyKnown: 'This meeting is streamed live',
  },
} as const;

/**
 * The meeting's recording or live stream indicator in the top bar, for everyone: a red "REC" with
 * a pulsing dot while recording (a red "LIVE" with a wave while streaming), "Starting recording…"
 * ("Going live…") while a recorder joins, nothing otherwise. The moderator who started a finished
 * recording gets its download link here instead.
 */
@customElement('meet-recording-badge')
export class MeetRecordingBadge extends LitElement {
  static override styles = [tokens, css`
    :host { display: contents; }
    .badge {
      display: inline-flex; align-items: center; gap: 7px; padding: 3px 11px 3px 9px; border-radius: 999px;
      font-size: 13px; font-weight: 700; letter-spacing: 0.04em; white-space: nowrap;
    }
    .on { background: #b42323; color: #fff; }
    .on.stream { background: #d0182f; letter-spacing: 0.06em; }
    .pending { background: #3a2326; color: #ffb0b0; font-weight: 600; letter-spacing: 0; }
    .dot { width: 9px; height: 9px; border-radius: 50%; background: currentColor; flex: none; }
    .on .dot { animation: pulse 1.6s ease-in-out infinite; }
    .pending .dot { opacity: 0.6; }
    .badge svg { width: 15px; height: 15px; flex: none; }
    a.ready { background: var(--accent-soft); color: #c9d6ff; text-decoration: none; font-weight: 600; letter-spacing: 0; }
    a.ready:hover { text-decoration: underline; }
    @keyframes pulse { 50% { opacity: 0.35; } }
    @media (prefers-reduced-motion: reduce) { .on .dot { animation: none; } }
  `];

  /** Which job this badge shows. */
  @property() mode: RecordingMode = 'file';
  /** Its state (undefined: the core has none). */
  @property({ attribute: false }) recording: RecordingView | LiveStreamView | undefined;

  override render() {
    const r = this.recording;
    if (r === undefined) return nothing;
    if (r.status === 'off') {
      const downloadUrl = 'downloadUrl' in r ? r.downloadUrl : undefined;
      return downloadUrl === undefined ? nothing
        : html`<a class="badge ready" href=${downloadUrl} target="_blank" rel="noopener noreferrer" download>${downloadIcon}Download recording</a>`;
    }
    const t = TEXTS[this.mode];
    const icon = this.mode === 'stream' ? waveIcon : html`<span class="dot"></span>`;
    const title = r.status === 'pending' ? t.pendingLabel : r.initiatorName !== undefined ? t.startedBy(r.initiatorName) : t.byNobodyKnown;
    return r.status === 'on'
      ? html`<span class="badge on ${this.mode}" role="img" aria-label=${t.onLabel} title=${title}>${icon}${t.on}</span>`
      : html`<span class="badge pending ${this.mode}" role="img" aria-label=${t.pendingLabel} title=${title}>${icon}${t.pending}</span>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-recording-badge': MeetRecordingBadge } }
