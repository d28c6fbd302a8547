// A transparent TCP relay between a bridge and the XMPP server's component port that reads both
// directions of the XEP-0114 stream and keeps every COLIBRI2 exchange (conference-modify as the
// bridge received it, and the bridge's reply). Tests compare what a participant was offered with
// what the bridge really allocated, without any test hook inside the bridge: the tap only watches
// the wire the bridge speaks anyway.
import { EventEmitter } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { ConferenceModified, ConferenceModify, El, IceUdpTransport } from '@plenum/xmpp/codec';
import {
  NS_COLIBRI2, XmlStreamParser, child, decodeColibri2ErrorReason, decodeConferenceModified, decodeConferenceModify,
  decodeStanzaError,
} from '@plenum/xmpp/codec';

const HOST = '127.0.0.1';
const LIMITS = { maxElementBytes: 16 * 1024 * 1024, maxDepth: 256, maxAttributes: 256 };

/** How the bridge answered one conference-modify. */
export type ColibriReply =
  | { readonly type: 'result'; readonly modified: ConferenceModified; readonly stanza: El }
  | { readonly type: 'error'; readonly condition: string | undefined; readonly reason: string | undefined; readonly stanza: El };

/** One conference-modify the bridge received, with its reply once it went out. */
export type ColibriExchange = {
  /** The IQ id as the bridge saw it (the MUC may have rewritten the focus's). */
  readonly id: string;
  /** The sender as the bridge saw it (`brewery/focus` through the MUC, or the focus's own JID). */
  readonly from: string;
  readonly request: ConferenceModify;
  reply: ColibriReply | undefined;
};

/** A relay in front of one server port, recording the COLIBRI2 traffic of whoever connects through it. */
export class ColibriTap {
  /** Every conference-modify seen so far, oldest first. */
  readonly exchanges: ColibriExchange[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Map<string, ColibriExchange>();
  readonly #answered = new EventEmitter();
  #closing: Promise<void> | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on a free loopback port and relays every connection to `target`. */
  static async start(target: { readonly host?: string; readonly port: number }): Promise<ColibriTap> {
    const server = createServer();
    const tap = new ColibriTap(server);
    server.on('connection', (downstream) => tap.#relay(downstream, target.host ?? HOST, target.port));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve());
    });
    return tap;
  }

  /** The port the bridge should connect to instead of the server's. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Exchanges the bridge has answered (result or error). */
  get answered(): ColibriExchange[] {
    return this.exchanges.filter((x) => x.reply !== undefined);
  }

  /** Exchanges about one conference, by the room JID the focus names (`<conference-modify name>`) or meeting id. */
  about(roomOrMeetingId: string): ColibriExchange[] {
    return this.exchanges.filter((x) => x.request.name === roomOrMeetingId || x.request.meetingId === roomOrMeetingId);
  }

  /**
   * The ICE/DTLS transport this bridge last returned when it created `endpointId` (in `roomJid`, when
   * given): what the participant's session-initiate must carry.
   */
  allocatedTransport(endpointId: string, roomJid?: string): IceUdpTransport | undefined {
    for (const x of [...this.exchanges].reverse()) {
      if (roomJid !== undefined && x.request.name !== roomJid) continue;
      if (x.reply?.type !== 'result' || !x.request.endpoints.some((e) => e.id === endpointId && e.create === true)) continue;
      const ep = x.reply.modified.endpoints.find((e) => e.id === endpointId);
      if (ep?.transport?.iceUdp !== undefined) return ep.transport.iceUdp;
    }
    return undefined;
  }

  /** Resolves with the first answered exchange (already seen or still to come) that matches. */
  waitFor(match: (x: ColibriExchange) => boolean, what: string, timeoutMs = 5000): Promise<ColibriExchange> {
    const seen = this.answered.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onAnswered = (x: ColibriExchange): void => {
        if (!match(x)) return;
        clearTimeout(timer);
        this.#answered.off('answered', onAnswered);
        resolve(x);
      };
      const timer = setTimeout(() => {
        this.#answered.off('answered', onAnswered);
        const got = this.exchanges.map((x) => ({
          name: x.request.name, create: x.request.create, expire: x.request.expire, reply: x.reply?.type,
          endpoints: x.request.endpoints.map((e) => `${e.id}${e.create === true ? '+' : ''}${e.expire === true ? '-' : ''}`),
        }));
        reject(new Error(`COLIBRI2 tap: no ${what} within ${timeoutMs} ms; exchanges: ${JSON.stringify(got)}`));
      }, timeoutMs);
      this.#answered.on('answered', onAnswered);
    });
  }

  /** Stops listening and drops every relayed connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const s of this.#sockets) s.destroy();
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }

  #relay(downstream: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    for (const s of [downstream, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => {
        this.#sockets.delete(s);
        downstream.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
    // Pausing until the upstream connection is up keeps the bridge's stream header in order.
    downstream.pause();
    upstream.once('connect', () => downstream.resume());
    const toServer = this.#reader((e) => this.#fromBridge(e));
    const toBridge = this.#reader((e) => this.#toBridge(e));
    downstream.on('data', (d: Buffer) => {
      upstream.write(d);
      toServer(d);
    });
    upstream.on('data', (d: Buffer) => {
      downstream.write(d);
      toBridge(d);
    });
  }

  /** A stream reader that hands each top-level element to `onElement`; parse errors end the reading, not the relay. */
  #reader(onElement: (e: El) => void): (d: Buffer) => void {
    const decoder = new StringDecoder('utf8');
    const parser = new XmlStreamParser('stream', { onElement, onError: () => undefined }, LIMITS);
    return (d) => parser.write(decoder.write(d));
  }

  /** Server → bridge: conference-modify requests. */
  #toBridge(e: El): void {
    const payload = child(e, 'conference-modify', NS_COLIBRI2);
    if (e.name !== 'iq' || e.attrs.type !== 'set' || payload === undefined) return;
    const decoded = decodeConferenceModify(payload);
    if (!decoded.ok) return; // the bridge answers bad-request; nothing the tap can pair it with
    const x: ColibriExchange = { id: e.attrs.id ?? '', from: e.attrs.from ?? '', request: decoded.value, reply: undefined };
    this.exchanges.push(x);
    this.#pending.set(x.id, x);
  }

  /** Bridge → server: the replies. */
  #fromBridge(e: El): void {
    if (e.name !== 'iq' || (e.attrs.type !== 'result' && e.attrs.type !== 'error')) return;
    const x = this.#pending.get(e.attrs.id ?? '');
    if (x === undefined) return;
    this.#pending.delete(x.id);
    if (e.attrs.type === 'error') {
      x.reply = { type: 'error', condition: decodeStanzaError(e)?.condition, reason: decodeColibri2ErrorReason(e), stanza: e };
    } else {
      const payload = child(e, 'conference-modified', NS_COLIBRI2);
      const decoded = payload === undefined ? undefined : decodeConferenceModified(payload);
      x.reply = { type: 'result', modified: decoded?.ok === true ? decoded.value : { endpoints: [] }, stanza: e };
    }
    this.#answered.emit('answered', x);
  }
}
