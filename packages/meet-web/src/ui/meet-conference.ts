import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ChatMessage, Conference, ConferenceSnapshot, EndReason, FeatureError, LocalMedia, SpeakerStat, VideoConstraint } from '../client/conference-api.ts';
import { MEET_ACTION, type Dialog, type MeetAction, type SidePanel } from './actions.ts';
import { explainEnd, explainError } from './error-text.ts';
import { icons } from './icons.ts';
import './meet-chat-panel.ts';
import './meet-e2ee-badge.ts';
import './meet-e2ee-dialog.ts';
import './meet-invite-dialog.ts';
import type { DialInState } from './meet-invite-dialog.ts';
import './meet-recording-badge.ts';
import './meet-live-stream-dialog.ts';
import './meet-recording-dialog.ts';
import { liveStreamNotice } from './live-stream-text.ts';
import { recordingNotice } from './recording-text.ts';
import './meet-meeting-clock.ts';
import type { MeetChatPanel } from './meet-chat-panel.ts';
import './meet-participants-panel.ts';
import './meet-password-offer.ts';
import './meet-password-prompt.ts';
import './meet-security-dialog.ts';
import './meet-settings-dialog.ts';
import './meet-speaker-stats.ts';
import './meet-status-screen.ts';
import './meet-toasts.ts';
import type { ShownNotice } from './meet-toasts.ts';
import './meet-toolbar.ts';
import './meet-video-tile.ts';
import { bestGrid, effectiveMode, stageItem, tileItems, wantedHeight, type LayoutMode, type TileItem } from './stage-layout.ts';
import { controls, tokens } from './theme.ts';

const NOTICE_MS = 6000;
const TILE_GAP_PX = 8;
/** The M V D C R W shortcuts, as actions. */
const SHORTCUTS: Readonly<Record<string, MeetAction>> = {
  m: { kind: 'toggle-audio' }, v: { kind: 'toggle-video' }, d: { kind: 'toggle-screen-share' },
  c: { kind: 'toggle-panel', panel: 'chat' }, r: { kind: 'toggle-hand' }, w: { kind: 'toggle-layout' },
};

/**
 * The meeting: tiles or speaker view, toolbar, chat and participants panels, dialogs, and the
 * screens for waiting, a locked room, errors and the end. The only view that calls `Conference`.
 * @fires meet-rejoin - the user wants to join this room again
 * @fires meet-home - the user wants the welcome page
 * @fires meet-display-name - the user renamed themselves (detail: the name), for local storage
 * @fires meet-show-login - a host on a secure domain wants to log in (waiting for the host, or refused as a guest)
 */
@customElement('meet-conference')
export class MeetConference extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; height: 100%; background: var(--bg); }
    .shell { display: grid; grid-template-columns: minmax(0, 1fr) auto; grid-template-rows: auto minmax(0, 1fr) auto; height: 100%; }
    .topbar { grid-column: 1; display: flex; align-items: center; gap: 10px; padding: 12px 16px 8px; min-width: 0; }
    .topbar h1 { font-size: 16px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .pill { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; background: var(--surface-2); color: var(--muted); font-size: 13px; white-space: nowrap; }
    .pill svg.icon { width: 15px; height: 15px; }
    .pill.warn { background: #3d3216; color: var(--warning); }
    .spacer { flex: 1; }
    .stage { grid-column: 1; grid-row: 2; position: relative; margin: 0 12px; }
    .grid { position: absolute; inset: 0; display: flex; flex-wrap: wrap; justify-content: center; align-content: center; gap: ${TILE_GAP_PX}px; }
    .speaker { position: absolute; inset: 0; display: flex; flex-direction: column; gap: ${TILE_GAP_PX}px; }
    .speaker .main { flex: 1; min-height: 0; }
    .speaker .main meet-video-tile { width: 100%; height: 100%; }
    .filmstrip { display: flex; gap: ${TILE_GAP_PX}px; justify-content: safe center; overflow-x: auto; flex: none; padding-bottom: 2px; }
    .filmstrip meet-video-tile { width: 176px; height: 99px; flex: none; }
    .offer { position: absolute; top: 8px; left: 8px; z-index: 10; }
    .joining { position: absolute; inset: 0; z-index: 5; background: rgba(13, 15, 19, 0.7); }
    meet-toolbar { grid-column: 1; grid-row: 3; }
    aside { grid-column: 2; grid-row: 1 / 4; width: 340px; background: var(--surface); border-left: 1px solid var(--border); min-height: 0; }
    audio { display: none; }
    @media (max-width: 700px) {
      .topbar { padding: 10px 12px 6px; }
      .stage { margin: 0 8px; }
      .filmstrip meet-video-tile { width: 128px; height: 72px; }
      aside { position: fixed; inset: 0; width: auto; z-index: 40; border: 0; }
    }
  `];

  /** The meeting shown; the parent has already called `join`. */
  @property({ attribute: false }) conference: Conference | undefined;
  /** Shown once as a notice when set (e.g. the camera could not be opened for a direct join). */
  @property({ attribute: false }) startNotice: string | undefined;
  /** Camera and microphone, for the settings dialog's device lists. */
  @property({ attribute: false }) media: LocalMedia | undefined;

  @state() private snapshot: ConferenceSnapshot | undefined;
  @state() private messages: readonly ChatMessage[] = [];
  @state() private unread = 0;
  @state() private panel: SidePanel | undefined;
  @state() private dialog: Dialog | undefined;
  @state() private chosenLayout: LayoutMode | undefined;
  @state() private pinned: string | undefined;
  @state() private recipient: string | undefined;
  @state() private notices: readonly ShownNotice[] = [];
  @state() private offerDismissed = false;
  @state() private stats: readonly SpeakerStat[] = [];
  @state() private ended: EndReason | undefined;
  @state() private stageSize = { width: 0, height: 0 };
  /** Dial-in numbers and PIN for the invite dialog, fetched when it opens. */
  @state() private dialIn: DialInState = 'loading';
  /** When this meeting reached `joined` first, for the clock. */
  @state() private joinedAt: number | undefined;
  /** What had focus before a dialog opened, to give it back when the dialog closes. */
  #focusBeforeDialog: HTMLElement | undefined;

  #unsubscribe: (() => void)[] = [];
  #noticeId = 0;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #resize = new ResizeObserver((entries) => {
    const box = entries[0]?.contentRect;
    if (box !== undefined) this.stageSize = { width: Math.floor(box.width), height: Math.floor(box.height) };
  });
  #lastConstraints = '';

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onKey);
    this.addEventListener(MEET_ACTION, this.#onAction);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.#onKey);
    this.removeEventListener(MEET_ACTION, this.#onAction);
    this.#detach();
    this.#resize.disconnect();
    clearInterval(this.#statsTimer);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conference')) this.#attach();
    if (changed.has('startNotice') && this.startNotice !== undefined) this.#notify('error', this.startNotice);
  }

  override render() {
    const s = this.snapshot;
    if (s === undefined) return nothing;
    if (this.ended !== undefined) return this.#endScreen(this.ended);
    if (s.state === 'failed' && (s.error?.code === 'password-required' || s.error?.code === 'password-wrong')) {
      return html`<meet-password-prompt room=${s.room.name} ?wrong=${s.error.code === 'password-wrong'}></meet-password-prompt>`;
    }
    if (s.state === 'failed') return this.#errorScreen(s);
    if (s.room.waiting !== undefined) return this.#waitingScreen(s.room.waiting);
    const local = s.participants.find((p) => p.isLocal);
    const isModerator = local?.role === 'moderator';
    const layout = effectiveMode(this.chosenLayout, s);
    return html`<div class="shell">
      <header class="topbar">
        ${icons.logo}<h1>${s.room.name}</h1>
        ${this.joinedAt === undefined ? nothing : html`<meet-meeting-clock .since=${this.joinedAt}></meet-meeting-clock>`}
        ${s.room.locked ? html`<span class="pill" role="img" aria-label="Locked with a password">${icons.lock}</span>` : nothing}
        <meet-recording-badge .recording=${s.room.recording}></meet-recording-badge>
        <meet-recording-badge mode="stream" .recording=${s.room.liveStream}></meet-recording-badge>
        <meet-e2ee-badge .e2ee=${s.e2ee} .participants=${s.participants} .recording=${s.room.recording.status}
          .liveStream=${s.room.liveStream?.status ?? 'off'}></meet-e2ee-badge>
        ${s.state === 'reconnecting' ? html`<span class="pill warn" role="status">Reconnecting…</span>` : nothing}
        <span class="spacer"></span>
        <span class="pill" aria-label=${`${s.participants.length} in the meeting`}>${icons.people}${s.participants.length}</span>
      </header>
      <main class="stage" aria-label=${layout === 'tile' ? 'Tile view' : 'Speaker view'}>
        ${layout === 'tile' ? this.#tileView(s, isModerator) : this.#speakerView(s, isModerator)}
        ${s.state === 'connecting' || s.state === 'idle'
          ? html`<meet-status-screen class="joining" tone="wait" heading=${`Joining ${s.room.name}…`}></meet-status-screen>` : nothing}
        ${s.room.justCreated && isModerator && !s.room.locked && !this.offerDismissed && s.state === 'joined'
          ? html`<meet-password-offer class="offer"></meet-password-offer>` : nothing}
      </main>
      <meet-toolbar ?audioMuted=${local?.audioMuted ?? true} ?videoMuted=${local?.videoMuted ?? true}
        ?screenSharing=${local?.screenSharing ?? false} ?handRaised=${local?.handRaisedAt !== undefined}
        .panel=${this.panel} .unreadChat=${this.unread} .layout=${layout} ?isModerator=${isModerator}
        .lobbyWaiting=${s.room.lobbyWaiting.length} recording=${s.room.recording.status}
        .liveStream=${this.conference?.startLiveStream === undefined ? undefined : s.room.liveStream?.status ?? 'off'}></meet-toolbar>
      ${this.panel === undefined ? nothing : html`<aside aria-label=${this.panel === 'chat' ? 'Chat' : 'Participants'}>${this.panel === 'chat'
        ? html`<meet-chat-panel .messages=${this.messages} .participants=${s.participants} .recipient=${this.recipient}></meet-chat-panel>`
        : html`<meet-participants-panel .participants=${s.participants} .room=${s.room} ?canModerate=${isModerator} ?e2eeOn=${s.e2ee?.enabled === true}></meet-participants-panel>`}</aside>`}
      ${this.#dialog(s)}
      ${repeat(s.participants.filter((p) => p.audioStream !== undefined), (p) => p.id,
        (p) => html`<audio autoplay .srcObject=${p.audioStream}></audio>`)}
      <meet-toasts .notices=${this.notices}></meet-toasts>
    </div>`;
  }

  override updated(): void {
    const stage = this.renderRoot.querySelector('.stage');
    if (stage !== null) this.#resize.observe(stage);
    this.#sendConstraints();
  }

  #tileView(s: ConferenceSnapshot, isModerator: boolean) {
    const items = tileItems(s.participants);
    const grid = bestGrid(items.length, this.stageSize.width, this.stageSize.height, TILE_GAP_PX);
    const size = `width:${grid.tileWidth}px;height:${grid.tileHeight}px`;
    return html`<div class="grid">${repeat(items, (i) => i.key, (i) => this.#tile(i, s, isModerator, size))}</div>`;
  }

  #speakerView(s: ConferenceSnapshot, isModerator: boolean) {
    const items = tileItems(s.participants);
    const onStage = stageItem(items, s, this.pinned);
    return html`<div class="speaker">
      <div class="main">${onStage === undefined ? nothing : this.#tile(onStage, s, isModerator, '', false, true)}</div>
      <div class="filmstrip" role="list" aria-label="Everyone else">
        ${repeat(items.filter((i) => i !== onStage), (i) => i.key, (i) => this.#tile(i, s, isModerator, '', true))}
      </div>
    </div>`;
  }

  #tile(item: TileItem, s: ConferenceSnapshot, isModerator: boolean, style: string, compact = false, large = false) {
    const sourceName = item.source === 'screen' ? item.participant.screenSourceName : item.participant.cameraSourceName;
    return html`<meet-video-tile style=${style} .participant=${item.participant} source=${item.source} ?compact=${compact}
      ?speaking=${item.source === 'camera' && s.dominantSpeaker === item.participant.id && s.participants.length > 1}
      ?canModerate=${isModerator} ?large=${large} role=${compact ? 'listitem' : nothing}
      data-source=${item.participant.isLocal ? nothing : sourceName ?? nothing} ?data-stage=${large}></meet-video-tile>`;
  }

  #dialog(s: ConferenceSnapshot) {
    switch (this.dialog) {
      case undefined: return nothing;
      case 'live-stream': return html`<meet-live-stream-dialog ?e2ee=${s.e2ee?.enabled === true}></meet-live-stream-dialog>`;
      case 'recording': return html`<meet-recording-dialog></meet-recording-dialog>`;
      case 'settings': return html`<meet-settings-dialog .media=${this.media} displayName=${s.participants.find((p) => p.isLocal)?.displayName ?? ''}></meet-settings-dialog>`;
      case 'security': return html`<meet-security-dialog .room=${s.room} .e2ee=${s.e2ee}></meet-security-dialog>`;
      case 'e2ee': return html`<meet-e2ee-dialog .e2ee=${s.e2ee} .participants=${s.participants} .sasOf=${(id: string) => this.conference?.e2eeSas?.(id)}
        .recording=${s.room.recording.status !== 'off'} .streaming=${(s.room.liveStream?.status ?? 'off') !== 'off'}></meet-e2ee-dialog>`;
      case 'stats': return html`<meet-speaker-stats .stats=${this.stats}></meet-speaker-stats>`;
      case 'invite': return html`<meet-invite-dialog roomUrl=${roomUrl(s.room.name)} .dialIn=${this.dialIn} .calls=${s.room.phoneCalls} ?e2ee=${s.e2ee?.enabled === true}
        ?canDialOut=${s.participants.find((p) => p.isLocal)?.role === 'moderator'}></meet-invite-dialog>`;
    }
  }

  #waitingScreen(waiting: 'lobby' | 'host') {
    const [heading, detail] = waiting === 'lobby'
      ? ['Asking to join…', 'Someone in the meeting will let you in soon.']
      : ['Waiting for the host', 'The meeting starts when the host joins. This page joins by itself, no need to reload.'];
    return html`<meet-status-screen tone="wait" heading=${heading} detail=${detail}>
      <div slot="actions" style="display:flex;gap:10px;justify-content:center;flex-wrap:wrap">
        <button class="btn ghost" @click=${() => this.#act({ kind: 'leave' })}>Leave</button>
        ${waiting === 'host' ? html`<button class="btn primary" @click=${() => this.#emit('meet-show-login')}>I am the host: log in</button>` : nothing}
      </div>
    </meet-status-screen>`;
  }

  #errorScreen(s: ConferenceSnapshot) {
    const text = explainError(s.error?.code ?? 'conference-failed');
    return html`<meet-status-screen tone="error" heading=${text.title} detail=${text.detail}>
      <div slot="actions" style="display:flex;gap:10px;justify-content:center;flex-wrap:wrap">
        <button class="btn ghost" @click=${() => this.#emit('meet-home')}>Back to start</button>
        ${s.error?.code === 'auth-required' || s.error?.code === 'auth-failed'
          ? html`<button class="btn primary" @click=${() => this.#emit('meet-show-login')}>Log in</button>`
          : text.canRetry ? html`<button class="btn primary" @click=${() => this.#emit('meet-rejoin')}>Try again</button>` : nothing}
      </div>
    </meet-status-screen>`;
  }

  #endScreen(reason: EndReason) {
    const text = explainEnd(reason);
    return html`<meet-status-screen tone=${reason === 'left' ? 'info' : 'error'} heading=${text.title} detail=${text.detail}>
      <div slot="actions" style="display:flex;gap:10px;justify-content:center;flex-wrap:wrap">
        <button class="btn ghost" @click=${() => this.#emit('meet-home')}>Back to start</button>
        ${text.canRetry ? html`<button class="btn primary" @click=${() => this.#emit('meet-rejoin')}>Rejoin</button>` : nothing}
      </div>
    </meet-status-screen>`;
  }

  #attach(): void {
    this.#detach();
    const c = this.conference;
    if (c === undefined) return;
    // A rejoin hands this element a new meeting: nothing of the old one carries over.
    this.snapshot = c.snapshot;
    this.ended = undefined;
    this.messages = [];
    this.unread = 0;
    this.dialog = undefined;
    this.offerDismissed = false;
    this.joinedAt = c.snapshot.state === 'joined' ? Date.now() : undefined;
    this.#lastConstraints = '';
    this.#unsubscribe = [
      c.on('changed', (snapshot) => {
        this.#announceKnockers(this.snapshot, snapshot);
        this.#announceRecording(this.snapshot, snapshot);
        this.snapshot = snapshot;
        if (snapshot.state === 'joined') this.joinedAt ??= Date.now();
      }),
      c.on('chat', (message) => {
        this.messages = [...this.messages, message];
        if (this.panel !== 'chat' && !message.isLocal) this.unread++;
      }),
      c.on('notice', (notice) => this.#notify(notice.kind, notice.text)),
      c.on('ended', (reason) => { this.ended = reason; }),
    ];
  }

  /** Moderators hear about each new knocker once, whether or not the participants pane is open. */
  #announceKnockers(before: ConferenceSnapshot | undefined, after: ConferenceSnapshot): void {
    if (after.participants.find((p) => p.isLocal)?.role !== 'moderator') return;
    const known = new Set(before?.room.lobbyWaiting.map((k) => k.id));
    for (const knocker of after.room.lobbyWaiting) {
      if (!known.has(knocker.id)) this.#notify('info', `${knocker.displayName} is asking to join`);
    }
  }

  /** Everyone is told when recording starts and stops (and, on joining, that it is on). */
  #announceRecording(before: ConferenceSnapshot | undefined, after: ConferenceSnapshot): void {
    if (after.state !== 'joined' && after.state !== 'reconnecting') return;
    const joinedNow = before === undefined || (before.state !== 'joined' && before.state !== 'reconnecting');
    const notice = recordingNotice(joinedNow ? undefined : before.room.recording, after.room.recording);
    if (notice !== undefined) this.#notify(notice.kind, notice.text);
    const live = after.room.liveStream === undefined ? undefined : liveStreamNotice(joinedNow ? undefined : before.room.liveStream, after.room.liveStream);
    if (live !== undefined) this.#notify(live.kind, live.text);
  }

  #detach(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  #notify(kind: ShownNotice['kind'], text: string): void {
    const id = ++this.#noticeId;
    this.notices = [...this.notices, { id, kind, text }].slice(-3);
    setTimeout(() => { this.notices = this.notices.filter((n) => n.id !== id); }, NOTICE_MS);
  }

  #emit(name: 'meet-rejoin' | 'meet-home' | 'meet-display-name' | 'meet-show-login', detail?: string): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** Sends the bridge the size of every remote video on screen (simulcast layer choice), when it changed. */
  #sendConstraints(): void {
    const c = this.conference;
    if (c === undefined || this.snapshot?.state !== 'joined') return;
    const visible: VideoConstraint[] = [];
    const onStage: string[] = [];
    for (const tile of this.renderRoot.querySelectorAll<HTMLElement>('meet-video-tile[data-source]')) {
      const sourceName = tile.dataset['source'] ?? '';
      visible.push({ sourceName, maxHeight: wantedHeight(tile.getBoundingClientRect().height, window.devicePixelRatio || 1) });
      if (tile.hasAttribute('data-stage')) onStage.push(sourceName);
    }
    const key = JSON.stringify([visible, onStage]);
    if (key === this.#lastConstraints) return;
    this.#lastConstraints = key;
    c.setReceiverConstraints(visible, onStage);
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.composedPath()[0];
    if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    const action = SHORTCUTS[event.key.toLowerCase()];
    // The toolbar is usable while connecting, so its shortcuts are too (a key pressed then used to be lost).
    const state = this.snapshot?.state;
    const isLive = state === 'joined' || state === 'connecting' || state === 'reconnecting';
    if (action === undefined || this.dialog !== undefined || !isLive || this.ended !== undefined) return;
    event.preventDefault();
    this.#act(action);
  };

  readonly #onAction = (event: CustomEvent<MeetAction>): void => {
    event.stopPropagation();
    this.#act(event.detail);
  };

  #act(action: MeetAction): void {
    const c = this.conference;
    const s = this.snapshot;
    if (c === undefined || s === undefined) return;
    const local = s.participants.find((p) => p.isLocal);
    const run = (work: Promise<void>, failure?: string): void => {
      // A refused action is reported by the core as a notice; we add our own text only where it has none.
      work.catch((error: unknown) => { if (failure !== undefined) this.#notify('error', failure); void error; });
    };
    switch (action.kind) {
      case 'toggle-audio': return run(c.setAudioMuted(!(local?.audioMuted ?? false)), "Couldn't change the microphone.");
      case 'toggle-video': return run(c.setVideoMuted(!(local?.videoMuted ?? false)), "Couldn't change the camera.");
      case 'toggle-screen-share': return run(local?.screenSharing === true ? c.stopScreenShare() : c.startScreenShare());
      case 'toggle-hand': return c.setHandRaised(local?.handRaisedAt === undefined);
      case 'toggle-layout': this.chosenLayout = effectiveMode(this.chosenLayout, s) === 'tile' ? 'speaker' : 'tile'; return;
      case 'toggle-panel': return this.#togglePanel(action.panel);
      case 'open-dialog': return this.#openDialog(action.dialog);
      case 'close-dialog': return this.#closeDialog();
      case 'leave':
        void c.leave().catch(() => undefined).then(() => { this.ended ??= 'left'; });
        return;
      case 'pin': this.pinned = action.id; this.chosenLayout = 'speaker'; return;
      case 'private-chat': this.recipient = action.id; this.panel = 'chat'; this.unread = 0; this.#focusChat(); return;
      case 'send-chat': return c.sendChat(action.text, action.to);
      case 'set-display-name': c.setDisplayName(action.name); this.#emit('meet-display-name', action.name); return;
      case 'switch-device': return run(c.switchDevice(action.device, action.deviceId), "Couldn't switch to that device.");
      case 'mute-participant': return run(c.muteParticipant(action.id, action.media));
      case 'mute-everyone': return run(c.muteEveryone(action.media));
      case 'kick': return run(c.kick(action.id));
      case 'grant-moderator': return run(c.grantModerator(action.id));
      case 'set-room-password': return run(c.setRoomPassword(action.password));
      case 'set-lobby': return run(c.setLobbyEnabled(action.enabled));
      case 'set-e2ee': return run(c.setE2eeEnabled?.(action.enabled) ?? Promise.resolve());
      case 'set-e2ee-verified': return c.setE2eeVerified?.(action.id, action.verified);
      case 'admit': return run(c.admitFromLobby(action.id));
      case 'deny': return run(c.denyFromLobby(action.id));
      case 'submit-password': return run(c.submitPassword(action.password));
      case 'dismiss-password-offer': this.offerDismissed = true; return;
      case 'start-recording':
        // In an encrypted meeting the recorder is admitted to the keys: the moderator confirms that first.
        if (s.e2ee?.enabled === true && action.admitRecorder !== true) return this.#openDialog('recording');
        if (this.dialog === 'recording') this.#closeDialog();
        return this.#runFeature(c.startRecording());
      case 'stop-recording': return this.#runFeature(c.stopRecording());
      case 'start-live-stream':
        this.#closeDialog();
        return this.#runFeature(c.startLiveStream?.(action.target) ?? Promise.resolve());
      case 'stop-live-stream': return this.#runFeature(c.stopLiveStream?.() ?? Promise.resolve());
      // The invite dialog shows a failed call's reason itself.
      case 'dial-out': return void c.dialOut(action.number).catch(() => undefined);
      case 'hang-up': return void c.hangUp(action.callId).catch(() => undefined);
      default: return assertNever(action);
    }
  }

  /** A recording request: the core's refusal (a FeatureError) is shown as it words it. */
  #runFeature(work: Promise<void>): void {
    work.catch((error: unknown) => this.#notify('error', isFeatureError(error) ? error.message : 'That did not work. Try again.'));
  }

  #togglePanel(panel: SidePanel): void {
    this.panel = this.panel === panel ? undefined : panel;
    if (this.panel === 'chat') {
      this.unread = 0;
      this.#focusChat();
    }
  }

  #focusChat(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<MeetChatPanel>('meet-chat-panel')?.focusComposer());
  }

  #closeDialog(): void {
    this.dialog = undefined;
    clearInterval(this.#statsTimer);
    const target = this.#focusBeforeDialog;
    this.#focusBeforeDialog = undefined;
    // After the render removed the modal dialog: until then everything outside it is inert.
    void this.updateComplete.then(() => target?.focus());
  }

  #openDialog(dialog: Dialog): void {
    this.#focusBeforeDialog ??= deepActiveElement();
    this.dialog = dialog;
    clearInterval(this.#statsTimer);
    if (dialog === 'invite' && this.conference !== undefined) {
      this.dialIn = 'loading';
      this.conference.dialInInfo().then((info) => { this.dialIn = info ?? 'none'; }, () => { this.dialIn = 'none'; });
    }
    if (dialog === 'stats' && this.conference !== undefined) {
      const c = this.conference;
      this.stats = c.speakerStats();
      this.#statsTimer = setInterval(() => { this.stats = c.speakerStats(); }, 1000);
    }
  }
}

function isFeatureError(e: unknown): e is FeatureError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e && typeof (e as { message: unknown }).message === 'string';
}

/** The address people open to join this room: this page's origin and the room's path. */
function roomUrl(room: string): string {
  return `${location.origin}/${encodeURIComponent(room)}`;
}

/** The focused element, looking inside shadow roots. */
function deepActiveElement(): HTMLElement | undefined {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement != null) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : undefined;
}

function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}

declare global { interface HTMLElementTagNameMap { 'meet-conference': MeetConference } }
