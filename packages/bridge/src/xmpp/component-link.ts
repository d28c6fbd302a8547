// The bridge's XEP-0114 connection to the XMPP server, on the shared component connection
// (@plenum/xmpp/component): connects, keeps reconnecting after a drop or a refused handshake,
// hands presences and IQ replies to the bridge and answers every IQ get/set through one handler.
import type { Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { encodeStanzaError } from '@plenum/xmpp/codec';
import { ComponentConnection } from '@plenum/xmpp/component';
import type { IqOutcome } from '../control/control-iq.ts';
import type { XmppLink, XmppLinkEvents } from '../ports.ts';

/** How to reach the server and what to do with requests. */
export type ComponentLinkDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  /** XMPP server host and component port. */
  readonly host: string;
  readonly port: number;
  /** The component domain this bridge claims. */
  readonly domain: string;
  readonly secret: string;
  /** Longest wait between reconnection attempts (they start at 100 ms and double). */
  readonly reconnectDelayMs: number;
  /** Answers one IQ get/set. */
  handleIq(iq: El): IqOutcome;
};

let nextStanzaId = 0;

/** An XmppLink over the shared component connection. */
export class ComponentLink implements XmppLink {
  readonly events: TypedEmitter<XmppLinkEvents>;
  readonly #deps: ComponentLinkDeps;
  readonly #connection: ComponentConnection;

  constructor(deps: ComponentLinkDeps) {
    this.#deps = deps;
    this.events = new TypedEmitter(deps.log);
    this.#connection = new ComponentConnection({
      log: deps.log,
      clock: deps.clock,
      ids: { next: () => `jvb-${(++nextStanzaId).toString(36)}` },
      options: {
        host: deps.host, port: deps.port, domain: deps.domain, secret: deps.secret,
        reconnectMaxDelayMs: deps.reconnectDelayMs, retryAfterRefusal: true,
      },
    });
    const c = this.#connection.events;
    c.on('online', () => this.events.emit('online'));
    c.on('offline', () => this.events.emit('offline'));
    c.on('attemptFailed', (reason) => deps.log.warn('xmpp connect failed, retrying', { reason }));
    c.on('stanza', (s) => this.#onStanza(s));
  }

  get isOnline(): boolean {
    return this.#connection.isOnline;
  }

  /** Starts connecting; failures are logged and retried until close(). */
  start(): void {
    // With retryAfterRefusal the first-online promise never rejects; nothing to wait for here.
    this.#connection.start().catch((error: unknown) => this.#deps.log.error('xmpp connection stopped', { err: error }));
  }

  send(stanza: El): void {
    this.#connection.send(stanza);
  }

  /** Closes the stream and stops reconnecting. Idempotent. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #onStanza(s: El): void {
    if (s.name === 'presence') {
      this.events.emit('presence', s);
      return;
    }
    if (s.name !== 'iq') return;
    const type = s.attrs.type;
    if (type === 'result' || type === 'error') {
      this.events.emit('iqReply', s);
      return;
    }
    if (type !== 'get' && type !== 'set') return;
    let outcome: IqOutcome;
    try {
      outcome = this.#deps.handleIq(s);
    } catch (error) {
      // A throwing handler is a bug: log it and answer internal-server-error (style C7).
      this.#deps.log.error('iq handler failed', { err: error });
      outcome = { kind: 'error', error: { type: 'cancel', condition: 'internal-server-error' }, extra: [] };
    }
    const reply: El = {
      name: 'iq',
      attrs: { type: outcome.kind === 'error' ? 'error' : 'result', id: s.attrs.id ?? '', ...(s.attrs.from !== undefined ? { to: s.attrs.from } : {}), ...(s.attrs.to !== undefined ? { from: s.attrs.to } : {}) },
      // The request is not echoed in an error (optional in RFC 6120 §8.3.1): COLIBRI2 requests are big.
      children: outcome.kind === 'error' ? [encodeStanzaError(outcome.error, outcome.extra)] : outcome.payload === undefined ? [] : [outcome.payload],
    };
    this.#connection.send(reply);
  }
}
