import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LiveStreamView } from '../client/conference-api.ts';
import { tokens } from './theme.ts';

/**
 * The meeting's live stream indicator in the top bar, for everyone: a red "LIVE" while the meeting
 * is broadcast, "Going live…" while the stream starts, nothing otherwise.
 */
@customElement('meet-live-badge')
export class MeetLiveBadge extends LitElement {
  static override styles = [tokens, css`
    :host { display: contents; }
    .badge {
      display: inline-flex; align-items: center; gap: 7px; padding: 3px 11px 3px 9px; border-radius: 999px;
      font-size: 13px; font-weight: 700; letter-spacing: 0.06em; white-space: nowrap;
    }
    .on { background: #d0182f; color: #fff; }
    .pending { background: #3a2326; color: #ffb0b0; font-weight: 600; letter-spacing: 0; }
    svg { width: 15px; height: 15px; flex: none; }
  `];

  /** The room's live stream (undefined: the core has none). */
  @property({ attribute: false }) liveStream: LiveStreamView | undefined;

  override render() {
    const l = this.liveStream;
    if (l === undefined || l.status === 'off') return nothing;
    const wave = html`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
      <circle cx="12" cy="12" r="2.2" fill="currentColor"/><path d="M8 8.5a5 5 0 0 0 0 7M16 8.5a5 5 0 0 1 0 7M5.2 5.8a9 9 0 0 0 0 12.4M18.8 5.8a9 9 0 0 1 0 12.4"/></svg>`;
    const title = l.status === 'pending' ? 'Starting the live stream' : l.initiatorName !== undefined ? `Live, started by ${l.initiatorName}` : 'This meeting is streamed live';
    return l.status === 'on'
      ? html`<span class="badge on" role="img" aria-label="Streaming live" title=${title}>${wave}LIVE</span>`
      : html`<span class="badge pending" role="img" aria-label="Starting the live stream" title=${title}>${wave}Going live…</span>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-live-badge': MeetLiveBadge } }
