import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Conference, ConferenceErrorCode, CreateConference, LocalMedia } from '../client/conference-api.ts';
import { BROWSER_LABELS, isBrowserRefused, type BrowserName } from '../app/browser-support.ts';
import type { LocalSettings } from '../app/local-settings.ts';
import { suggestRoomName } from '../app/room-name.ts';
import { parseRoute, roomPath, type Route } from '../app/route.ts';
import type { WebConfig } from '../shared/web-config.ts';
import { explainError } from './error-text.ts';
import './meet-conference.ts';
import './meet-login.ts';
import type { LoginRequest } from './meet-login.ts';
import './meet-prejoin.ts';
import type { JoinRequest } from './meet-prejoin.ts';
import './meet-status-screen.ts';
import './meet-welcome.ts';
import type { WelcomeRequest } from './meet-welcome.ts';
import { controls, tokens } from './theme.ts';

/** Everything the app needs from the page, given once by the entry (`startApp`). */
export type AppContext = {
  /** `globalThis.config` with the link's overrides applied. */
  readonly config: WebConfig;
  /** The display name from the link (`#userInfo.displayName`), which wins over the stored one. */
  readonly linkDisplayName: string | undefined;
  readonly settings: LocalSettings;
  readonly media: LocalMedia;
  readonly createConference: CreateConference;
  readonly browser: BrowserName;
  /** A number in [0, 1), for room-name suggestions. */
  readonly random: () => number;
  readonly now: () => number;
};

type Screen =
  | { readonly kind: 'welcome' }
  | { readonly kind: 'prejoin'; readonly room: string }
  | { readonly kind: 'conference'; readonly room: string; readonly conference: Conference; readonly join: JoinRequest; readonly login: LoginRequest | undefined }
  /** A host logs in (secure domain); `error` after a refused login. */
  | { readonly kind: 'login'; readonly room: string; readonly join: JoinRequest; readonly error: string; readonly username: string };

const FALLBACK_NAME = 'Guest';

/**
 * The whole app: routes `/` to the welcome page and `/<room>` to pre-join and the meeting, with
 * history navigation and no reload between them.
 */
@customElement('meet-app')
export class MeetApp extends LitElement {
  static override styles = [tokens, controls, css`
    :host { display: block; height: 100%; background: var(--bg); overflow: auto; }
  `];

  @property({ attribute: false }) context: AppContext | undefined;
  @state() private screen: Screen = { kind: 'welcome' };
  @state() private suggestion = '';
  /** Camera or microphone could not be opened for a direct join: the meeting view says so once. */
  @state() private mediaProblem: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.#onPopState);
    window.addEventListener('pagehide', this.#onPageHide);
    this.#route(parseRoute(location.pathname, location.search), true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.#onPopState);
    window.removeEventListener('pagehide', this.#onPageHide);
    this.#leaveConference();
  }

  override render() {
    const ctx = this.context;
    if (ctx === undefined) return html``;
    if (isBrowserRefused(ctx.browser, ctx.config.unsupportedBrowsers)) return this.#unsupported(ctx);
    const s = this.screen;
    switch (s.kind) {
      case 'welcome':
        return html`<meet-welcome appName=${ctx.config.appName} suggestion=${this.suggestion} .recentRooms=${ctx.settings.recentRooms()}
          @meet-open-room=${(e: CustomEvent<WelcomeRequest>) => this.#navigate(e.detail.room)}
          @meet-forget-room=${(e: CustomEvent<string>) => { ctx.settings.forgetRoom(e.detail); this.requestUpdate(); }}
          @meet-new-suggestion=${() => { this.suggestion = suggestRoomName(ctx.random); }}></meet-welcome>`;
      case 'prejoin':
        return html`<meet-prejoin room=${s.room} .media=${ctx.media} appName=${ctx.config.appName}
          displayName=${ctx.linkDisplayName ?? ctx.settings.displayName()} ?audioMuted=${ctx.config.startWithAudioMuted}
          ?videoMuted=${ctx.config.startWithVideoMuted} ?requireDisplayName=${ctx.config.requireDisplayName}
          @meet-join=${(e: CustomEvent<JoinRequest>) => this.#join(s.room, e.detail)} @meet-home=${() => this.#navigate(undefined)}></meet-prejoin>`;
      case 'conference':
        return html`<meet-conference .conference=${s.conference} .media=${ctx.media} .startNotice=${this.mediaProblem}
          @meet-home=${() => this.#navigate(undefined)} @meet-rejoin=${() => this.#join(s.room, s.join, s.login)}
          @meet-show-login=${() => this.#showLogin(s.room, s.join, '')}
          @meet-display-name=${(e: CustomEvent<string>) => ctx.settings.setDisplayName(e.detail)}></meet-conference>`;
      case 'login':
        return html`<meet-login room=${s.room} error=${s.error} username=${s.username}
          @meet-login=${(e: CustomEvent<LoginRequest>) => this.#join(s.room, s.join, e.detail)}
          @meet-login-cancel=${() => this.#join(s.room, s.join)}></meet-login>`;
    }
  }

  #unsupported(ctx: AppContext) {
    const usable = (['chrome', 'edge', 'firefox', 'chromium', 'safari'] as const).filter((b) => !isBrowserRefused(b, ctx.config.unsupportedBrowsers));
    const labels = usable.map((b) => BROWSER_LABELS[b]);
    const names = labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels.at(-1) ?? ''}` : labels.join('');
    return html`<meet-status-screen tone="error" heading=${`${BROWSER_LABELS[ctx.browser]} isn't supported here`}
      detail=${usable.length === 0 ? 'This server does not accept any browser right now.' : `Please open this link in ${names}.`}></meet-status-screen>`;
  }

  /**
   * Closing the tab or navigating away leaves the meeting at once: the unavailable presence and the
   * stream's close go out synchronously while the page still can. Without them the server keeps the
   * broken session for resumption (streamManagement.resumeTimeoutSeconds) and the others see the
   * person's tile for that long.
   */
  readonly #onPageHide = (): void => {
    this.#leaveConference();
  };

  readonly #onPopState = (): void => {
    this.#route(parseRoute(location.pathname, location.search), false);
  };

  /** Shows what `route` means. On first load a direct-join link (`prejoinConfig.enabled=false`) joins at once. */
  #route(route: Route, isFirstLoad: boolean): void {
    const ctx = this.context;
    if (ctx === undefined) return;
    this.#leaveConference();
    this.mediaProblem = undefined;
    if (route.kind === 'welcome') {
      ctx.media.close();
      this.suggestion = suggestRoomName(ctx.random);
      this.screen = { kind: 'welcome' };
      document.title = ctx.config.appName;
      return;
    }
    document.title = `${route.room} · ${ctx.config.appName}`;
    const name = ctx.linkDisplayName ?? ctx.settings.displayName();
    const skipPrejoin = isFirstLoad && !ctx.config.prejoinConfig.enabled && !(ctx.config.requireDisplayName && name === '');
    if (skipPrejoin) {
      this.#join(route.room, { displayName: name, audioMuted: ctx.config.startWithAudioMuted, videoMuted: ctx.config.startWithVideoMuted });
    } else {
      this.screen = { kind: 'prejoin', room: route.room };
    }
  }

  #navigate(room: string | undefined): void {
    const jwt = parseRoute(location.pathname, location.search).jwt;
    history.pushState(null, '', room === undefined ? '/' : roomPath(room, jwt));
    this.#route(room === undefined ? { kind: 'welcome', jwt } : { kind: 'room', room, jwt }, false);
  }

  #join(room: string, join: JoinRequest, login?: LoginRequest): void {
    const ctx = this.context;
    if (ctx === undefined) return;
    this.#leaveConference();
    if (join.displayName !== '') ctx.settings.setDisplayName(join.displayName);
    ctx.settings.rememberRoom(room, ctx.now());
    const conference = ctx.createConference(ctx.config, room, ctx.media);
    this.screen = { kind: 'conference', room, conference, join, login };
    // The camera light goes off when the meeting is over, not when the tab closes.
    const off = conference.on('ended', () => { off(); ctx.media.close(); });
    void this.#startMediaAndJoin(ctx, conference, join, login);
  }

  /** Leaves the waiting (or refused) guest join and asks for the host's account. */
  #showLogin(room: string, join: JoinRequest, error: string): void {
    this.#leaveConference();
    this.screen = { kind: 'login', room, join, error, username: '' };
  }

  /**
   * The core sends what `LocalMedia` holds: pre-join opened it already; a direct-join link or a
   * rejoin opens it here. Without camera and microphone the user still joins (and is told).
   */
  async #startMediaAndJoin(ctx: AppContext, conference: Conference, join: JoinRequest, login: LoginRequest | undefined): Promise<void> {
    // Camera and microphone open while the join runs (the core waits for them before it offers media).
    if (ctx.media.stream === undefined && ctx.media.opening === undefined) {
      ctx.media.open({ audio: true, video: true }).then(() => {
        const missing = ctx.media.missing;
        if (missing !== undefined) this.mediaProblem = `${explainError(missing.code).title}. ${explainError(missing.code).detail}`;
      }, (error: unknown) => {
        const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
          ? (error as { code: ConferenceErrorCode }).code : 'media-failed';
        const text = explainError(code);
        this.mediaProblem = `${text.title}. ${text.detail}`;
      });
    }
    const jwt = parseRoute(location.pathname, location.search).jwt;
    // The outcome shows in the conference's snapshot (state `failed` with its error), except a
    // refused host login, which goes back to the login form.
    await conference.join({
      displayName: join.displayName === '' ? FALLBACK_NAME : join.displayName,
      startAudioMuted: join.audioMuted,
      startVideoMuted: join.videoMuted,
      ...(login !== undefined ? { login } : {}),
      ...(jwt !== undefined && login === undefined ? { token: jwt } : {}),
    }).catch(() => undefined);
    const s = this.screen;
    if (login !== undefined && s.kind === 'conference' && s.conference === conference && conference.snapshot.error?.code === 'auth-failed') {
      this.screen = { kind: 'login', room: s.room, join, error: 'That user name or password is not right.', username: login.username };
    }
  }

  #leaveConference(): void {
    if (this.screen.kind !== 'conference') return;
    const { conference } = this.screen;
    if (conference.snapshot.state !== 'ended' && conference.snapshot.state !== 'failed' && conference.snapshot.state !== 'idle') {
      void conference.leave().catch(() => undefined);
    }
  }
}

declare global { interface HTMLElementTagNameMap { 'meet-app': MeetApp } }
