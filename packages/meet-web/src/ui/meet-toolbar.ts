import { LitElement, css, html, nothing, svg, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { dispatchAction, type MeetAction } from './actions.ts';
import { icons } from './icons.ts';
import { controls, tokens } from './theme.ts';

const liveIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="2.2" fill="currentColor"/><path d="M8 8.5a5 5 0 0 0 0 7M16 8.5a5 5 0 0 1 0 7M5.2 5.8a9 9 0 0 0 0 12.4M18.8 5.8a9 9 0 0 1 0 12.4"/></svg>`;

/**
 * The meeting's controls. Each button names its shortcut in the tooltip. On a narrow screen screen
 * sharing and the layout switch move into the "More" menu.
 * @fires meet-action - what was pressed
 */
@customElement('meet-toolbar')
export class MeetToolbar extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; }
    .bar { display: flex; justify-content: center; align-items: center; gap: 10px; padding: 12px; }
    .group { display: flex; gap: 10px; }
    .tool {
      position: relative; display: grid; place-items: center; width: 48px; height: 48px; padding: 0;
      border: 0; border-radius: 14px; background: var(--surface-2); color: var(--text);
    }
    .tool:hover { background: var(--surface-3); }
    .tool[aria-pressed='true'] { background: #e8ebf2; color: #11141a; }
    .tool.off { background: #3a2326; color: #ff9c9c; }
    .tool.off:hover { background: #4a2a2e; }
    .tool svg.icon { width: 22px; height: 22px; }
    .tool.leave { width: 64px; background: var(--danger); color: #fff; }
    .tool.leave:hover { background: var(--danger-hover); }
    .badge {
      position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px;
      background: var(--accent); color: #fff; font-size: 12px; font-weight: 700; display: grid; place-items: center;
      box-shadow: 0 0 0 2px var(--bg);
    }
    .more-wrap { position: relative; }
    [role='menu'] {
      position: absolute; bottom: calc(100% + 10px); right: 0; min-width: 230px; padding: 6px; display: grid; z-index: 30;
      background: var(--surface-2); border: 1px solid var(--border); border-radius: 12px; box-shadow: 0 12px 40px rgba(0, 0, 0, 0.5);
    }
    [role='menuitem'] {
      display: flex; align-items: center; gap: 10px; padding: 10px; border: 0; border-radius: 8px; background: transparent;
      text-align: left; font-size: 14px;
    }
    [role='menuitem']:hover, [role='menuitem']:focus-visible { background: var(--surface-3); outline: none; }
    .kbd { margin-left: auto; color: var(--muted); font-size: 12px; border: 1px solid var(--border); border-radius: 5px; padding: 0 6px; }
    .narrow-only { display: none; }
    @media (max-width: 600px) {
      .bar { gap: 6px; padding: 8px 6px; }
      .group { gap: 6px; }
      .tool { width: 42px; height: 42px; border-radius: 12px; }
      .tool.leave { width: 52px; }
      .wide-only { display: none; }
      .narrow-only { display: flex; }
    }
  `];

  @property({ type: Boolean }) audioMuted = false;
  @property({ type: Boolean }) videoMuted = false;
  @property({ type: Boolean }) screenSharing = false;
  @property({ type: Boolean }) handRaised = false;
  /** Which side panel is open. */
  @property() panel: 'chat' | 'participants' | undefined;
  @property({ type: Number }) unreadChat = 0;
  @property() layout: 'tile' | 'speaker' = 'tile';
  @property({ type: Boolean }) isModerator = false;
  /** Knockers waiting, shown on the participants button for moderators. */
  @property({ type: Number }) lobbyWaiting = 0;
  /** The room's recording state: moderators get "Start recording" or "Stop recording". */
  @property() recording: 'off' | 'pending' | 'on' = 'off';
  /** The room's live stream: moderators get "Start live stream" or "Stop live stream"; undefined: the core cannot stream. */
  @property({ attribute: false }) liveStream: 'off' | 'pending' | 'on' | undefined;
  @state() private moreOpen = false;

  override render() {
    const chatLabel = this.unreadChat > 0 ? `Chat, ${this.unreadChat} unread` : 'Chat';
    return html`<div class="bar" role="toolbar" aria-label="Meeting controls">
      <div class="group">
        ${this.#tool(this.audioMuted ? 'Unmute microphone' : 'Mute microphone', 'M', this.audioMuted ? icons.micOff : icons.mic,
          { kind: 'toggle-audio' }, this.audioMuted ? 'off' : '')}
        ${this.#tool(this.videoMuted ? 'Start camera' : 'Stop camera', 'V', this.videoMuted ? icons.cameraOff : icons.camera,
          { kind: 'toggle-video' }, this.videoMuted ? 'off' : '')}
        ${this.#tool(this.screenSharing ? 'Stop sharing' : 'Share screen', 'D', icons.screen, { kind: 'toggle-screen-share' }, 'wide-only', this.screenSharing)}
      </div>
      <div class="group">
        ${this.#tool(chatLabel, 'C', icons.chat, { kind: 'toggle-panel', panel: 'chat' }, '', this.panel === 'chat', this.unreadChat)}
        ${this.#tool(this.handRaised ? 'Lower hand' : 'Raise hand', 'R', icons.hand, { kind: 'toggle-hand' }, '', this.handRaised)}
        ${this.#tool(this.isModerator && this.lobbyWaiting > 0 ? `Participants, ${this.lobbyWaiting} waiting` : 'Participants', undefined, icons.people, { kind: 'toggle-panel', panel: 'participants' }, '',
          this.panel === 'participants', this.isModerator ? this.lobbyWaiting : 0)}
        ${this.#tool(this.layout === 'tile' ? 'Speaker view' : 'Tile view', 'W', this.layout === 'tile' ? icons.speaker : icons.grid,
          { kind: 'toggle-layout' }, 'wide-only')}
        <div class="more-wrap">
          <button class="tool" aria-label="More options" title="More options" aria-haspopup="menu" aria-expanded=${String(this.moreOpen)}
                  @click=${this.#toggleMore}>${icons.more}</button>
          ${this.moreOpen ? this.#menu() : nothing}
        </div>
      </div>
      <button class="tool leave" aria-label="Leave meeting" title="Leave meeting" @click=${() => dispatchAction(this, { kind: 'leave' })}>${icons.leave}</button>
    </div>`;
  }

  #menu() {
    return html`<div role="menu" aria-label="More options" @keydown=${this.#onMenuKey}>
      ${this.#item(this.screenSharing ? 'Stop sharing' : 'Share screen', icons.screen, { kind: 'toggle-screen-share' }, 'D', 'narrow-only')}
      ${this.#item(this.layout === 'tile' ? 'Speaker view' : 'Tile view', this.layout === 'tile' ? icons.speaker : icons.grid, { kind: 'toggle-layout' }, 'W', 'narrow-only')}
      ${this.#item('Invite people', icons.invite, { kind: 'open-dialog', dialog: 'invite' })}
      ${this.isModerator ? this.#item('Security options', icons.lock, { kind: 'open-dialog', dialog: 'security' }) : nothing}
      ${!this.isModerator ? nothing : this.recording === 'off'
        ? this.#item('Start recording', icons.record, { kind: 'start-recording' })
        : this.#item('Stop recording', icons.stopRecord, { kind: 'stop-recording' })}
      ${!this.isModerator || this.liveStream === undefined ? nothing : this.liveStream === 'off'
        ? this.#item('Start live stream', liveIcon, { kind: 'open-dialog', dialog: 'live-stream' })
        : this.#item('Stop live stream', liveIcon, { kind: 'stop-live-stream' })}
      ${this.#item('Speaker stats', icons.stats, { kind: 'open-dialog', dialog: 'stats' })}
      ${this.#item('Settings', icons.settings, { kind: 'open-dialog', dialog: 'settings' })}
    </div>`;
  }

  #tool(label: string, key: string | undefined, icon: TemplateResult, action: MeetAction, cls: string, pressed?: boolean, badge = 0) {
    return html`<button class=${`tool ${cls}`} aria-label=${label} title=${key === undefined ? label : `${label} (${key})`}
        aria-pressed=${pressed === undefined ? nothing : String(pressed)} @click=${() => dispatchAction(this, action)}>
      ${icon}${badge > 0 ? html`<span class="badge" aria-hidden="true">${badge > 99 ? '99+' : badge}</span>` : nothing}
    </button>`;
  }

  #item(label: string, icon: TemplateResult, action: MeetAction, key?: string, cls = '') {
    return html`<button role="menuitem" class=${cls} @click=${() => this.#choose(action)}>
      ${icon}${label}${key === undefined ? nothing : html`<span class="kbd" aria-hidden="true">${key}</span>`}</button>`;
  }

  #choose(action: MeetAction): void {
    this.moreOpen = false;
    // Focus goes back to the menu's button first, so a dialog the action opens can return it there.
    this.renderRoot.querySelector<HTMLElement>('[aria-label="More options"]')?.focus();
    dispatchAction(this, action);
  }

  #toggleMore(): void {
    this.moreOpen = !this.moreOpen;
    if (this.moreOpen) {
      setTimeout(() => document.addEventListener('click', this.#closeOutside, { once: true }));
      // The first item that is shown (the narrow-only ones are hidden on wide screens).
      void this.updateComplete.then(() => [...this.renderRoot.querySelectorAll<HTMLElement>('[role=menuitem]')]
        .find((item) => item.getClientRects().length > 0)?.focus());
    }
  }

  readonly #closeOutside = (event: Event): void => {
    if (!event.composedPath().some((t) => t instanceof HTMLElement && t.classList.contains('more-wrap'))) this.moreOpen = false;
    else if (this.moreOpen) document.addEventListener('click', this.#closeOutside, { once: true });
  };

  #onMenuKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      this.moreOpen = false;
      this.renderRoot.querySelector<HTMLElement>('[aria-label="More options"]')?.focus();
    }
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-toolbar': MeetToolbar } }
