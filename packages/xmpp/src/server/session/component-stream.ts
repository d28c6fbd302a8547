import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import type { El, StreamCondition, XmlError } from '../../codec/index.ts';
import { el, text, parseJid, encodeStreamError, NS_COMPONENT, NS_STREAMS } from '../../codec/index.ts';
import type { StreamOpen } from '../net/framing.ts';
import { TcpFraming } from '../net/framing.ts';
import type { Transport } from '../net/transport.ts';
import type { ComponentSecrets } from '../net/component-secrets.ts';
import type { SessionRegistry, StanzaTarget } from '../router/session-registry.ts';
import type { StanzaRouter } from '../router/stanza-router.ts';
import type { ComponentPresenceHold } from './component-presence-hold.ts';
import type { WatchedStream } from './stream-watchdog.ts';

export type ComponentStreamDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: SessionRegistry;
  readonly router: StanzaRouter;
  /** Shared secret per component domain. */
  readonly secrets: ComponentSecrets;
  readonly maxStanzaBytes: number;
  /** Domains that components may not claim (the server's own, the MUC services). */
  readonly reservedDomains: ReadonlySet<string>;
  readonly onClosed: (stream: ComponentStream) => void;
  /** Rooms of components whose leave is held back after a drop (component-presence-hold.ts). */
  readonly presenceHold?: ComponentPresenceHold;
};

type Phase = 'await-open' | 'await-handshake' | 'ready' | 'closed';

/**
 * An external component (XEP-0114): authenticates with a shared-secret handshake, then owns a
 * domain. The focus, bridges, the recorder and the SIP gateway connect this way.
 */
export class ComponentStream implements StanzaTarget, WatchedStream {
  readonly #deps: ComponentStreamDeps;
  readonly #transport: Transport;
  readonly #framing: TcpFraming;
  #log: Logger;
  #phase: Phase = 'await-open';
  #domain = '';
  #streamId = '';
  #headerSent = false;
  /** Available presence sent by each JID of the component, so a disconnect leaves rooms cleanly. */
  readonly #directed = new Map<string, Set<string>>();
  lastActivityMs: number;
  readonly openedAtMs: number;

  constructor(transport: Transport, deps: ComponentStreamDeps) {
    this.#deps = deps;
    this.#transport = transport;
    this.#log = deps.log;
    this.#framing = new TcpFraming({
      onOpen: (o) => this.#onOpen(o),
      onElement: (e) => this.#onElement(e),
      onClose: () => {
        this.#transport.send(this.#framing.closeStream());
        this.#close();
      },
      onError: (e: XmlError) => this.streamError(e.condition, e.text),
    }, { maxElementBytes: deps.maxStanzaBytes, maxDepth: 64, maxAttributes: 128 });
    this.openedAtMs = deps.clock.now();
    this.lastActivityMs = this.openedAtMs;
    transport.onData((chunk) => {
      this.lastActivityMs = deps.clock.now();
      this.#framing.write(chunk);
    });
    transport.onClose(() => this.#close());
  }

  get domain(): string {
    return this.#domain;
  }

  /** Components count as bound once the handshake succeeded; they are not idle-timed out. */
  get isBound(): boolean {
    return this.#phase === 'ready';
  }

  timeout(reason: string): void {
    if (this.#phase !== 'ready') this.streamError('connection-timeout', reason);
  }

  deliver(stanza: El): void {
    if (this.#phase !== 'ready') return;
    this.#transport.send(this.#framing.element(stanza));
  }

  streamError(condition: StreamCondition, description?: string): void {
    if (this.#phase === 'closed') return;
    this.#log.warn('component stream error', { condition, text: description });
    if (!this.#headerSent) this.#sendHeader('');
    this.#transport.send(this.#framing.element(encodeStreamError(condition, description)));
    this.#transport.send(this.#framing.closeStream());
    this.#close();
  }

  #sendHeader(from: string): void {
    this.#headerSent = true;
    this.#streamId = randomUUID();
    this.#transport.send(this.#framing.openStream({ from, id: this.#streamId, to: undefined, xmlns: NS_COMPONENT }));
  }

  #close(): void {
    if (this.#phase === 'closed') return;
    const wasReady = this.#phase === 'ready';
    this.#phase = 'closed';
    this.#transport.close();
    if (wasReady) {
      this.#deps.registry.removeComponent(this.#domain, this);
      this.#log.info('component disconnected');
      const hold = this.#deps.presenceHold;
      if (hold?.holds(this.#domain) === true) hold.hold(this.#domain, this.#directed);
      else for (const [from, targets] of this.#directed) {
        const fromJid = parseJid(from);
        if (!fromJid.ok) continue;
        for (const to of targets) this.#deps.router.route(el('presence', { from, to, type: 'unavailable' }), fromJid.value);
      }
      this.#directed.clear();
    }
    this.#deps.onClosed(this);
  }

  /** The component has sent available presence from `from` to `to` (it is in that room). */
  hasDirectedPresence(from: string, to: string): boolean {
    return this.#directed.get(from)?.has(to) === true;
  }

  #onOpen(open: StreamOpen): void {
    const domain = (open.to ?? '').toLowerCase();
    this.#sendHeader(domain);
    if (this.#phase !== 'await-open') return this.streamError('not-authorized', 'unexpected stream restart');
    if (open.streamNs !== NS_STREAMS || open.xmlns !== NS_COMPONENT) return this.streamError('invalid-namespace', 'expected jabber:component:accept');
    if (!this.#deps.secrets.isComponentDomain(domain) || this.#deps.reservedDomains.has(domain)) return this.streamError('host-unknown', 'no component is configured for that domain');
    this.#domain = domain;
    this.#log = this.#deps.log.child({ component: domain });
    this.#phase = 'await-handshake';
  }

  #onElement(e: El): void {
    if (this.#phase === 'await-handshake') return this.#handshake(e);
    if (this.#phase !== 'ready') return;
    if (e.name !== 'message' && e.name !== 'presence' && e.name !== 'iq') return this.streamError('unsupported-stanza-type');
    if (e.attrs.xmlns !== undefined) {
      if (e.attrs.xmlns !== NS_COMPONENT && e.attrs.xmlns !== 'jabber:client') return this.streamError('invalid-namespace');
      delete e.attrs.xmlns;
    }
    const from = parseJid(e.attrs.from ?? '');
    // XEP-0114 §3: a component may only send from its own domain.
    if (!from.ok || from.value.domain !== this.#domain) return this.streamError('invalid-from', 'from must be in the component domain');
    if (e.attrs.to === undefined) return this.streamError('improper-addressing', 'stanzas need a to address');
    if (e.name === 'presence') this.#trackPresence(e);
    this.#deps.router.route(e, from.value);
  }

  #trackPresence(e: El): void {
    const to = e.attrs.to as string;
    const key = e.attrs.from as string;
    const type = e.attrs.type;
    if (type === undefined) {
      let set = this.#directed.get(key);
      if (set === undefined) {
        set = new Set();
        this.#directed.set(key, set);
      }
      set.add(to);
    } else if (type === 'unavailable') {
      const set = this.#directed.get(key);
      set?.delete(to);
      if (set?.size === 0) this.#directed.delete(key);
    }
  }

  #handshake(e: El): void {
    if (e.name !== 'handshake') return this.streamError('not-authorized', 'handshake expected');
    const secret = this.#deps.secrets.secretFor(this.#domain) ?? '';
    const expected = createHash('sha1').update(this.#streamId + secret).digest();
    const given = Buffer.from(text(e).trim().toLowerCase(), 'hex');
    // Constant time, so the secret cannot be guessed byte by byte from response timing.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return this.streamError('not-authorized', 'handshake failed');
    }
    if (!this.#deps.registry.addComponent(this.#domain, this)) return this.streamError('conflict', 'component already connected');
    this.#phase = 'ready';
    this.#log.info('component connected');
    this.#transport.send(this.#framing.element(el('handshake')));
  }
}
