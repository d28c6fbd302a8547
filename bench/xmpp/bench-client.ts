// A minimal XMPP client over raw TCP (RFC 6120), just enough to log in as a guest and sit in a
// MUC room: stream → SASL ANONYMOUS (RFC 4505) → stream restart → resource bind → MUC join
// (XEP-0045 §7.2). It is deliberately the same code for every server under test.
import { connect, type Socket } from 'node:net';
import { XmlStreamParser, child, el, serialize, text, type El } from './codec.ts';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
const NS_DELAY = 'urn:xmpp:delay';

/** Where to connect and which room to join. */
export type BenchClientOptions = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  /** Bare room JID. */
  readonly roomJid: string;
  readonly nick: string;
};

/** What a client reports once it has joined. */
export type BenchClientHandlers = {
  /** A live groupchat message with a body (history and subject changes are skipped). */
  onGroupchat(body: string): void;
  /** An error stanza answered one of our messages. */
  onStanzaError(): void;
  /** The connection broke after the join completed. */
  onLost(reason: string): void;
};

type Phase = 'stream' | 'auth' | 'restarted' | 'bind' | 'join' | 'joined' | 'closing' | 'failed';

const streamHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;

/** One simulated participant with its own TCP connection. */
export class BenchClient {
  readonly #options: BenchClientOptions;
  readonly #handlers: BenchClientHandlers;
  readonly #socket: Socket;
  #parser: XmlStreamParser;
  #phase: Phase = 'stream';
  #isRestartPending = false;
  #reads = 0;
  #settle: { resolve(): void; reject(e: Error): void } | undefined;
  #closed: Promise<void>;

  constructor(options: BenchClientOptions, handlers: BenchClientHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#parser = this.#newParser();
    this.#socket = connect({ host: options.host, port: options.port, noDelay: true });
    this.#socket.setEncoding('utf8');
    this.#closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.on('connect', () => this.#socket.write(streamHeader(options.domain)));
    this.#socket.on('data', (chunk: string) => this.#onData(chunk));
    this.#socket.on('error', (e) => this.#fail(`socket error: ${e.message}`));
    this.#socket.on('close', () => this.#fail('connection closed by server'));
  }

  /** Logs in and joins the room; resolves on the room's self-presence. */
  join(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(`handshake timed out in phase ${this.#phase}`), timeoutMs);
      this.#settle = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  /** Writes raw XML; the hot path, so callers pass ready-made strings. */
  send(xml: string): void {
    if (this.#phase === 'joined') this.#socket.write(xml);
  }

  /** Socket reads so far: with deliveries, shows how well the server batches its writes. */
  get reads(): number {
    return this.#reads;
  }

  /** Bytes queued in user space because the kernel's socket buffer is full (server not reading). */
  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  /** Ends the stream politely, then drops the connection if the server does not close in time. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#phase !== 'failed' && !this.#socket.destroyed) {
      this.#phase = 'closing';
      this.#socket.end('</stream:stream>');
    }
    const timer = setTimeout(() => this.#socket.destroy(), timeoutMs);
    await this.#closed;
    clearTimeout(timer);
  }

  #newParser(): XmlStreamParser {
    return new XmlStreamParser('stream', {
      onElement: (e) => this.#onElement(e),
      onClose: () => this.#fail('server closed the stream'),
      onError: (e) => this.#fail(`unparsable input from server: ${e.condition} (${e.text})`),
    });
  }

  #onData(chunk: string): void {
    this.#reads++;
    this.#parser.write(chunk);
    // RFC 6120 §6.4.6: after SASL success both sides start a new stream. The parser cannot be
    // reset from inside its own callback, and the server sends nothing more until our new header.
    if (this.#isRestartPending) {
      this.#isRestartPending = false;
      this.#parser = this.#newParser();
      this.#phase = 'restarted';
      this.#socket.write(streamHeader(this.#options.domain));
    }
  }

  #onElement(e: El): void {
    switch (e.name) {
      case 'message': return this.#onMessage(e);
      case 'presence': return this.#onPresence(e);
      case 'stream:features': return this.#onFeatures(e);
      case 'success': this.#isRestartPending = this.#phase === 'auth'; return;
      case 'failure': return this.#fail('SASL ANONYMOUS refused');
      case 'iq': return this.#onIq(e);
      case 'stream:error': return this.#fail(`stream error: ${serialize(e)}`);
      default: return;
    }
  }

  #onMessage(e: El): void {
    const type = e.attrs.type;
    if (type === 'groupchat') {
      const body = child(e, 'body');
      if (body === undefined || child(e, 'delay', NS_DELAY) !== undefined) return;
      this.#handlers.onGroupchat(text(body));
    } else if (type === 'error') {
      this.#handlers.onStanzaError();
    }
  }

  #onFeatures(e: El): void {
    if (this.#phase === 'stream') {
      const mechanisms = child(e, 'mechanisms', NS_SASL);
      const names = mechanisms === undefined ? [] : mechanisms.children.map((m) => (typeof m === 'string' ? '' : text(m)));
      if (!names.includes('ANONYMOUS')) return this.#fail(`server does not offer SASL ANONYMOUS (offers ${names.join(', ') || 'nothing'})`);
      this.#phase = 'auth';
      this.#socket.write(serialize(el('auth', { xmlns: NS_SASL, mechanism: 'ANONYMOUS' })));
    } else if (this.#phase === 'restarted') {
      if (child(e, 'bind', NS_BIND) === undefined) return this.#fail('server does not offer resource binding');
      this.#phase = 'bind';
      this.#socket.write(serialize(el('iq', { type: 'set', id: 'bind' }, el('bind', { xmlns: NS_BIND }))));
    }
  }

  #onIq(e: El): void {
    if (this.#phase !== 'bind' || e.attrs.id !== 'bind') return;
    if (e.attrs.type !== 'result') return this.#fail(`resource bind failed: ${serialize(e)}`);
    this.#phase = 'join';
    const { roomJid, nick } = this.#options;
    this.#socket.write(serialize(
      el('presence', { to: `${roomJid}/${nick}` }, el('x', { xmlns: NS_MUC }, el('history', { maxstanzas: 0 }))),
    ));
  }

  #onPresence(e: El): void {
    if (this.#phase !== 'join' || e.attrs.from !== `${this.#options.roomJid}/${this.#options.nick}`) return;
    if (e.attrs.type === 'error') return this.#fail(`MUC join refused: ${serialize(e)}`);
    // XEP-0045 §7.2.2: the occupant's own presence comes last, after everyone else's.
    if (child(e, 'x', NS_MUC_USER) === undefined) return;
    this.#phase = 'joined';
    this.#settle?.resolve();
  }

  #fail(reason: string): void {
    if (this.#phase === 'failed' || this.#phase === 'closing') return;
    const wasJoined = this.#phase === 'joined';
    this.#phase = 'failed';
    this.#socket.destroy();
    if (wasJoined) this.#handlers.onLost(reason);
    else this.#settle?.reject(new Error(reason));
  }
}
