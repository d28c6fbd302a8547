import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { El } from '@plenum/xmpp/codec';
import { XmlStreamParser, parseXml, serialize, child, text } from '@plenum/xmpp/codec';

type Waiter = { match: (e: El) => boolean; resolve: (e: El) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * A scripted XMPP peer that speaks raw XML, so tests read like the wire: `send('<iq …/>')`, then
 * `await next(e => …)`. Elements nobody waited for yet stay in the inbox in order.
 */
export class WireClient {
  readonly inbox: El[] = [];
  /**
   * Offered every incoming element first, in order; one returning true consumes it (auto-answers
   * such as disco#info or IQ acks). Elements no handler consumed go to waiters and the inbox.
   */
  readonly handlers: ((e: El) => boolean)[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #send: (s: string) => void;
  readonly #close: () => void;
  readonly #kind: 'tcp' | 'websocket';
  #parser: XmlStreamParser | undefined;
  #closed = false;
  #closedWaiters: (() => void)[] = [];
  /** Raw text received, for asserting on what a peer that cannot parse would see. */
  received = '';
  streamHeaders: El[] = [];

  private constructor(kind: 'tcp' | 'websocket', send: (s: string) => void, close: () => void) {
    this.#kind = kind;
    this.#send = send;
    this.#close = close;
    if (kind === 'tcp') this.#resetParser();
  }

  /** Connects over TCP. */
  static tcp(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect(port, host);
      const client = new WireClient('tcp', (s) => socket.write(s), () => socket.destroy());
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => client.#onData(d));
      socket.on('close', () => client.#onClosed());
      socket.on('error', () => undefined);
      socket.once('connect', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Connects over an RFC 7395 WebSocket. */
  static ws(url: string, protocols: string[] = ['xmpp']): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      const client = new WireClient('websocket', (s) => ws.send(s), () => ws.terminate());
      ws.on('message', (d: Buffer) => client.#onFrame(d.toString('utf8')));
      ws.on('close', () => client.#onClosed());
      ws.on('error', () => undefined);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  send(xml: string | El): void {
    this.#send(typeof xml === 'string' ? xml : serialize(xml));
  }

  /** Opens (or restarts) the stream to `domain`. */
  open(domain = 'plenum.localhost'): void {
    if (this.#kind === 'tcp') {
      this.#resetParser();
      this.send(`<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
    } else {
      this.send(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='${domain}' version='1.0'/>`);
    }
  }

  /** Waits for the next element that matches, or fails after `timeoutMs`. */
  next(match: (e: El) => boolean = () => true, timeoutMs = 3000, what = 'element'): Promise<El> {
    const i = this.inbox.findIndex(match);
    if (i !== -1) return Promise.resolve(this.inbox.splice(i, 1)[0] as El);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${what}; inbox: ${this.inbox.map(serialize).join(' ').slice(0, 2000)}`));
      }, timeoutMs);
      const waiter: Waiter = { match, resolve, reject, timer };
      this.#waiters.push(waiter);
    });
  }

  /** Waits for an element with this name (and id, when given). */
  nextNamed(name: string, id?: string, timeoutMs?: number): Promise<El> {
    return this.next((e) => e.name === name && (id === undefined || e.attrs.id === id), timeoutMs, `<${name}${id ? ` id=${id}` : ''}>`);
  }

  /** Resolves when the server closed the connection. */
  closed(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.#closedWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The stream error condition the server sent, waiting for it. */
  async streamError(timeoutMs = 3000): Promise<string> {
    const e = await this.next((x) => x.name === 'stream:error', timeoutMs, 'stream error');
    const cond = e.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-streams' && c.name !== 'text');
    return typeof cond === 'object' ? cond.name : '';
  }

  /** SASL ANONYMOUS + bind; returns the bound full JID. */
  async loginAnonymous(domain = 'plenum.localhost', resource?: string): Promise<string> {
    this.open(domain);
    await this.nextNamed('stream:features');
    this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`);
    const outcome = await this.next((e) => e.name === 'success' || e.name === 'failure');
    if (outcome.name !== 'success') throw new Error(`login failed: ${serialize(outcome)}`);
    return this.bindAfterRestart(domain, resource);
  }

  /** Restarts the stream after SASL success and binds a resource. */
  async bindAfterRestart(domain = 'plenum.localhost', resource?: string): Promise<string> {
    this.open(domain);
    await this.nextNamed('stream:features');
    this.send(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>${resource ? `<resource>${resource}</resource>` : ''}</bind></iq>`);
    const reply = await this.nextNamed('iq', 'bind1');
    const jid = text(child(child(reply, 'bind') ?? reply, 'jid'));
    if (jid === '') throw new Error(`bind failed: ${serialize(reply)}`);
    return jid;
  }

  close(): void {
    this.#close();
  }

  #resetParser(): void {
    this.#parser = new XmlStreamParser('stream', {
      onOpen: (root) => this.streamHeaders.push(root),
      onElement: (e) => this.#deliver(e),
      onClose: () => undefined,
      onError: (e) => this.#deliver({ name: 'parse-error', attrs: { condition: e.condition }, children: [e.text] }),
    }, { maxElementBytes: 64 * 1024 * 1024, maxDepth: 256, maxAttributes: 256 });
  }

  #onData(d: string): void {
    this.received += d;
    this.#parser?.write(d);
  }

  #onFrame(d: string): void {
    this.received += d;
    const r = parseXml(d, { maxElementBytes: 64 * 1024 * 1024, maxDepth: 256, maxAttributes: 256 });
    if (!r.ok) return this.#deliver({ name: 'parse-error', attrs: { condition: r.error.condition }, children: [d] });
    if (r.value.name === 'open') this.streamHeaders.push(r.value);
    else this.#deliver(r.value);
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

  #onClosed(): void {
    this.#closed = true;
    for (const w of this.#closedWaiters.splice(0)) w();
  }
}

/** The defined condition of a stanza error (`service-unavailable`, …), or undefined when the stanza is not an error. */
export function errorCondition(stanza: El): string | undefined {
  if (stanza.attrs.type !== 'error') return undefined;
  const error = child(stanza, 'error');
  if (error === undefined) return undefined;
  const cond = error.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text');
  return typeof cond === 'object' ? cond.name : undefined;
}

/** Resolves with the error a promise rejected with; fails when it resolved. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
