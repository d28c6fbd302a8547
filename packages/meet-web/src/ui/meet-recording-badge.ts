import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RecordingView } from '../client/conference-api.ts';
import { tokens } from './theme.ts';

const downloadIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 4v11M7.5 10.5 12 15l4.5-4.5M5 19.5h14"/></svg>`;

/**
 * The meeting's recording indicator in the top bar, for everyone: a red "REC" with a pulsing dot
 * while recording, "Starting recording…" while a recorder joins, nothing otherwise. The moderator
 * who started a finished recording gets its download link here instead.
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
    .pending { background: #3a2326; color: #ffb0b0; font-weight: 600; letter-spacing: 0; }
    .dot { width: 9px; height: 9px; border-radius: 50%; background: currentColor; flex: none; }
    .on .dot { animation: pulse 1.6s ease-in-out infinite; }
    .pending .dot { opacity: 0.6; }
    a.ready { background: var(--accent-soft); color: #c9d6ff; text-decoration: none; font-weight: 600; letter-spacing: 0; }
    a.ready:hover { text-decoration: underline; }
    a.ready svg { width: 15px; height: 15px; }
    @keyframes pulse { 50% { opacity: 0.35; } }
    @media (prefers-reduced-motion: reduce) { .on .dot { animation: none; } }
  `];

  @property({ attribute: false }) recording: RecordingView | undefined;

  override render() {
    const r = this.recording;
    if (r === undefined) return nothing;
    if (r.status === 'off') {
      return r.downloadUrl === undefined ? nothing
        : html`<a class="badge ready" href=${r.downloadUrl} target="_blank" rel="noopener noreferrer" download>${downloadIcon}Download recording</a>`;
    }
    const title = r.status === 'pending' ? 'Starting recording' : r.initiatorName !== undefined ? `Recording, started by ${r.initiatorName}` : 'This meeting is being recorded';
    return r.status === 'on'
      ? html`<span class="badge on" role="img" aria-label="Recording" title=${title}><span class="dot"></span>REC</span>`
      : html`<span class="badge pending" role="img" aria-label="Starting recording" title=${title}><span class="dot"></span>Starting recording…</span>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-recording-badge': MeetRecordingBadge } }
