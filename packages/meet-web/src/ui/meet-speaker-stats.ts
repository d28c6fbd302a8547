import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SpeakerStat } from '../client/conference-api.ts';
import { dispatchAction } from './actions.ts';
import { formatDuration } from './format-duration.ts';
import { icons } from './icons.ts';
import { controls, dialogStyles, tokens } from './theme.ts';

/**
 * Who spoke how long in this meeting (kept only while it lasts), longest first.
 * @fires meet-action - close-dialog
 */
@customElement('meet-speaker-stats')
export class MeetSpeakerStats extends LitElement {
  static override styles = [tokens, controls, dialogStyles, css`
    table { width: 100%; border-collapse: collapse; font-size: 14px; }
    th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; padding: 0 0 6px; }
    td { padding: 8px 0; border-top: 1px solid var(--border); }
    td.time, th.time { text-align: right; font-variant-numeric: tabular-nums; }
    .bar { height: 4px; border-radius: 2px; background: var(--accent); margin-top: 6px; }
  `];

  @property({ attribute: false }) stats: readonly SpeakerStat[] = [];

  override render() {
    const sorted = [...this.stats].sort((a, b) => b.speakingMs - a.speakingMs);
    const longest = Math.max(1, sorted[0]?.speakingMs ?? 1);
    return html`<dialog aria-labelledby="stats-title" @cancel=${this.#close}>
      <div class="dialog-head"><h2 id="stats-title">Speaker stats</h2>
        <button class="icon-btn" aria-label="Close speaker stats" @click=${this.#close}>${icons.close}</button></div>
      <div class="dialog-body">
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col" class="time">Speaking time</th></tr></thead>
          <tbody>${sorted.map((s) => html`<tr><td>${s.displayName}<div class="bar" style=${`width:${(100 * s.speakingMs) / longest}%`}></div></td>
            <td class="time">${formatDuration(s.speakingMs)}</td></tr>`)}</tbody>
        </table>
        <p>These numbers exist only during the meeting and are gone when it ends.</p>
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

declare global { interface HTMLElementTagNameMap { 'meet-speaker-stats': MeetSpeakerStats } }
