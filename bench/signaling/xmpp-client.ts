// A minimal XMPP client over raw TCP (RFC 6120): stream → SASL ANONYMOUS (RFC 4505) → stream
// restart → resource bind, then stanzas in both directions with IQ replies matched by id. It
// parses with Plenum's own XmlStreamParser, so everything the server sends is also checked for
// well-formedness.
import { connect, type Socket } from 'node:net';
import { XmlStreamParser, child, el, serialize, text, type El } from '@plenum/xmpp/codec';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
/** Session-initiates with sources of many participants are big; the client accepts what the focus sends. */
const CLIENT_XML_LIMITS = { maxElementBytes: 4 * 1024 * 1024, maxDepth: 64, maxAttributes: 64 };

/** What the client reports once it is logged in. */
export type ClientHandlers = {
  /** Any stanza that is not the reply to one of our requests. */
  onStanza(e: El): void;
  /** The connection broke (after login; login failures reject `login()` instead). */
  onLost(reason: string): void;
};

type Phase = 'connecting' | 'auth' | 'restarted' | 'bind' | 'online' | 'closing' | 'failed';

const streamHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;

let nextRequestId = 1;

/** One TCP connection logged in as a guest. */
export class XmppClient {
  readonly #domain: string;
  readonly #socket: Socket;
  readonly #pending = new Map<string, (reply: El) => void>();
  readonly #closed: Promise<void>;
  #handlers: ClientHandlers | undefined;
  #parser: XmlStreamParser;
  #phase: Phase = 'connecting';
  #isRestartPending = false;
  #jid = '';
  #login: { resolve(jid: string): void; reject(e: Error): void } | undefined;

  constructor(host: string, port: number, domain: string) {
    this.#domain = domain;
    this.#parser = this.#newParser();
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.setEncoding('utf8');
    this.#closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.on('connect', () => this.#socket.write(streamHeader(domain)));
    this.#socket.on('data', (chunk: string) => this.#onData(chunk));
    this.#socket.on('error', (e) => this.#fail(`socket error: ${e.message}`));
    this.#socket.on('close', () => this.#fail('connection closed by the server'));
  }

  /** Logs in anonymously and binds a resource; resolves with the full JID. */
  login(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(`login timed out in phase ${this.#phase}`), timeoutMs);
      this.#login = {
        resolve: (jid) => { clearTimeout(timer); resolve(jid); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  /** Where stanzas go from now on. */
  setHandlers(handlers: ClientHandlers): void {
    this.#handlers = handlers;
  }

  get jid(): string {
    return this.#jid;
  }

  get isOnline(): boolean {
    return this.#phase === 'online';
  }

  send(stanza: El | string): void {
    if (this.#phase === 'online') this.#socket.write(typeof stanza === 'string' ? stanza : serialize(stanza));
  }

  /** Sends an IQ get/set with a fresh id; resolves with its result or error (never rejects). */
  request(iq: El): Promise<El> {
    const id = `b${nextRequestId++}`;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.send({ ...iq, attrs: { ...iq.attrs, id } });
    });
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
      onClose: () => this.#fail('the server closed the stream'),
      onError: (e) => this.#fail(`unparsable input from the server: ${e.condition} (${e.text})`),
    }, CLIENT_XML_LIMITS);
  }

  #onData(chunk: string): void {
    this.#parser.write(chunk);
    // RFC 6120 §6.4.6: after SASL success both sides start a new stream. The parser cannot be
    // reset from inside its own callback, and the server sends nothing more until our new header.
    if (this.#isRestartPending) {
      this.#isRestartPending = false;
      this.#parser = this.#newParser();
      this.#phase = 'restarted';
      this.#socket.write(streamHeader(this.#domain));
    }
  }

  #onElement(e: El): void {
    if (this.#phase === 'online') {
      const id = e.attrs.id;
      if (e.name === 'iq' && id !== undefined && (e.attrs.type === 'result' || e.attrs.type === 'error')) {
        const resolve = this.#pending.get(id);
        if (resolve !== undefined) {
          this.#pending.delete(id);
          resolve(e);
          return;
        }
      }
      if (e.name === 'stream:error') return this.#fail(`stream error: ${serialize(e)}`);
      this.#handlers?.onStanza(e);
      return;
    }
    switch (e.name) {
      case 'stream:features': return this.#onFeatures(e);
      case 'success': this.#isRestartPending = this.#phase === 'auth'; return;
      case 'failure': return this.#fail('SASL ANONYMOUS refused');
      case 'iq': return this.#onBind(e);
      case 'stream:error': return this.#fail(`stream error: ${serialize(e)}`);
      default: return;
    }
  }

  #onFeatures(e: El): void {
    if (this.#phase === 'connecting') {
      this.#phase = 'auth';
      this.#socket.write(serialize(el('auth', { xmlns: NS_SASL, mechanism: 'ANONYMOUS' })));
    } else if (this.#phase === 'restarted') {
      if (child(e, 'bind', NS_BIND) === undefined) return this.#fail('the server does not offer resource binding');
      this.#phase = 'bind';
      this.#socket.write(serialize(el('iq', { type: 'set', id: 'bind' }, el('bind', { xmlns: NS_BIND }))));
    }
  }

  #onBind(e: El): void {
    if (this.#phase !== 'bind' || e.attrs.id !== 'bind') return;
    const jid = text(child(child(e, 'bind', NS_BIND) ?? e, 'jid'));
    if (e.attrs.type !== 'result' || jid === '') return this.#fail(`resource bind failed: ${serialize(e)}`);
    this.#jid = jid;
    this.#phase = 'online';
    this.#login?.resolve(jid);
  }

  #fail(reason: string): void {
    if (this.#phase === 'failed' || this.#phase === 'closing') return;
    const wasOnline = this.#phase === 'online';
    this.#phase = 'failed';
    this.#socket.destroy();
    if (wasOnline) this.#handlers?.onLost(reason);
    else this.#login?.reject(new Error(reason));
  }
}
