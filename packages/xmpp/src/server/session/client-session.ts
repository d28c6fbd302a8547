import type { Cancel, Clock, Logger } from '@plenum/kit';
import type { El, Jid, StreamCondition } from '../../codec/index.ts';
import { el, formatJid, bareJid, parseJid, encodeAckRequest, errorReply } from '../../codec/index.ts';
import type { AuthIdentity } from '../auth/types.ts';
import type { StanzaRouter } from '../router/stanza-router.ts';
import type { RegisteredSession, SessionRegistry } from '../router/session-registry.ts';
import { SmState } from '../sm/sm-state.ts';

/** What a session needs from the stream currently carrying it. */
export interface SessionStream {
  send(stanza: El): void;
  streamError(condition: StreamCondition, text?: string): void;
}

export type ClientSessionDeps = {
  readonly router: StanzaRouter;
  readonly registry: SessionRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  readonly resumeTimeoutSeconds: number;
  readonly maxDirectedPresences: number;
  /** Called once when the session is gone for good (resumption table cleanup, metrics). */
  readonly onEnded: (session: ClientSession) => void;
};

/** Ask for an acknowledgement once this many stanzas are unacknowledged (XEP-0198 §4). */
const ACK_REQUEST_EVERY = 5;

/**
 * A bound resource (RFC 6120 §7): its address, who logged in, where presence was sent, and the
 * XEP-0198 state that lets it outlive a broken connection and move to a new stream.
 */
export class ClientSession implements RegisteredSession {
  readonly jid: Jid;
  readonly fullJid: string;
  readonly bareJid: string;
  readonly identity: AuthIdentity;
  readonly #deps: ClientSessionDeps;
  #stream: SessionStream | undefined;
  #sm: SmState | undefined;
  #ackRequested = false;
  #hibernation: Cancel | undefined;
  #ended = false;
  /** Full JIDs that received available presence from us (RFC 6121 §4.6), e.g. MUC occupant JIDs. */
  readonly #directed = new Set<string>();

  constructor(jid: Jid, identity: AuthIdentity, stream: SessionStream, deps: ClientSessionDeps) {
    this.jid = jid;
    this.fullJid = formatJid(jid);
    this.bareJid = bareJid(jid);
    this.identity = identity;
    this.#stream = stream;
    this.#deps = deps;
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  get sm(): SmState | undefined {
    return this.#sm;
  }

  get isAttached(): boolean {
    return this.#stream !== undefined;
  }

  /** True when this stream is the one currently carrying the session. */
  isCarriedBy(stream: SessionStream): boolean {
    return this.#stream === stream;
  }

  /** A stanza for this resource, from the router. */
  deliver(stanza: El): void {
    if (this.#ended) return;
    const sm = this.#sm;
    if (sm !== undefined && !sm.sent(stanza)) {
      this.#deps.log.warn('session unacked queue full', { unacked: sm.unacked });
      this.#stream?.streamError('policy-violation', 'too many unacknowledged stanzas');
      this.end();
      return;
    }
    const stream = this.#stream;
    if (stream === undefined) return; // hibernating: kept in the queue for resumption
    stream.send(stanza);
    if (sm !== undefined && !this.#ackRequested && sm.unacked >= ACK_REQUEST_EVERY) {
      this.#ackRequested = true;
      stream.send(encodeAckRequest());
    }
  }

  /** A stanza from the client, already checked by its stream. */
  handleInbound(stanza: El): void {
    if (this.#ended) return;
    this.#sm?.received();
    stanza.attrs.from = this.fullJid;
    if (stanza.name === 'presence') {
      const to = stanza.attrs.to;
      if (to !== undefined) {
        const type = stanza.attrs.type;
        if (type === undefined) {
          if (!this.#directed.has(to) && this.#directed.size >= this.#deps.maxDirectedPresences) {
            this.deliver(errorReply(stanza, { type: 'wait', condition: 'policy-violation', text: 'too many directed presences (rooms joined)' }));
            return;
          }
          this.#directed.add(to);
        } else if (type === 'unavailable') {
          this.#directed.delete(to);
        }
      }
    }
    this.#deps.router.route(stanza, this.jid);
  }

  /** XEP-0198 §3: starts counting; `id` makes the session resumable. */
  enableSm(id: string | undefined, maxUnacked: number): void {
    this.#sm = new SmState(id, maxUnacked);
  }

  /** Applies an `<a h/>` from the client. */
  acknowledge(h: number): boolean {
    const sm = this.#sm;
    if (sm === undefined) return true;
    this.#ackRequested = false;
    const r = sm.ack(h);
    if (!r.ok) this.#deps.log.warn('bad stream management ack', { reason: r.reason });
    return r.ok;
  }

  /** The stream broke without a clean close: wait for resumption if possible, else end. */
  detach(stream: SessionStream): void {
    if (this.#stream !== stream || this.#ended) return;
    this.#stream = undefined;
    if (this.#sm?.isResumable) {
      this.#deps.log.debug('session hibernating', { seconds: this.#deps.resumeTimeoutSeconds });
      this.#hibernation = this.#deps.clock.setTimeout(() => {
        this.#deps.log.debug('session resumption timed out');
        this.end();
      }, this.#deps.resumeTimeoutSeconds * 1000);
      return;
    }
    this.end();
  }

  /**
   * XEP-0198 §5: moves the session onto a new stream. `h` is what the client received; the rest
   * of the queue is sent again. Returns false when `h` is impossible.
   */
  resumeOn(stream: SessionStream, h: number): boolean {
    if (this.#ended || this.#sm === undefined) return false;
    this.#hibernation?.();
    this.#hibernation = undefined;
    if (!this.#sm.ack(h).ok) return false;
    const old = this.#stream;
    this.#stream = stream;
    this.#ackRequested = false;
    // The client noticed the break before we did: the old stream is dead to it.
    if (old !== undefined && old !== stream) old.streamError('conflict', 'session resumed on another stream');
    return true;
  }

  /** Sends the unacknowledged queue again (after `<resumed/>`). */
  retransmit(): void {
    const stream = this.#stream;
    if (stream === undefined || this.#sm === undefined) return;
    for (const stanza of this.#sm.pending()) stream.send(stanza);
    if (this.#sm.unacked > 0) {
      this.#ackRequested = true;
      stream.send(encodeAckRequest());
    }
  }

  /** A new login took this resource (RFC 6120 §7.7.2.2, "kick the old one"). */
  replaceBy(reason: 'conflict'): void {
    this.#stream?.streamError(reason, 'replaced by a new connection');
    this.end();
  }

  /** Ends the session for good: leaves rooms, answers what cannot be delivered any more. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hibernation?.();
    this.#stream = undefined;
    this.#deps.registry.remove(this);
    const router = this.#deps.router;
    for (const to of this.#directed) {
      router.route(el('presence', { from: this.fullJid, to, type: 'unavailable' }), this.jid);
    }
    this.#directed.clear();
    // XEP-0198 §4: stanzas never acknowledged are undeliverable; requesters get an error.
    for (const stanza of this.#sm?.drain() ?? []) {
      const type = stanza.attrs.type;
      const isRequest = stanza.name === 'iq' && (type === 'get' || type === 'set');
      const isChat = stanza.name === 'message' && (type === undefined || type === 'chat' || type === 'normal');
      if (!isRequest && !isChat) continue;
      const sender = parseJid(stanza.attrs.from ?? '');
      if (sender.ok) router.bounce(stanza, { type: 'cancel', condition: 'recipient-unavailable' });
    }
    this.#deps.onEnded(this);
  }
}
