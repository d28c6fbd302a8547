// The bridge's XEP-0114 connection to the XMPP server through @xmpp/component: connects, keeps
// reconnecting after a drop, turns incoming stanzas into our El model and answers every IQ get/set
// through one handler. Everything specific to the library stays in this file.
import { component, xml } from '@xmpp/component';
import type { Component, XmppElement } from '@xmpp/component';
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { encodeStanzaError } from '@plenum/xmpp/codec';
import type { IqOutcome } from '../control/control-iq.ts';
import type { XmppLink, XmppLinkEvents } from '../ports.ts';

/** How to reach the server and what to do with requests. */
export type ComponentLinkDeps = {
  readonly log: Logger;
  /** XMPP server host and component port. */
  readonly host: string;
  readonly port: number;
  /** The component domain this bridge claims. */
  readonly domain: string;
  readonly secret: string;
  readonly reconnectDelayMs: number;
  /** Answers one IQ get/set (already in our El model). */
  handleIq(iq: El): IqOutcome;
};

// The parts of @xmpp/component 0.13 used here beyond its declared types (see types/xmpp__component.d.ts).
type Middleware = (ctx: { stanza: XmppElement }, next: () => Promise<unknown>) => unknown;
type FullComponent = Component & {
  status: string;
  connect(service: string): Promise<unknown>;
  open(options: { domain: string }): Promise<unknown>;
  reconnect: { delay: number; stop(): void };
  middleware: { use(fn: Middleware): void };
};

/** Our El from the library's element (ltx): same shape, plain objects. */
export function toEl(x: XmppElement): El {
  return { name: x.name, attrs: { ...x.attrs }, children: x.children.map((c) => (typeof c === 'string' ? c : toEl(c))) };
}

/** The library's element from our El. */
export function fromEl(e: El): XmppElement {
  return xml(e.name, { ...e.attrs }, ...e.children.map((c) => (typeof c === 'string' ? c : fromEl(c))));
}

/** Error fields safe to log: codes and stream conditions, never messages (they carry addresses). */
const errorFields = (e: unknown): Record<string, unknown> => {
  const x = e as { code?: unknown; condition?: unknown; name?: unknown };
  return { code: x.code, condition: x.condition, name: x.name };
};

/** An XmppLink over @xmpp/component. */
export class ComponentLink implements XmppLink {
  readonly events: TypedEmitter<XmppLinkEvents>;
  readonly #deps: ComponentLinkDeps;
  readonly #c: FullComponent;
  #isOnline = false;
  #isClosing = false;
  #closed: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(deps: ComponentLinkDeps) {
    this.#deps = deps;
    this.events = new TypedEmitter(deps.log);
    this.#c = component({ service: `xmpp://${deps.host}:${deps.port}`, domain: deps.domain, password: deps.secret }) as FullComponent;
    this.#c.reconnect.delay = deps.reconnectDelayMs;
    this.#c.on('error', (e: unknown) => deps.log.warn('xmpp connection error', errorFields(e)));
    this.#c.on('status', (status: string) => this.#onStatus(status));
    this.#c.on('stanza', (s: XmppElement) => {
      if (s.name === 'presence') this.events.emit('presence', toEl(s));
      else if (s.name === 'iq' && (s.attrs.type === 'result' || s.attrs.type === 'error')) this.events.emit('iqReply', toEl(s));
    });
    // IQ get/set: @xmpp/iq's callee (installed by component()) runs first and sends whatever this
    // returns: an element is the result payload, an <error> becomes an IQ error, `true` an empty result.
    this.#c.middleware.use((ctx, next) => {
      const { stanza } = ctx;
      if (stanza.name !== 'iq' || (stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set')) return next();
      let outcome: IqOutcome;
      try {
        outcome = deps.handleIq(toEl(stanza));
      } catch (error) {
        // A throwing handler is a bug: log it and answer internal-server-error (style C7).
        deps.log.error('iq handler failed', { err: error });
        outcome = { kind: 'error', error: { type: 'cancel', condition: 'internal-server-error' }, extra: [] };
      }
      if (outcome.kind === 'error') return fromEl(encodeStanzaError(outcome.error, outcome.extra));
      return outcome.payload === undefined ? true : fromEl(outcome.payload);
    });
  }

  get isOnline(): boolean {
    return this.#isOnline;
  }

  /** Starts connecting; failures are logged and retried every reconnectDelayMs until close(). */
  start(): void {
    // COMPAT(@xmpp/connection 0.13): its start() makes an "online" promise before opening the
    // stream and leaves it unhandled when the open fails (the server went away meanwhile), which
    // crashes the process. Connect and open here instead; the component's own 'open' handler does
    // the handshake, and failures reach the 'error' listener and the reconnect loop as before.
    const { domain } = this.#deps;
    this.#c.connect(`xmpp://${this.#deps.host}:${this.#deps.port}`)
      .then(() => this.#c.open({ domain }))
      .catch((error: unknown) => {
        if (this.#isClosing) return;
        this.#deps.log.warn('xmpp connect failed, retrying', errorFields(error));
        // From 'disconnect' the library's reconnect loop retries; from anywhere else we do.
        if (this.#c.status === 'disconnect') return;
        clearTimeout(this.#retry);
        this.#retry = setTimeout(() => {
          if (!this.#isClosing && this.#c.status !== 'online') this.start();
        }, this.#deps.reconnectDelayMs);
        this.#retry.unref();
      });
  }

  send(stanza: El): void {
    if (!this.#isOnline) {
      this.#deps.log.debug('stanza dropped while offline', { name: stanza.name });
      return;
    }
    this.#c.send(fromEl(stanza)).catch((error: unknown) => this.#deps.log.debug('send failed', errorFields(error)));
  }

  /** Closes the stream and stops reconnecting. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#isClosing = true;
      clearTimeout(this.#retry);
      this.#c.reconnect.stop();
      try {
        await this.#c.stop();
      } catch (error) {
        // Already disconnected: nothing left to close.
        this.#deps.log.debug('xmpp stop', errorFields(error));
      }
      this.#onStatus('offline');
    })();
    return this.#closed;
  }

  #onStatus(status: string): void {
    if (status === 'online' && !this.#isOnline) {
      this.#isOnline = true;
      this.#deps.log.info('xmpp online', { domain: this.#deps.domain });
      this.events.emit('online');
    } else if ((status === 'disconnect' || status === 'offline') && this.#isOnline) {
      this.#isOnline = false;
      if (this.#isClosing) this.#deps.log.info('xmpp closed', { domain: this.#deps.domain });
      else this.#deps.log.warn('xmpp offline, reconnecting', { domain: this.#deps.domain });
      this.events.emit('offline');
    }
  }
}
