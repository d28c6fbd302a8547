// The bridge channel (protocols.md §5, §10) over a WebSocket, `/colibri-ws/<bridge-id>/<conference-id>/
// <endpoint-id>?pwd=<ice-pwd>` on the bridge's HTTP server, or over the endpoint's SCTP data channel
// ('JVB data channel', protocol http://jitsi.org/protocols/colibri; attachDataChannel), with the same
// message handling for both (channel-link.ts). One channel per endpoint (a reconnect or a data
// channel replaces the old one, as lib-jitsi-meet reconnects with backoff), ServerHello on accept, and:
//
// | from the client            | the bridge                                                        |
// | EndpointMessage            | relays it with `from` = the sender (never the client's), to `to` or, for "", to all others |
// | EndpointStats              | relays it with `from` to all others, at most one per endpointStatsIntervalMs per sender |
// | ReceiverVideoConstraints, LastNChangedEvent | stores (partial update), event receiverVideoSettingsChanged |
// | SourceVideoTypeMessage, VideoTypeMessage    | stores, event videoTypeChanged                   |
// | ReceiverAudioSubscription  | stores, event audioSubscriptionChanged                             |
// | ClientHello                | answers ServerHello                                                |
// | bridge→client or relay classes, unknown classes, malformed JSON, binary | ignored and counted |
//
// Limits per channel: a message over maxMessageBytes closes it with 1009, more than
// messagesPerSecond (after a burst of messageBurst) with 1008; frames beyond twice maxMessageBytes
// are cut by ws itself (1009, no reason). A receiver whose socket has more than maxBufferedBytes
// queued loses messages (counted) rather than growing the bridge's memory.
//
// Closing: endpoint expired → 1000 "endpoint expired"; conference expired → 1000 "conference
// expired"; replaced by a new connection → 4001; bridge stopping → 1001. A data channel has no
// close codes on the wire: closing resets its stream (the code is only logged). Preferences (constraints,
// video types) outlive a reconnect and are dropped with the endpoint.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { WebSocketServer } from 'ws';
import type { Clock, Logger } from '@plenum/kit';
import { TypedEmitter, assertNever } from '@plenum/kit';
import type {
  BridgeMessage, BridgeVideoType, EndpointMessage, EndpointStats, ReceiverVideoSettings,
} from '@plenum/xmpp/codec';
import { decodeBridgeMessage, encodeBridgeMessage } from '@plenum/xmpp/codec';
import type { DataChannel } from '../transport/sctp-data-channels.ts';
import type { EndpointLookup } from './channel-access.ts';
import { decideChannelAccess, isChannelPath } from './channel-access.ts';
import { TokenBucket } from './token-bucket.ts';
import type { ChannelLimits } from './channel-limits.ts';
import { CHANNEL_CLOSE, CHANNEL_LIMITS } from './channel-limits.ts';
import type { ChannelLink } from './channel-link.ts';
import { dataChannelLink, webSocketLink } from './channel-link.ts';
import type { AudioSubscription } from './endpoint-preferences.ts';
import { EndpointPreferences } from './endpoint-preferences.ts';

/** What the channel server needs to know about endpoints (style C8). */
export interface ChannelDirectory {
  /** The endpoint a URL names and its ICE password. */
  lookup(conferenceId: string, endpointId: string): EndpointLookup;
  /** The focus's `initial-last-n` for the endpoint, if any (until the client sends its own). */
  initialLastN(conferenceId: string, endpointId: string): number | undefined;
}

/** Events for the forwarding layer and for observers. */
export type BridgeChannelEvents = {
  channelOpened: [conferenceId: string, endpointId: string];
  channelClosed: [conferenceId: string, endpointId: string, code: number, reason: string];
  /** ReceiverVideoConstraints or LastNChangedEvent changed what the endpoint wants to receive. */
  receiverVideoSettingsChanged: [conferenceId: string, endpointId: string, settings: ReceiverVideoSettings];
  /** The endpoint declared a video type for one of its sources (sourceName undefined: all of them, deprecated form). */
  videoTypeChanged: [conferenceId: string, endpointId: string, sourceName: string | undefined, videoType: BridgeVideoType];
  audioSubscriptionChanged: [conferenceId: string, endpointId: string, subscription: AudioSubscription];
};

/** Running totals (for stats and metrics). */
export type ChannelCounters = {
  openChannels: number;
  channelsOpened: number;
  /** Of channelsOpened: over the SCTP data channel (the rest over WebSocket). */
  sctpChannelsOpened: number;
  upgradesRefused: number;
  messagesReceived: number;
  messagesSent: number;
  /** Malformed JSON, bad fields, binary frames. */
  messagesMalformed: number;
  /** colibriClass unknown to the codec. */
  messagesUnknown: number;
  /** Known classes a client may not send (bridge→client, relay-only). */
  messagesUnexpected: number;
  /** Relays without a connected target, rate-limited EndpointStats, and drops for backpressure. */
  messagesDropped: number;
  closedTooBig: number;
  closedTooFast: number;
};

/** One open link of one endpoint. */
type Channel = {
  readonly link: ChannelLink;
  readonly conferenceId: string;
  readonly endpointId: string;
  readonly bucket: TokenBucket;
  lastStatsRelayMs: number;
  isClosing: boolean;
  isClosed: boolean;
  /** Run once when the link reports its close (close() waits on them). */
  readonly onClosed: (() => void)[];
};

/** Serves the bridge channels of every conference on this bridge. */
export class BridgeChannelServer {
  readonly events: TypedEmitter<BridgeChannelEvents>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #bridgeId: string;
  readonly #version: string;
  readonly #directory: ChannelDirectory;
  readonly #limits: ChannelLimits;
  readonly #wss: WebSocketServer;
  readonly #channels = new Map<string, Map<string, Channel>>();
  readonly #preferences = new EndpointPreferences();
  readonly #counters: ChannelCounters = {
    openChannels: 0, channelsOpened: 0, sctpChannelsOpened: 0, upgradesRefused: 0, messagesReceived: 0, messagesSent: 0, messagesMalformed: 0,
    messagesUnknown: 0, messagesUnexpected: 0, messagesDropped: 0, closedTooBig: 0, closedTooFast: 0,
  };
  #closing: Promise<void> | undefined;

  constructor(deps: {
    readonly log: Logger; readonly clock: Clock; readonly bridgeId: string; readonly version: string;
    readonly directory: ChannelDirectory; readonly limits?: Partial<ChannelLimits>;
  }) {
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.#bridgeId = deps.bridgeId;
    this.#version = deps.version;
    this.#directory = deps.directory;
    this.#limits = { ...CHANNEL_LIMITS, ...deps.limits };
    this.events = new TypedEmitter<BridgeChannelEvents>(deps.log);
    // Hard cap per frame/message for ws itself; up to it, the bridge answers with its own reason.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 2 * this.#limits.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
  }

  /**
   * Handles an HTTP upgrade if it is for `/colibri-ws/`: refuses it (404/403, plain text) or
   * accepts it. Returns false for other paths, which the caller answers.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!isChannelPath(req.url)) return false;
    socket.on('error', () => undefined); // a peer resetting mid-handshake is not the bridge's error
    if (this.#closing !== undefined) {
      this.#refuse(socket, 503, 'bridge shutting down');
      return true;
    }
    const decision = decideChannelAccess(req.url ?? '', this.#bridgeId, (c, e) => this.#directory.lookup(c, e));
    if (!decision.isAllowed) {
      this.#counters.upgradesRefused++;
      this.#log.info('bridge channel refused', { status: decision.status, why: decision.text });
      this.#refuse(socket, decision.status, decision.text);
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#acceptWebSocket(ws, decision.conferenceId, decision.endpointId));
    return true;
  }

  /**
   * The endpoint opened its bridge channel as an SCTP data channel (the transport checked its
   * protocol): it becomes the endpoint's channel. False (the caller refuses the data channel) when
   * the endpoint is unknown or the bridge is stopping.
   */
  attachDataChannel(conferenceId: string, endpointId: string, dataChannel: DataChannel): boolean {
    if (this.#closing !== undefined || this.#directory.lookup(conferenceId, endpointId).kind !== 'found') return false;
    this.#accept(dataChannelLink(dataChannel), conferenceId, endpointId, (channel) => {
      dataChannel.onMessage((data, isBinary) => this.#onMessage(channel, data, isBinary));
      dataChannel.onClose((reason) => this.#onClosed(channel, CHANNEL_CLOSE.normal, reason));
    });
    return true;
  }

  /** Sends one message to one endpoint's channel; false if it has none open (or is congested). */
  sendTo(conferenceId: string, endpointId: string, message: BridgeMessage): boolean {
    const channel = this.#channels.get(conferenceId)?.get(endpointId);
    return channel !== undefined && this.#sendText(channel, encodeBridgeMessage(message));
  }

  /** Sends one message to every open channel of a conference except `except`; returns how many got it. */
  broadcast(conferenceId: string, message: BridgeMessage, except?: string): number {
    const channels = this.#channels.get(conferenceId);
    if (channels === undefined) return 0;
    const text = encodeBridgeMessage(message);
    let sent = 0;
    for (const [id, channel] of channels) {
      if (id !== except && this.#sendText(channel, text)) sent++;
    }
    return sent;
  }

  /** Whether the endpoint has an open channel. */
  isOpen(conferenceId: string, endpointId: string): boolean {
    const channel = this.#channels.get(conferenceId)?.get(endpointId);
    return channel !== undefined && !channel.isClosing;
  }

  /** What the endpoint wants to receive (defaults until it says; stays across reconnects). */
  receiverVideoSettings(conferenceId: string, endpointId: string): ReceiverVideoSettings {
    return this.#preferences.videoSettings(conferenceId, endpointId, this.#directory.initialLastN(conferenceId, endpointId));
  }

  /** The video type the endpoint declared for one of its own sources (`camera` until it does). */
  videoType(conferenceId: string, endpointId: string, sourceName: string): BridgeVideoType {
    return this.#preferences.videoType(conferenceId, endpointId, sourceName);
  }

  /** Which audio the endpoint wants (all until it says). */
  audioSubscription(conferenceId: string, endpointId: string): AudioSubscription {
    return this.#preferences.audioSubscription(conferenceId, endpointId);
  }

  /** The endpoint expired: closes its channel and forgets its preferences. */
  closeEndpoint(conferenceId: string, endpointId: string, reason = 'endpoint expired'): void {
    const channel = this.#channels.get(conferenceId)?.get(endpointId);
    if (channel !== undefined) this.#close(channel, CHANNEL_CLOSE.normal, reason);
    this.#preferences.removeEndpoint(conferenceId, endpointId);
  }

  /** The conference expired: closes all its channels and forgets their preferences. */
  closeConference(conferenceId: string, reason = 'conference expired'): void {
    for (const channel of [...(this.#channels.get(conferenceId)?.values() ?? [])]) this.#close(channel, CHANNEL_CLOSE.normal, reason);
    this.#preferences.removeConference(conferenceId);
  }

  /** A snapshot of the counters. */
  counters(): ChannelCounters {
    return { ...this.#counters };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Closes every channel (1001), waits up to closeGraceMs for the handshakes, then cuts the rest. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const open = [...this.#channels.values()].flatMap((m) => [...m.values()]);
      let pending = open.length;
      let cancelTimer = (): void => undefined;
      const done = (): void => {
        cancelTimer();
        this.#wss.close();
        resolve();
      };
      if (pending === 0) return done();
      for (const channel of open) {
        channel.onClosed.push(() => {
          if (--pending === 0) done();
        });
      }
      cancelTimer = this.#clock.setTimeout(() => {
        for (const channel of open) channel.link.terminate();
      }, this.#limits.closeGraceMs);
      for (const channel of open) this.#close(channel, CHANNEL_CLOSE.goingAway, 'bridge shutting down');
    });
    return this.#closing;
  }

  #refuse(socket: Duplex, status: 403 | 404 | 503, text: string): void {
    const phrase = status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Service Unavailable';
    const body = `${text}\n`;
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${phrase}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      + `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  #acceptWebSocket(ws: WebSocket, conferenceId: string, endpointId: string): void {
    // The endpoint may have expired during the handshake.
    if (this.#closing !== undefined || this.#directory.lookup(conferenceId, endpointId).kind !== 'found') {
      ws.close(CHANNEL_CLOSE.normal, 'endpoint expired');
      return;
    }
    this.#accept(webSocketLink(ws), conferenceId, endpointId, (channel) => {
      ws.on('message', (data, isBinary) => this.#onMessage(channel, data, isBinary));
      ws.on('error', (e) => this.#log.debug('bridge channel socket error', { meetingId: conferenceId, endpoint: endpointId, code: (e as { code?: string }).code }));
      ws.on('close', (code, reason) => this.#onClosed(channel, code, reason.toString('utf8')));
    });
  }

  /** Makes `link` the endpoint's channel (replacing any), `wire`s its events, greets the client. */
  #accept(link: ChannelLink, conferenceId: string, endpointId: string, wire: (channel: Channel) => void): void {
    let channels = this.#channels.get(conferenceId);
    if (channels === undefined) {
      channels = new Map();
      this.#channels.set(conferenceId, channels);
    }
    const previous = channels.get(endpointId);
    const channel: Channel = {
      link, conferenceId, endpointId, lastStatsRelayMs: Number.NEGATIVE_INFINITY, isClosing: false, isClosed: false, onClosed: [],
      bucket: new TokenBucket(this.#limits.messagesPerSecond, this.#limits.messageBurst, this.#clock.now()),
    };
    channels.set(endpointId, channel);
    if (previous !== undefined) this.#close(previous, CHANNEL_CLOSE.replaced, 'replaced by a newer connection');
    this.#counters.openChannels++;
    this.#counters.channelsOpened++;
    if (link.kind === 'sctp') this.#counters.sctpChannelsOpened++;
    this.#log.info('bridge channel opened', { meetingId: conferenceId, endpoint: endpointId, transport: link.kind, replaced: previous !== undefined });
    wire(channel);
    this.#sendText(channel, encodeBridgeMessage({ colibriClass: 'ServerHello', version: this.#version }));
    this.events.emit('channelOpened', conferenceId, endpointId);
  }

  #onClosed(channel: Channel, code: number, reason: string): void {
    if (channel.isClosed) return;
    channel.isClosed = true;
    channel.isClosing = true;
    this.#counters.openChannels--;
    const channels = this.#channels.get(channel.conferenceId);
    if (channels?.get(channel.endpointId) === channel) {
      channels.delete(channel.endpointId);
      if (channels.size === 0) this.#channels.delete(channel.conferenceId);
    }
    this.#log.info('bridge channel closed', { meetingId: channel.conferenceId, endpoint: channel.endpointId, code, reason });
    this.events.emit('channelClosed', channel.conferenceId, channel.endpointId, code, reason);
    for (const f of channel.onClosed.splice(0)) f();
  }

  /** Starts the closing handshake; the channel ignores anything that still arrives. */
  #close(channel: Channel, code: number, reason: string): void {
    if (channel.isClosing) return;
    channel.isClosing = true;
    channel.link.close(code, reason);
  }

  #sendText(channel: Channel, text: string): boolean {
    if (channel.isClosing || !channel.link.isOpen) return false;
    if (channel.link.queuedBytes > this.#limits.maxBufferedBytes) {
      this.#counters.messagesDropped++;
      return false;
    }
    channel.link.sendText(text);
    this.#counters.messagesSent++;
    return true;
  }

  #onMessage(channel: Channel, data: RawData, isBinary: boolean): void {
    if (channel.isClosing) return;
    this.#counters.messagesReceived++;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (bytes > this.#limits.maxMessageBytes) {
      this.#counters.closedTooBig++;
      this.#log.warn('bridge channel message too big', { meetingId: channel.conferenceId, endpoint: channel.endpointId, bytes });
      this.#close(channel, CHANNEL_CLOSE.tooBig, `message too big (max ${this.#limits.maxMessageBytes} bytes)`);
      return;
    }
    if (!channel.bucket.take(this.#clock.now())) {
      this.#counters.closedTooFast++;
      this.#log.warn('bridge channel flooded', { meetingId: channel.conferenceId, endpoint: channel.endpointId });
      this.#close(channel, CHANNEL_CLOSE.policyViolation, `too many messages (max ${this.#limits.messagesPerSecond} per second)`);
      return;
    }
    if (isBinary) {
      this.#counters.messagesMalformed++;
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
    const decoded = decodeBridgeMessage(text, { maxChars: this.#limits.maxMessageBytes, maxDepth: this.#limits.maxDepth });
    if (!decoded.ok) {
      if (decoded.error.code === 'bridge-channel/unknown-class') this.#counters.messagesUnknown++;
      else this.#counters.messagesMalformed++;
      this.#log.debug('bridge channel message ignored', { meetingId: channel.conferenceId, endpoint: channel.endpointId, code: decoded.error.code });
      return;
    }
    this.#handle(channel, decoded.value);
  }

  #handle(channel: Channel, m: BridgeMessage): void {
    const { conferenceId, endpointId } = channel;
    switch (m.colibriClass) {
      case 'ClientHello':
        this.#sendText(channel, encodeBridgeMessage({ colibriClass: 'ServerHello', version: this.#version }));
        return;
      case 'EndpointMessage':
        return this.#relayEndpointMessage(channel, m);
      case 'EndpointStats':
        return this.#relayEndpointStats(channel, m);
      case 'LastNChangedEvent':
      case 'ReceiverVideoConstraints': {
        const { colibriClass: _, ...update } = m;
        const settings = this.#preferences.updateVideo(conferenceId, endpointId, this.#directory.initialLastN(conferenceId, endpointId), update);
        if (settings !== undefined) this.events.emit('receiverVideoSettingsChanged', conferenceId, endpointId, settings);
        return;
      }
      case 'ReceiverAudioSubscription':
        this.events.emit('audioSubscriptionChanged', conferenceId, endpointId, this.#preferences.setAudioSubscription(conferenceId, endpointId, m));
        return;
      case 'SourceVideoTypeMessage':
      case 'VideoTypeMessage': {
        const sourceName = m.colibriClass === 'SourceVideoTypeMessage' ? m.sourceName : undefined;
        if (this.#preferences.setVideoType(conferenceId, endpointId, sourceName, m.videoType)) {
          this.events.emit('videoTypeChanged', conferenceId, endpointId, sourceName, m.videoType);
        }
        return;
      }
      case 'ServerHello':
      case 'SenderSourceConstraints':
      case 'DominantSpeakerEndpointChangeEvent':
      case 'ForwardedSources':
      case 'EndpointConnectivityStatusChangeEvent':
      case 'VideoSourcesMap':
      case 'AudioSourcesMap':
      case 'ConnectionStats':
      case 'SyntheticSourceSendingChangeEvent':
      case 'AddReceiver':
      case 'RemoveReceiver':
        this.#counters.messagesUnexpected++;
        return;
      default:
        return assertNever(m);
    }
  }

  /** The bridge sets `from`: whatever the client wrote there is replaced. */
  #relayEndpointMessage(channel: Channel, m: EndpointMessage): void {
    const relayed: EndpointMessage = { colibriClass: 'EndpointMessage', to: m.to, from: channel.endpointId, msgPayload: m.msgPayload };
    if (m.to === '') {
      this.broadcast(channel.conferenceId, relayed, channel.endpointId);
    } else if (!this.sendTo(channel.conferenceId, m.to, relayed)) {
      this.#counters.messagesDropped++;
    }
  }

  #relayEndpointStats(channel: Channel, m: EndpointStats): void {
    const now = this.#clock.now();
    if (now - channel.lastStatsRelayMs < this.#limits.endpointStatsIntervalMs) {
      this.#counters.messagesDropped++;
      return;
    }
    channel.lastStatsRelayMs = now;
    this.broadcast(channel.conferenceId, { colibriClass: 'EndpointStats', from: channel.endpointId, stats: m.stats }, channel.endpointId);
  }
}
