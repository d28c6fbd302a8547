// XMPP over WebSocket (RFC 7395) for the browser: SASL ANONYMOUS or PLAIN, resource binding,
// stream management with resumption (XEP-0198) and the keep-alive ping lib-jitsi-meet sends
// (protocols.md §12). Our own small client over the codec's parser rather than @xmpp/client: the
// resume path (re-authenticate, `<resume previd h>`, resend what the server did not acknowledge)
// is the part that matters here, and it is shorter written against our own stanza model.
import type { Clock, Cancel, Logger } from '@plenum/kit';
import { PlenumError, silentLogger, systemClock } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import {
  NS_BIND, NS_FRAMING, NS_PING, NS_SASL, NS_SM, child, children, el, encodeAck, encodeAckRequest, encodePing, errorReply, parseH,
  parseXml, serialize, text,
} from '@plenum/xmpp/codec';

/** Why the connection failed, for the conference to map onto what the user is told. */
export type XmppErrorCode =
  | 'xmpp/unreachable' | 'xmpp/auth-failed' | 'xmpp/bind-failed' | 'xmpp/closed' | 'xmpp/timeout' | 'xmpp/stream-error'
  /** An IQ was answered with an error; the error stanza is the cause. */
  | 'xmpp/error-reply';
export class XmppError extends PlenumError<XmppErrorCode> {}

/** The WebSocket constructor to use (the browser's; tests in Node pass `ws`). */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocket;

export type XmppConnectionOptions = {
  /** ws:// or wss:// URL of the server's XMPP WebSocket endpoint. */
  readonly url: string;
  readonly domain: string;
  /** PLAIN login (secure domain); anonymous when absent. */
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly webSocket?: WebSocketFactory;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Keep-alive check interval (protocols.md §12: ~10 s); a ping is sent only if nothing arrived meanwhile. */
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  /** How long to keep trying to resume a dropped stream before giving up. */
  readonly resumeWindowMs?: number;
};

/** Where the connection is. */
export type XmppStatus = 'connecting' | 'online' | 'resuming' | 'offline';

type Pending = { resolve: (e: El) => void; reject: (e: Error) => void; cancel: Cancel };

const DEFAULT_PING_INTERVAL_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 5_000;
const DEFAULT_RESUME_WINDOW_MS = 60_000;
const FRAME_LIMITS = { maxElementBytes: 4 * 1024 * 1024, maxDepth: 128, maxAttributes: 128 };
const isStanzaName = (n: string): boolean => n === 'message' || n === 'presence' || n === 'iq';

/** base64 of a UTF-8 string, without Node's Buffer. */
function base64Utf8(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** One frame-level WebSocket: frames in as parsed elements, a promise per awaited element. */
class Socket {
  readonly #ws: WebSocket;
  readonly #waiters: { match: (e: El) => boolean; resolve: (e: El) => void }[] = [];
  // Frames that arrive before the stream's owner attaches (several can come in one network read,
  // before the awaiting code runs) wait here instead of being lost.
  readonly #backlog: El[] = [];
  #onElement: ((e: El) => void) | undefined;
  onClose: () => void = () => undefined;
  closed = false;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (ev) => {
      const r = parseXml(typeof ev.data === 'string' ? ev.data : String(ev.data), FRAME_LIMITS);
      if (!r.ok) return this.kill();
      const i = this.#waiters.findIndex((w) => w.match(r.value));
      if (i !== -1) this.#waiters.splice(i, 1)[0]?.resolve(r.value);
      else if (this.#onElement !== undefined) this.#onElement(r.value);
      else this.#backlog.push(r.value);
    });
    ws.addEventListener('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.onClose();
    });
  }

  static open(factory: WebSocketFactory, url: string, timeoutMs: number, clock: Clock): Promise<Socket> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = factory(url, ['xmpp']);
      } catch (error) {
        reject(new XmppError('xmpp/unreachable', `cannot open ${url}`, { cause: error }));
        return;
      }
      const cancel = clock.setTimeout(() => {
        ws.close();
        reject(new XmppError('xmpp/unreachable', 'WebSocket did not open in time'));
      }, timeoutMs);
      ws.addEventListener('open', () => {
        cancel();
        resolve(new Socket(ws));
      });
      ws.addEventListener('error', () => {
        cancel();
        reject(new XmppError('xmpp/unreachable', `WebSocket to ${url} failed`));
      });
    });
  }

  /** Hands every further element (and those already waiting) to `handler`. */
  attach(handler: (e: El) => void): void {
    this.#onElement = handler;
    for (const e of this.#backlog.splice(0)) handler(e);
  }

  send(e: El): void {
    if (!this.closed && this.#ws.readyState === 1) this.#ws.send(serialize(e));
  }

  /** Waits for the next element that matches (stream setup only: no other traffic then). */
  next(match: (e: El) => boolean, timeoutMs: number, clock: Clock, what: string): Promise<El> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: El) => {
          cancel();
          resolve(e);
        },
      };
      const cancel = clock.setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new XmppError('xmpp/timeout', `no ${what} from the server`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  kill(): void {
    try {
      this.#ws.close();
    } catch {
      // already closing
    }
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

/**
 * A client stream. `connect()` logs in and binds; stanzas then flow through `send`/`request` and
 * the handlers. A dropped WebSocket is resumed by itself (same JID, no stanza lost either way).
 */
export class XmppConnection {
  readonly #opts: XmppConnectionOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #factory: WebSocketFactory;
  readonly #stanzaHandlers = new Set<(e: El) => boolean | void>();
  readonly #statusHandlers = new Set<(s: XmppStatus) => void>();
  readonly #pending = new Map<string, Pending>();
  #socket: Socket | undefined;
  #status: XmppStatus = 'offline';
  #jid = '';
  #nextId = 0;
  // XEP-0198 state: the resumable session id, stanzas received (h), stanzas sent and not yet acked.
  #smId: string | undefined;
  #inbound = 0;
  #outboundAcked = 0;
  #unacked: El[] = [];
  #ackRequested = false;
  #receivedSinceCheck = false;
  #pingFailures = 0;
  #stopPing: Cancel | undefined;
  #closing = false;
  /** The post-authentication stream features (bind, sm…). */
  #features: El[] | undefined;

  constructor(opts: XmppConnectionOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.#clock = opts.clock ?? systemClock;
    this.#factory = opts.webSocket ?? ((url, protocols) => new WebSocket(url, protocols));
  }

  /** Our full JID once bound. */
  get jid(): string {
    return this.#jid;
  }

  get status(): XmppStatus {
    return this.#status;
  }

  /** Whether a dropped stream can be resumed (the server enabled XEP-0198 resumption). */
  get resumable(): boolean {
    return this.#smId !== undefined;
  }

  /** Handles incoming stanzas; returning true marks an IQ get/set as answered. Returns a disposer. */
  onStanza(handler: (e: El) => boolean | void): () => void {
    this.#stanzaHandlers.add(handler);
    return () => this.#stanzaHandlers.delete(handler);
  }

  onStatus(handler: (s: XmppStatus) => void): () => void {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }

  /** Opens the stream, logs in and binds a resource; resolves with the full JID. */
  async connect(): Promise<string> {
    this.#setStatus('connecting');
    try {
      const socket = await this.#login();
      socket.send(el('iq', { type: 'set', id: 'bind' }, el('bind', { xmlns: NS_BIND })));
      const bound = await socket.next((e) => e.name === 'iq' && e.attrs.id === 'bind', 10_000, this.#clock, 'bind result');
      const jid = text(child(child(bound, 'bind', NS_BIND) ?? bound, 'jid'));
      if (bound.attrs.type !== 'result' || jid === '') throw new XmppError('xmpp/bind-failed', 'the server refused to bind a resource');
      this.#jid = jid;
      if (this.#features?.some((f) => f.name === 'sm' && f.attrs.xmlns === NS_SM)) {
        socket.send(el('enable', { xmlns: NS_SM, resume: 'true' }));
        const enabled = await socket.next((e) => e.attrs.xmlns === NS_SM && (e.name === 'enabled' || e.name === 'failed'), 10_000, this.#clock, 'sm enabled');
        if (enabled.name === 'enabled' && enabled.attrs.resume === 'true' && enabled.attrs.id !== undefined) this.#smId = enabled.attrs.id;
      }
      this.#attach(socket);
      this.#setStatus('online');
      socket.attach((e) => this.#onElement(e));
      this.#startPing();
      this.#log.info('xmpp online', { resumable: this.#smId !== undefined });
      return jid;
    } catch (error) {
      this.#setStatus('offline');
      throw error;
    }
  }

  /** Sends a stanza (queued for resending until the server acknowledges it, with XEP-0198). */
  send(stanza: El): void {
    if (this.#status === 'offline') return;
    if (this.#smId !== undefined) {
      this.#unacked.push(stanza);
      this.#requestAck();
    }
    if (this.#status === 'online') this.#socket?.send(stanza);
  }

  /** Sends an IQ get/set and resolves with the result, rejecting on an error reply or timeout (the reply's El is the cause). */
  request(iq: El, timeoutMs = 10_000): Promise<El> {
    const id = iq.attrs.id ?? `c${(++this.#nextId).toString(36)}`;
    const stanza: El = { ...iq, attrs: { ...iq.attrs, id } };
    return new Promise((resolve, reject) => {
      const cancel = timeoutMs > 0
        ? this.#clock.setTimeout(() => {
          this.#pending.delete(id);
          reject(new XmppError('xmpp/timeout', `no reply to ${iq.attrs.type} ${child0Name(iq)}`));
        }, timeoutMs)
        : () => undefined;
      this.#pending.set(id, { resolve, reject, cancel });
      this.send(stanza);
    });
  }

  /** Ends the session: `<close/>`, no resumption. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#stopPing?.();
    const socket = this.#socket;
    this.#smId = undefined;
    this.#setStatus('offline');
    for (const [id, p] of this.#pending) {
      p.cancel();
      p.reject(new XmppError('xmpp/closed', 'connection closed'));
      this.#pending.delete(id);
    }
    if (socket && !socket.closed) {
      if (this.#unacked.length > 0) socket.send(encodeAckRequest());
      socket.send(el('close', { xmlns: NS_FRAMING }));
      await new Promise<void>((resolve) => {
        const cancel = this.#clock.setTimeout(() => {
          socket.kill();
          resolve();
        }, 1000);
        socket.onClose = () => {
          cancel();
          resolve();
        };
      });
    }
  }

  /** Test hook and ICE-failure aid: drops the WebSocket as a network failure would; the stream resumes. */
  dropSocket(): void {
    this.#socket?.kill();
  }

  /** New WebSocket, stream open, SASL; leaves the socket at the post-auth features. */
  async #login(): Promise<Socket> {
    const socket = await Socket.open(this.#factory, this.#opts.url, 10_000, this.#clock);
    try {
      const features = await this.#openStream(socket);
      const mechanisms = children(child(features, 'mechanisms', NS_SASL) ?? features, 'mechanism').map((m) => text(m));
      const creds = this.#opts.credentials;
      if (creds !== undefined) {
        if (!mechanisms.includes('PLAIN')) throw new XmppError('xmpp/auth-failed', 'the server offers no password login');
        socket.send(el('auth', { xmlns: NS_SASL, mechanism: 'PLAIN' }, base64Utf8(`\u0000${creds.username}\u0000${creds.password}`)));
      } else {
        if (!mechanisms.includes('ANONYMOUS')) throw new XmppError('xmpp/auth-failed', 'the server offers no anonymous login');
        socket.send(el('auth', { xmlns: NS_SASL, mechanism: 'ANONYMOUS' }));
      }
      const outcome = await socket.next((e) => e.attrs.xmlns === NS_SASL && (e.name === 'success' || e.name === 'failure'), 10_000, this.#clock, 'SASL outcome');
      if (outcome.name !== 'success') {
        const condition = outcome.children.find((c): c is El => typeof c !== 'string' && c.name !== 'text')?.name ?? 'failure';
        throw new XmppError('xmpp/auth-failed', `login refused (${condition})`);
      }
      this.#features = (await this.#openStream(socket)).children.filter((c): c is El => typeof c !== 'string');
      return socket;
    } catch (error) {
      socket.kill();
      throw error;
    }
  }

  async #openStream(socket: Socket): Promise<El> {
    socket.send(el('open', { xmlns: NS_FRAMING, to: this.#opts.domain, version: '1.0' }));
    const features = await socket.next((e) => e.name === 'stream:features' || e.name === 'features' || e.name === 'stream:error' || e.name === 'close', 10_000, this.#clock, 'stream features');
    if (features.name !== 'stream:features' && features.name !== 'features') throw new XmppError('xmpp/stream-error', `stream refused: ${serialize(features).slice(0, 200)}`);
    return features;
  }

  #attach(socket: Socket): void {
    this.#socket = socket;
    socket.onClose = () => this.#onSocketClosed(socket);
  }

  #setStatus(s: XmppStatus): void {
    if (this.#status === s) return;
    this.#status = s;
    for (const h of [...this.#statusHandlers]) h(s);
  }

  #onElement(e: El): void {
    this.#receivedSinceCheck = true;
    if (e.attrs.xmlns === NS_SM) return this.#onSmNonza(e);
    if (e.name === 'close' || e.name === 'stream:error') {
      this.#log.warn('server closed the stream', { element: e.name });
      this.#smId = undefined;
      this.#socket?.kill();
      return;
    }
    if (!isStanzaName(e.name)) return;
    if (this.#smId !== undefined) this.#inbound = (this.#inbound + 1) % 2 ** 32;
    if (e.name === 'iq' && (e.attrs.type === 'result' || e.attrs.type === 'error')) {
      const p = this.#pending.get(e.attrs.id ?? '');
      if (p !== undefined) {
        this.#pending.delete(e.attrs.id ?? '');
        p.cancel();
        if (e.attrs.type === 'result') p.resolve(e);
        else p.reject(new XmppError('xmpp/error-reply', `error reply: ${errorConditionOf(e)}`, { cause: e }));
      }
      return;
    }
    let answered = false;
    for (const h of [...this.#stanzaHandlers]) {
      try {
        if (h(e) === true) answered = true;
      } catch (error) {
        this.#log.error('stanza handler threw', { err: error });
      }
    }
    if (e.name === 'iq' && (e.attrs.type === 'get' || e.attrs.type === 'set') && !answered) {
      const payload = e.children.find((c): c is El => typeof c !== 'string');
      if (e.attrs.type === 'get' && payload?.name === 'ping' && payload.attrs.xmlns === NS_PING) this.send({ name: 'iq', attrs: { type: 'result', id: e.attrs.id ?? '', ...(e.attrs.from ? { to: e.attrs.from } : {}) }, children: [] });
      else this.send(errorReply(e, { type: 'cancel', condition: 'service-unavailable' }));
    }
  }

  #onSmNonza(e: El): void {
    if (e.name === 'r') {
      this.#socket?.send(encodeAck(this.#inbound));
    } else if (e.name === 'a') {
      const h = parseH(e.attrs.h);
      if (h !== undefined) this.#acknowledge(h);
      this.#ackRequested = false;
      if (this.#unacked.length > 0) this.#requestAck();
    }
  }

  /** Drops the stanzas the server has confirmed (h counts from enable, modulo 2^32). */
  #acknowledge(h: number): void {
    const count = (h - this.#outboundAcked + 2 ** 32) % 2 ** 32;
    this.#unacked.splice(0, Math.min(count, this.#unacked.length));
    this.#outboundAcked = h;
  }

  #requestAck(): void {
    if (this.#ackRequested || this.#status !== 'online') return;
    this.#ackRequested = true;
    // One request per burst of stanzas, after the current task has queued them all.
    queueMicrotask(() => this.#socket?.send(encodeAckRequest()));
  }

  #startPing(): void {
    this.#stopPing?.();
    const interval = this.#opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.#stopPing = this.#clock.setInterval(() => {
      if (this.#status !== 'online') return;
      if (this.#receivedSinceCheck) {
        this.#receivedSinceCheck = false;
        return;
      }
      this.request(el('iq', { type: 'get', to: this.#opts.domain }, encodePing()), this.#opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS).then(
        () => {
          this.#pingFailures = 0;
        },
        () => {
          // Two failures in a row: the socket is dead even if the browser has not noticed yet.
          if (++this.#pingFailures >= 2) {
            this.#pingFailures = 0;
            this.#log.warn('keep-alive ping failed twice; dropping the socket');
            this.#socket?.kill();
          }
        },
      );
    }, interval);
  }

  #onSocketClosed(socket: Socket): void {
    if (socket !== this.#socket || this.#closing) return;
    this.#socket = undefined;
    if (this.#smId === undefined) {
      this.#log.warn('xmpp connection lost');
      this.#failAll('connection lost');
      this.#setStatus('offline');
      return;
    }
    this.#setStatus('resuming');
    void this.#resumeLoop();
  }

  async #resumeLoop(): Promise<void> {
    const deadline = this.#clock.now() + (this.#opts.resumeWindowMs ?? DEFAULT_RESUME_WINDOW_MS);
    let delay = 500;
    while (!this.#closing && this.#clock.now() < deadline) {
      try {
        const socket = await this.#login();
        socket.send(el('resume', { xmlns: NS_SM, previd: this.#smId ?? '', h: this.#inbound }));
        const reply = await socket.next((e) => e.attrs.xmlns === NS_SM && (e.name === 'resumed' || e.name === 'failed'), 10_000, this.#clock, 'resume outcome');
        if (reply.name === 'failed') {
          socket.kill();
          break;
        }
        const h = parseH(reply.attrs.h);
        if (h !== undefined) this.#acknowledge(h);
        if (this.#closing) {
          socket.kill();
          return;
        }
        this.#attach(socket);
        this.#ackRequested = false;
        this.#setStatus('online');
        for (const s of this.#unacked) socket.send(s);
        if (this.#unacked.length > 0) this.#requestAck();
        socket.attach((e) => this.#onElement(e));
        this.#log.info('xmpp stream resumed', { resent: this.#unacked.length });
        return;
      } catch (error) {
        this.#log.debug('resume attempt failed', { err: error });
        await new Promise<void>((r) => this.#clock.setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
    if (this.#closing) return;
    this.#log.warn('xmpp session could not be resumed');
    this.#smId = undefined;
    this.#failAll('session lost');
    this.#setStatus('offline');
  }

  #failAll(why: string): void {
    for (const [id, p] of this.#pending) {
      p.cancel();
      p.reject(new XmppError('xmpp/closed', why));
      this.#pending.delete(id);
    }
    this.#stopPing?.();
  }
}

function child0Name(iq: El): string {
  const c = iq.children.find((x): x is El => typeof x !== 'string');
  return c?.name ?? 'iq';
}

/** The defined condition of an error stanza (`item-not-found`, …), or `undefined-condition`. */
export function errorConditionOf(stanza: El): string {
  const error = child(stanza, 'error');
  const cond = error?.children.find((c): c is El => typeof c !== 'string' && c.name !== 'text');
  return cond?.name ?? 'undefined-condition';
}

/** The error stanza an IQ request was rejected with, if the rejection was an error reply. */
export function errorStanzaOf(error: unknown): El | undefined {
  if (!(error instanceof XmppError) || error.code !== 'xmpp/error-reply') return undefined;
  const cause = error.cause;
  return typeof cause === 'object' && cause !== null && 'name' in cause && 'attrs' in cause ? (cause as El) : undefined;
}
