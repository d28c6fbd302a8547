// The SIP gateway component (Jigasi's role, protocols.md §7). It sits in the jigasi brewery with a
// colibri `stats` presence (supports_sip, participants = calls in progress, graceful_shutdown,
// region), takes the user agent's INVITEs (dial-in: inbound-call.ts) and the focus's Rayo dial
// IQs (dial-out: outbound-call.ts), and routes stanzas addressed to `<domain>/<call nick>` to that
// call's conference leg. A Rayo hangup sent to a call's occupant (relayed by the MUC to the call's
// JID) ends it.
import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import { PlenumError, systemClock } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import {
  NS_MUC, NS_RAYO, RAYO_HEADER_ROOM_NAME, RAYO_HEADER_ROOM_PASSWORD, child, decodeRayoDial, el, encodeJigasiStats, encodeRayoRef,
  errorReply, iqResult, isRayoHangup, parseJid,
} from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import type { SipGatewayConfig } from '../config.ts';
import { GatewayError } from '../errors.ts';
import type { IncomingCall } from '../sip/sip-call.ts';
import { dialTargetOf } from './dial-target.ts';
import { InboundCall } from './inbound-call.ts';
import type { PlaceCall } from './outbound-call.ts';
import { OutboundCall } from './outbound-call.ts';
import type { PhoneCall, PhoneCallDeps } from './phone-call.ts';
import type { CallParts } from './ports.ts';
import { roomJidFrom } from './room-address.ts';

export type GatewayChannel = { send(stanza: El): void; request(iq: El, opts: RequestOptions): Promise<El> };

export type SipGatewayDeps = {
  readonly log: Logger;
  readonly config: SipGatewayConfig;
  readonly channel: GatewayChannel;
  readonly parts: CallParts;
  /** The user agent's outgoing calls. */
  readonly placeCall: PlaceCall;
  /** For whenIdle()'s deadline (default the system clock). */
  readonly clock?: Clock;
};

type CallEntry = { readonly call: PhoneCall; handler: ((stanza: El) => boolean) | undefined };

export class SipGateway {
  readonly #calls = new Map<string, CallEntry>();
  /** Called (and dropped) whenever the last call has ended: whenIdle()'s waiters. */
  #idleWaiters: (() => void)[] = [];
  #isDraining = false;
  #isClosed = false;

  constructor(private readonly deps: SipGatewayDeps) {}

  /** The gateway's own JID (brewery occupant's real JID). */
  get jid(): string {
    return `${this.deps.config.component.domain}/${this.deps.config.nick}`;
  }

  /** Calls in progress (dial-in and dial-out, from the first INVITE or dial until the end). */
  get callCount(): number {
    return this.#calls.size;
  }

  /** Calls by nick (their endpoint id in the room). */
  get calls(): ReadonlyMap<string, PhoneCall> {
    return new Map([...this.#calls].map(([nick, e]) => [nick, e.call]));
  }

  /** The connection is up: enter the brewery (again, after a reconnection). */
  online(): void {
    if (!this.#isClosed) this.#announce(el('x', { xmlns: NS_MUC }));
  }

  /** A new INVITE from the user agent. */
  handleInvite(incoming: IncomingCall): void {
    if (this.#isClosed || this.#isDraining || this.#calls.size >= this.deps.config.maxCalls) {
      incoming.reject(503, 'Service Unavailable');
      return;
    }
    const nick = newNick();
    const call = new InboundCall(this.#callDeps(nick, 'inbound'), incoming);
    // The caller's number is personal data: only in the logs when the operator asked for it.
    this.deps.log.info('incoming call', { call: nick, ...(this.deps.config.log.phoneNumbers ? { from: incoming.remote.uri } : {}) });
    this.#track(nick, call);
    void call.run();
  }

  handleStanza(s: El): void {
    if (this.#isClosed) return;
    const to = parseJid(s.attrs.to ?? '');
    if (!to.ok) return;
    const resource = to.value.resource;
    const entry = this.#calls.get(resource);
    if (entry !== undefined) {
      if (s.name === 'iq' && s.attrs.type === 'set' && isRayoHangup(s.children.find((c): c is El => typeof c !== 'string'))) {
        this.#hangupRequest(s, entry.call);
        return;
      }
      if (entry.handler?.(s) === true) return;
    } else if (resource === this.deps.config.nick && s.name === 'iq' && s.attrs.type === 'set') {
      const dial = child(s, 'dial', NS_RAYO);
      if (dial !== undefined) {
        this.#dialRequest(s, dial);
        return;
      }
    }
    // Nothing here answers IQs for unknown calls or other payloads (RFC 6120 §8.2.3).
    if (s.name === 'iq' && (s.attrs.type === 'get' || s.attrs.type === 'set')) {
      const error = entry === undefined && resource !== this.deps.config.nick ? GatewayError.unknownCall() : undefined;
      this.deps.channel.send(errorReply(s, error?.opts.stanza ?? { type: 'cancel', condition: 'service-unavailable' }));
    }
  }

  /**
   * The XMPP connection dropped: the server has taken every call out of its room (and the gateway
   * out of the brewery), so the phones are hung up rather than left talking to nobody. online()
   * rejoins the brewery when the connection is back.
   */
  offline(reason: string): void {
    if (this.#isClosed || this.#calls.size === 0) return;
    this.deps.log.warn('xmpp connection lost: hanging up every call', { calls: this.#calls.size, reason });
    for (const { call } of [...this.#calls.values()]) call.hangup('xmpp connection lost');
  }

  /** Stops taking calls and says so in the brewery (graceful_shutdown); running calls go on. */
  drain(): void {
    if (this.#isDraining || this.#isClosed) return;
    this.#isDraining = true;
    this.#announce();
  }

  /**
   * Resolves true once no call is in progress, or false after `timeoutMs` or when `signal` aborts
   * (a graceful shutdown: drain(), then wait here, then close() hangs up the rest).
   */
  whenIdle(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== onIdle);
        resolve(idle);
      };
      const onIdle = (): void => done(true);
      const onAbort = (): void => done(false);
      const cancelTimer = (this.deps.clock ?? systemClock).setTimeout(() => done(false), timeoutMs);
      this.#idleWaiters.push(onIdle);
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hangs up every call, leaves the brewery; idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isDraining = true;
    for (const { call } of [...this.#calls.values()]) call.hangup('gateway shutting down');
    this.#isClosed = true;
    this.deps.channel.send(el('presence', { from: this.jid, to: `${this.deps.config.breweryJid}/${this.deps.config.nick}`, type: 'unavailable' }));
  }

  #dialRequest(iq: El, dial: El): void {
    try {
      this.deps.channel.send(iqResult(iq, this.#dial(iq.attrs.from ?? '', dial)));
    } catch (error) {
      if (error instanceof PlenumError && error.opts.stanza !== undefined) this.deps.channel.send(errorReply(iq, error.opts.stanza));
      else {
        this.deps.log.error('dial request failed', { err: error });
        this.deps.channel.send(errorReply(iq, { type: 'cancel', condition: 'internal-server-error' }));
      }
    }
  }

  /** Starts a dial-out and returns its ref (the callee's future occupant JID); throws GatewayError. */
  #dial(from: string, dialEl: El): El {
    const { config } = this.deps;
    if (!this.#isFocus(from)) throw GatewayError.forbidden();
    if (this.#isDraining) throw GatewayError.closed();
    if (this.#calls.size >= config.maxCalls) throw GatewayError.busy();
    const decoded = decodeRayoDial(dialEl);
    if (!decoded.ok) throw GatewayError.badRequest(decoded.error.text);
    const roomHeader = decoded.value.headers[RAYO_HEADER_ROOM_NAME];
    if (roomHeader === undefined) throw GatewayError.badRequest(`dial needs a ${RAYO_HEADER_ROOM_NAME} header`);
    const room = roomJidFrom(roomHeader, config.mucDomain);
    if (!room.ok) throw GatewayError.badRoom(room.error.text);
    const target = dialTargetOf(decoded.value.to, config.dialOut.trunkUri);
    if (!target.ok) throw GatewayError.badRequest(target.error.text);
    const nick = newNick();
    const password = decoded.value.headers[RAYO_HEADER_ROOM_PASSWORD];
    const call = new OutboundCall(this.#callDeps(nick, 'outbound'), { target: target.value, roomJid: room.value, password: password === '' ? undefined : password }, this.deps.placeCall);
    this.#track(nick, call);
    this.deps.log.info('dial-out requested', { call: nick, conference: room.value, ...(config.log.phoneNumbers ? { to: target.value.requestUri } : {}) });
    void call.run();
    return encodeRayoRef({ uri: `xmpp:${room.value}/${nick}` });
  }

  #hangupRequest(iq: El, call: PhoneCall): void {
    const from = parseJid(iq.attrs.from ?? '');
    const fromRoom = from.ok && call.roomJid !== undefined && `${from.value.local}@${from.value.domain}` === call.roomJid;
    // Anyone in the call's room may hang it up (the MUC relays only occupants' IQs), as may the focus.
    if (!fromRoom && !this.#isFocus(iq.attrs.from ?? '')) {
      this.deps.channel.send(errorReply(iq, GatewayError.forbidden().opts.stanza ?? { type: 'auth', condition: 'forbidden' }));
      return;
    }
    // The answer first: it goes back through the room, which relays it only while the call is an occupant.
    this.deps.channel.send(iqResult(iq));
    call.hangup('rayo hangup');
  }

  /** The focus: its component domain, or its occupant in the brewery. */
  #isFocus(from: string): boolean {
    const { config } = this.deps;
    if (from === `${config.breweryJid}/${config.focusNick}`) return true;
    const jid = parseJid(from);
    return jid.ok && jid.value.local === '' && jid.value.domain === config.focusDomain;
  }

  #callDeps(nick: string, direction: 'inbound' | 'outbound'): PhoneCallDeps {
    return {
      parts: this.deps.parts, config: this.deps.config, nick,
      log: this.deps.log.child({ call: nick, direction }),
      route: (handler) => {
        const entry = this.#calls.get(nick);
        if (entry !== undefined) entry.handler = handler;
      },
    };
  }

  #track(nick: string, call: PhoneCall): void {
    this.#calls.set(nick, { call, handler: undefined });
    call.events.on('ended', () => {
      this.#calls.delete(nick);
      this.#announce();
      if (this.#calls.size === 0) for (const waiter of this.#idleWaiters.splice(0)) waiter();
    });
    this.#announce();
  }

  #announce(...extra: El[]): void {
    if (this.#isClosed) return;
    const { config } = this.deps;
    this.deps.channel.send(el('presence', { from: this.jid, to: `${config.breweryJid}/${config.nick}` }, ...extra, encodeJigasiStats({
      supportsSip: true, supportsTranscription: false, gracefulShutdown: this.#isDraining, participants: this.#calls.size,
      ...(config.region !== undefined ? { region: config.region } : {}),
    })));
  }
}

/** A fresh endpoint id: 8 hex characters, like Jitsi's clients. */
const newNick = (): string => randomBytes(4).toString('hex');
