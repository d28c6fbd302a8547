import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ConnectionQuality, ParticipantView } from '../client/conference-api.ts';
import { avatarColour, initials } from './avatar.ts';
import { icons, signalIcon } from './icons.ts';
import './meet-participant-menu.ts';
import { controls, tokens } from './theme.ts';

const QUALITY_BARS: Readonly<Record<ConnectionQuality, number>> = { good: 3, fair: 2, poor: 1, unknown: 0 };
const QUALITY_COLOURS: Readonly<Record<ConnectionQuality, string>> = { good: '#4fd18b', fair: '#f0c04e', poor: '#ff6b6b', unknown: '#a5acb8' };

/**
 * One participant's camera (or their initials when it is off) or screen share, with their name,
 * microphone state, connection quality and raised hand.
 * @fires meet-action - from the participant menu
 */
@customElement('meet-video-tile')
export class MeetVideoTile extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; position: relative; border-radius: var(--radius); overflow: hidden; background: #1b1f27; min-width: 0; }
    :host([speaking]) .frame { box-shadow: inset 0 0 0 3px var(--speaking); }
    .frame { position: absolute; inset: 0; border-radius: inherit; pointer-events: none; z-index: 2; }
    video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; background: #000; }
    video.screen { object-fit: contain; background: #0a0b0e; }
    video.mirror { transform: scaleX(-1); }
    .avatar-wrap { position: absolute; inset: 0; display: grid; place-items: center; background: radial-gradient(circle at 50% 45%, #232834, #171a21); }
    .avatar {
      width: clamp(40px, 28%, 120px); aspect-ratio: 1; border-radius: 50%; display: grid; place-items: center;
      font-weight: 600; font-size: clamp(15px, 3.2vw, 40px); color: #fff; letter-spacing: 0.02em; container-type: inline-size;
    }
    .label {
      position: absolute; left: 8px; bottom: 8px; max-width: calc(100% - 16px); display: flex; align-items: center; gap: 6px;
      padding: 4px 10px 4px 8px; border-radius: 8px; background: rgba(13, 15, 19, 0.72); font-size: 13px; font-weight: 500;
      backdrop-filter: blur(6px);
    }
    .label .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .label svg.icon { width: 16px; height: 16px; }
    .muted { color: #ff8a8a; display: inline-flex; }
    .phone { display: inline-flex; color: var(--muted); }
    .avatar svg.icon { width: 42%; height: 42%; }
    .call-status { color: var(--muted); white-space: nowrap; }
    .top { position: absolute; top: 8px; left: 8px; right: 8px; display: flex; align-items: start; gap: 6px; z-index: 3; }
    .quality { display: inline-flex; padding: 3px; border-radius: 6px; background: rgba(13, 15, 19, 0.6); }
    .quality svg.icon { width: 16px; height: 16px; }
    .hand {
      display: inline-flex; align-items: center; gap: 4px; padding: 3px 8px; border-radius: 8px;
      background: var(--warning); color: #1a1400; font-size: 12px; font-weight: 700;
    }
    .hand svg.icon { width: 16px; height: 16px; }
    .spacer { flex: 1; }
    meet-participant-menu { opacity: 0; transition: opacity 0.15s; }
    :host(:hover) meet-participant-menu, :host(:focus-within) meet-participant-menu { opacity: 1; }
    @media (hover: none) { meet-participant-menu { opacity: 1; } }
    :host([large]) video { object-fit: contain; background: #0a0b0e; }
    :host([large]) .avatar { width: clamp(64px, 22%, 160px); }
    :host([compact]) .label { font-size: 12px; padding: 2px 8px 2px 6px; left: 6px; bottom: 6px; }
    :host([compact]) .top { top: 6px; left: 6px; right: 6px; }
  `];

  /** Who this tile shows. */
  @property({ attribute: false }) participant: ParticipantView | undefined;
  /** The camera (or avatar) or the screen share of `participant`. */
  @property() source: 'camera' | 'screen' = 'camera';
  /** The dominant speaker: a green ring. */
  @property({ type: Boolean, reflect: true }) speaking = false;
  /** Small filmstrip tile: tighter labels. */
  @property({ type: Boolean, reflect: true }) compact = false;
  /** On the speaker-view stage: the whole picture is shown (letterboxed), not cropped. */
  @property({ type: Boolean, reflect: true }) large = false;
  /** The local participant moderates: the menu offers moderator actions. */
  @property({ type: Boolean }) canModerate = false;

  override render() {
    const p = this.participant;
    if (p === undefined) return nothing;
    const isScreen = this.source === 'screen';
    const stream = isScreen ? p.screenStream : p.cameraStream;
    const showVideo = stream !== undefined && (isScreen || !p.videoMuted);
    const name = isScreen ? `${p.displayName}'s screen` : p.isLocal ? `${p.displayName} (you)` : p.displayName;
    return html`
      <div role="group" aria-label=${name} style="position:absolute;inset:0">
        ${showVideo
          ? html`<video class=${isScreen ? 'screen' : p.isLocal ? 'mirror' : ''} autoplay playsinline muted .srcObject=${stream}></video>`
          : html`<div class="avatar-wrap"><div class="avatar" style=${`background:${avatarColour(p.displayName)}`} aria-hidden="true">
              ${p.isPhone ? icons.phone : initials(p.displayName)}</div></div>`}
        <div class="top">
          ${isScreen || p.connectionQuality === 'unknown' ? nothing : html`<span class="quality" role="img" aria-label=${`Connection: ${p.connectionQuality}`}
              title=${`Connection: ${p.connectionQuality}`} style=${`color:${QUALITY_COLOURS[p.connectionQuality]}`}>${signalIcon(QUALITY_BARS[p.connectionQuality])}</span>`}
          ${!isScreen && p.handRaisedAt !== undefined ? html`<span class="hand" role="img" aria-label="Hand raised">${icons.hand}</span>` : nothing}
          <span class="spacer"></span>
          ${isScreen || p.isLocal ? nothing : html`<meet-participant-menu .participant=${p} ?canModerate=${this.canModerate}></meet-participant-menu>`}
        </div>
        <div class="label">
          ${!isScreen && p.isPhone ? html`<span class="phone" role="img" aria-label="Joined by phone">${icons.phone}</span>` : nothing}
          ${!isScreen && p.audioMuted ? html`<span class="muted" role="img" aria-label="Microphone off">${icons.micOff}</span>` : nothing}
          <span class="name">${name}</span>
          ${!isScreen && p.callStatus !== undefined
            ? html`<span class="call-status" role="status">${/^(calling|ringing)$/i.test(p.callStatus) ? `${p.callStatus}…` : p.callStatus}</span>` : nothing}
        </div>
      </div>
      <div class="frame"></div>`;
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-video-tile': MeetVideoTile } }
