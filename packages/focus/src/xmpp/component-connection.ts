// The focus's XEP-0114 connection to the XMPP server: stream header, SHA-1 handshake (§3), stanzas
// both ways, IQ requests matched by id, reconnection with backoff. Written on our own stream parser
// so stanzas stay in the codec's El model end to end (@xmpp/component would hand us ltx elements and
// answers unhandled IQs itself, which would race our IQ dispatcher).
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { XmlStreamParser, decodeStanzaError, serialize, text } from '@plenum/xmpp/codec';
import type { Ids, RequestOptions, StanzaChannel } from '../ports.ts';
import { FocusError } from '../errors.ts';

/** Where and as whom to connect. */
export type ComponentOptions = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly secret: string;
  readonly reconnectMaxDelayMs: number;
};

/** Events of the connection. */
export type ComponentConnectionEvents = {
  /** Handshake done (first time and after every reconnection). */
  online: [];
  /** The stream ended; everything tied to it (rooms, breweries) is gone on the server. */
  offline: [reason: string];
  /** An inbound stanza that is not the reply to one of our requests. */
  stanza: [stanza: El];
};

type Pending = { readonly resolve: (e: El) => void; readonly reject: (e: Error) => void; readonly cancel: Cancel; readonly off?: () => void };

const MAX_STANZA_BYTES = 10 * 1024 * 1024;
const FIRST_RETRY_MS = 100;
/** Buffered output past which the outbox is written at once instead of at the end of the event-loop turn. */
const OUTBOX_FLUSH_CHARS = 64 * 1024;

/** An XEP-0114 component connection that implements the StanzaChannel port. */
export class ComponentConnection implements StanzaChannel {
  readonly events: TypedEmitter<ComponentConnectionEvents>;
  readonly #pending = new Map<string, Pending>();
  #socket: Socket | undefined;
  #isOnline = false;
  #isClosed = false;
  #retryMs = FIRST_RETRY_MS;
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

  constructor(private readonly deps: { readonly log: Logger; readonly clock: Clock; readonly ids: Ids; readonly options: ComponentOptions }) {
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

  request(iq: El, opts: RequestOptions): Promise<El> {
    if (!this.#isOnline) return Promise.reject(FocusError.disconnected());
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
        reject(FocusError.timeout(`<${firstChildName(stanza)}/> to ${stanza.attrs.to ?? '?'}`));
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
    socket.on('error', (error) => this.deps.log.debug('xmpp socket error', { err: error.message }));
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
      if (!this.#isOnline && this.#firstOnline !== undefined) {
        this.#firstOnline.reject(new Error(`the XMPP server refused the focus component: ${condition}`));
        this.#firstOnline = undefined;
        this.#isClosed = true;
      }
      socket.destroy();
      return;
    }
    if (e.name === 'iq' && (e.attrs.type === 'result' || e.attrs.type === 'error')) {
      const pending = this.#pending.get(e.attrs.id ?? '');
      if (pending !== undefined) {
        if (e.attrs.type === 'result') pending.resolve(e);
        else {
          const body = decodeStanzaError(e);
          pending.reject(FocusError.remoteError(body?.condition ?? 'undefined-condition', body?.text, e));
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
    for (const p of [...this.#pending.values()]) p.reject(why === 'closed' ? FocusError.closed() : FocusError.disconnected());
  }
}

function firstChildName(iq: El): string {
  const c = iq.children.find((x): x is El => typeof x !== 'string');
  return c?.name ?? 'iq';
}
