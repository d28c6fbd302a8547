// WebRTC data channels (RFC 8831, DCEP RFC 8832) of one endpoint, over SCTP (RFC 8261) in DTLS
// application data: the bridge is the SCTP server on port 5000 (protocols.md §3) and never opens
// channels itself; the client opens them with DATA_CHANNEL_OPEN and the bridge acks or refuses.
// The association is werift's (werift-sctp.ts); the DCEP handling, the limits and the screening
// of packets are here.
//
// Bad input closes only what it concerns, never the endpoint's media (the DTLS/SRTP transport is
// untouched): a malformed packet (sctp-packet.ts), a peer that overruns the receive window, or an
// association that fails aborts the association; a channel the bridge does not serve (its
// `acceptChannel` says no), a malformed DCEP message, one channel too many, a message over the
// size limit or data on a stream without a channel resets that stream (RFC 8831 §6.7).
import type { Logger } from '@plenum/kit';
import type { DataChannelOpen } from './dcep.ts';
import { DATA_CHANNEL_ACK, PPID, parseDataChannelOpen } from './dcep.ts';
import { screenSctpPacket } from './sctp-packet.ts';
import type { WeriftSctp } from './werift-sctp.ts';
import { newSctpServer } from './werift-sctp.ts';

/** The SCTP port of the data channel: JVB refuses any other (protocols.md §10). */
export const SCTP_PORT = 5000;

/** Bounds per endpoint. */
export type DataChannelLimits = {
  /** Largest message accepted from the client (bytes); larger resets its channel. */
  readonly maxMessageBytes: number;
  /** Channels open at once per endpoint; a further DATA_CHANNEL_OPEN is refused. */
  readonly maxChannels: number;
  /** DATA_CHANNEL_OPENs accepted per association over its life (each replaces the bridge channel and greets anew); later ones are refused. */
  readonly maxChannelOpens: number;
  /** SCTP streams per direction (the offer's sctpmap says 1024); DATA on a higher stream aborts. */
  readonly maxStreams: number;
  /** Bytes waiting in the association's send queue beyond which messages to the client are dropped. */
  readonly maxQueuedBytes: number;
};

/** Defaults: lib-jitsi-meet opens one channel; 64 KiB is the bridge channel's message cap and WebRTC's default max-message-size. */
export const DATA_CHANNEL_LIMITS: DataChannelLimits = {
  maxMessageBytes: 64 * 1024,
  maxChannels: 4,
  maxChannelOpens: 64,
  maxStreams: 1024,
  maxQueuedBytes: 1024 * 1024,
};

/** Running totals over every endpoint (for stats). */
export type DataChannelCounters = {
  associations: number;
  associationsAborted: number;
  channelsOpened: number;
  channelsRefused: number;
  packetsMalformed: number;
  messagesTooBig: number;
  messagesDropped: number;
};

export const newDataChannelCounters = (): DataChannelCounters => ({
  associations: 0, associationsAborted: 0, channelsOpened: 0, channelsRefused: 0, packetsMalformed: 0, messagesTooBig: 0, messagesDropped: 0,
});

/** One open channel (an SCTP stream both ways). */
export interface DataChannel {
  readonly streamId: number;
  readonly label: string;
  readonly protocol: string;
  readonly isOpen: boolean;
  /** Bytes queued in the association (shared by the endpoint's channels). */
  readonly queuedBytes: number;
  /** Sends a text message (PPID string); false when closed or congested (counted). */
  sendText(text: string): boolean;
  /** Resets the stream (RFC 8831 §6.7); the close listener runs. Idempotent. */
  close(): void;
  /** The one message listener: text (isBinary false) or binary. */
  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void;
  /** The one close listener: the peer reset the stream, the bridge closed it, or the association went. */
  onClose(listener: (reason: string) => void): void;
}

/** What SctpDataChannels needs. */
export type SctpDataChannelsDeps = {
  readonly log: Logger;
  readonly counters: DataChannelCounters;
  readonly limits?: Partial<DataChannelLimits>;
  /** Sends SCTP packets as DTLS application data; false while DTLS is not connected. */
  sendPacket(packet: Buffer): boolean;
  /** Whether the bridge serves a channel with this label and protocol; the channel is ready to use when called. */
  acceptChannel(open: DataChannelOpen, channel: DataChannel): boolean;
};

/** The SCTP association and data channels of one endpoint. */
export class SctpDataChannels {
  readonly #deps: SctpDataChannelsDeps;
  readonly #limits: DataChannelLimits;
  readonly #sctp: WeriftSctp;
  readonly #channels = new Map<number, StreamChannel>();
  #isClosed = false;
  #opens = 0;

  constructor(deps: SctpDataChannelsDeps) {
    this.#deps = deps;
    this.#limits = { ...DATA_CHANNEL_LIMITS, ...deps.limits };
    this.#sctp = newSctpServer({
      send: (packet) => {
        if (!this.#isClosed) deps.sendPacket(packet);
        return Promise.resolve();
      },
      close: () => undefined,
    }, SCTP_PORT);
    this.#sctp._inboundStreamsMax = this.#limits.maxStreams;
    this.#sctp._outboundStreamsCount = this.#limits.maxStreams;
    this.#sctp.onReceive.subscribe((streamId, ppid, data) => this.#onMessage(streamId, ppid, data));
    this.#sctp.onReconfigStreams.subscribe((streamIds) => {
      for (const id of streamIds) this.#channels.get(id)?.closed('reset by the peer');
    });
    this.#sctp.stateChanged.closed.subscribe(() => this.#shutDown('association closed'));
    deps.counters.associations++;
    void this.#sctp.start(SCTP_PORT).catch(() => undefined);
  }

  /** Aborted or closed: a new association is needed for more channels. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Channels open now. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** One SCTP packet from DTLS application data. */
  handlePacket(packet: Buffer): void {
    if (this.#isClosed) return;
    const screen = screenSctpPacket(packet, this.#limits.maxStreams);
    if (screen !== 'accept') {
      this.#deps.counters.packetsMalformed++;
      this.#abort(`sctp packet ${screen}`);
      return;
    }
    this.#sctp.handleData(packet).then(() => {
      // werift accepts DATA beyond the window it advertised; a peer that ignores it is cut off here.
      if (this.#sctp.advertisedRwnd < 0) this.#abort('receive window overrun');
    }, (error: unknown) => {
      this.#deps.counters.packetsMalformed++;
      this.#abort(`sctp packet refused: ${error instanceof Error ? error.message : 'error'}`);
    });
  }

  /** Closes every channel and the association (ABORT to the peer). Idempotent. */
  close(reason = 'closed'): void {
    if (this.#isClosed) return;
    this.#shutDown(reason);
    void this.#sctp.stop().catch(() => undefined);
  }

  #abort(reason: string): void {
    if (this.#isClosed) return;
    this.#deps.counters.associationsAborted++;
    this.#deps.log.warn('sctp association aborted', { why: reason });
    this.close(reason);
  }

  #shutDown(reason: string): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const channel of [...this.#channels.values()]) channel.closed(reason);
  }

  #onMessage(streamId: number, ppid: number, data: Buffer): void {
    if (this.#isClosed) return;
    if (ppid === PPID.dcep) {
      this.#onDcep(streamId, data);
      return;
    }
    const channel = this.#channels.get(streamId);
    if (channel === undefined) {
      this.#deps.counters.messagesDropped++;
      this.#resetStream(streamId);
      return;
    }
    if (data.length > this.#limits.maxMessageBytes) {
      this.#deps.counters.messagesTooBig++;
      this.#deps.log.warn('data channel message too big', { stream: streamId, bytes: data.length });
      channel.close();
      return;
    }
    switch (ppid) {
      case PPID.string: return channel.deliver(data, false);
      case PPID.emptyString: return channel.deliver(Buffer.alloc(0), false);
      case PPID.binary: return channel.deliver(data, true);
      case PPID.emptyBinary: return channel.deliver(Buffer.alloc(0), true);
      default:
        this.#deps.counters.messagesDropped++;
    }
  }

  #onDcep(streamId: number, data: Buffer): void {
    const open = parseDataChannelOpen(data);
    const refuse = (why: string): void => {
      this.#deps.counters.channelsRefused++;
      this.#deps.log.info('data channel refused', { stream: streamId, why });
      this.#resetStream(streamId);
    };
    if (!open.ok) return refuse(`dcep ${open.error}`);
    if (this.#channels.has(streamId)) return refuse('stream already open');
    if (this.#channels.size >= this.#limits.maxChannels) return refuse(`too many channels (max ${this.#limits.maxChannels})`);
    if (this.#opens >= this.#limits.maxChannelOpens) return refuse(`too many channel opens (max ${this.#limits.maxChannelOpens})`);
    const channel = new StreamChannel(this, streamId, open.value.label, open.value.protocol);
    this.#channels.set(streamId, channel);
    if (!this.#deps.acceptChannel(open.value, channel)) {
      this.#channels.delete(streamId);
      return refuse('no such service');
    }
    this.#opens++;
    this.#deps.counters.channelsOpened++;
    // The ACK goes first on the stream, so the client sees the channel open before any message.
    void this.#sctp.send(streamId, PPID.dcep, DATA_CHANNEL_ACK).catch(() => undefined);
    channel.acked();
  }

  /** Outgoing stream reset (RFC 6525 via werift); the peer then resets its side. */
  #resetStream(streamId: number): void {
    const sctp = this.#sctp as WeriftSctp & { reconfigQueue: number[]; transmitReconfigRequest(): Promise<void> };
    if (this.#isClosed || sctp.state !== 'connected' || sctp.reconfigQueue.includes(streamId)) return;
    sctp.reconfigQueue.push(streamId);
    if (sctp.reconfigQueue.length === 1) void sctp.transmitReconfigRequest().catch(() => undefined);
  }

  /** For StreamChannel. */
  send(streamId: number, ppid: number, data: Buffer): boolean {
    if (this.#isClosed) return false;
    if (this.queuedBytes() > this.#limits.maxQueuedBytes) {
      this.#deps.counters.messagesDropped++;
      return false;
    }
    void this.#sctp.send(streamId, ppid, data).catch(() => undefined);
    return true;
  }

  /** Bytes not yet handed to DTLS (werift's outbound queue). */
  queuedBytes(): number {
    const queue = (this.#sctp as WeriftSctp & { outboundQueue: { userData: Buffer }[] }).outboundQueue;
    let bytes = 0;
    for (const chunk of queue) bytes += chunk.userData.length;
    return bytes;
  }

  /** For StreamChannel: it closed; the stream is reset unless the peer did it. */
  channelClosed(channel: StreamChannel, resetStream: boolean): void {
    if (this.#channels.get(channel.streamId) === channel) this.#channels.delete(channel.streamId);
    if (resetStream) this.#resetStream(channel.streamId);
  }
}

class StreamChannel implements DataChannel {
  #state: 'opening' | 'open' | 'closed' = 'opening';
  #messageListener: ((data: Buffer, isBinary: boolean) => void) | undefined;
  #closeListener: ((reason: string) => void) | undefined;
  /** Messages sent before the ACK went out wait for it (acceptChannel may greet the client at once). */
  #pending: string[] = [];

  constructor(private readonly owner: SctpDataChannels, readonly streamId: number, readonly label: string, readonly protocol: string) {}

  get isOpen(): boolean {
    return this.#state !== 'closed';
  }

  get queuedBytes(): number {
    return this.owner.queuedBytes();
  }

  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void {
    this.#messageListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.#closeListener = listener;
  }

  sendText(text: string): boolean {
    if (this.#state === 'closed') return false;
    if (this.#state === 'opening') {
      this.#pending.push(text);
      return true;
    }
    return text.length === 0 ? this.owner.send(this.streamId, PPID.emptyString, Buffer.alloc(1)) : this.owner.send(this.streamId, PPID.string, Buffer.from(text, 'utf8'));
  }

  close(): void {
    this.#finish('closed by the bridge', true);
  }

  acked(): void {
    if (this.#state !== 'opening') return;
    this.#state = 'open';
    const pending = this.#pending;
    this.#pending = [];
    for (const text of pending) this.sendText(text);
  }

  deliver(data: Buffer, isBinary: boolean): void {
    if (this.#state !== 'closed') this.#messageListener?.(data, isBinary);
  }

  closed(reason: string): void {
    this.#finish(reason, false);
  }

  #finish(reason: string, resetStream: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending = [];
    this.owner.channelClosed(this, resetStream);
    this.#closeListener?.(reason);
  }
}
