import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ParticipantView } from '../client/conference-api.ts';
import { dispatchAction, type MeetAction } from './actions.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

/**
 * The "⋯" menu for one remote participant: a private message for everyone; mute, stop video,
 * make moderator and remove for moderators only.
 * @fires meet-action - the chosen action
 */
@customElement('meet-participant-menu')
export class MeetParticipantMenu extends LitElement {
  static override styles = [tokens, controls, css`
    :host { position: relative; display: inline-block; }
    .trigger { background: rgba(13, 15, 19, 0.72); color: var(--text); }
    .trigger:hover { background: var(--surface-3); }
    [role='menu'] {
      position: fixed; z-index: 60; min-width: 210px; max-height: calc(100dvh - 16px); overflow-y: auto; padding: 6px;
      display: grid; background: var(--surface-2); border: 1px solid var(--border); border-radius: 12px;
      box-shadow: 0 12px 40px rgba(0, 0, 0, 0.5);
    }
    [role='menuitem'] {
      display: flex; align-items: center; gap: 10px; padding: 9px 10px; border: 0; border-radius: 8px;
      background: transparent; text-align: left; font-size: 14px;
    }
    [role='menuitem']:hover, [role='menuitem']:focus-visible { background: var(--surface-3); outline: none; }
    [role='menuitem'].danger { color: #ff8a8a; }
  `];

  /** Whom the menu acts on. */
  @property({ attribute: false }) participant: ParticipantView | undefined;
  /** Whether the local participant is a moderator (shows the moderator actions). */
  @property({ type: Boolean }) canModerate = false;
  @state() private open = false;
  /** Where the menu opens: fixed to the viewport, so a tile's rounded clip or a scrolling filmstrip can't cut it. */
  @state() private place = '';

  override render() {
    const p = this.participant;
    if (p === undefined || p.isLocal) return nothing;
    return html`
      <button class="icon-btn trigger" aria-haspopup="menu" aria-expanded=${String(this.open)}
              aria-label=${`Actions for ${p.displayName}`} @click=${this.#toggle}>${icons.more}</button>
      ${this.open ? html`<div role="menu" aria-label=${`Actions for ${p.displayName}`} style=${this.place} @keydown=${this.#onKey}>
        ${this.canModerate ? html`
          ${p.audioMuted ? nothing : this.#item('Mute', icons.micOff, { kind: 'mute-participant', id: p.id, media: 'audio' })}
          ${p.videoMuted ? nothing : this.#item('Stop video', icons.cameraOff, { kind: 'mute-participant', id: p.id, media: 'video' })}
          ${p.role === 'moderator' || p.isPhone ? nothing : this.#item('Make moderator', icons.shield, { kind: 'grant-moderator', id: p.id })}` : nothing}
        ${p.isPhone ? nothing : this.#item('Send private message', icons.chat, { kind: 'private-chat', id: p.id })}
        ${this.#item('Pin to stage', icons.pin, { kind: 'pin', id: p.id })}
        ${this.canModerate ? this.#item('Remove from meeting', icons.leave, { kind: 'kick', id: p.id }, 'danger') : nothing}
      </div>` : nothing}`;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('open') && this.open) this.renderRoot.querySelector<HTMLElement>('[role=menuitem]')?.focus();
  }

  #item(label: string, icon: unknown, action: MeetAction, cls = '') {
    return html`<button role="menuitem" class=${cls} @click=${() => this.#choose(action)}>${icon}${label}</button>`;
  }

  #toggle(event: Event): void {
    const trigger = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const right = Math.max(8, window.innerWidth - trigger.right);
    const opensUp = trigger.bottom + 280 > window.innerHeight && trigger.top > window.innerHeight / 2;
    this.place = opensUp ? `right:${right}px;bottom:${window.innerHeight - trigger.top + 6}px` : `right:${right}px;top:${trigger.bottom + 6}px`;
    this.open = !this.open;
    if (this.open) {
      // Closes when anything else is clicked; the listener goes with the menu.
      setTimeout(() => document.addEventListener('click', this.#closeOutside, { once: true }));
    }
  }

  readonly #closeOutside = (event: Event): void => {
    if (!event.composedPath().includes(this)) this.open = false;
    else if (this.open) document.addEventListener('click', this.#closeOutside, { once: true });
  };

  #choose(action: MeetAction): void {
    this.open = false;
    dispatchAction(this, action);
  }

  #onKey(event: KeyboardEvent): void {
    const items = [...this.renderRoot.querySelectorAll<HTMLElement>('[role=menuitem]')];
    const at = items.indexOf(this.renderRoot.querySelector<HTMLElement>('[role=menuitem]:focus') ?? items[0]!);
    if (event.key === 'Escape') {
      this.open = false;
      this.renderRoot.querySelector<HTMLElement>('.trigger')?.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    }
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-participant-menu': MeetParticipantMenu } }
