// The meeting in one room (conference-api.ts `Conference`): XMPP login, the focus `conference`
// request, the MUC with Jitsi's presence, the Jingle session with the focus (bridge-session.ts)
// and its restart after an ICE failure, the bridge channel, peer-to-peer for two (p2p-switch.ts),
// chat, moderation, password and lobby, and the snapshot the views read. Wire behaviour follows
// what Jitsi's client does (protocols.md §1, §2, §8, §12), so Plenum's focus treats us like
// lib-jitsi-meet.
import type { Logger } from '@plenum/kit';
import { TypedEmitter, silentLogger } from '@plenum/kit';
import type { BridgeMessage, El, IceServerEntry, Jingle, ReceiverVideoConstraints } from '@plenum/xmpp/codec';
import {
  FIELD_LOBBY_ROOM, FORM_MUC_ROOMCONFIG, NS_DISCO_INFO, NS_JITSI_MEET, decodeLobbyNotify, decodeLobbyRoomRef, encodeMucJoin, NS_FOCUS, NS_JINGLE, NS_MUC_OWNER, NS_MUC_USER, NS_MUTE_AUDIO, NS_MUTE_VIDEO, child,
  decodeConferenceResponse, decodeDataForm, decodeDiscoInfo, decodeJingle, decodeMuteRequest, el, encodeConferenceRequest,
  encodeDataForm, encodeJingle, encodeMucAdminQuery, encodeMuteRequest, iqResult, text, NS_EXTDISCO_2, decodeExternalServices, iceServersOf,
} from '@plenum/xmpp/codec';
import type {
  DialInInfo, ChatMessage, Conference, ConferenceError, ConferenceEvents, ConnectionQuality, ConferenceSnapshot, ConnectionState, EndReason, FeatureError, JoinOptions, LocalMedia,
  Notice, ParticipantView, RoomView, SasSymbol, SpeakerStat, VideoConstraint,
} from '../conference-api.ts';
import { E2eeController } from '../e2ee/e2ee-controller.ts';
import type { E2eeFrameStats } from '../e2ee/worker-protocol.ts';
import type { WebConfig } from '../../shared/web-config.ts';
import type { WebSocketFactory } from '../xmpp/xmpp-connection.ts';
import { XmppConnection, XmppError, errorConditionOf, errorStanzaOf } from '../xmpp/xmpp-connection.ts';
import type { RemoteTrack } from './bridge-session.ts';
import { BridgeSession } from './bridge-session.ts';
import { BridgeChannel } from './bridge-channel.ts';
import { P2PSwitch } from './p2p-switch.ts';
import type { PacketSample } from './connection-quality.ts';
import { qualityBetween, qualityOfLoss, sampleConnection } from './connection-quality.ts';
import type { OccupantPresence } from './presence.ts';
import { FEATURE_PHONE, FEATURE_RECORDER, NS_NICK, capsVer, discoInfoQuery, ownPresence, readOccupantPresence } from './presence.ts';
import { RoomRecording, recordingRefusal, recordingRequest } from '../recording/room-recording.ts';
import { RoomLiveStream, liveStreamRefusal, liveStreamRequest, liveStreamTarget } from '../recording/room-live-stream.ts';
import { DialOut } from '../phone/dial-out.ts';
import { fetchDialInInfo } from '../phone/dial-in-info.ts';
import { NS_PLENUM_DIAL_IN, decodeDialInResult, encodeDialInQuery } from '@plenum/xmpp/codec';

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
  /** STUN/TURN servers the XMPP server handed out (XEP-0215), and the request for them. */
  #discoveredIceServers: readonly IceServerEntry[] = [];
  #externalServices: Promise<void> = Promise.resolve();
  #nick = '';
  #focusJid = '';
  #state: ConnectionState = 'idle';
  #error: ConferenceError | undefined;
  #displayName = '';
  #role: 'moderator' | 'participant' = 'participant';
  #audioMuted = false;
  #videoMuted = false;
  /** What the views last asked of the bridge (ReceiverVideoConstraints), for a channel that opens later. */
  #receiverConstraints: ReceiverVideoConstraints | undefined;
  /** A moderator muted us (the bridge drops that media): unmuting asks the focus to lift it, as Jitsi's client does. */
  #mutedByFocus = { audio: false, video: false };
  #handRaisedAt: number | undefined;
  #screenTrack: MediaStreamTrack | undefined;
  #screenStream: MediaStream | undefined;
  #remotes = new Map<string, Remote>();
  #tracks: readonly RemoteTrack[] = [];
  // By track object, not id: receiver tracks take their id from the sender's msid, so a new peer
  // connection's track can carry the id of an ended one from an earlier session.
  #streamCache = new WeakMap<MediaStreamTrack, MediaStream>();
  #session: BridgeSession | undefined;
  readonly #p2p: P2PSwitch;
  readonly #e2ee: E2eeController;
  /** Camera and microphone withheld from the bridge: the room is encrypted and this browser cannot encrypt. */
  #mediaWithheld = false;
  #qualityTimer: ReturnType<typeof setInterval> | undefined;
  #samples = new Map<string, PacketSample>();
  #quality = new Map<string, ConnectionQuality>();
  #localQuality: ConnectionQuality = 'unknown';
  #channel: BridgeChannel | undefined;
  #dominant: string | undefined;
  #dominantSince = 0;
  #speaking = new Map<string, number>();
  #meetingId: string | undefined;
  #locked = false;
  #lobbyEnabled = false;
  /** The lobby room we sit in as a moderator, and who knocks there (endpoint id → name, real JID). */
  #lobbyRoom: string | undefined;
  #knockers = new Map<string, { displayName: string; realJid: string }>();
  #waiting: 'lobby' | 'host' | undefined;
  /** We were the first moderator in a room nobody else was in: the views offer a password. */
  #justCreated = false;
  #statsId = '';
  #capsVer = '';
  #joinOptions: JoinOptions | undefined;
  #snapshot: ConferenceSnapshot;
  #chatSeq = 0;
  /** The recording as the focus announces it, and our own calls to phones. */
  readonly #recording = new RoomRecording();
  readonly #liveStream = new RoomLiveStream();
  readonly #dialOut: DialOut;
  /** Hidden service occupants (recorders), by nick. */
  readonly #services = new Set<string>();

  constructor(config: WebConfig, roomName: string, media: LocalMedia, opts: ConferenceOptions = {}) {
    this.#config = config;
    this.#roomName = roomName;
    this.#roomJid = `${roomName.toLowerCase()}@${config.hosts.muc}`;
    this.#media = media;
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.#dialOut = new DialOut({
      request: (iq) => this.#request(iq), focusOccupant: this.#occupant('focus'), roomJid: this.#roomJid,
      roomPassword: () => this.#joinOptions?.password, changed: () => this.#changed(),
    });
    const e2ee = new E2eeController({
      log: this.#log.child({ part: 'e2ee' }),
      workerUrl: config.e2ee?.workerUrl,
      localId: () => this.#nick,
      sendJson: (to, json) => this.#conn?.send(el('message', { to: this.#occupant(to), type: 'chat' }, el('json-message', { xmlns: NS_JITSI_MEET }, json))),
      presenceChanged: () => this.#sendPresence(),
      changed: () => {
        this.#p2p.update();
        void this.#gateMediaForE2ee();
        this.#changed();
      },
      notice: (kind, text) => this.#notice(kind, text),
    });
    this.#e2ee = e2ee;
    const iceServers = (): RTCIceServer[] => this.#iceServers();
    this.#p2p = new P2PSwitch({
      // Direct media would bypass the frame worker: no P2P while the room is encrypted (as Jitsi).
      get enabled() {
        return config.p2p.enabled && !e2ee.roomEnabled;
      },
      // Read when a direct session starts: by then the TURN servers of XEP-0215 are known.
      get iceServers() {
        return iceServers();
      },
      iceTransportPolicy: config.iceTransportPolicy ?? 'all',
      log: this.#log,
      nick: () => this.#nick,
      // A recorder in the room needs the media on the bridge: two people plus a recorder are no pair.
      peers: () => [...this.#remotes.keys(), ...this.#services],
      isLive: () => this.#state === 'joined' || this.#state === 'reconnecting',
      localTracks: async () => {
        // The app may still be opening camera and microphone (it joins meanwhile), as #startSession waits.
        await this.#media.opening?.catch(() => undefined);
        return { audio: this.#media.stream?.getAudioTracks()[0], camera: this.#media.stream?.getVideoTracks()[0] };
      },
      sendJingle: async (peer, j) => {
        await this.#request(el('iq', { type: 'set', to: this.#occupant(peer) }, encodeJingle(j)));
      },
      onDirect: (direct) => {
        // Direct: the bridge stops getting our microphone and camera (a screen share stays on it).
        const stream = direct ? undefined : this.#media.stream;
        void this.#session?.replaceTrack('audio', stream?.getAudioTracks()[0] ?? null);
        void this.#session?.replaceTrack('video', stream?.getVideoTracks()[0] ?? null);
      },
      changed: () => this.#changed(),
    });
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
    return this.#p2p.peerConnection;
  }

  /** The E2EE frame worker's counters (diagnostics and tests), undefined without E2EE. */
  e2eeStats(): Promise<E2eeFrameStats | undefined> {
    return this.#e2ee.stats();
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
      await this.#e2ee.start();
      await this.#enterRoom(options.password);
      // First in the room. Not gated on the role: the focus grants it only after we are in (the
      // views offer the password once we are moderator).
      this.#justCreated = this.#remotes.size === 0;
      this.#setState('joined');
      // After the state: what it changes goes out in our presence, which needs us joined.
      this.#e2ee.joined(this.#justCreated, this.#config.e2ee?.enabledByDefault ?? false);
      void this.#refreshRoomInfo();
      this.#p2p.update();
    } catch (error) {
      // Left while waiting (for the host or in the lobby): the meeting is over, not failed.
      if ((this.#state as ConnectionState) === 'ended') return;
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
    if (!muted && this.#lacks('audio') && !(await this.#openLate('audio'))) return;
    this.#audioMuted = muted;
    if (!muted) this.#liftFocusMute('audio');
    for (const t of this.#media.stream?.getAudioTracks() ?? []) t.enabled = !muted;
    this.#sendPresence();
    this.#changed();
  }

  /** True when there is no microphone or camera track to unmute (it could not be opened), and none is opening. */
  #lacks(media: 'audio' | 'video'): boolean {
    if (this.#media.opening !== undefined) return false;
    const tracks = media === 'audio' ? this.#media.stream?.getAudioTracks() : this.#media.stream?.getVideoTracks();
    return (tracks?.length ?? 0) === 0;
  }

  /**
   * Opens a microphone or camera that could not be opened at the start, and sends it (the bridge
   * session announces it). False, with the user told why, when it still cannot be opened: unmuting
   * then would show it as on to everyone while nothing is sent.
   */
  async #openLate(media: 'audio' | 'video'): Promise<boolean> {
    const what = media === 'audio' ? 'microphone' : 'camera';
    let track: MediaStreamTrack;
    try {
      if (this.#media.add === undefined) throw new Error('unsupported');
      track = await this.#media.add(media);
    } catch (error) {
      const why = isConferenceError(error) ? ` ${error.message}` : '';
      this.#notice('warning', `Your ${what} is not available.${why}`);
      return false;
    }
    track.enabled = false;
    // While media goes direct (two people) the bridge session only announces it (the focus learns
    // the source; the track is attached when the meeting moves to the bridge) and the direct session
    // sends it to the other person. An encrypted room this browser cannot encrypt for gets nothing
    // (#gateMediaForE2ee); P2P is off there.
    const session = this.#session;
    if (session !== undefined && !this.#mediaWithheld) {
      const sent = this.#p2p.directPeer === undefined ? session.replaceTrack(media, track) : session.announceTrack(media, track);
      await sent.catch((error: unknown) => {
        this.#log.warn('the new track could not be sent', { err: error, media });
        this.#notice('error', `Your ${what} opened but could not be sent to the meeting.`);
      });
    }
    // Not awaited: a direct session still being set up sends it once the peer answered.
    void this.#p2p.sendTrack(media, track);
    return true;
  }

  /** Self-unmute after a moderator's mute: the focus lifts the bridge's force-mute (protocols.md §8.5). */
  #liftFocusMute(media: 'audio' | 'video'): void {
    if (!this.#mutedByFocus[media]) return;
    this.#mutedByFocus[media] = false;
    const iq = el('iq', { type: 'set', to: this.#occupant('focus') }, encodeMuteRequest({ media, jid: this.#occupant(this.#nick), mute: false }));
    this.#request(iq).catch((error: unknown) => this.#notice('error', `Your ${media === 'audio' ? 'microphone' : 'camera'} could not be unmuted for the others (${error instanceof Error ? error.message : 'no answer'}).`));
  }

  async setVideoMuted(muted: boolean): Promise<void> {
    if (!muted && this.#lacks('video') && !(await this.#openLate('video'))) return;
    this.#videoMuted = muted;
    if (!muted) this.#liftFocusMute('video');
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
    // While media goes direct the bridge gets nothing from the microphone and camera; keep it so
    // (a kind it never had is only announced, as for a device opened late).
    if (this.#p2p.directPeer === undefined) await this.#session?.replaceTrack(media, track);
    else await this.#session?.announceTrack(media, track);
    await this.#p2p.sendTrack(media, track);
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
    // Kept for a bridge channel that opens later: the views measure their tiles as soon as the room's
    // occupants show, usually before the media session (and its channel) exists.
    this.#receiverConstraints = {
      colibriClass: 'ReceiverVideoConstraints',
      lastN: this.#config.channelLastN,
      selectedSources: [...onStage],
      onStageSources: [...onStage],
      // Sources the views did not list get the bridge's usual thumbnail height, not nothing.
      defaultConstraints: { maxHeight: 180 },
      constraints: Object.fromEntries(visible.map((v) => [v.sourceName, { maxHeight: v.maxHeight }])),
    };
    this.#channel?.send(this.#receiverConstraints);
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

  async setLobbyEnabled(enabled: boolean): Promise<void> {
    if (!this.#isModerator()) return;
    // Members-only opens the lobby room; the server makes everyone present a member first (§8.4).
    await this.#request(el('iq', { type: 'set', to: this.#roomJid }, el('query', { xmlns: NS_MUC_OWNER }, encodeDataForm({
      type: 'submit',
      fields: [
        { var: 'FORM_TYPE', type: 'hidden', values: [FORM_MUC_ROOMCONFIG] },
        { var: 'muc#roomconfig_membersonly', values: [enabled ? '1' : '0'] },
      ],
    }))));
    await this.#refreshRoomInfo();
  }

  async admitFromLobby(id: string): Promise<void> {
    if (!this.#isModerator()) return;
    const knocker = this.#knockers.get(id);
    if (!knocker) return;
    // A mediated invitation makes the knocker a member; it then joins by itself.
    this.#conn?.send(el('message', { to: this.#roomJid }, el('x', { xmlns: NS_MUC_USER }, el('invite', { to: knocker.realJid }))));
  }

  async setE2eeEnabled(enabled: boolean): Promise<void> {
    if (!this.#isModerator()) return;
    if (enabled && !this.#e2ee.supported) {
      this.#notice('warning', 'This browser cannot encrypt media, so it cannot turn end-to-end encryption on.');
      return;
    }
    this.#e2ee.setRoomEnabled(enabled);
  }

  e2eeSas(id: string): readonly SasSymbol[] | undefined {
    return this.#e2ee.sas(id);
  }

  setE2eeVerified(id: string, verified: boolean): void {
    this.#e2ee.setVerified(id, verified);
  }

  async denyFromLobby(id: string): Promise<void> {
    if (!this.#isModerator() || this.#lobbyRoom === undefined) return;
    await this.#request(el('iq', { type: 'set', to: this.#lobbyRoom }, encodeMucAdminQuery([{ nick: id, role: 'none' }])));
  }

  async startRecording(): Promise<void> {
    await this.#request(recordingRequest(this.#occupant('focus'), 'start')).catch((error: unknown) => { throw recordingRefusal(error, 'start'); });
  }

  async stopRecording(): Promise<void> {
    await this.#request(recordingRequest(this.#occupant('focus'), 'stop')).catch((error: unknown) => { throw recordingRefusal(error, 'stop'); });
  }

  async startLiveStream(target: string): Promise<void> {
    const checked = liveStreamTarget(target);
    if (checked === undefined) throw { code: 'failed', message: 'That is not a stream key or an rtmp:// address.' } satisfies FeatureError;
    await this.#request(liveStreamRequest(this.#occupant('focus'), 'start', checked)).catch((error: unknown) => { throw liveStreamRefusal(error, 'start'); });
  }

  async stopLiveStream(): Promise<void> {
    await this.#request(liveStreamRequest(this.#occupant('focus'), 'stop')).catch((error: unknown) => { throw liveStreamRefusal(error, 'stop'); });
  }

  dialOut(number: string): Promise<void> {
    return this.#dialOut.dial(number);
  }

  hangUp(callId: string): Promise<void> {
    return this.#dialOut.hangUp(callId);
  }

  dialInInfo(): Promise<DialInInfo | undefined> {
    return fetchDialInInfo(this.#config, this.#roomJid, async () => {
      // Plenum's PIN directory at the focus (urn:plenum:dial-in:0): answers occupants of locked rooms too.
      const reply = await this.#request(el('iq', { type: 'get', to: this.#config.hosts.focus }, encodeDialInQuery({ room: this.#roomJid })));
      const result = child(reply, 'dial-in', NS_PLENUM_DIAL_IN);
      const decoded = result === undefined ? undefined : decodeDialInResult(result);
      return decoded?.ok ? decoded.value.pin : undefined;
    });
  }

  // ——— joining ———

  async #connect(): Promise<void> {
    const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    const credentials = this.#joinOptions?.login ?? this.#opts.credentials;
    const token = this.#joinOptions?.token;
    const url = new URL(resolveWebSocketUrl(this.#config.websocket, base));
    // protocols.md §8.1: the token rides on the WebSocket URL and the login is ANONYMOUS on the main domain.
    if (token !== undefined) url.searchParams.set('token', token);
    const conn = new XmppConnection({
      url: url.toString(),
      // Guests of a secure setup log in anonymously on the guest domain (protocols.md §8.2).
      domain: credentials === undefined && token === undefined ? this.#config.hosts.anonymousdomain ?? this.#config.hosts.domain : this.#config.hosts.domain,
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
        if (token !== undefined) throw conferenceError('token-invalid', `The sign-in link was refused: ${error.message}.`);
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
    this.#externalServices = this.#discoverIceServers(conn);
  }

  async #requestConference(): Promise<void> {
    const conn = this.#conn as XmppConnection;
    const token = this.#joinOptions?.token;
    const signedIn = token !== undefined || this.#joinOptions?.login !== undefined || this.#opts.credentials !== undefined;
    let delay = 1000;
    for (;;) {
      let reply: El;
      try {
        reply = await conn.request(el('iq', { type: 'set', to: this.#config.hosts.focus },
          encodeConferenceRequest({ room: this.#roomJid, machineUid: machineUid(), ...(token !== undefined ? { token } : {}), properties: { rtcstatsEnabled: 'false' } })), 30_000);
      } catch (error) {
        const stanza = errorStanzaOf(error);
        const condition = stanza ? errorConditionOf(stanza) : undefined;
        if (condition === 'not-authorized' && token !== undefined) throw conferenceError('token-invalid', 'The sign-in link does not allow this meeting, or it has expired.');
        if (condition === 'not-authorized' && signedIn) throw conferenceError('auth-failed', 'This account may not start this meeting.');
        if (condition === 'not-authorized') {
          // A guest on a secure domain before the host came (protocols.md §8.2): ask again, as Jitsi's client does, until the host has started it.
          this.#waitForHost();
          await sleep(HOST_POLL_MS);
          if (this.#state !== 'connecting') throw conferenceError('conference-failed', 'stopped waiting for the host');
          continue;
        }
        throw conferenceError('conference-failed', `The meeting could not be started (${condition ?? 'no answer from the focus'}).`);
      }
      if (this.#waiting === 'host') {
        this.#waiting = undefined;
        this.#changed();
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

  #waitForHost(): void {
    if (this.#waiting === 'host') return;
    this.#waiting = 'host';
    this.#changed();
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
        // With a token, not-authorized here is still the room's password: the focus has already
        // refused a token for another room (the server's own room check at MUC join backs it up).
        if (condition === 'not-authorized') {
          reject(password === undefined
            ? conferenceError('password-required', 'This meeting is locked with a password.')
            : conferenceError('password-wrong', 'That password is not right.'));
        } else if (condition === 'service-unavailable') {
          reject(conferenceError('room-full', 'This meeting is full.'));
        } else if (condition === 'registration-required' && decodeLobbyRoomRef(e) !== undefined) {
          // Members only, with a lobby: knock there and come back once a moderator lets us in.
          this.#waitInLobby(decodeLobbyRoomRef(e) as string).then(() => this.#enterRoom(password)).then(resolve, reject);
        } else if (condition === 'registration-required') {
          reject(conferenceError('lobby-denied', 'Only members may join this meeting.'));
        } else {
          reject(conferenceError('conference-failed', `The room refused to let us in (${condition}).`));
        }
      });
      conn.send(this.#presence({ password }));
    });
  }

  #presence(join?: { password?: string | undefined }): El {
    const presence = ownPresence(this.#occupant(this.#nick), {
      nick: this.#nick, displayName: this.#displayName, audioMuted: this.#audioMuted, videoMuted: this.#videoMuted,
      screenSharing: this.#screenTrack !== undefined, handRaisedAt: this.#handRaisedAt, statsId: this.#statsId, capsVer: this.#capsVer,
    }, join === undefined ? undefined : join.password !== undefined ? { password: join.password } : {});
    return { ...presence, children: [...presence.children, ...this.#e2ee.presenceElements()] };
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
    let lobbyRoom: string | undefined;
    for (const x of info.extensions ?? []) {
      const form = decodeDataForm(x);
      if (!form.ok) continue;
      const id = form.value.fields.find((f) => f.var === 'muc#roominfo_meetingId')?.values[0];
      if (id) this.#meetingId = id;
      lobbyRoom = form.value.fields.find((f) => f.var === FIELD_LOBBY_ROOM)?.values[0] || lobbyRoom;
    }
    this.#followLobby(this.#lobbyEnabled && this.#role === 'moderator' ? lobbyRoom : undefined);
    this.#changed();
  }

  // ——— lobby (protocols.md §8.4) ———

  /**
   * Knocks in the lobby room (with our display name) and waits: an invitation from the main room
   * means admitted, a kick from the lobby means denied, the lobby closing means walk in.
   */
  #waitInLobby(lobbyRoom: string): Promise<void> {
    const conn = this.#conn as XmppConnection;
    const me = `${lobbyRoom}/${this.#nick}`;
    this.#waiting = 'lobby';
    this.#changed();
    return new Promise<void>((resolve, reject) => {
      const done = (outcome: ConferenceError | undefined): void => {
        off();
        this.#waiting = undefined;
        if (outcome) {
          reject(outcome);
          return;
        }
        conn.send(el('presence', { to: me, type: 'unavailable' }));
        resolve();
      };
      const off = conn.onStanza((e) => {
        const from = e.attrs.from ?? '';
        if (e.name === 'message' && from === this.#roomJid && child(e, 'x', NS_MUC_USER) && child(child(e, 'x', NS_MUC_USER) as El, 'invite')) {
          done(undefined);
        } else if (e.name === 'presence' && from === me && e.attrs.type === 'error') {
          done(conferenceError('lobby-denied', `The lobby refused us (${errorConditionOf(e)}).`));
        } else if (e.name === 'presence' && from === me && e.attrs.type === 'unavailable') {
          const x = child(e, 'x', NS_MUC_USER);
          const kicked = x?.children.some((c) => typeof c !== 'string' && c.name === 'status' && c.attrs.code === '307') === true;
          // Destroyed (the lobby was turned off): the main room lets everyone in now.
          done(kicked ? conferenceError('lobby-denied', 'A moderator did not let you in.') : undefined);
        }
      });
      conn.send(el('presence', { to: me }, encodeMucJoin({ history: { maxStanzas: 0 } }), el('nick', { xmlns: NS_NICK }, this.#displayName)));
    });
  }

  /** Moderators sit in the lobby room too, to see who knocks (only they get those presences). */
  #followLobby(lobbyRoom: string | undefined): void {
    if (lobbyRoom === this.#lobbyRoom) return;
    if (this.#lobbyRoom !== undefined) this.#conn?.send(el('presence', { to: `${this.#lobbyRoom}/${this.#nick}`, type: 'unavailable' }));
    this.#lobbyRoom = lobbyRoom;
    this.#knockers.clear();
    if (lobbyRoom !== undefined) {
      this.#conn?.send(el('presence', { to: `${lobbyRoom}/${this.#nick}` }, encodeMucJoin({ history: { maxStanzas: 0 } }), el('nick', { xmlns: NS_NICK }, this.#displayName)));
    }
    this.#changed();
  }

  #onLobbyPresence(e: El): void {
    const p = readOccupantPresence(e);
    if (p === undefined || p.nick === this.#nick || e.attrs.type === 'error') return;
    if (p.unavailable) this.#knockers.delete(p.nick);
    else if (p.realJid !== undefined) this.#knockers.set(p.nick, { displayName: p.displayName || p.nick, realJid: p.realJid });
    this.#changed();
  }

  // ——— incoming ———

  #onStanza(e: El): boolean {
    const from = e.attrs.from ?? '';
    if (e.name === 'presence' && from.startsWith(`${this.#roomJid}/`)) {
      this.#onPresence(e);
      return false;
    }
    if (e.name === 'presence' && this.#lobbyRoom !== undefined && from.startsWith(`${this.#lobbyRoom}/`)) {
      this.#onLobbyPresence(e);
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
        if (decoded.value.media === 'audio' || decoded.value.media === 'video') this.#mutedByFocus[decoded.value.media] = true;
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
    if (p.nick === 'focus' || (p.realJid !== undefined && this.#focusJid !== '' && p.realJid.startsWith(`${this.#focusJid}/`))) {
      const recordingChanged = this.#recording.readFocusPresence(e);
      if (this.#liveStream.readFocusPresence(e) || recordingChanged) this.#changed();
      return;
    }
    this.#dialOut.onOccupant(p);
    this.#e2ee.onPresence(p.nick, e, p.role === 'moderator' || p.affiliation === 'owner', p.unavailable);
    // A recorder is a service, not a person: no tile, not listed, not counted (protocols.md §6).
    if (p.features.includes(FEATURE_RECORDER) || (p.unavailable && this.#services.has(p.nick))) {
      const known = this.#services.has(p.nick);
      if (p.unavailable) this.#services.delete(p.nick);
      else this.#services.add(p.nick);
      // The views say whether a recorder holds the meeting's keys: its coming and going changes that.
      if (this.#remotes.delete(p.nick) || known === p.unavailable) this.#changed();
      this.#p2p.update();
      return;
    }
    if (p.unavailable) {
      if (this.#remotes.delete(p.nick)) this.#changed();
      this.#p2p.update();
      return;
    }
    const prev = this.#remotes.get(p.nick);
    this.#remotes.set(p.nick, { presence: p, joinedAt: prev?.joinedAt ?? Date.now() });
    this.#changed();
    if (prev === undefined) this.#p2p.update();
  }

  #onMessage(e: El): void {
    // The room's own notice of a configuration change (status 104) or of the lobby being switched: read it again.
    const configChanged = child(e, 'x', NS_MUC_USER)?.children.some((c) => typeof c !== 'string' && c.name === 'status' && c.attrs.code === '104') === true;
    const json = child(e, 'json-message', NS_JITSI_MEET);
    const lobbyNotice = json !== undefined && decodeLobbyNotify(json).ok;
    if (e.attrs.from === this.#roomJid && (configChanged || lobbyNotice)) void this.#refreshRoomInfo();
    if (json !== undefined && e.attrs.from === this.#occupant('focus') && this.#recording.readLinkMessage(e)) {
      this.#changed();
      return;
    }
    const from = e.attrs.from ?? '';
    const nick = from.includes('/') ? from.slice(from.indexOf('/') + 1) : undefined;
    // E2EE key messages come privately from an occupant (e2ee/key-exchange.ts).
    if (json !== undefined && nick !== undefined && e.attrs.type === 'chat') void this.#e2ee.onKeyMessage(nick, text(json));
    const body = child(e, 'body');
    if (body === undefined || e.attrs.type === 'error') return;
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
      this.#p2p.onJingle(peer, j);
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
    // Asked right after login (bounded): a TURN-only client cannot connect without them.
    await this.#externalServices;
    const session = new BridgeSession(offer, {
      nick: this.#nick,
      iceServers: this.#iceServers(),
      iceTransportPolicy: this.#config.iceTransportPolicy ?? 'all',
      encodedInsertableStreams: this.#e2ee.needsEncodedInsertableStreams,
      simulcast: !this.#config.disableSimulcast,
      preferSctp: this.#config.bridgeChannel?.preferSctp ?? false,
      sendJingle: async (j) => {
        await this.#request(el('iq', { type: 'set', to: this.#occupant('focus') }, encodeJingle(j)));
      },
      onTracks: (tracks) => {
        // Called after every new remote description: new receivers get their transforms now.
        this.#e2ee.useSession(session.peerConnection);
        this.#e2ee.setSsrcOwners(session.ssrcOwners());
        this.#tracks = tracks;
        this.#changed();
      },
      onConnectionState: (state) => this.#onMediaState(session, state),
      log: this.#log.child({ part: 'jingle' }),
    });
    this.#session = session;
    this.#startQualitySampling();
    const channelTransport = session.dataChannel !== undefined
      ? { dataChannel: session.dataChannel, fallbackUrl: session.webSocketUrl }
      : session.webSocketUrl !== undefined ? { url: session.webSocketUrl } : undefined;
    if (channelTransport !== undefined) {
      this.#channel = new BridgeChannel(channelTransport, (m) => this.#onBridgeMessage(m), this.#log.child({ part: 'bridge-channel' }));
      this.#channel.send(this.#receiverConstraints ?? { colibriClass: 'ReceiverVideoConstraints', lastN: this.#config.channelLastN, defaultConstraints: { maxHeight: this.#config.resolution } });
    }
    // The app may still be opening camera and microphone (it joins meanwhile): offer them once open.
    await this.#media.opening?.catch(() => undefined);
    if (this.#session !== session) return;
    const stream = this.#media.stream;
    const audio = stream?.getAudioTracks()[0];
    const camera = stream?.getVideoTracks()[0];
    if (audio) audio.enabled = !this.#audioMuted;
    if (camera) camera.enabled = !this.#videoMuted;
    // A camera or microphone that could not be opened shows as off, to the others and on our buttons.
    if ((!audio && !this.#audioMuted) || (!camera && !this.#videoMuted)) {
      this.#audioMuted ||= !audio;
      this.#videoMuted ||= !camera;
      this.#sendPresence();
      this.#changed();
    }
    // Fail-closed: a browser that cannot encrypt, in an encrypted room, answers without attaching
    // camera and microphone (the m-lines still send, for when E2EE goes off).
    const withheld = this.#e2ee.blocksMedia;
    try {
      await session.accept(audio, camera, withheld);
      if (this.#p2p.directPeer !== undefined) {
        await session.replaceTrack('audio', null);
        await session.replaceTrack('video', null);
      }
      if (this.#screenTrack) await session.setScreenTrack(this.#screenTrack);
      if (withheld) {
        // Trackless senders also switched off (Firefox keeps sending on a trackless sender).
        await session.replaceTrack('audio', null);
        await session.replaceTrack('video', null);
      }
      this.#mediaWithheld = withheld;
      await this.#gateMediaForE2ee();
      this.#changed();
    } catch (error) {
      this.#log.error('media session failed', { err: error });
      this.#notice('error', 'The media connection could not be set up.');
    }
  }

  /**
   * Fail-closed for a browser that cannot encrypt: while the room is encrypted it sends the bridge
   * nothing from camera and microphone (the views tell the user why); they come back when E2EE is off.
   */
  async #gateMediaForE2ee(): Promise<void> {
    const withhold = this.#e2ee.blocksMedia;
    const session = this.#session;
    if (withhold === this.#mediaWithheld || session === undefined) return;
    this.#mediaWithheld = withhold;
    const stream = withhold || this.#p2p.directPeer !== undefined ? undefined : this.#media.stream;
    await session.replaceTrack('audio', stream?.getAudioTracks()[0] ?? null);
    await session.replaceTrack('video', stream?.getVideoTracks()[0] ?? null);
    if (withhold && this.#screenTrack) await this.stopScreenShare();
  }

  /** The operator's STUN/TURN servers: config.js's and those XEP-0215 handed out with fresh credentials. */
  #iceServers(): RTCIceServer[] {
    return [...this.#config.p2p.stunServers, ...this.#discoveredIceServers].map((s) => ({
      urls: typeof s.urls === 'string' ? s.urls : [...s.urls],
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.credential !== undefined ? { credential: s.credential } : {}),
    }));
  }

  /** XEP-0215 (as Jitsi's client does right after login): the deployment's STUN and TURN servers; none on error or silence. */
  async #discoverIceServers(conn: XmppConnection): Promise<void> {
    try {
      const reply = await conn.request(el('iq', { type: 'get', to: this.#config.hosts.domain }, el('services', { xmlns: NS_EXTDISCO_2 })), EXTERNAL_SERVICES_TIMEOUT_MS);
      const services = child(reply, 'services', NS_EXTDISCO_2);
      this.#discoveredIceServers = services === undefined ? [] : iceServersOf(decodeExternalServices(services));
      if (this.#discoveredIceServers.length > 0) this.#log.info('ice servers from the XMPP server', { count: this.#discoveredIceServers.length });
    } catch (error) {
      this.#log.debug('no external services', { err: error instanceof Error ? error.message : String(error) });
    }
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

  /** Every 3 s: loss on what each participant sends us, and on what we send (connection-quality.ts). */
  #startQualitySampling(): void {
    if (this.#qualityTimer !== undefined) return;
    this.#qualityTimer = setInterval(() => {
      this.#sampleQuality().catch((error: unknown) => this.#log.debug('quality sample failed', { err: error }));
    }, 3000);
  }

  async #sampleQuality(): Promise<void> {
    const pc = this.#p2p.directPeer !== undefined ? this.#p2p.peerConnection : this.#session?.peerConnection;
    if (!pc) return;
    const { byTrack, sendLoss } = await sampleConnection(pc);
    let changed = false;
    const local = sendLoss === undefined ? 'unknown' : qualityOfLoss(sendLoss);
    if (local !== this.#localQuality) {
      this.#localQuality = local;
      changed = true;
    }
    for (const p of this.#snapshot.participants) {
      if (p.isLocal) continue;
      const track = p.cameraStream?.getVideoTracks()[0] ?? p.audioStream?.getAudioTracks()[0];
      const now = track ? byTrack.get(track.id) : undefined;
      if (!track || !now) continue;
      const q = qualityBetween(this.#samples.get(track.id), now);
      this.#samples.set(track.id, now);
      if (q !== 'unknown' && q !== this.#quality.get(p.id)) {
        this.#quality.set(p.id, q);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  #onBridgeMessage(m: BridgeMessage): void {
    if (m.colibriClass === 'SenderSourceConstraints') {
      void this.#session?.setSenderConstraint(m.sourceName, m.maxHeight);
      return;
    }
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

  /** A real JID (the recording's initiator) as a display name, and whether it is us. */
  #whoIs(realJid: string): { name: string | undefined; isLocal: boolean } {
    const bare = (jid: string): string => jid.split('/')[0] ?? jid;
    const ours = this.#conn?.jid;
    if (ours !== undefined && ours !== '' && (ours === realJid || bare(ours) === bare(realJid))) return { name: this.#displayName, isLocal: true };
    for (const r of this.#remotes.values()) {
      const jid = r.presence.realJid;
      if (jid !== undefined && (jid === realJid || bare(jid) === bare(realJid))) return { name: r.presence.displayName || undefined, isLocal: false };
    }
    return { name: undefined, isLocal: false };
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

  #stopQualitySampling(): void {
    if (this.#qualityTimer !== undefined) clearInterval(this.#qualityTimer);
    this.#qualityTimer = undefined;
  }

  #end(reason: EndReason): void {
    if (this.#state === 'ended') return;
    this.#e2ee.close();
    this.#stopQualitySampling();
    this.#p2p.stop(false);
    this.#closeMedia();
    this.#screenTrack?.stop();
    this.#screenTrack = undefined;
    this.#remotes.clear();
    this.#services.clear();
    this.#setState('ended');
    this.#events.emit('ended', reason);
  }

  #fail(error: ConferenceError): void {
    this.#error = error;
    this.#stopQualitySampling();
    this.#p2p.stop(false);
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
    let s = this.#streamCache.get(track);
    if (!s) {
      s = new MediaStream([track]);
      this.#streamCache.set(track, s);
    }
    return s;
  }

  #buildSnapshot(): ConferenceSnapshot {
    const local: ParticipantView = {
      id: this.#nick, isLocal: true, displayName: this.#displayName, role: this.#role,
      audioMuted: this.#audioMuted, videoMuted: this.#videoMuted, handRaisedAt: this.#handRaisedAt,
      screenSharing: this.#screenTrack !== undefined, isPhone: false, connectionQuality: this.#localQuality,
      audioStream: undefined, cameraStream: this.#media.stream, screenStream: this.#screenStream,
      cameraSourceName: `${this.#nick}-v0`, screenSourceName: this.#screenTrack ? `${this.#nick}-v1` : undefined,
    };
    const remotes = [...this.#remotes.values()].sort((a, b) => a.joinedAt - b.joinedAt).map((r): ParticipantView => {
      const p = r.presence;
      const mine = this.#tracks.filter((t) => t.owner === p.nick);
      // While P2P is up, this peer's microphone and camera come direct; a screen share still via the bridge.
      const direct = this.#p2p.directPeer === p.nick ? this.#p2p.tracks : undefined;
      const audio = (direct ?? mine).find((t) => t.media === 'audio');
      const camera = (direct ?? mine).find((t) => t.media === 'video' && t.videoType !== 'desktop');
      const screen = mine.find((t) => t.media === 'video' && t.videoType === 'desktop');
      const sharingByPresence = Object.values(p.sources).some((s) => s.videoType === 'desktop' && !s.muted);
      // A phone caller (SIP gateway): no camera; its mute state may come as legacy <audiomuted>.
      const isPhone = p.features.includes(FEATURE_PHONE);
      return {
        id: p.nick, isLocal: false, displayName: p.displayName || (isPhone ? 'Phone caller' : ''), role: p.role === 'moderator' ? 'moderator' : 'participant',
        audioMuted: p.sources[`${p.nick}-a0`]?.muted ?? p.legacyAudioMuted ?? false, videoMuted: isPhone || (p.sources[`${p.nick}-v0`]?.muted ?? false),
        handRaisedAt: p.handRaisedAt, screenSharing: sharingByPresence || screen !== undefined, isPhone,
        ...(isPhone && p.statusText !== '' && p.statusText.toLowerCase() !== 'connected' ? { callStatus: p.statusText } : {}),
        connectionQuality: this.#quality.get(p.nick) ?? 'unknown',
        audioStream: this.#stream(audio?.track), cameraStream: this.#stream(camera?.track), screenStream: this.#stream(screen?.track),
        cameraSourceName: camera?.sourceName ?? `${p.nick}-v0`, screenSourceName: screen?.sourceName,
        e2ee: this.#e2ee.participantState(p.nick),
      };
    });
    const room: RoomView = {
      name: this.#roomName, locked: this.#locked, lobbyEnabled: this.#lobbyEnabled, meetingId: this.#meetingId, lobbyWaiting: [...this.#knockers].map(([id, k]) => ({ id, displayName: k.displayName })), waiting: this.#waiting,
      justCreated: this.#justCreated, recording: this.#recording.view((jid) => this.#whoIs(jid)),
      liveStream: this.#liveStream.view((jid) => this.#whoIs(jid)), phoneCalls: this.#dialOut.views(),
    };
    return {
      state: this.#state, error: this.#error, room, participants: [local, ...remotes], dominantSpeaker: this.#dominant,
      mediaPath: this.#p2p.directPeer !== undefined ? 'p2p' : this.#session ? 'bridge' : 'none',
      e2ee: {
        enabled: this.#e2ee.roomEnabled, supported: this.#e2ee.supported,
        recorders: [...this.#services].map((nick) => ({ id: nick, hasKeys: this.#e2ee.participantState(nick).hasKeys })),
      },
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

/** How often a guest asks the focus again while waiting for the host. */
const HOST_POLL_MS = 3000;
/** How long the XEP-0215 request may hold up the media session (it normally answers long before). */
const EXTERNAL_SERVICES_TIMEOUT_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
