import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatDuration } from './format-duration.ts';
import { tokens } from './theme.ts';

/** How long we have been in the meeting; ticks on its own so the meeting view never re-renders for it. */
@customElement('meet-meeting-clock')
export class MeetMeetingClock extends LitElement {
  static override styles = [tokens, css`:host { font-variant-numeric: tabular-nums; color: var(--muted); font-size: 14px; }`];

  /** When we joined (ms since epoch). */
  @property({ type: Number }) since = 0;
  @state() private now = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#timer = setInterval(() => { this.now = Date.now(); }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#timer);
  }

  override render() {
    return html`<span role="timer" aria-label="Time in the meeting">${formatDuration(this.now - this.since)}</span>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-meeting-clock': MeetMeetingClock } }
