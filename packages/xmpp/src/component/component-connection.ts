// An XEP-0114 component's connection to its XMPP server, shared by the focus, the bridge, the
// recorder and the SIP gateway: stream header, SHA-1 handshake (§3), stanzas both ways, IQ requests
// matched by id, reconnection with backoff. Written on the codec's own stream parser so stanzas stay
// in the El model end to end (@xmpp/component hands out ltx elements, answers unhandled IQs itself,
// which races a component's own IQ dispatcher, and its parse/serialize cost dominated the bridge's
// COLIBRI2 handling in bench:signaling profiles).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { PlenumError, TypedEmitter } from '@plenum/kit';
import type { El } from '../codec/index.ts';
import { XmlStreamParser, decodeStanzaError, serialize, text } from '../codec/index.ts';

/** Why a request or the connection failed. */
export type ComponentErrorCode = 'timeout' | 'remote-error' | 'disconnected' | 'closed';

/** The connection's failures (typed, style C7); the codes match the focus's own error codes. */
export const ComponentError = {
  timeout: (what: string) => new PlenumError<ComponentErrorCode>('timeout', `${what} timed out`, { stanza: { type: 'wait', condition: 'remote-server-timeout' } }),
  /** The peer answered an IQ with an error; `condition` is its defined condition, the reply the cause. */
  remoteError: (condition: string, text: string | undefined, reply: unknown) =>
    new PlenumError<ComponentErrorCode>('remote-error', `remote error ${condition}${text !== undefined ? `: ${text}` : ''}`, { cause: reply }),
  disconnected: () => new PlenumError<ComponentErrorCode>('disconnected', 'the XMPP connection is down'),
  closed: () => new PlenumError<ComponentErrorCode>('closed', 'the component is closing', { stanza: { type: 'cancel', condition: 'service-unavailable', text: 'the component is closing' } }),
};

/** True when `e` is a component connection error (with this code). */
export const isComponentError = (e: unknown, code?: ComponentErrorCode): e is PlenumError<ComponentErrorCode> =>
  e instanceof PlenumError && (code === undefined || e.code === code);

/** How long to wait for an IQ reply, and an optional abort. */
export type RequestOptions = { readonly timeoutMs: number; readonly signal?: AbortSignal };

/** Where and as whom to connect. */
export type ComponentOptions = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly secret: string;
  readonly reconnectMaxDelayMs: number;
  /**
   * Keep retrying when the server refuses the handshake before the first success (a wrong secret,
   * a server not yet configured). Off: `start()` rejects and the connection stops (the focus: a
   * configuration error ends the process). On: the refusal is reported by `attemptFailed` and the
   * connection retries with backoff (the bridge: heals when the server's configuration is fixed).
   */
  readonly retryAfterRefusal?: boolean;
};

/** Events of the connection. */
export type ComponentConnectionEvents = {
  /** Handshake done (first time and after every reconnection). */
  online: [];
  /** The stream ended; everything tied to it (rooms, breweries) is gone on the server. */
  offline: [reason: string];
  /** An inbound stanza that is not the reply to one of our requests. */
  stanza: [stanza: El];
  /** A connection attempt ended before the handshake succeeded (refused, unreachable, closed). */
  attemptFailed: [reason: string];
};

type Pending = { readonly resolve: (e: El) => void; readonly reject: (e: Error) => void; readonly cancel: Cancel; readonly off?: () => void };

/** Largest stanza accepted from the server (the server's own limit is far lower; this only bounds memory). */
const MAX_STANZA_BYTES = 10 * 1024 * 1024;
const FIRST_RETRY_MS = 100;
/** Buffered output past which the outbox is written at once instead of at the end of the event-loop turn. */
const OUTBOX_FLUSH_CHARS = 64 * 1024;

/** What the connection needs: a logger, a clock for timeouts and retries, and stanza ids. */
export type ComponentConnectionDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: { next(): string };
  readonly options: ComponentOptions;
};

/** An XEP-0114 component connection. */
export class ComponentConnection {
  readonly events: TypedEmitter<ComponentConnectionEvents>;
  readonly #pending = new Map<string, Pending>();
  #socket: Socket | undefined;
  #isOnline = false;
  #isClosed = false;
  #retryMs = FIRST_RETRY_MS;
  #attemptFailedReason: string | undefined;
  #cancelRetry: Cancel | undefined;
  #firstOnline: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /**
   * Stanzas sent during this event-loop turn, written to the socket as one chunk at its end: in a
   * burst one write (and one server-side read) carries many stanzas instead of one syscall each.
   * The bytes and their order are unchanged.
   */
  #outbox = '';
  #outboxSocket: Socket | undefined;
  #isFlushScheduled = false;

  constructor(private readonly deps: ComponentConnectionDeps) {
    this.events = new TypedEmitter<ComponentConnectionEvents>(deps.log);
  }

  get isOnline(): boolean {
    return this.#isOnline;
  }

  /** Connects; resolves after the first successful handshake, rejects when the server refuses it. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#firstOnline = { resolve, reject };
      this.#connect();
    });
  }

  send(stanza: El): void {
    const socket = this.#socket;
    if (socket === undefined || !this.#isOnline) {
      this.deps.log.debug('stanza dropped while offline', { name: stanza.name });
      return;
    }
    if (this.#outboxSocket !== socket) {
      this.#flushOutbox();
      this.#outboxSocket = socket;
    }
    this.#outbox += serialize(stanza);
    if (this.#outbox.length >= OUTBOX_FLUSH_CHARS) this.#flushOutbox();
    else if (!this.#isFlushScheduled) {
      this.#isFlushScheduled = true;
      setImmediate(() => {
        this.#isFlushScheduled = false;
        this.#flushOutbox();
      });
    }
  }

  /** Writes what send() buffered (to the socket it was buffered for, while that one is still ours). */
  #flushOutbox(): void {
    const socket = this.#outboxSocket;
    const data = this.#outbox;
    this.#outbox = '';
    if (socket === undefined || data === '') return;
    if (socket === this.#socket && !socket.destroyed) socket.write(data);
  }

  /**
   * Sends an IQ get/set and resolves with its `result`; rejects with a ComponentError: `remote-error`
   * (the reply is the cause), `timeout`, `disconnected` or `closed`.
   */
  request(iq: El, opts: RequestOptions): Promise<El> {
    if (!this.#isOnline) return Promise.reject(ComponentError.disconnected());
    const id = iq.attrs.id ?? this.deps.ids.next();
    const stanza: El = { ...iq, attrs: { ...iq.attrs, id } };
    return new Promise<El>((resolve, reject) => {
      const finish = (): void => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#pending.delete(id);
        p.cancel();
        p.off?.();
      };
      const cancel = this.deps.clock.setTimeout(() => {
        finish();
        reject(ComponentError.timeout(`<${firstChildName(stanza)}/> to ${stanza.attrs.to ?? '?'}`));
      }, opts.timeoutMs);
      let off: (() => void) | undefined;
      if (opts.signal !== undefined) {
        const signal = opts.signal;
        const onAbort = (): void => {
          finish();
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        off = () => signal.removeEventListener('abort', onAbort);
      }
      this.#pending.set(id, {
        resolve: (e) => { finish(); resolve(e); },
        reject: (e) => { finish(); reject(e); },
        cancel,
        ...(off !== undefined ? { off } : {}),
      });
      this.send(stanza);
    });
  }

  /** Ends the stream and stops reconnecting; idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#cancelRetry?.();
    const socket = this.#socket;
    this.#flushOutbox();
    this.#outboxSocket = undefined;
    this.#failPending('closed');
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end('</stream:stream>');
      // The server answers with its own close; never wait for it longer than a moment.
      const t = setTimeout(() => socket.destroy(), 500);
      t.unref();
    });
  }

  #connect(): void {
    if (this.#isClosed) return;
    const { host, port, domain } = this.deps.options;
    const socket = connect(port, host);
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    const parser = new XmlStreamParser('stream', {
      onOpen: (root) => this.#onOpen(socket, root),
      onElement: (e) => this.#onElement(socket, e),
      onClose: () => socket.end(),
      onError: (e) => {
        this.deps.log.error('xmpp stream unparsable', { condition: e.condition, text: e.text });
        socket.destroy();
      },
    }, { maxElementBytes: MAX_STANZA_BYTES, maxDepth: 128, maxAttributes: 256 });
    socket.on('connect', () => {
      socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
    });
    socket.on('data', (chunk: string) => parser.write(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.#isOnline) this.#attemptFailedReason ??= error.code ?? 'socket error';
      this.deps.log.debug('xmpp socket error', { code: error.code });
    });
    socket.on('close', () => this.#onSocketClosed(socket));
  }

  #onOpen(socket: Socket, root: El): void {
    const id = root.attrs.id ?? '';
    // XEP-0114 §3: the handshake is hex(SHA-1(stream id + secret)).
    const digest = createHash('sha1').update(id + this.deps.options.secret, 'utf8').digest('hex');
    socket.write(`<handshake>${digest}</handshake>`);
  }

  #onElement(socket: Socket, e: El): void {
    if (e.name === 'handshake') {
      this.#isOnline = true;
      this.#retryMs = FIRST_RETRY_MS;
      this.deps.log.info('xmpp component online', { domain: this.deps.options.domain });
      this.#firstOnline?.resolve();
      this.#firstOnline = undefined;
      this.events.emit('online');
      return;
    }
    if (e.name === 'stream:error' || e.name === 'error') {
      const condition = e.children.find((c): c is El => typeof c !== 'string' && c.name !== 'text')?.name ?? 'undefined-condition';
      this.deps.log.error('xmpp stream error', { condition, text: text(e.children.find((c): c is El => typeof c !== 'string' && c.name === 'text')) });
      if (!this.#isOnline && this.#firstOnline !== undefined && this.deps.options.retryAfterRefusal !== true) {
        this.#firstOnline.reject(new Error(`the XMPP server refused the component: ${condition}`));
        this.#firstOnline = undefined;
        this.#isClosed = true;
      }
      if (!this.#isOnline) this.#attemptFailedReason = `refused: ${condition}`;
      socket.destroy();
      return;
    }
    if (e.name === 'iq' && (e.attrs.type === 'result' || e.attrs.type === 'error')) {
      const pending = this.#pending.get(e.attrs.id ?? '');
      if (pending !== undefined) {
        if (e.attrs.type === 'result') pending.resolve(e);
        else {
          const body = decodeStanzaError(e);
          pending.reject(ComponentError.remoteError(body?.condition ?? 'undefined-condition', body?.text, e));
        }
        return;
      }
    }
    this.events.emit('stanza', e);
  }

  #onSocketClosed(socket: Socket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#outbox = '';
    this.#outboxSocket = undefined;
    const wasOnline = this.#isOnline;
    this.#isOnline = false;
    if (!wasOnline && !this.#isClosed) this.events.emit('attemptFailed', this.#attemptFailedReason ?? 'connection closed before the handshake');
    this.#attemptFailedReason = undefined;
    this.#failPending('disconnected');
    if (wasOnline) {
      // Our own close() is not an anomaly.
      if (this.#isClosed) this.deps.log.info('xmpp component closed', { domain: this.deps.options.domain });
      else this.deps.log.warn('xmpp component offline', { domain: this.deps.options.domain });
      this.events.emit('offline', 'connection closed');
    }
    if (this.#isClosed) return;
    const delayMs = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, this.deps.options.reconnectMaxDelayMs);
    this.#cancelRetry = this.deps.clock.setTimeout(() => this.#connect(), delayMs);
  }

  #failPending(why: 'closed' | 'disconnected'): void {
    for (const p of [...this.#pending.values()]) p.reject(why === 'closed' ? ComponentError.closed() : ComponentError.disconnected());
  }
}

function firstChildName(iq: El): string {
  const c = iq.children.find((x): x is El => typeof x !== 'string');
  return c?.name ?? 'iq';
}
