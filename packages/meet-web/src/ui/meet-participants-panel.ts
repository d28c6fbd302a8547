import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ParticipantView, RoomView } from '../client/conference-api.ts';
import { avatarColour, initials } from './avatar.ts';
import { dispatchAction } from './actions.ts';
import { icons } from './icons.ts';
import './meet-participant-menu.ts';
import { controls, tokens } from './theme.ts';

/**
 * Everyone in the meeting, raised hands first; for moderators also the lobby (admit or deny) and
 * "mute everyone".
 * @fires meet-action - admit, deny, mute-everyone, and the participant menus' actions
 */
@customElement('meet-participants-panel')
export class MeetParticipantsPanel extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: flex; flex-direction: column; min-height: 0; height: 100%; }
    header { display: flex; align-items: center; justify-content: space-between; padding: 14px 12px 10px 18px; }
    h2 { font-size: 16px; font-weight: 600; }
    h3 { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; padding: 10px 18px 6px; }
    .scroll { flex: 1; overflow-y: auto; }
    ul { list-style: none; margin: 0; padding: 0 8px; }
    li { display: flex; align-items: center; gap: 10px; padding: 8px 10px; border-radius: 10px; }
    li:hover { background: var(--surface-2); }
    .avatar { width: 32px; height: 32px; border-radius: 50%; display: grid; place-items: center; font-size: 13px; font-weight: 600; color: #fff; flex: none; }
    .who { flex: 1; min-width: 0; display: grid; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 14px; }
    .role { font-size: 12px; color: var(--muted); }
    .states { display: flex; gap: 4px; color: var(--muted); }
    .states svg.icon { width: 18px; height: 18px; }
    .states .off { color: #ff8a8a; }
    .states .hand { color: var(--warning); }
    .states .e2ee-ok { color: #7fe0b0; }
    .states .phone { color: var(--text); }
    .lobby { margin: 4px 8px 8px; padding: 4px 0; border-radius: 12px; background: var(--accent-soft); }
    .lobby li:hover { background: transparent; }
    footer { padding: 12px; border-top: 1px solid var(--border); display: flex; gap: 8px; }
    footer .btn { flex: 1; }
  `];

  @property({ attribute: false }) participants: readonly ParticipantView[] = [];
  @property({ attribute: false }) room: RoomView | undefined;
  /** The local participant moderates: shows the lobby and moderator actions. */
  @property({ type: Boolean }) canModerate = false;
  /** The room is end-to-end encrypted: rows show who holds keys and who is verified (a phone: whether its gateway holds keys). */
  @property({ type: Boolean }) e2eeOn = false;

  override render() {
    const sorted = [...this.participants].sort((a, b) => handOrder(a) - handOrder(b));
    const waiting = this.canModerate ? this.room?.lobbyWaiting ?? [] : [];
    return html`
      <header><h2 id="people-title">Participants (${this.participants.length})</h2>
        <button class="icon-btn" aria-label="Close participants" @click=${() => dispatchAction(this, { kind: 'toggle-panel', panel: 'participants' })}>${icons.close}</button>
      </header>
      <div class="scroll">
        ${waiting.length === 0 ? nothing : html`<section class="lobby" aria-labelledby="lobby-title">
          <h3 id="lobby-title">Waiting to join (${waiting.length})</h3>
          <ul>${waiting.map((k) => html`<li>
            <span class="avatar" style=${`background:${avatarColour(k.displayName)}`} aria-hidden="true">${initials(k.displayName)}</span>
            <span class="who"><span class="name">${k.displayName}</span></span>
            <button class="btn small primary" aria-label=${`Admit ${k.displayName}`} @click=${() => dispatchAction(this, { kind: 'admit', id: k.id })}>Admit</button>
            <button class="btn small ghost" aria-label=${`Deny ${k.displayName}`} @click=${() => dispatchAction(this, { kind: 'deny', id: k.id })}>Deny</button>
          </li>`)}</ul>
        </section>`}
        <h3>In the meeting</h3>
        <ul aria-labelledby="people-title">${sorted.map((p) => this.#row(p))}</ul>
      </div>
      ${this.canModerate ? html`<footer>
        <button class="btn ghost" @click=${() => dispatchAction(this, { kind: 'mute-everyone', media: 'audio' })}>${icons.micOff}Mute everyone</button>
      </footer>` : nothing}`;
  }

  #row(p: ParticipantView) {
    return html`<li aria-label=${p.displayName}>
      <span class="avatar" style=${`background:${avatarColour(p.displayName)}`} aria-hidden="true">${initials(p.displayName)}</span>
      <span class="who"><span class="name">${p.displayName}${p.isLocal ? ' (you)' : ''}</span>
        ${p.role === 'moderator' ? html`<span class="role">Moderator</span>` : nothing}</span>
      <span class="states">
        ${p.handRaisedAt === undefined ? nothing : html`<span class="hand" role="img" aria-label="Hand raised">${icons.hand}</span>`}
        ${!this.e2eeOn || p.isLocal ? nothing : keyState(p)}
        <span class=${p.audioMuted ? 'off' : ''} role="img" aria-label=${p.audioMuted ? 'Microphone off' : 'Microphone on'}>${p.audioMuted ? icons.micOff : icons.mic}</span>
        ${p.isPhone ? html`<span class="phone" role="img" aria-label="Joined by phone">${icons.phone}</span>`
          : html`<span class=${p.videoMuted ? 'off' : ''} role="img" aria-label=${p.videoMuted ? 'Camera off' : 'Camera on'}>${p.videoMuted ? icons.cameraOff : icons.camera}</span>`}
      </span>
      ${p.isLocal ? nothing : html`<meet-participant-menu .participant=${p} ?canModerate=${this.canModerate}></meet-participant-menu>`}
    </li>`;
  }
}

/** Whether a remote participant holds the meeting's keys (a phone: through its gateway) and is verified. */
function keyState(p: ParticipantView) {
  const keys = p.e2ee?.hasKeys === true;
  if (p.isPhone) {
    return keys ? html`<span role="img" aria-label="Holds keys through the phone gateway">${icons.lock}</span>`
      : html`<span class="off" role="img" aria-label="Holds no keys: cannot hear or be heard">${icons.lock}</span>`;
  }
  if (p.e2ee?.verified === true) return html`<span class="e2ee-ok" role="img" aria-label="End-to-end encrypted, verified">${icons.shield}</span>`;
  return keys ? html`<span role="img" aria-label="End-to-end encrypted, not verified">${icons.lock}</span>`
    : html`<span class="off" role="img" aria-label="Holds no keys: cannot decrypt">${icons.lock}</span>`;
}

function handOrder(p: ParticipantView): number {
  return p.handRaisedAt ?? Number.MAX_SAFE_INTEGER;
}

declare global { interface HTMLElementTagNameMap { 'meet-participants-panel': MeetParticipantsPanel } }
