// What `/config.js` gives the browser app: `var config = {…}` in Jitsi's own spelling
// (protocols.md §9), so that Jitsi's URL overrides (`#config.startWithAudioMuted=true`) and
// operators' habits carry over. The server writes it (server/config-js.ts); the app reads
// `globalThis.config` and applies the URL hash overrides on top (client/config/…).
//
// Only the keys Plenum implements are listed; unknown keys in an override are ignored.

export type IceServerConfig = { readonly urls: string | readonly string[]; readonly username?: string; readonly credential?: string };

export type WebConfig = {
  readonly hosts: {
    /** XMPP domain clients log in to (anonymous, or the authenticated domain for a secure setup). */
    readonly domain: string;
    /** MUC domain of the meeting rooms. */
    readonly muc: string;
    /** The focus component's JID. */
    readonly focus: string;
    /** Guest domain of a secure setup (anonymous login); absent when everyone is anonymous. */
    readonly anonymousdomain?: string;
  };
  /** XMPP over WebSocket, absolute (`wss://host/xmpp-websocket`) or path-only (`/xmpp-websocket`, same origin). */
  readonly websocket: string;
  readonly p2p: {
    readonly enabled: boolean;
    /** The operator's own STUN/TURN servers; empty by default (never Google's). */
    readonly stunServers: readonly IceServerConfig[];
  };
  /**
   * 'relay': media only through TURN (the servers XEP-0215 hands out after login); absent or 'all':
   * every path ICE finds. Applies to the bridge and the peer-to-peer connection.
   */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** Video streams forwarded to each participant; −1 = unlimited. */
  readonly channelLastN: number;
  /**
   * The bridge channel (Jitsi's `bridgeChannel`): `preferSctp` runs it over the media connection's
   * SCTP data channel when the offer has a data content, else over the WebSocket (the default here;
   * docker-compose turns SCTP on).
   */
  readonly bridgeChannel?: { readonly preferSctp: boolean };
  /** Camera capture height (720). */
  readonly resolution: number;
  readonly disableSimulcast: boolean;
  readonly prejoinConfig: { readonly enabled: boolean };
  readonly startWithAudioMuted: boolean;
  readonly startWithVideoMuted: boolean;
  readonly requireDisplayName: boolean;
  readonly enableWelcomePage: boolean;
  /** Browsers the operator refuses, by name (`firefox`, `chromium`, `safari`…), as Jitsi's UNSUPPORTED_BROWSERS. */
  readonly unsupportedBrowsers: readonly string[];
  /** Shown in the title bar and the welcome page. */
  readonly appName: string;
  /**
   * The recorders' XMPP domain: Jitsi's clients hide occupants whose real JID is on it (the
   * recorder is no participant to show). Plenum's app hides them by their jibri feature.
   */
  readonly hiddenDomain?: string;
  /** Jitsi's dial-in number list URL (`/dial-in/numbers` on this server); absent when no numbers are configured. */
  readonly dialInNumbersUrl?: string;
  /** Jitsi's PIN lookup URL (`/dial-in/code`, `?conference=<room JID>` appended by the client); with dialInNumbersUrl. */
  readonly dialInConfCodeUrl?: string;
  /** End-to-end encryption (Jitsi's `e2ee.*`, with Plenum's additions). */
  readonly e2ee?: {
    /** A room created while this is on starts end-to-end encrypted (its first participant turns it on). */
    readonly enabledByDefault: boolean;
    /** The frame worker's script, served by the web server under /assets/ (set by the server, not the operator). */
    readonly workerUrl?: string;
  };
};

/** The defaults `/config.js` starts from (the server overlays the operator's settings). */
export const DEFAULT_WEB_CONFIG: WebConfig = {
  hosts: { domain: 'plenum.localhost', muc: 'conference.plenum.localhost', focus: 'focus.plenum.localhost' },
  websocket: '/xmpp-websocket',
  p2p: { enabled: true, stunServers: [] },
  channelLastN: -1,
  bridgeChannel: { preferSctp: false },
  resolution: 720,
  disableSimulcast: false,
  prejoinConfig: { enabled: true },
  startWithAudioMuted: false,
  startWithVideoMuted: false,
  requireDisplayName: false,
  enableWelcomePage: true,
  unsupportedBrowsers: [],
  appName: 'Plenum',
  e2ee: { enabledByDefault: false },
};
