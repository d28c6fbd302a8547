import type { SecureContext } from 'node:tls';
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import type { El, StreamCondition, XmlError } from '../../codec/index.ts';
import {
  el, child, text, iqPayload, iqResult, errorReply, encodeStreamError, makeJid, parseJid, parseH,
  NS_CLIENT, NS_STREAMS, NS_SASL, NS_TLS, NS_BIND, NS_SESSION, NS_SM,
  encodeResumed, encodeFailed,
} from '../../codec/index.ts';
import type { AuthIdentity, Authenticator, SaslContext, SaslExchange, SaslStep } from '../auth/types.ts';
import type { Framing, StreamOpen } from '../net/framing.ts';
import { TcpFraming, WsFraming } from '../net/framing.ts';
import type { Transport } from '../net/transport.ts';
import { TokenBucket } from '../net/token-bucket.ts';
import type { XmppConfig } from '../config.ts';
import type { SessionRegistry } from '../router/session-registry.ts';
import type { ClientSessionDeps, SessionStream } from './client-session.ts';
import { ClientSession } from './client-session.ts';
import type { WatchedStream } from './stream-watchdog.ts';
import { handleSmNonza } from './sm-nonzas.ts';
import { decodeSaslPayload, encodeSaslPayload, invalidStanza, sameAccount } from './stream-checks.ts';

export type C2sStreamDeps = {
  readonly config: XmppConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: SessionRegistry;
  readonly authenticator: Authenticator;
  readonly tlsContext: SecureContext | undefined;
  /** XEP-0198 sessions that may be resumed, by id. */
  readonly resumable: Map<string, ClientSession>;
  readonly sessionDeps: Omit<ClientSessionDeps, 'onEnded'>;
  /** The JWT from the WebSocket URL (`?token=`), if any. */
  readonly token: string | undefined;
  /** Called once when the stream is closed, whatever the reason. */
  readonly onClosed: (stream: C2sStream) => void;
};

type Phase = 'await-open' | 'pre-auth' | 'sasl' | 'await-restart' | 'authenticated' | 'bound' | 'closed';

const SASL_FAILURES_BEFORE_CLOSE = 3;

/**
 * One client stream (RFC 6120 over TCP, RFC 7395 over WebSocket): opening, STARTTLS, SASL,
 * resource binding, XEP-0198 enable/resume, then stanzas handed to the bound ClientSession.
 */
export class C2sStream implements SessionStream, WatchedStream {
  readonly id = randomUUID();
  readonly #deps: C2sStreamDeps;
  readonly #transport: Transport;
  readonly #framing: Framing;
  readonly #log: Logger;
  readonly #stanzaBudget: TokenBucket;
  readonly #byteBudget: TokenBucket;
  #phase: Phase = 'await-open';
  #headerSent = false;
  #domain = '';
  #identity: AuthIdentity | undefined;
  #sasl: SaslExchange | undefined;
  #saslFailures = 0;
  #session: ClientSession | undefined;
  /** Elements that arrived while an asynchronous step (SASL, STARTTLS) was running. */
  #backlog: El[] | undefined;
  #paused = false;
  lastActivityMs: number;
  readonly openedAtMs: number;

  constructor(transport: Transport, deps: C2sStreamDeps) {
    this.#deps = deps;
    this.#transport = transport;
    const logFields: Record<string, unknown> = { stream: this.id.slice(0, 8), transport: transport.kind };
    if (deps.config.log.ipAddresses) logFields.ip = transport.remoteAddress;
    this.#log = deps.log.child(logFields);
    const limits = deps.config.limits;
    this.#stanzaBudget = new TokenBucket(deps.clock, limits.stanzasPerSecond, limits.stanzaBurst);
    this.#byteBudget = new TokenBucket(deps.clock, limits.bytesPerSecond, Math.max(limits.bytesPerSecond * 2, limits.maxStanzaBytes));
    const xmlLimits = { maxElementBytes: limits.maxStanzaBytes, maxDepth: 64, maxAttributes: 64 };
    const handlers = {
      onOpen: (o: StreamOpen) => this.#onOpen(o),
      onElement: (e: El) => this.#onElement(e),
      onClose: () => this.#onPeerClose(),
      onError: (e: XmlError) => this.streamError(e.condition, e.text),
    };
    this.#framing = transport.kind === 'tcp' ? new TcpFraming(handlers, xmlLimits) : new WsFraming(handlers, xmlLimits, NS_CLIENT);
    this.openedAtMs = deps.clock.now();
    this.lastActivityMs = this.openedAtMs;
    transport.onData((chunk) => this.#onData(chunk));
    transport.onClose(() => this.#onTransportClosed());
    this.#log.debug('stream connected');
  }

  get isBound(): boolean {
    return this.#phase === 'bound';
  }

  get isClosed(): boolean {
    return this.#phase === 'closed';
  }

  /** Sends a stanza or nonza on this stream. */
  send(e: El): void {
    if (this.#phase === 'closed') return;
    this.#transport.send(this.#framing.element(e));
  }

  /** RFC 6120 §4.9: sends the error, closes the stream and the connection. */
  streamError(condition: StreamCondition, description?: string): void {
    if (this.#phase === 'closed') return;
    this.#log.info('stream error', { condition, text: description });
    if (!this.#headerSent) this.#sendHeader(this.#deps.config.domain);
    this.#transport.send(this.#framing.element(encodeStreamError(condition, description)));
    this.#transport.send(this.#framing.closeStream());
    this.#close(true);
  }

  #close(endSession: boolean): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#transport.close();
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) {
      if (endSession) {
        if (session.isCarriedBy(this)) session.end();
      } else {
        session.detach(this);
      }
    }
    this.#deps.onClosed(this);
  }

  #onData(chunk: string): void {
    if (this.#phase === 'closed') return;
    this.lastActivityMs = this.#deps.clock.now();
    const waitMs = this.#byteBudget.spend(chunk.length);
    if (waitMs > 0 && !this.#paused) {
      // Slow the sender down instead of failing it: TCP back-pressure does the rest.
      this.#paused = true;
      this.#transport.pause();
      this.#deps.clock.setTimeout(() => {
        this.#paused = false;
        if (this.#phase !== 'closed') this.#transport.resume();
      }, waitMs);
    }
    this.#framing.write(chunk);
  }

  #onTransportClosed(): void {
    if (this.#phase === 'closed') return;
    this.#log.debug('connection lost');
    this.#close(false);
  }

  #onPeerClose(): void {
    if (this.#phase === 'closed') return;
    this.#transport.send(this.#framing.closeStream());
    this.#close(true);
  }

  /** Called by the watchdog for silent or never-authenticated streams. */
  timeout(reason: string): void {
    this.streamError('connection-timeout', reason);
  }

  #sendHeader(domain: string): void {
    this.#headerSent = true;
    this.#transport.send(this.#framing.openStream({ from: domain, id: randomUUID(), to: undefined, xmlns: NS_CLIENT }));
  }

  #servedDomains(): string[] {
    const { domain, auth } = this.#deps.config;
    return auth.guestDomain !== undefined ? [domain, auth.guestDomain] : [domain];
  }

  #onOpen(open: StreamOpen): void {
    const expecting = this.#phase === 'await-open' || this.#phase === 'await-restart';
    const domain = (open.to ?? '').toLowerCase();
    const served = this.#servedDomains();
    this.#sendHeader(served.includes(domain) ? domain : this.#deps.config.domain);
    if (!expecting) return this.streamError('not-authorized', 'unexpected stream restart');
    if (open.streamNs !== NS_STREAMS) return this.streamError('invalid-namespace', 'wrong stream namespace');
    if (open.xmlns !== NS_CLIENT) return this.streamError('invalid-namespace', 'expected jabber:client');
    if (!served.includes(domain)) return this.streamError('host-unknown', 'this server does not serve that domain');
    if (open.version !== '1.0') return this.streamError('unsupported-version', 'XMPP 1.0 required');
    if (this.#phase === 'await-restart' && domain !== this.#domain) return this.streamError('host-unknown', 'domain changed after authentication');
    this.#domain = domain;
    if (this.#phase === 'await-open') {
      this.#phase = 'pre-auth';
      this.send(el('stream:features', {}, this.#preAuthFeatures()));
    } else {
      this.#phase = 'authenticated';
      this.send(el('stream:features', {},
        el('bind', { xmlns: NS_BIND }),
        el('session', { xmlns: NS_SESSION }, el('optional')),
        this.#deps.config.streamManagement.enabled ? el('sm', { xmlns: NS_SM }) : undefined));
    }
  }

  #saslContext(): SaslContext {
    return { domain: this.#domain, isSecure: this.#transport.isSecure, transport: this.#transport.kind, token: this.#deps.token };
  }

  #preAuthFeatures(): El[] {
    const features: El[] = [];
    if (this.#transport.kind === 'tcp' && this.#deps.tlsContext !== undefined && !this.#transport.isSecure) {
      features.push(el('starttls', { xmlns: NS_TLS }));
    }
    const mechanisms = this.#deps.authenticator.mechanisms(this.#saslContext());
    features.push(el('mechanisms', { xmlns: NS_SASL }, mechanisms.map((m) => el('mechanism', {}, m))));
    return features;
  }

  #onElement(e: El): void {
    if (this.#backlog !== undefined) {
      if (this.#backlog.length > 100) return this.streamError('policy-violation', 'too much input while authenticating');
      this.#backlog.push(e);
      return;
    }
    if (!this.#stanzaBudget.take()) return this.streamError('policy-violation', 'too many stanzas; slow down');
    switch (this.#phase) {
      case 'bound': return this.#onBoundElement(e);
      case 'pre-auth': return this.#onPreAuthElement(e);
      case 'sasl': return this.#onSaslElement(e);
      case 'authenticated': return this.#onAuthenticatedElement(e);
      case 'await-open':
      case 'await-restart':
        return this.streamError('not-authorized', 'stream not open');
      case 'closed':
        return undefined;
    }
  }

  /** Runs an asynchronous step with input held back until it finishes, in order. */
  #runAsync(work: () => Promise<void>): void {
    this.#backlog = [];
    work().then(
      () => this.#drainBacklog(),
      (error: unknown) => {
        this.#log.error('stream step failed', { err: error });
        this.streamError('internal-server-error');
      },
    );
  }

  #drainBacklog(): void {
    const pending = this.#backlog ?? [];
    this.#backlog = undefined;
    for (let i = 0; i < pending.length; i++) {
      if (this.#phase === 'closed') return;
      // A drained element may start another asynchronous step: the rest waits behind it again.
      const current = this.#backlog as El[] | undefined;
      if (current !== undefined) {
        current.push(...pending.slice(i));
        return;
      }
      this.#onElement(pending[i] as El);
    }
  }

  #onPreAuthElement(e: El): void {
    if (e.name === 'starttls' && e.attrs.xmlns === NS_TLS) return this.#startTls();
    if (e.name === 'auth' && e.attrs.xmlns === NS_SASL) return this.#startSasl(e);
    return this.streamError('not-authorized', 'authenticate first');
  }

  #startTls(): void {
    const context = this.#deps.tlsContext;
    const startTls = this.#transport.startTls?.bind(this.#transport);
    if (context === undefined || startTls === undefined || this.#transport.isSecure) {
      this.#transport.send(this.#framing.element(el('failure', { xmlns: NS_TLS })));
      this.#transport.send(this.#framing.closeStream());
      return this.#close(true);
    }
    this.#transport.send(this.#framing.element(el('proceed', { xmlns: NS_TLS })));
    this.#runAsync(async () => {
      try {
        await startTls(context);
      } catch {
        this.#log.info('tls handshake failed');
        return this.#close(true);
      }
      // RFC 6120 §5.4.3.3: a fresh stream over TLS, nothing kept from before.
      this.#framing.reset();
      this.#headerSent = false;
      this.#phase = 'await-open';
    });
  }

  #startSasl(e: El): void {
    const mechanism = e.attrs.mechanism ?? '';
    const exchange = this.#deps.authenticator.start(mechanism, this.#saslContext());
    if (exchange === undefined) return this.#saslFailure({ kind: 'failure', condition: 'invalid-mechanism' });
    const initial = decodeSaslPayload(text(e));
    if (initial === 'invalid') return this.#saslFailure({ kind: 'failure', condition: 'incorrect-encoding' });
    this.#sasl = exchange;
    this.#phase = 'sasl';
    this.#saslStep(initial);
  }

  #onSaslElement(e: El): void {
    if (e.attrs.xmlns !== NS_SASL) return this.streamError('not-authorized', 'authentication in progress');
    if (e.name === 'abort') return this.#saslFailure({ kind: 'failure', condition: 'aborted' });
    if (e.name !== 'response') return this.streamError('not-authorized', 'authentication in progress');
    const data = decodeSaslPayload(text(e));
    if (data === 'invalid') return this.#saslFailure({ kind: 'failure', condition: 'incorrect-encoding' });
    this.#saslStep(data ?? new Uint8Array(0));
  }

  #saslStep(data: Uint8Array | undefined): void {
    const exchange = this.#sasl;
    if (exchange === undefined) return;
    this.#runAsync(async () => {
      const step = await exchange.step(data);
      if (this.#phase !== 'sasl') return;
      this.#onSaslStep(step);
    });
  }

  #onSaslStep(step: SaslStep): void {
    switch (step.kind) {
      case 'challenge':
        this.send(el('challenge', { xmlns: NS_SASL }, encodeSaslPayload(step.data) ?? '='));
        return;
      case 'failure':
        return this.#saslFailure(step);
      case 'success':
        this.#sasl = undefined;
        this.#identity = step.identity;
        this.#log.debug('authenticated', { kind: step.identity.kind });
        this.send(el('success', { xmlns: NS_SASL }, encodeSaslPayload(step.data)));
        // RFC 6120 §6.4.6: the client restarts the stream; parse it from a clean state.
        this.#framing.reset();
        this.#headerSent = false;
        this.#phase = 'await-restart';
        return;
    }
  }

  #saslFailure(step: Extract<SaslStep, { kind: 'failure' }>): void {
    this.#sasl = undefined;
    this.#phase = 'pre-auth';
    this.send(el('failure', { xmlns: NS_SASL }, el(step.condition),
      step.text !== undefined ? el('text', { 'xml:lang': 'en' }, step.text) : undefined));
    if (++this.#saslFailures >= SASL_FAILURES_BEFORE_CLOSE) this.streamError('policy-violation', 'too many failed authentication attempts');
  }

  #onAuthenticatedElement(e: El): void {
    if (e.name === 'resume' && e.attrs.xmlns === NS_SM) return this.#resume(e);
    if (e.name === 'enable' && e.attrs.xmlns === NS_SM) return this.send(encodeFailed('unexpected-request'));
    if (e.name !== 'iq' || (e.attrs.xmlns !== undefined && e.attrs.xmlns !== NS_CLIENT)) {
      return this.streamError('not-authorized', 'bind a resource first');
    }
    const payload = iqPayload(e);
    if (e.attrs.type === 'set' && payload?.name === 'bind' && payload.attrs.xmlns === NS_BIND) return this.#bind(e, payload);
    return this.streamError('not-authorized', 'bind a resource first');
  }

  #bind(iq: El, bind: El): void {
    const identity = this.#identity;
    if (identity === undefined) return this.streamError('not-authorized');
    const reply = (x: El): void => this.send(x);
    const requested = text(child(bind, 'resource')).trim();
    // Jitsi's client uses the first 8 hex characters of the node as its endpoint id (protocols §12).
    const local = identity.kind === 'user' ? identity.username : randomUUID();
    const jid = makeJid(local, this.#domain, requested !== '' ? requested : randomUUID().slice(0, 12));
    if (!jid.ok) return reply(errorReply(iq, { type: 'modify', condition: 'bad-request', text: jid.error.text }));
    const full = `${jid.value.local}@${jid.value.domain}/${jid.value.resource}`;
    const registry = this.#deps.registry;
    const existing = registry.session(full);
    const bare = `${jid.value.local}@${jid.value.domain}`;
    if (existing === undefined && registry.resourceCount(bare) >= this.#deps.config.limits.sessionsPerUser) {
      return reply(errorReply(iq, { type: 'wait', condition: 'resource-constraint', text: 'too many sessions for this account' }));
    }
    existing?.replaceBy('conflict');
    const session = new ClientSession(jid.value, identity, this, {
      ...this.#deps.sessionDeps,
      log: this.#log.child({ session: jid.value.local.slice(0, 8) }),
      onEnded: (s) => {
        const id = s.sm?.id;
        if (id !== undefined) this.#deps.resumable.delete(id);
      },
    });
    registry.add(session);
    this.#session = session;
    this.#phase = 'bound';
    this.#log.info('session bound', { kind: identity.kind });
    reply(iqResult(iq, el('bind', { xmlns: NS_BIND }, el('jid', {}, full))));
  }

  #resume(e: El): void {
    const previd = e.attrs.previd ?? '';
    const h = parseH(e.attrs.h);
    const session = this.#deps.resumable.get(previd);
    if (h === undefined) return this.send(encodeFailed('bad-request'));
    if (session === undefined || session.isEnded || !sameAccount(session.identity, this.#identity, session.jid.domain, this.#domain)) {
      return this.send(encodeFailed('item-not-found'));
    }
    if (!session.resumeOn(this, h)) {
      session.end();
      return this.send(encodeFailed('undefined-condition'));
    }
    this.#session = session;
    this.#phase = 'bound';
    this.#log.info('session resumed');
    this.send(encodeResumed(session.sm?.inbound ?? 0, previd));
    session.retransmit();
  }

  #onBoundElement(e: El): void {
    const session = this.#session;
    if (session === undefined) return;
    const ns = e.attrs.xmlns;
    if (ns === NS_SM) return handleSmNonza(e, session, { settings: this.#deps.config.streamManagement, resumable: this.#deps.resumable, send: (x) => this.send(x), streamError: (c, t) => this.streamError(c, t) });
    if (e.name !== 'message' && e.name !== 'presence' && e.name !== 'iq') {
      return this.streamError('unsupported-stanza-type', `<${e.name}/> is not a stanza`);
    }
    if (ns !== undefined) {
      if (ns !== NS_CLIENT) return this.streamError('invalid-namespace', 'stanzas are in jabber:client');
      delete e.attrs.xmlns;
    }
    const from = e.attrs.from;
    if (from !== undefined && from !== session.fullJid && from !== session.bareJid) {
      const parsed = parseJid(from);
      const canonical = parsed.ok ? `${parsed.value.local}@${parsed.value.domain}${parsed.value.resource ? '/' + parsed.value.resource : ''}` : '';
      if (canonical !== session.fullJid && canonical !== session.bareJid) return this.streamError('invalid-from', 'from does not match this session');
    }
    const invalid = invalidStanza(e);
    if (invalid !== undefined) {
      session.sm?.received();
      if (e.attrs.type !== 'error') {
        e.attrs.from = session.fullJid;
        const reply = errorReply(e, { type: 'modify', condition: 'bad-request', text: invalid });
        reply.attrs.from = this.#domain;
        this.send(reply);
      }
      return;
    }
    session.handleInbound(e);
  }

}
