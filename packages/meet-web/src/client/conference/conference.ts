// The meeting in one room (conference-api.ts `Conference`): XMPP login, the focus `conference`
// request, the MUC with Jitsi's presence, the Jingle session with the focus (bridge-session.ts),
// the bridge channel, chat, and the snapshot the views read. Wire behaviour follows what Jitsi's
// client does (protocols.md §1, §2, §8, §12), so Plenum's focus treats us like lib-jitsi-meet.
import type { Logger } from '@plenum/kit';
import { TypedEmitter, silentLogger } from '@plenum/kit';
import type { BridgeMessage, El, Jingle } from '@plenum/xmpp/codec';
import {
  FORM_MUC_ROOMCONFIG, NS_DISCO_INFO, NS_FOCUS, NS_JINGLE, NS_MUC_OWNER, NS_MUC_USER, NS_MUTE_AUDIO, NS_MUTE_VIDEO, child,
  decodeConferenceResponse, decodeDataForm, decodeDiscoInfo, decodeJingle, decodeMuteRequest, el, encodeConferenceRequest,
  encodeDataForm, encodeJingle, encodeMucAdminQuery, encodeMuteRequest, iqResult, text,
} from '@plenum/xmpp/codec';
import type {
  ChatMessage, Conference, ConferenceError, ConferenceEvents, ConferenceSnapshot, ConnectionState, EndReason, JoinOptions, LocalMedia,
  Notice, ParticipantView, RoomView, SpeakerStat, VideoConstraint,
} from '../conference-api.ts';
import type { WebConfig } from '../../shared/web-config.ts';
import type { WebSocketFactory } from '../xmpp/xmpp-connection.ts';
import { XmppConnection, XmppError, errorConditionOf, errorStanzaOf } from '../xmpp/xmpp-connection.ts';
import type { RemoteTrack } from './bridge-session.ts';
import { BridgeSession } from './bridge-session.ts';
import { BridgeChannel } from './bridge-channel.ts';
import type { P2PSessionDeps } from './p2p-session.ts';
import { P2PSession } from './p2p-session.ts';
import type { OccupantPresence } from './presence.ts';
import { capsVer, discoInfoQuery, ownPresence, readOccupantPresence } from './presence.ts';

type Events = { [K in keyof ConferenceEvents]: [ConferenceEvents[K]] };

/** Everything the views see of one remote occupant, before it becomes a ParticipantView. */
type Remote = { presence: OccupantPresence; joinedAt: number };

export type ConferenceOptions = {
  readonly log?: Logger;
  /** The WebSocket constructor for XMPP (tests in Node); the browser's by default. */
  readonly webSocket?: WebSocketFactory;
  /** PLAIN credentials for a secure domain. */
  readonly credentials?: { readonly username: string; readonly password: string };
};

const conferenceError = (code: ConferenceError['code'], message: string): ConferenceError => ({ code, message });

/** `config.websocket` may be path-only (same origin): resolve it against the page, http→ws. */
export function resolveWebSocketUrl(configured: string, base: string): string {
  const url = new URL(configured, base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.toString();
}

export class PlenumConference implements Conference {
  readonly #config: WebConfig;
  readonly #roomName: string;
  readonly #roomJid: string;
  readonly #media: LocalMedia;
  readonly #log: Logger;
  readonly #opts: ConferenceOptions;
  readonly #events = new TypedEmitter<Events>();
  #conn: XmppConnection | undefined;
  #nick = '';
  #focusJid = '';
  #state: ConnectionState = 'idle';
  #error: ConferenceError | undefined;
  #displayName = '';
  #role: 'moderator' | 'participant' = 'participant';
  #audioMuted = false;
  #videoMuted = false;
  #handRaisedAt: number | undefined;
  #screenTrack: MediaStreamTrack | undefined;
  #screenStream: MediaStream | undefined;
  #remotes = new Map<string, Remote>();
  #tracks: readonly RemoteTrack[] = [];
  #streamCache = new Map<string, MediaStream>();
  #session: BridgeSession | undefined;
  #p2p: P2PSession | undefined;
  #p2pStarting = false;
  #p2pTracks: readonly RemoteTrack[] = [];
  #channel: BridgeChannel | undefined;
  #dominant: string | undefined;
  #dominantSince = 0;
  #speaking = new Map<string, number>();
  #meetingId: string | undefined;
  #locked = false;
  #lobbyEnabled = false;
  #statsId = '';
  #capsVer = '';
  #joinOptions: JoinOptions | undefined;
  #snapshot: ConferenceSnapshot;
  #chatSeq = 0;

  constructor(config: WebConfig, roomName: string, media: LocalMedia, opts: ConferenceOptions = {}) {
    this.#config = config;
    this.#roomName = roomName;
    this.#roomJid = `${roomName.toLowerCase()}@${config.hosts.muc}`;
    this.#media = media;
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.#snapshot = this.#buildSnapshot();
  }

  get snapshot(): ConferenceSnapshot {
    return this.#snapshot;
  }

  /** Our endpoint id (MUC nickname), once connected. */
  get endpointId(): string {
    return this.#nick;
  }

  /** The peer connection to the bridge, for diagnostics and tests (stats). */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#session?.peerConnection;
  }

  /** The direct peer connection while two participants meet peer-to-peer. */
  get p2pConnection(): RTCPeerConnection | undefined {
    return this.#p2p?.peerConnection;
  }

  on<K extends keyof ConferenceEvents>(event: K, listener: (value: ConferenceEvents[K]) => void): () => void {
    return this.#events.on(event, ((value: ConferenceEvents[K]) => listener(value)) as never);
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'failed') throw conferenceError('conference-failed', 'already joined');
    this.#joinOptions = options;
    this.#displayName = options.displayName;
    this.#audioMuted = options.startAudioMuted ?? this.#config.startWithAudioMuted;
    this.#videoMuted = options.startVideoMuted ?? this.#config.startWithVideoMuted;
    this.#error = undefined;
    this.#setState('connecting');
    try {
      await this.#connect();
      await this.#requestConference();
      await this.#enterRoom(options.password);
      this.#setState('joined');
      void this.#refreshRoomInfo();
      this.#updateP2P();
    } catch (error) {
      const ce = isConferenceError(error) ? error : conferenceError('conference-failed', error instanceof Error ? error.message : String(error));
      this.#fail(ce);
      throw ce;
    }
  }

  async submitPassword(password: string): Promise<void> {
    const options = this.#joinOptions ?? { displayName: this.#displayName };
    if (this.#conn === undefined || this.#conn.status !== 'online') return this.join({ ...options, password });
    this.#joinOptions = { ...options, password };
    this.#error = undefined;
    this.#setState('connecting');
    try {
      await this.#enterRoom(password);
      this.#setState('joined');
      void this.#refreshRoomInfo();
    } catch (error) {
      const ce = isConferenceError(error) ? error : conferenceError('conference-failed', String(error));
      this.#error = ce;
      this.#setState('failed');
      throw ce;
    }
  }

  async leave(): Promise<void> {
    if (this.#state === 'ended' || this.#state === 'idle') return;
    this.#conn?.send(el('presence', { to: this.#occupant(this.#nick), type: 'unavailable' }));
    this.#end('left');
    await this.#conn?.close();
  }

  async setAudioMuted(muted: boolean): Promise<void> {
    this.#audioMuted = muted;
    for (const t of this.#media.stream?.getAudioTracks() ?? []) t.enabled = !muted;
    this.#sendPresence();
    this.#changed();
  }

  async setVideoMuted(muted: boolean): Promise<void> {
    this.#videoMuted = muted;
    for (const t of this.#media.stream?.getVideoTracks() ?? []) t.enabled = !muted;
    this.#sendPresence();
    this.#changed();
  }

  async startScreenShare(): Promise<void> {
    if (this.#screenTrack) return;
    const session = this.#session;
    if (!session) throw conferenceError('media-failed', 'Screen sharing starts once the media connection is up.');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      throw conferenceError('media-failed', `Screen sharing was not started (${error instanceof Error ? error.name : 'cancelled'}).`);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) throw conferenceError('media-failed', 'The shared screen has no video.');
    track.addEventListener('ended', () => void this.stopScreenShare());
    this.#screenTrack = track;
    this.#screenStream = stream;
    await session.setScreenTrack(track);
    this.#sendPresence();
    this.#changed();
  }

  async stopScreenShare(): Promise<void> {
    const track = this.#screenTrack;
    if (!track) return;
    this.#screenTrack = undefined;
    this.#screenStream = undefined;
    track.stop();
    await this.#session?.setScreenTrack(undefined);
    this.#sendPresence();
    this.#changed();
  }

  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const media = kind === 'audioinput' ? 'audio' : 'video';
    let fresh: MediaStream;
    try {
      fresh = await navigator.mediaDevices.getUserMedia({ [media]: { deviceId: { exact: deviceId } } });
    } catch (error) {
      throw conferenceError('media-failed', `That device could not be opened (${error instanceof Error ? error.name : 'error'}).`);
    }
    const track = (media === 'audio' ? fresh.getAudioTracks() : fresh.getVideoTracks())[0];
    if (!track) return;
    track.enabled = !(media === 'audio' ? this.#audioMuted : this.#videoMuted);
    const stream = this.#media.stream;
    for (const old of (media === 'audio' ? stream?.getAudioTracks() : stream?.getVideoTracks()) ?? []) {
      stream?.removeTrack(old);
      old.stop();
    }
    stream?.addTrack(track);
    await this.#session?.replaceTrack(media, track);
    this.#changed();
  }

  setDisplayName(name: string): void {
    this.#displayName = name;
    this.#sendPresence();
    this.#changed();
  }

  setHandRaised(raised: boolean): void {
    this.#handRaisedAt = raised ? Date.now() : undefined;
    this.#sendPresence();
    this.#changed();
  }

  sendChat(text: string, to?: string): void {
    if (this.#conn === undefined || text.trim() === '') return;
    if (to === undefined) {
      // Shown when the room echoes it, so everyone sees the same order.
      this.#conn.send(el('message', { to: this.#roomJid, type: 'groupchat' }, el('body', {}, text)));
      return;
    }
    this.#conn.send(el('message', { to: this.#occupant(to), type: 'chat' }, el('body', {}, text), el('x', { xmlns: NS_MUC_USER })));
    this.#events.emit('chat', {
      id: `m${++this.#chatSeq}`, from: this.#nick, fromName: this.#displayName, text, at: Date.now(), isLocal: true, privateWith: to,
    });
  }

  setReceiverConstraints(visible: readonly VideoConstraint[], onStage: readonly string[]): void {
    this.#channel?.send({
      colibriClass: 'ReceiverVideoConstraints',
      lastN: this.#config.channelLastN,
      selectedSources: [...onStage],
      onStageSources: [...onStage],
      // Sources the views did not list get the bridge's usual thumbnail height, not nothing.
      defaultConstraints: { maxHeight: 180 },
      constraints: Object.fromEntries(visible.map((v) => [v.sourceName, { maxHeight: v.maxHeight }])),
    });
  }

  speakerStats(): readonly SpeakerStat[] {
    const now = Date.now();
    const totals = new Map(this.#speaking);
    if (this.#dominant !== undefined) totals.set(this.#dominant, (totals.get(this.#dominant) ?? 0) + now - this.#dominantSince);
    return [...totals].map(([id, speakingMs]) => ({ id, displayName: this.#nameOf(id), speakingMs }));
  }

  async muteParticipant(id: string, media: 'audio' | 'video'): Promise<void> {
    if (!this.#isModerator()) return;
    await this.#request(el('iq', { type: 'set', to: this.#occupant('focus') }, encodeMuteRequest({ media, jid: this.#occupant(id), mute: true })));
  }

  async muteEveryone(media: 'audio' | 'video'): Promise<void> {
    if (!this.#isModerator()) return;
    await Promise.all([...this.#remotes.keys()].map((id) => this.muteParticipant(id, media)));
  }

  async kick(id: string): Promise<void> {
    if (!this.#isModerator()) return;
    await this.#request(el('iq', { type: 'set', to: this.#roomJid }, encodeMucAdminQuery([{ nick: id, role: 'none' }])));
  }

  async grantModerator(id: string): Promise<void> {
    if (!this.#isModerator()) return;
    const jid = this.#remotes.get(id)?.presence.realJid;
    if (jid === undefined) return;
    await this.#request(el('iq', { type: 'set', to: this.#roomJid }, encodeMucAdminQuery([{ jid: jid.split('/')[0] as string, affiliation: 'owner' }])));
  }

  async setRoomPassword(password: string | undefined): Promise<void> {
    if (!this.#isModerator()) return;
    const secret = password ?? '';
    // XEP-0045 §10.2 owner form: the secret decides, passwordprotectedroom follows it (protocols.md §8.3).
    await this.#request(el('iq', { type: 'set', to: this.#roomJid }, el('query', { xmlns: NS_MUC_OWNER }, encodeDataForm({
      type: 'submit',
      fields: [
        { var: 'FORM_TYPE', type: 'hidden', values: [FORM_MUC_ROOMCONFIG] },
        { var: 'muc#roomconfig_roomsecret', values: [secret] },
        { var: 'muc#roomconfig_passwordprotectedroom', values: [secret === '' ? '0' : '1'] },
      ],
    }))));
    if (this.#joinOptions) this.#joinOptions = { ...this.#joinOptions, ...(password !== undefined ? { password } : {}) };
    await this.#refreshRoomInfo();
  }

  async setLobbyEnabled(_enabled: boolean): Promise<void> {
    this.#notice('warning', 'The lobby is not available yet.');
  }

  async admitFromLobby(_id: string): Promise<void> {
    this.#notice('warning', 'The lobby is not available yet.');
  }

  async denyFromLobby(_id: string): Promise<void> {
    this.#notice('warning', 'The lobby is not available yet.');
  }

  // ——— joining ———

  async #connect(): Promise<void> {
    const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    const credentials = this.#joinOptions?.login ?? this.#opts.credentials;
    const conn = new XmppConnection({
      url: resolveWebSocketUrl(this.#config.websocket, base),
      // Guests of a secure setup log in anonymously on the guest domain (protocols.md §8.2).
      domain: credentials === undefined ? this.#config.hosts.anonymousdomain ?? this.#config.hosts.domain : this.#config.hosts.domain,
      log: this.#log.child({ part: 'xmpp' }),
      ...(this.#opts.webSocket ? { webSocket: this.#opts.webSocket } : {}),
      ...(credentials ? { credentials } : {}),
    });
    this.#conn = conn;
    conn.onStanza((e) => this.#onStanza(e));
    conn.onStatus((s) => this.#onXmppStatus(s));
    let jid: string;
    try {
      jid = await conn.connect();
    } catch (error) {
      if (error instanceof XmppError && error.code === 'xmpp/auth-failed') {
        throw conferenceError(credentials ? 'auth-failed' : 'auth-required', error.message);
      }
      throw conferenceError('server-unreachable', 'The meeting server cannot be reached.');
    }
    // protocols.md §12: the endpoint id is the first 8 hex characters of the node, else random.
    const local = jid.split('@')[0] ?? '';
    this.#nick = /^[0-9a-f]{8}/.test(local) ? local.slice(0, 8) : randomHex(8);
    // Random, not the display name: stats ids end up in operators' statistics.
    this.#statsId = randomHex(8);
    this.#capsVer = await capsVer();
  }

  async #requestConference(): Promise<void> {
    const conn = this.#conn as XmppConnection;
    let delay = 1000;
    for (;;) {
      let reply: El;
      try {
        reply = await conn.request(el('iq', { type: 'set', to: this.#config.hosts.focus },
          encodeConferenceRequest({ room: this.#roomJid, machineUid: machineUid(), properties: { rtcstatsEnabled: 'false' } })), 30_000);
      } catch (error) {
        const stanza = errorStanzaOf(error);
        const condition = stanza ? errorConditionOf(stanza) : undefined;
        if (condition === 'not-authorized') throw conferenceError('auth-required', 'Only a host can start this meeting. Log in, or wait for the host.');
        throw conferenceError('conference-failed', `The meeting could not be started (${condition ?? 'no answer from the focus'}).`);
      }
      const conference = child(reply, 'conference', NS_FOCUS);
      const decoded = conference ? decodeConferenceResponse(conference) : undefined;
      if (!decoded?.ok) throw conferenceError('conference-failed', 'The focus answered something unreadable.');
      if (decoded.value.ready) {
        this.#focusJid = decoded.value.focusJid ?? this.#config.hosts.focus;
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 120_000);
    }
  }

  #enterRoom(password: string | undefined): Promise<void> {
    const conn = this.#conn as XmppConnection;
    const me = this.#occupant(this.#nick);
    return new Promise<void>((resolve, reject) => {
      const off = conn.onStanza((e) => {
        if (e.name !== 'presence' || e.attrs.from !== me) return;
        off();
        if (e.attrs.type !== 'error') {
          resolve();
          return;
        }
        const condition = errorConditionOf(e);
        if (condition === 'not-authorized') {
          reject(password === undefined
            ? conferenceError('password-required', 'This meeting is locked with a password.')
            : conferenceError('password-wrong', 'That password is not right.'));
        } else if (condition === 'service-unavailable') {
          reject(conferenceError('room-full', 'This meeting is full.'));
        } else if (condition === 'registration-required') {
          reject(conferenceError('lobby-denied', 'This meeting has a lobby, which this app cannot use yet.'));
        } else {
          reject(conferenceError('conference-failed', `The room refused to let us in (${condition}).`));
        }
      });
      conn.send(this.#presence({ password }));
    });
  }

  #presence(join?: { password?: string | undefined }): El {
    return ownPresence(this.#occupant(this.#nick), {
      nick: this.#nick, displayName: this.#displayName, audioMuted: this.#audioMuted, videoMuted: this.#videoMuted,
      screenSharing: this.#screenTrack !== undefined, handRaisedAt: this.#handRaisedAt, statsId: this.#statsId, capsVer: this.#capsVer,
    }, join === undefined ? undefined : join.password !== undefined ? { password: join.password } : {});
  }

  #sendPresence(): void {
    if (this.#state === 'joined' || this.#state === 'reconnecting') this.#conn?.send(this.#presence());
  }

  /** Room disco#info (protocols.md §12): meeting id, password protection, members-only (lobby). Failure is not fatal. */
  async #refreshRoomInfo(): Promise<void> {
    let reply: El;
    try {
      reply = await this.#request(el('iq', { type: 'get', to: this.#roomJid }, el('query', { xmlns: NS_DISCO_INFO })));
    } catch {
      return;
    }
    const query = child(reply, 'query', NS_DISCO_INFO);
    if (query === undefined) return;
    const info = decodeDiscoInfo(query);
    this.#locked = info.features.includes('muc_passwordprotected');
    this.#lobbyEnabled = info.features.includes('muc_membersonly');
    for (const x of info.extensions ?? []) {
      const form = decodeDataForm(x);
      const id = form.ok ? form.value.fields.find((f) => f.var === 'muc#roominfo_meetingId')?.values[0] : undefined;
      if (id) this.#meetingId = id;
    }
    this.#changed();
  }

  // ——— incoming ———

  #onStanza(e: El): boolean {
    const from = e.attrs.from ?? '';
    if (e.name === 'presence' && from.startsWith(`${this.#roomJid}/`)) {
      this.#onPresence(e);
      return false;
    }
    if (e.name === 'message' && (from === this.#roomJid || from.startsWith(`${this.#roomJid}/`))) {
      this.#onMessage(e);
      return false;
    }
    if (e.name !== 'iq' || (e.attrs.type !== 'set' && e.attrs.type !== 'get')) return false;
    const jingle = child(e, 'jingle', NS_JINGLE);
    if (jingle !== undefined && e.attrs.type === 'set') {
      this.#onJingle(e, jingle);
      return true;
    }
    const disco = child(e, 'query', NS_DISCO_INFO);
    if (disco !== undefined && e.attrs.type === 'get') {
      this.#conn?.send(iqResult(e, discoInfoQuery(disco.attrs.node)));
      return true;
    }
    const mute = child(e, 'mute', NS_MUTE_AUDIO) ?? child(e, 'mute', NS_MUTE_VIDEO);
    if (mute !== undefined && e.attrs.type === 'set' && from === this.#occupant('focus')) {
      const decoded = decodeMuteRequest(mute);
      this.#conn?.send(iqResult(e));
      if (decoded.ok && decoded.value.mute) {
        if (decoded.value.media === 'audio') void this.setAudioMuted(true);
        else if (decoded.value.media === 'video') void this.setVideoMuted(true);
        this.#notice('info', decoded.value.media === 'audio' ? 'A moderator muted your microphone.' : 'A moderator turned off your camera.');
      }
      return true;
    }
    return false;
  }

  #onPresence(e: El): void {
    const p = readOccupantPresence(e);
    if (p === undefined || e.attrs.type === 'error') return;
    if (p.nick === this.#nick) {
      if (p.unavailable) {
        // Our own removal: kicked (307), room destroyed, or the room let us go.
        if (this.#state === 'ended') return;
        const destroyed = child(child(e, 'x', NS_MUC_USER) ?? e, 'destroy') !== undefined;
        this.#end(p.statuses.includes(307) ? 'kicked' : destroyed ? 'room-destroyed' : 'connection-lost');
        void this.#conn?.close();
        return;
      }
      const role = p.role === 'moderator' || p.affiliation === 'owner' ? 'moderator' : 'participant';
      if (role !== this.#role) {
        this.#role = role;
        this.#changed();
      }
      return;
    }
    if (p.nick === 'focus' || (p.realJid !== undefined && this.#focusJid !== '' && p.realJid.startsWith(`${this.#focusJid}/`))) return;
    if (p.unavailable) {
      if (this.#remotes.delete(p.nick)) this.#changed();
      this.#updateP2P();
      return;
    }
    const prev = this.#remotes.get(p.nick);
    this.#remotes.set(p.nick, { presence: p, joinedAt: prev?.joinedAt ?? Date.now() });
    this.#changed();
    if (prev === undefined) this.#updateP2P();
  }

  #onMessage(e: El): void {
    // The room's own notice of a configuration change (status 104): locked, lobby… read again.
    if (e.attrs.from === this.#roomJid && child(e, 'x', NS_MUC_USER)?.children.some((c) => typeof c !== 'string' && c.name === 'status' && c.attrs.code === '104')) {
      void this.#refreshRoomInfo();
    }
    const body = child(e, 'body');
    if (body === undefined || e.attrs.type === 'error') return;
    const from = e.attrs.from ?? '';
    const nick = from.includes('/') ? from.slice(from.indexOf('/') + 1) : undefined;
    const isPrivate = e.attrs.type === 'chat';
    const isLocal = !isPrivate && nick === this.#nick;
    this.#events.emit('chat', {
      id: e.attrs.id ?? `m${++this.#chatSeq}`,
      from: nick,
      fromName: nick === undefined ? '' : isLocal ? this.#displayName : this.#nameOf(nick),
      text: text(body),
      at: Date.now(),
      isLocal,
      privateWith: isPrivate ? nick : undefined,
    } satisfies ChatMessage);
  }

  #onJingle(iq: El, jingleEl: El): void {
    const conn = this.#conn;
    if (!conn) return;
    const from = iq.attrs.from ?? '';
    const peer = from.startsWith(`${this.#roomJid}/`) ? from.slice(this.#roomJid.length + 1) : undefined;
    if (peer === undefined || (peer !== 'focus' && !this.#remotes.has(peer))) {
      conn.send({ name: 'iq', attrs: { type: 'error', to: from, id: iq.attrs.id ?? '' }, children: [el('error', { type: 'cancel' }, el('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))] });
      return;
    }
    const decoded = decodeJingle(jingleEl);
    if (!decoded.ok) {
      conn.send({ name: 'iq', attrs: { type: 'error', to: iq.attrs.from ?? '', id: iq.attrs.id ?? '' }, children: [el('error', { type: 'modify' }, el('bad-request', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))] });
      return;
    }
    // The focus waits for our ack before anything else (protocols.md §2.2).
    conn.send(iqResult(iq));
    const j = decoded.value;
    if (peer !== 'focus') {
      this.#onPeerJingle(peer, j);
      return;
    }
    switch (j.action) {
      case 'session-initiate':
        void this.#startSession(j);
        return;
      case 'source-add':
      case 'source-remove':
        if (this.#session?.sid === j.sid) {
          this.#session.updateRemoteSources(j).catch((error: unknown) => this.#log.warn('remote source update failed', { err: error }));
        }
        return;
      case 'session-terminate':
        if (this.#session?.sid === j.sid) this.#closeMedia();
        return;
      default:
        return;
    }
  }

  async #startSession(offer: Jingle): Promise<void> {
    this.#closeMedia();
    const session = new BridgeSession(offer, {
      nick: this.#nick,
      iceServers: this.#iceServers(),
      simulcast: !this.#config.disableSimulcast,
      sendJingle: async (j) => {
        await this.#request(el('iq', { type: 'set', to: this.#occupant('focus') }, encodeJingle(j)));
      },
      onTracks: (tracks) => {
        this.#tracks = tracks;
        this.#changed();
      },
      onConnectionState: (state) => this.#onMediaState(session, state),
      log: this.#log.child({ part: 'jingle' }),
    });
    this.#session = session;
    if (session.webSocketUrl !== undefined) {
      this.#channel = new BridgeChannel(session.webSocketUrl, (m) => this.#onBridgeMessage(m), this.#log.child({ part: 'bridge-channel' }));
      this.#channel.send({ colibriClass: 'ReceiverVideoConstraints', lastN: this.#config.channelLastN, defaultConstraints: { maxHeight: this.#config.resolution } });
    }
    const stream = this.#media.stream;
    const audio = stream?.getAudioTracks()[0];
    const camera = stream?.getVideoTracks()[0];
    if (audio) audio.enabled = !this.#audioMuted;
    if (camera) camera.enabled = !this.#videoMuted;
    try {
      await session.accept(audio, camera);
      if (this.#p2p?.connected) {
        await session.replaceTrack('audio', null);
        await session.replaceTrack('video', null);
      }
      if (this.#screenTrack) await session.setScreenTrack(this.#screenTrack);
      this.#changed();
    } catch (error) {
      this.#log.error('media session failed', { err: error });
      this.#notice('error', 'The media connection could not be set up.');
    }
  }

  // ——— peer-to-peer (protocols.md §2.4) ———

  /** Starts P2P when exactly one other participant is here (we offer when our id sorts lower), ends it otherwise. */
  #updateP2P(): void {
    const p2p = this.#p2p;
    const peers = [...this.#remotes.keys()];
    const wanted = this.#config.p2p.enabled && (this.#state === 'joined' || this.#state === 'reconnecting') && peers.length === 1 ? peers[0] : undefined;
    if (p2p && p2p.peer !== wanted) this.#stopP2P(p2p.isInitiator);
    if (wanted === undefined || this.#p2p || this.#p2pStarting || !(this.#nick < wanted)) return;
    this.#p2pStarting = true;
    const stream = this.#media.stream;
    P2PSession.initiate(this.#p2pDeps(wanted), stream?.getAudioTracks()[0], stream?.getVideoTracks()[0]).then(
      (session) => {
        this.#p2pStarting = false;
        if (this.#remotes.size !== 1 || !this.#remotes.has(wanted) || this.#state === 'ended') session.close(true);
        else this.#adoptP2P(session);
      },
      (error: unknown) => {
        this.#p2pStarting = false;
        this.#log.warn('p2p offer failed; staying on the bridge', { err: error });
      },
    );
  }

  /** The session is ours from now on; it may have connected while its setup was still awaited. */
  #adoptP2P(session: P2PSession): void {
    this.#p2p = session;
    this.#onP2PState(session.peer, session.peerConnection.connectionState);
  }

  #onPeerJingle(peer: string, j: Jingle): void {
    const p2p = this.#p2p;
    switch (j.action) {
      case 'session-initiate': {
        if (!this.#config.p2p.enabled || this.#remotes.size !== 1 || p2p || !(peer < this.#nick)) {
          this.#sendPeerJingle(peer, { action: 'session-terminate', sid: j.sid, contents: [], groups: [], reason: { condition: 'decline' } }).catch(() => undefined);
          return;
        }
        const stream = this.#media.stream;
        P2PSession.accept(this.#p2pDeps(peer), j, stream?.getAudioTracks()[0], stream?.getVideoTracks()[0]).then(
          (session) => {
            if (this.#remotes.size !== 1 || !this.#remotes.has(peer) || this.#state === 'ended') session.close(true);
            else this.#adoptP2P(session);
          },
          (error: unknown) => this.#log.warn('p2p answer failed; staying on the bridge', { err: error }),
        );
        return;
      }
      case 'session-accept':
        if (p2p?.sid === j.sid && p2p.isInitiator) p2p.applyAnswer(j).catch((error: unknown) => {
          this.#log.warn('p2p answer unusable; staying on the bridge', { err: error });
          this.#stopP2P(true);
        });
        return;
      case 'session-terminate':
        if (p2p?.sid === j.sid) this.#stopP2P(false);
        return;
      default:
        return;
    }
  }

  #p2pDeps(peer: string): P2PSessionDeps {
    return {
      nick: this.#nick, peer, iceServers: this.#iceServers(),
      sendJingle: (j) => this.#sendPeerJingle(peer, j),
      onTracks: (tracks) => {
        this.#p2pTracks = tracks;
        this.#changed();
      },
      onConnectionState: (state) => this.#onP2PState(peer, state),
      log: this.#log.child({ part: 'p2p' }),
    };
  }

  async #sendPeerJingle(peer: string, j: Jingle): Promise<void> {
    await this.#request(el('iq', { type: 'set', to: this.#occupant(peer) }, encodeJingle(j)));
  }

  #onP2PState(peer: string, state: RTCPeerConnectionState): void {
    if (this.#p2p?.peer !== peer) return;
    if (state === 'connected') {
      // Media now goes direct: the bridge stops getting our microphone and camera (screen share stays on it).
      void this.#session?.replaceTrack('audio', null);
      void this.#session?.replaceTrack('video', null);
      this.#changed();
    } else if (state === 'failed') {
      this.#log.warn('p2p connection failed; back to the bridge');
      this.#stopP2P(true);
    }
  }

  #stopP2P(tellPeer: boolean): void {
    const p2p = this.#p2p;
    if (!p2p) return;
    const wasConnected = p2p.connected;
    this.#p2p = undefined;
    this.#p2pTracks = [];
    p2p.close(tellPeer);
    if (wasConnected) {
      const stream = this.#media.stream;
      void this.#session?.replaceTrack('audio', stream?.getAudioTracks()[0] ?? null);
      void this.#session?.replaceTrack('video', stream?.getVideoTracks()[0] ?? null);
    }
    this.#changed();
  }

  #iceServers(): RTCIceServer[] {
    return this.#config.p2p.stunServers.map((s) => ({
      urls: typeof s.urls === 'string' ? s.urls : [...s.urls],
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.credential !== undefined ? { credential: s.credential } : {}),
    }));
  }

  #onMediaState(session: BridgeSession, state: RTCPeerConnectionState): void {
    if (session !== this.#session) return;
    if (state === 'connected' && this.#state === 'reconnecting' && this.#conn?.status === 'online') this.#setState('joined');
    if (state === 'failed') void this.#restartMedia(session);
  }

  /**
   * ICE failed: ask the focus for a fresh session (protocols.md §2.3, §12: session-terminate with
   * `connectivity-error` and `<bridge-session restart="true"/>`); its new session-initiate brings us
   * back through #startSession, and `connected` returns the state to joined.
   */
  async #restartMedia(session: BridgeSession): Promise<void> {
    this.#log.warn('media connection failed; restarting the session');
    this.#notice('warning', 'The media connection was lost. Reconnecting…');
    if (this.#state === 'joined') this.#setState('reconnecting');
    this.#closeMedia();
    this.#changed();
    try {
      await this.#request(el('iq', { type: 'set', to: this.#occupant('focus') }, encodeJingle({
        action: 'session-terminate', sid: session.sid, contents: [], groups: [],
        reason: { condition: 'connectivity-error', text: 'ICE FAILED' },
        ...(session.bridgeSessionId !== undefined ? { bridgeSession: { id: session.bridgeSessionId, restart: true } } : {}),
      })));
    } catch (error) {
      this.#log.warn('session restart refused', { err: error });
      this.#notice('error', 'The media connection could not be restarted.');
    }
  }

  #onBridgeMessage(m: BridgeMessage): void {
    if (m.colibriClass === 'DominantSpeakerEndpointChangeEvent') {
      const now = Date.now();
      if (this.#dominant !== undefined) this.#speaking.set(this.#dominant, (this.#speaking.get(this.#dominant) ?? 0) + now - this.#dominantSince);
      this.#dominant = m.dominantSpeakerEndpoint || undefined;
      this.#dominantSince = now;
      this.#changed();
    }
  }

  #onXmppStatus(s: string): void {
    if (s === 'resuming' && this.#state === 'joined') this.#setState('reconnecting');
    else if (s === 'online' && this.#state === 'reconnecting') this.#setState('joined');
    else if (s === 'offline' && (this.#state === 'joined' || this.#state === 'reconnecting')) {
      this.#error = conferenceError('server-unreachable', 'The connection to the meeting server was lost.');
      this.#end('connection-lost');
    }
  }

  // ——— state ———

  #request(iq: El): Promise<El> {
    const conn = this.#conn;
    if (!conn) return Promise.reject(conferenceError('conference-failed', 'not connected'));
    return conn.request(iq);
  }

  #isModerator(): boolean {
    if (this.#role === 'moderator') return true;
    this.#notice('warning', 'Only moderators can do that.');
    return false;
  }

  #occupant(nick: string): string {
    return `${this.#roomJid}/${nick}`;
  }

  #nameOf(id: string): string {
    if (id === this.#nick) return this.#displayName;
    return this.#remotes.get(id)?.presence.displayName || id;
  }

  #notice(kind: Notice['kind'], text: string): void {
    this.#events.emit('notice', { kind, text });
  }

  #closeMedia(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#session?.close();
    this.#session = undefined;
    this.#tracks = [];
  }

  #end(reason: EndReason): void {
    if (this.#state === 'ended') return;
    this.#stopP2P(false);
    this.#closeMedia();
    this.#screenTrack?.stop();
    this.#screenTrack = undefined;
    this.#remotes.clear();
    this.#setState('ended');
    this.#events.emit('ended', reason);
  }

  #fail(error: ConferenceError): void {
    this.#error = error;
    this.#stopP2P(false);
    this.#closeMedia();
    void this.#conn?.close();
    this.#conn = undefined;
    this.#setState('failed');
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#changed();
  }

  #stream(track: MediaStreamTrack | undefined): MediaStream | undefined {
    if (!track) return undefined;
    let s = this.#streamCache.get(track.id);
    if (!s) {
      s = new MediaStream([track]);
      this.#streamCache.set(track.id, s);
    }
    return s;
  }

  #buildSnapshot(): ConferenceSnapshot {
    const local: ParticipantView = {
      id: this.#nick, isLocal: true, displayName: this.#displayName, role: this.#role,
      audioMuted: this.#audioMuted, videoMuted: this.#videoMuted, handRaisedAt: this.#handRaisedAt,
      screenSharing: this.#screenTrack !== undefined, isPhone: false, connectionQuality: 'unknown',
      audioStream: undefined, cameraStream: this.#media.stream, screenStream: this.#screenStream,
      cameraSourceName: `${this.#nick}-v0`, screenSourceName: this.#screenTrack ? `${this.#nick}-v1` : undefined,
    };
    const remotes = [...this.#remotes.values()].sort((a, b) => a.joinedAt - b.joinedAt).map((r): ParticipantView => {
      const p = r.presence;
      const mine = this.#tracks.filter((t) => t.owner === p.nick);
      // While P2P is up, this peer's microphone and camera come direct; a screen share still via the bridge.
      const direct = this.#p2p?.connected === true && this.#p2p.peer === p.nick ? this.#p2pTracks : undefined;
      const audio = (direct ?? mine).find((t) => t.media === 'audio');
      const camera = (direct ?? mine).find((t) => t.media === 'video' && t.videoType !== 'desktop');
      const screen = mine.find((t) => t.media === 'video' && t.videoType === 'desktop');
      const sharingByPresence = Object.values(p.sources).some((s) => s.videoType === 'desktop' && !s.muted);
      return {
        id: p.nick, isLocal: false, displayName: p.displayName, role: p.role === 'moderator' ? 'moderator' : 'participant',
        audioMuted: p.sources[`${p.nick}-a0`]?.muted ?? false, videoMuted: p.sources[`${p.nick}-v0`]?.muted ?? false,
        handRaisedAt: p.handRaisedAt, screenSharing: sharingByPresence || screen !== undefined, isPhone: false,
        connectionQuality: 'unknown',
        audioStream: this.#stream(audio?.track), cameraStream: this.#stream(camera?.track), screenStream: this.#stream(screen?.track),
        cameraSourceName: camera?.sourceName ?? `${p.nick}-v0`, screenSourceName: screen?.sourceName,
      };
    });
    const room: RoomView = {
      name: this.#roomName, locked: this.#locked, lobbyEnabled: this.#lobbyEnabled, meetingId: this.#meetingId, lobbyWaiting: [], waiting: undefined,
      justCreated: false, recording: false,
    };
    return {
      state: this.#state, error: this.#error, room, participants: [local, ...remotes], dominantSpeaker: this.#dominant,
      mediaPath: this.#p2p?.connected === true ? 'p2p' : this.#session ? 'bridge' : 'none',
    };
  }

  #changed(): void {
    this.#snapshot = this.#buildSnapshot();
    this.#events.emit('changed', this.#snapshot);
  }
}

function isConferenceError(e: unknown): e is ConferenceError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e && !(e instanceof Error);
}

function randomHex(chars: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(chars / 2)));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, chars);
}

/** A per-browser id the focus may use to recognise a returning machine; kept in local storage only. */
function machineUid(): string {
  try {
    const stored = localStorage.getItem('plenum.machineUid');
    if (stored) return stored;
    const fresh = randomHex(32);
    localStorage.setItem('plenum.machineUid', fresh);
    return fresh;
  } catch {
    return randomHex(32);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
