// A scripted XMPP peer for the focus's integration tests: a client (SASL ANONYMOUS or PLAIN, then
// bind) or an XEP-0114 component, over TCP. Stanzas are first offered to `handlers` (auto-answers:
// disco#info, Jingle acks, COLIBRI2), the rest wait in an inbox for `next()`. Timers are unref'd
// and cleared, so a finished test leaves nothing behind.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { El } from '@plenum/xmpp/codec';
import { XmlStreamParser, child, el, serialize, text } from '@plenum/xmpp/codec';

type Waiter = { readonly match: (e: El) => boolean; readonly resolve: (e: El) => void; readonly timer: NodeJS.Timeout };

/** Returns true when it consumed the stanza. */
export type StanzaHandler = (e: El) => boolean;

let nextId = 1;

/** How to log in. */
export type BotLogin =
  | { readonly kind: 'anonymous'; readonly domain: string }
  | { readonly kind: 'plain'; readonly domain: string; readonly user: string; readonly password: string }
  | { readonly kind: 'component'; readonly domain: string; readonly secret: string };

/** One scripted connection. */
export class Bot {
  jid = '';
  readonly handlers: StanzaHandler[] = [];
  readonly inbox: El[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #socket: Socket;
  #parser: XmlStreamParser | undefined;
  #streamId = '';
  #isClosed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.#parser?.write(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#isClosed = true;
    });
  }

  /** Connects and logs in; resolves once the bot can send stanzas. */
  static async connect(port: number, login: BotLogin): Promise<Bot> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const bot = new Bot(socket);
    await bot.#login(login);
    return bot;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  send(stanza: El | string): void {
    if (!this.#isClosed) this.#socket.write(typeof stanza === 'string' ? stanza : serialize(stanza));
  }

  /** Waits for the next unhandled stanza that matches. */
  next(match: (e: El) => boolean, timeoutMs = 5000, what = 'stanza'): Promise<El> {
    const i = this.inbox.findIndex(match);
    if (i !== -1) return Promise.resolve(this.inbox.splice(i, 1)[0] as El);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${this.jid}: timed out waiting for ${what}; inbox: ${this.inbox.map(serialize).join(' ').slice(0, 1500)}`));
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = { match, resolve, timer };
      this.#waiters.push(waiter);
    });
  }

  /** Sends an IQ get/set and waits for its result or error. */
  request(iq: El, timeoutMs = 5000): Promise<El> {
    const id = iq.attrs.id ?? `bot${nextId++}`;
    this.send({ ...iq, attrs: { ...iq.attrs, id } });
    return this.next((e) => e.name === 'iq' && e.attrs.id === id && (e.attrs.type === 'result' || e.attrs.type === 'error'), timeoutMs, `reply to ${id}`);
  }

  /** Ends the stream and the connection. */
  close(): void {
    for (const w of this.#waiters.splice(0)) clearTimeout(w.timer);
    if (this.#isClosed) return;
    this.#socket.end('</stream:stream>');
    this.#socket.destroySoon();
  }

  /** Drops the TCP connection without a stream close (a browser tab dying). */
  kill(): void {
    for (const w of this.#waiters.splice(0)) clearTimeout(w.timer);
    this.#socket.destroy();
  }

  #open(domain: string, xmlns: string): void {
    this.#parser = new XmlStreamParser('stream', {
      onOpen: (root) => {
        this.#streamId = root.attrs.id ?? '';
        this.#deliver(el('stream-open', { id: this.#streamId }));
      },
      onElement: (e) => this.#deliver(e),
      onClose: () => undefined,
      onError: (e) => this.#deliver(el('parse-error', { condition: e.condition })),
    }, { maxElementBytes: 16 * 1024 * 1024, maxDepth: 256, maxAttributes: 256 });
    this.send(`<?xml version='1.0'?><stream:stream to='${domain}' xmlns='${xmlns}' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
  }

  async #login(login: BotLogin): Promise<void> {
    if (login.kind === 'component') {
      this.#open(login.domain, 'jabber:component:accept');
      await this.next((e) => e.name === 'stream-open', 5000, 'stream header');
      this.send(el('handshake', {}, createHash('sha1').update(this.#streamId + login.secret).digest('hex')));
      const reply = await this.next((e) => e.name === 'handshake' || e.name === 'stream:error', 5000, 'handshake');
      if (reply.name !== 'handshake') throw new Error(`component ${login.domain} refused: ${serialize(reply)}`);
      this.jid = login.domain;
      return;
    }
    this.#open(login.domain, 'jabber:client');
    await this.next((e) => e.name === 'stream:features', 5000, 'features');
    const auth = login.kind === 'anonymous'
      ? el('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'ANONYMOUS' })
      : el('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' }, Buffer.from(`\0${login.user}\0${login.password}`).toString('base64'));
    this.send(auth);
    const outcome = await this.next((e) => e.name === 'success' || e.name === 'failure', 5000, 'sasl outcome');
    if (outcome.name !== 'success') throw new Error(`login failed: ${serialize(outcome)}`);
    this.#open(login.domain, 'jabber:client');
    await this.next((e) => e.name === 'stream:features', 5000, 'features after sasl');
    const bound = await this.request(el('iq', { type: 'set' }, el('bind', { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' })));
    this.jid = text(child(child(bound, 'bind') ?? bound, 'jid'));
    if (this.jid === '') throw new Error(`bind failed: ${serialize(bound)}`);
  }

  #deliver(e: El): void {
    for (const h of this.handlers) if (h(e)) return;
    const i = this.#waiters.findIndex((w) => w.match(e));
    if (i === -1) {
      this.inbox.push(e);
      return;
    }
    const [w] = this.#waiters.splice(i, 1);
    if (w === undefined) return;
    clearTimeout(w.timer);
    w.resolve(e);
  }
}
