import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { RecentRoom } from '../app/local-settings.ts';
import { cleanRoomName } from '../app/room-name.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

/** What the welcome page asks the app to do. */
export type WelcomeRequest = { readonly room: string };

/**
 * The start page: name a meeting (or take the suggestion) and go; rejoin a recent one.
 * @fires meet-open-room - detail: WelcomeRequest
 * @fires meet-forget-room - detail: the room name to drop from the recent list
 * @fires meet-new-suggestion - the user wants another suggested name
 */
@customElement('meet-welcome')
export class MeetWelcome extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; min-height: 100%; background: radial-gradient(1200px 600px at 50% -10%, #1a2140 0%, var(--bg) 60%); }
    .page { max-width: 720px; margin: 0 auto; padding: 28px 20px 48px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 40px; }
    .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 18px; }
    .brand svg.logo { width: 30px; height: 30px; }
    .hero { display: grid; gap: 14px; padding-top: clamp(12px, 8vh, 80px); }
    h1 { font-size: clamp(30px, 6vw, 46px); line-height: 1.1; font-weight: 700; letter-spacing: -0.02em; }
    .lead { color: var(--muted); font-size: 17px; line-height: 1.55; max-width: 560px; }
    form { display: grid; gap: 10px; margin-top: 14px; }
    .row { display: flex; gap: 10px; }
    .row input { flex: 1; min-width: 0; min-height: 52px; font-size: 17px; padding: 0 16px; border-radius: 12px; background: var(--surface); }
    .row .btn { min-height: 52px; padding: 0 22px; border-radius: 12px; font-size: 16px; }
    .hint { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; color: var(--muted); font-size: 14px; }
    .link { border: 0; background: none; padding: 2px 4px; color: #9bb5ff; font-size: 14px; text-decoration: underline; text-underline-offset: 3px; }
    .promises { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
    .promise { padding: 16px; border-radius: 14px; background: var(--surface); border: 1px solid var(--border); display: grid; gap: 6px; }
    .promise svg.icon { color: #9bb5ff; }
    .promise strong { font-size: 15px; }
    .promise span { color: var(--muted); font-size: 14px; line-height: 1.45; }
    h2 { font-size: 14px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; margin-bottom: 10px; }
    ul { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: 6px; }
    li { display: flex; align-items: center; gap: 8px; padding: 4px 4px 4px 16px; border-radius: 12px; background: var(--surface); border: 1px solid var(--border); }
    li a { flex: 1; min-width: 0; color: var(--text); text-decoration: none; padding: 10px 0; font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    li a:hover { text-decoration: underline; }
    li time { color: var(--muted); font-size: 13px; white-space: nowrap; }
    @media (max-width: 480px) { .row { flex-direction: column; } }
  `];

  /** Shown in the header and the title. */
  @property() appName = 'Plenum';
  /** The generated name used when the field is left empty. */
  @property() suggestion = '';
  @property({ attribute: false }) recentRooms: readonly RecentRoom[] = [];
  @state() private invalid = false;

  override render() {
    return html`<div class="page">
      <header class="brand">${icons.logo}<span>${this.appName}</span></header>
      <main class="hero">
        <h1>Meet in one click.<br>Keep it to yourselves.</h1>
        <p class="lead">Video meetings that run on your own server. No account, no install, and nothing is sent to anyone else.</p>
        <form @submit=${this.#start} novalidate>
          <label class="visually-hidden" for="room">Meeting name</label>
          <div class="row">
            <input id="room" name="room" type="text" autocomplete="off" spellcheck="false" maxlength="64"
                   placeholder=${this.suggestion} aria-describedby="room-hint" aria-invalid=${String(this.invalid)}
                   @input=${() => { this.invalid = false; }}>
            <button class="btn primary" type="submit">Start meeting</button>
          </div>
          <p class="hint" id="room-hint">${this.invalid
            ? html`<span role="alert">Use letters and numbers for the meeting name.</span>`
            : html`Leave it empty to use <strong>${this.suggestion}</strong>
                <button class="link" type="button" @click=${this.#another}>Another name</button>`}</p>
        </form>
      </main>
      ${this.recentRooms.length === 0 ? nothing : html`<section aria-labelledby="recent-title">
        <h2 id="recent-title">Recent meetings</h2>
        <ul>${this.recentRooms.map((r) => html`<li>
          <a href=${`/${encodeURIComponent(r.name)}`} @click=${(e: Event) => this.#openRecent(e, r.name)}>${r.name}</a>
          <time datetime=${new Date(r.lastJoinedAt).toISOString()}>${formatWhen(r.lastJoinedAt)}</time>
          <button class="icon-btn" aria-label=${`Remove ${r.name} from recent meetings`}
                  @click=${() => this.#emit('meet-forget-room', r.name)}>${icons.close}</button>
        </li>`)}</ul>
      </section>`}
      <section class="promises" aria-label="Privacy">
        <div class="promise">${icons.shield}<strong>Private by design</strong><span>Media and chat stay on this server. No analytics, no trackers.</span></div>
        <div class="promise">${icons.people}<strong>Just share the link</strong><span>Guests join from the browser, on a computer or a phone.</span></div>
        <div class="promise">${icons.lock}<strong>You're in control</strong><span>Lock meetings with a password or let people in from a lobby.</span></div>
      </section>
    </div>`;
  }

  #start(event: Event): void {
    event.preventDefault();
    const typed = this.renderRoot.querySelector<HTMLInputElement>('#room')?.value ?? '';
    const room = typed.trim() === '' ? this.suggestion : cleanRoomName(typed);
    if (room === undefined || room === '') {
      this.invalid = true;
      return;
    }
    this.#emit('meet-open-room', { room } satisfies WelcomeRequest);
  }

  #openRecent(event: Event, room: string): void {
    event.preventDefault();
    this.#emit('meet-open-room', { room } satisfies WelcomeRequest);
  }

  #another(): void {
    this.#emit('meet-new-suggestion', undefined);
  }

  #emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
function formatWhen(at: number): string {
  return dateFormat.format(at);
}

declare global { interface HTMLElementTagNameMap { 'meet-welcome': MeetWelcome } }
