// The SIP user agent: transports, the `sip` package's transaction layer (RFC 3261 §17), and the
// dispatch of requests to new calls, existing dialogs or stateless answers (OPTIONS, 405, 481),
// with the inbound policies (allow-list, INVITE rate, call limit, session-timer floor).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TypedEmitter, systemClock } from '@plenum/kit';
import type { Clock, Logger } from '@plenum/kit';
import sip from 'sip';
import type { SipAddress, SipClientTransaction, SipMessage, SipServerTransaction, SipTransactionLayer, SipUri, SipVia } from 'sip';
import { AllowList } from './allow-list.ts';
import { defaultSipUserAgentConfig } from './config.ts';
import type { SipUserAgentConfig } from './config.ts';
import { requestDialogKey } from './dialog.ts';
import type { CallHost } from './dialog.ts';
import { DialogCall } from './dialog-call.ts';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, newBranch, optionTags, randomToken, headerText, sessionTimerRequestOf, tagOf } from './headers.ts';
import { InboundCall } from './inbound-call.ts';
import { OutboundCall } from './outbound-call.ts';
import { makeReply, reasonOf } from './responses.ts';
import type { IncomingCall, OutgoingCallRequest, SipCall } from './sip-call.ts';
import { decideAsUas } from './session-timer.ts';
import { TokenBucket } from './token-bucket.ts';
import { SipTransport } from './transport.ts';
import type { SipProtocol, SipRemote } from './transport.ts';
import { callRef } from './call-ref.ts';

export type SipUserAgentEvents = {
  /** A new INVITE (100 Trying already sent); answer it with ringing/accept/reject. */
  invite: [call: IncomingCall];
};

/** Option tags we understand in Require (§8.2.2.3). */
const UNDERSTOOD = new Set(['timer']);

export class SipUserAgent {
  readonly events: TypedEmitter<SipUserAgentEvents>;
  readonly config: SipUserAgentConfig;
  readonly #log: Logger;
  readonly #transactions: SipTransactionLayer;
  readonly #allowList: AllowList;
  readonly #inviteRate: TokenBucket;
  readonly #dialogs = new Map<string, DialogCall>();
  /** INVITEs without a final answer yet, by Call-ID and branch (what a CANCEL names, §9.2). */
  readonly #pending = new Map<string, InboundCall>();
  readonly #calls = new Set<DialogCall>();
  readonly #host: CallHost;
  #transport: SipTransport | undefined;
  #closed = false;

  private constructor(config: SipUserAgentConfig, log: Logger, clock: Clock) {
    this.config = config;
    this.#log = log;
    this.events = new TypedEmitter<SipUserAgentEvents>(log);
    this.#transactions = sip.makeTransactionLayer({ 'max-forwards': 70 }, undefined);
    this.#allowList = new AllowList(config.inboundAllowList);
    this.#inviteRate = new TokenBucket(config.invitesPerSecond, clock);
    this.#host = {
      config, log,
      clock: guardedClock(clock, log),
      sendRequest: (request, hop, onResponse) => this.#sendRequest(request, hop, onResponse),
      sendStateless: (message, hop) => this.#transport?.connection(hop).send(message),
      resolve: (uri, protocol) => this.#resolve(uri, protocol),
      via: (protocol) => this.#via(protocol),
      contact: (protocol) => this.#contact(protocol),
      register: (key, call) => {
        if (!(call instanceof DialogCall)) return;
        this.#dialogs.set(key, call);
        this.#calls.add(call);
      },
      forget: (call) => this.#forget(call),
    };
  }

  /** Binds UDP and/or TCP and starts answering. */
  static async start(config: Partial<SipUserAgentConfig>, log: Logger, deps: { clock?: Clock } = {}): Promise<SipUserAgent> {
    const full: SipUserAgentConfig = { ...defaultSipUserAgentConfig, ...config };
    const ua = new SipUserAgent(full, log.child({ component: 'sip' }), deps.clock ?? systemClock);
    ua.#transport = await SipTransport.start(full, ua.#log, (message, remote) => ua.#onMessage(message, remote));
    ua.#log.info('sip user agent listening', { port: ua.port, udp: full.udp, tcp: full.tcp });
    return ua;
  }

  /** The bound port (UDP and TCP share it). */
  get port(): number {
    return this.#transport?.port ?? 0;
  }

  /** Calls in progress (ringing or confirmed). */
  get callCount(): number {
    return this.#calls.size;
  }

  /** Places an outbound call; rejects with SipError. */
  call(req: OutgoingCallRequest): Promise<SipCall> {
    if (this.#closed) return Promise.reject(new Error('sip user agent closed'));
    return OutboundCall.place(this.#host, req);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of [...this.#calls]) call.hangup();
    // Let the BYEs leave (their next hop resolves asynchronously) before transactions stop.
    await new Promise((resolve) => setImmediate(resolve));
    this.#transactions.destroy();
    await this.#transport?.close();
  }

  #onMessage(message: SipMessage, remote: SipRemote): void {
    if (this.#closed) return;
    if (message.method === undefined) {
      this.#onResponse(message);
      return;
    }
    if (message.method === 'ACK') {
      // A non-2xx ACK belongs to the INVITE transaction; a 2xx ACK to the dialog (§17.2.1, §13.3.1.4).
      this.#transactions.getServer(message)?.message(message, remote);
      const key = requestDialogKey(message);
      if (key !== undefined) this.#dialogs.get(key)?.onAck(message);
      return;
    }
    const existing = this.#transactions.getServer(message);
    if (existing !== undefined) {
      existing.message(message, remote); // a retransmission: the transaction answers it
      return;
    }
    // Responses go back to where the request came from (RFC 3581 rport behaviour, also for peers
    // that did not ask): right behind NAT, and on TCP the same connection (§18.2.2).
    const st = this.#transactions.createServerTransaction(message, this.#transport!.connection(remote));
    this.#onRequest(message, st, remote);
  }

  #onRequest(request: SipMessage, st: SipServerTransaction, remote: SipRemote): void {
    const method = request.method ?? '';
    const key = requestDialogKey(request);
    if (key !== undefined && method !== 'CANCEL') {
      const call = this.#dialogs.get(key);
      if (call !== undefined) {
        call.onRequest(request, st);
        return;
      }
      // §12.2.2: a To tag we do not know.
      this.#reply(st, request, method === 'OPTIONS' ? 200 : 481, method === 'OPTIONS' ? this.#capabilities() : {});
      return;
    }
    switch (method) {
      case 'INVITE':
        this.#onInvite(request, st, remote);
        return;
      case 'CANCEL': {
        const call = this.#pending.get(pendingKey(request));
        this.#reply(st, request, call === undefined ? 481 : 200);
        call?.onCancel();
        return;
      }
      case 'OPTIONS':
        // Keep-alive pings from PBXs, and capability queries (§11.2).
        this.#reply(st, request, 200, this.#capabilities());
        return;
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
        this.#reply(st, request, 481);
        return;
      default:
        this.#reply(st, request, 405, { allow: ALLOWED_METHODS });
    }
  }

  #onInvite(request: SipMessage, st: SipServerTransaction, remote: SipRemote): void {
    const callId = request.headers['call-id'] ?? '';
    if (!this.#allowList.allows(remote.address)) {
      this.#log.info('sip invite refused', { call: callRef(callId), why: 'allow-list' });
      this.#reply(st, request, 403);
      return;
    }
    if (!this.#inviteRate.take()) {
      this.#log.debug('sip invite refused', { call: callRef(callId), why: 'rate' });
      this.#reply(st, request, 503, { 'retry-after': '1' });
      return;
    }
    if (this.#calls.size >= this.config.maxCalls) {
      this.#log.debug('sip invite refused', { call: callRef(callId), why: 'max-calls' });
      this.#reply(st, request, 503, { 'retry-after': '5' });
      return;
    }
    const unsupported = optionTags(request, 'require').filter((tag) => !UNDERSTOOD.has(tag));
    if (unsupported.length > 0) {
      this.#reply(st, request, 420, { unsupported: unsupported.join(', ') });
      return;
    }
    const contentType = headerText(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (request.content !== undefined && request.content !== '' && contentType !== 'application/sdp') {
      this.#reply(st, request, 415, { accept: 'application/sdp' });
      return;
    }
    const decision = decideAsUas(sessionTimerRequestOf(request), this.config.sessionExpiresSeconds);
    if (decision.kind === 'too-small') {
      this.#reply(st, request, 422, { 'min-se': String(decision.minSeconds) });
      return;
    }
    st.send(makeReply(request, 100, 'Trying', { toTag: '', userAgent: this.config.userAgent }));
    const call = new InboundCall(this.#host, request, st, remote, decision.kind === 'run' ? decision.timer : undefined);
    const pending = pendingKey(request);
    this.#pending.set(pending, call);
    this.#calls.add(call);
    call.events.on('ended', () => this.#pending.delete(pending));
    this.#log.info('sip invite', { call: callRef(callId), transport: remote.protocol });
    if (this.events.listenerCount('invite') === 0) {
      call.reject(480);
      return;
    }
    this.events.emit('invite', call);
  }

  #onResponse(response: SipMessage): void {
    const t = this.#transactions.getClient(response);
    if (t !== undefined) {
      t.message(response, true);
      return;
    }
    // A 2xx retransmitted after its INVITE transaction ended still needs its ACK (§13.2.2.4).
    if (response.status !== undefined && response.status >= 200 && response.status < 300 && response.headers.cseq?.method === 'INVITE') {
      const callId = response.headers['call-id'] ?? '';
      const key = `${callId}|${tagOf(response.headers.from) ?? ''}|${tagOf(response.headers.to) ?? ''}`;
      this.#dialogs.get(key)?.onStray2xx(response);
    }
  }

  #sendRequest(request: SipMessage, hop: SipRemote, onResponse: (response: SipMessage) => void): void {
    const transport = this.#transport;
    // Not `#closed`: close() still sends the BYEs of the calls it ends.
    if (transport === undefined) {
      onResponse(sip.makeResponse(request, 503, 'Service Unavailable'));
      return;
    }
    if (request.headers.via === undefined || request.headers.via.length === 0) request.headers.via = [this.#via(hop.protocol)];
    if (request.headers['user-agent'] === undefined) request.headers['user-agent'] = this.config.userAgent;
    // A TCP flow that cannot connect fails the transaction at once (503, RFC 3261 §8.1.3.1) rather than after Timer B.
    let transaction: SipClientTransaction | undefined;
    const connection = transport.connection(hop, () => transaction?.message(sip.makeResponse(request, 503, 'Service Unavailable')));
    transaction = this.#transactions.createClientTransaction(connection, request, (response) => {
      try {
        onResponse(response);
      } catch (error) {
        // Called from the `sip` package's timers too, where a throw would end the process.
        this.#log.error('sip response handler threw', { err: error });
      }
    });
  }

  async #resolve(uri: string | SipUri, protocol: SipProtocol): Promise<SipRemote> {
    const parsed = sip.parseUri(uri);
    if (parsed === undefined) throw new Error('unparsable SIP URI');
    const transport = parsed.params.transport?.toUpperCase();
    const resolvedProtocol: SipProtocol = transport === 'TCP' ? 'TCP' : transport === 'UDP' ? 'UDP' : protocol;
    const host = parsed.host.replace(/^\[|\]$/g, '');
    const address = isIP(host) !== 0 ? host : (await lookup(host, { family: 4 })).address;
    const port = parsed.port !== undefined && Number.isFinite(parsed.port) && parsed.port > 0 ? parsed.port : 5060;
    if (port > 65_535) throw new Error('SIP URI port out of range');
    return { protocol: resolvedProtocol, address, port };
  }

  #via(protocol: SipProtocol): SipVia {
    return { version: '2.0', protocol, host: this.#publicHost, port: this.port, params: { branch: newBranch(), rport: null } };
  }

  #contact(protocol: SipProtocol): SipAddress[] {
    const transport = protocol === 'TCP' ? ';transport=tcp' : '';
    return [{ uri: `sip:plenum@${this.#publicHost}:${this.port}${transport}`, params: {} }];
  }

  get #publicHost(): string {
    return this.config.publicHost ?? this.config.host;
  }

  #capabilities(): Record<string, string> {
    return { allow: ALLOWED_METHODS, accept: 'application/sdp, application/dtmf-relay, application/dtmf', supported: SUPPORTED_OPTIONS };
  }

  #reply(st: SipServerTransaction, request: SipMessage, status: number, headers: Record<string, unknown> = {}): void {
    st.send(makeReply(request, status, reasonOf(status), { toTag: randomToken(), userAgent: this.config.userAgent, headers }));
  }

  #forget(call: unknown): void {
    if (!(call instanceof DialogCall)) return;
    this.#calls.delete(call);
    for (const [key, value] of this.#dialogs) if (value === call) this.#dialogs.delete(key);
  }
}

/** The clock calls see: a timer callback that throws is logged instead of ending the process. */
function guardedClock(clock: Clock, log: Logger): Clock {
  const guard = (fn: () => void) => (): void => {
    try {
      fn();
    } catch (error) {
      // A bug in one call's timer must not end every other call.
      log.error('sip timer threw', { err: error });
    }
  };
  return {
    now: () => clock.now(),
    setTimeout: (fn, delayMs) => clock.setTimeout(guard(fn), delayMs),
    setInterval: (fn, intervalMs) => clock.setInterval(guard(fn), intervalMs),
  };
}

function pendingKey(request: SipMessage): string {
  return `${request.headers['call-id'] ?? ''}|${request.headers.via?.[0]?.params.branch ?? ''}`;
}
