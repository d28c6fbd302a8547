// A confirmed dialog in either direction (RFC 3261 §12-§15): BYE both ways, INFO, re-INVITE and
// UPDATE (RFC 3311) through the reoffer handler with glare (491), 2xx retransmission until ACK
// (§13.3.1.4: the `sip` package leaves that to the TU), and session timers (RFC 4028).
import { TypedEmitter } from '@plenum/kit';
import type { Cancel, Logger } from '@plenum/kit';
import type { SipMessage, SipServerTransaction } from 'sip';
import type { CallEndReason, SipCall, SipCallEvents, SipParty } from './sip-call.ts';
import { SipError } from './sip-error.ts';
import type { CallHost, Dialog } from './dialog.ts';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, hasSdp, headerText, sessionTimerRequestOf, tagOf } from './headers.ts';
import { makeReply, reasonOf } from './responses.ts';
import { decideAsUac, decideAsUas, expiryDelayMs, refreshDelayMs } from './session-timer.ts';
import type { Refresher, SessionTimer } from './session-timer.ts';
import { callRef } from './call-ref.ts';

type AwaitedAck = { readonly seq: number; readonly done: (ack: SipMessage | undefined) => void };

export class DialogCall implements SipCall {
  readonly callId: string;
  readonly direction: 'inbound' | 'outbound';
  readonly remote: SipParty;
  readonly events: TypedEmitter<SipCallEvents>;
  protected readonly host: CallHost;
  protected readonly log: Logger;
  protected dialog: Dialog | undefined;
  protected localSdp: string | undefined;
  #remoteSdp: string | undefined;
  #ended = false;
  #reofferHandler: ((offerSdp: string) => string | SipError) | undefined;
  #peerAllowsUpdate = false;
  #cancelTimer: Cancel | undefined;
  #awaitedAck: AwaitedAck | undefined;
  /** Our own re-INVITE/UPDATE is outstanding (glare, §14.2). */
  #isOffering = false;
  #isHangupDeferred = false;

  constructor(host: CallHost, init: { callId: string; direction: 'inbound' | 'outbound'; remote: SipParty; remoteSdp: string | undefined }) {
    this.host = host;
    this.callId = init.callId;
    this.direction = init.direction;
    this.remote = init.remote;
    this.#remoteSdp = init.remoteSdp;
    this.log = host.log.child({ call: callRef(init.callId), direction: init.direction });
    this.events = new TypedEmitter<SipCallEvents>(this.log);
  }

  get remoteSdp(): string | undefined {
    return this.#remoteSdp;
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  setReofferHandler(handler: (offerSdp: string) => string | SipError): void {
    this.#reofferHandler = handler;
  }

  hangup(): void {
    if (this.#ended || this.dialog === undefined) return;
    if (this.#awaitedAck !== undefined) {
      // §15: no BYE before the ACK for our 2xx arrives (or never does).
      this.#isHangupDeferred = true;
      return;
    }
    this.#sendBye();
    this.end('local');
  }

  /** A request inside this dialog, on its own server transaction. */
  onRequest(request: SipMessage, st: SipServerTransaction): void {
    const dialog = this.dialog;
    if (dialog === undefined || this.#ended) {
      this.reply(st, request, 481);
      return;
    }
    const seq = request.headers.cseq?.seq ?? 0;
    if (dialog.remoteSeq !== undefined && seq <= dialog.remoteSeq && request.method !== 'ACK') {
      // §12.2.2: out of order.
      this.reply(st, request, 500, { headers: { 'retry-after': '1' } });
      return;
    }
    dialog.remoteSeq = seq;
    switch (request.method) {
      case 'BYE':
        this.reply(st, request, 200);
        this.#cancelAwaitedAck();
        this.end('remote-bye');
        return;
      case 'INFO':
        this.reply(st, request, 200);
        this.events.emit('info', headerText(request, 'content-type') ?? '', request.content ?? '');
        return;
      case 'OPTIONS':
        this.reply(st, request, 200, { headers: { accept: 'application/sdp' } });
        return;
      case 'INVITE':
      case 'UPDATE':
        this.#onReoffer(request, st);
        return;
      default:
        this.reply(st, request, 405, { headers: { allow: ALLOWED_METHODS } });
    }
  }

  /** An ACK for a 2xx we sent (§13.3.1.4). */
  onAck(ack: SipMessage): void {
    const awaited = this.#awaitedAck;
    if (awaited === undefined || ack.headers.cseq?.seq !== awaited.seq) return;
    this.#awaitedAck = undefined;
    awaited.done(ack);
    if (this.#isHangupDeferred) {
      this.#isHangupDeferred = false;
      this.hangup();
    }
  }

  /** A 2xx to our INVITE arriving after its transaction ended: ACK it again (§13.2.2.4). */
  onStray2xx(response: SipMessage): void {
    const dialog = this.dialog;
    if (dialog === undefined || response.headers.cseq?.method !== 'INVITE') return;
    void this.#sendAck(response.headers.cseq.seq);
  }

  protected reply(st: SipServerTransaction, request: SipMessage, status: number, opts: { headers?: Record<string, unknown>; content?: string } = {}): void {
    const tag = tagOf(this.dialog?.local) ?? 'x';
    st.send(makeReply(request, status, reasonOf(status), { toTag: tag, userAgent: this.host.config.userAgent, ...opts }));
  }

  /** Called once the dialog exists (2xx sent or received). */
  protected confirm(dialog: Dialog, localSdp: string | undefined, peer: SipMessage): void {
    this.dialog = dialog;
    this.localSdp = localSdp;
    this.#peerAllowsUpdate = /\bUPDATE\b/i.test(headerText(peer, 'allow') ?? '');
    this.host.register(dialog.key, this);
  }

  protected setRemoteSdp(sdp: string | undefined): void {
    if (sdp !== undefined && sdp !== '') this.#remoteSdp = sdp;
  }

  /**
   * Sends a 2xx to an INVITE and retransmits it (unreliable transports) at T1, 2·T1… capped at T2
   * until the ACK; resolves with the ACK, or undefined after 64·T1 without one.
   */
  protected send2xxUntilAck(st: SipServerTransaction, response: SipMessage, seq: number): Promise<SipMessage | undefined> {
    const { clock, config } = this.host;
    st.send(response);
    return new Promise((resolve) => {
      let cancelRetransmit: Cancel | undefined;
      const isUnreliable = this.dialog?.flow.protocol !== 'TCP';
      const retransmit = (intervalMs: number): void => {
        cancelRetransmit = clock.setTimeout(() => {
          st.send(response);
          retransmit(Math.min(intervalMs * 2, 4000));
        }, intervalMs);
      };
      if (isUnreliable) retransmit(config.timerT1Ms);
      const cancelGiveUp = clock.setTimeout(() => finish(undefined), 64 * config.timerT1Ms);
      const finish = (ack: SipMessage | undefined): void => {
        cancelRetransmit?.();
        cancelGiveUp();
        if (this.#awaitedAck?.seq === seq) this.#awaitedAck = undefined;
        resolve(ack);
      };
      this.#awaitedAck = { seq, done: finish };
    });
  }

  /** No ACK ever came for a 2xx: §13.3.1.4 says end the session with BYE. */
  protected endWithoutAck(): void {
    if (this.#ended) return;
    this.#isHangupDeferred = false;
    this.#sendBye();
    this.end('no-ack');
  }

  /** Starts, restarts or stops the session timer; `ourRole` is our role in the transaction that set it. */
  protected armSessionTimer(timer: SessionTimer | undefined, ourRole: Refresher): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (timer === undefined || this.#ended) return;
    if (timer.refresher === ourRole) {
      this.#cancelTimer = this.host.clock.setTimeout(() => this.#refresh(timer), refreshDelayMs(timer));
    } else {
      this.#cancelTimer = this.host.clock.setTimeout(() => {
        this.log.info('sip session expired', { intervalSeconds: timer.intervalSeconds });
        this.#sendBye();
        this.end('session-expired');
      }, expiryDelayMs(timer));
    }
  }

  /** Session-Expires/Require headers for a 2xx that settles `timer`. */
  protected timerHeaders(timer: SessionTimer | undefined): Record<string, string> {
    if (timer === undefined) return {};
    return {
      'session-expires': `${timer.intervalSeconds};refresher=${timer.refresher}`,
      ...(timer.refresher === 'uac' ? { require: 'timer' } : {}),
    };
  }

  protected end(reason: CallEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelTimer?.();
    this.#cancelAwaitedAck();
    this.host.forget(this);
    this.log.info('sip call ended', { reason });
    this.events.emit('ended', reason);
  }

  #cancelAwaitedAck(): void {
    const awaited = this.#awaitedAck;
    this.#awaitedAck = undefined;
    awaited?.done(undefined);
  }

  #onReoffer(request: SipMessage, st: SipServerTransaction): void {
    if (this.#isOffering) {
      this.reply(st, request, 491);
      return;
    }
    if (this.#awaitedAck !== undefined) {
      // §14.2: an INVITE while our 2xx is not yet ACKed gets 500 + Retry-After; an UPDATE, 491 (RFC 3311 §5.2).
      if (request.method === 'INVITE') this.reply(st, request, 500, { headers: { 'retry-after': String(1 + Math.floor(Math.random() * 10)) } });
      else this.reply(st, request, 491);
      return;
    }
    const decision = decideAsUas(sessionTimerRequestOf(request), this.host.config.sessionExpiresSeconds);
    if (decision.kind === 'too-small') {
      this.reply(st, request, 422, { headers: { 'min-se': String(decision.minSeconds) } });
      return;
    }
    const timer = decision.kind === 'run' ? decision.timer : undefined;
    const offer = hasSdp(request) ? request.content : undefined;
    let answer: string | undefined = this.localSdp;
    if (offer !== undefined) {
      const handled = this.#reofferHandler?.(offer) ?? this.localSdp ?? '';
      if (handled instanceof SipError) {
        this.reply(st, request, handled.status, {});
        return;
      }
      answer = handled;
      this.setRemoteSdp(offer);
    } else if (request.method === 'UPDATE') {
      answer = undefined; // a pure session refresh: no body
    }
    const contact = request.headers.contact;
    if (Array.isArray(contact) && contact[0] !== undefined && this.dialog !== undefined) this.dialog.remoteTarget = contact[0].uri;
    const headers = {
      contact: this.host.contact(this.dialog?.flow.protocol ?? 'UDP'), allow: ALLOWED_METHODS, supported: SUPPORTED_OPTIONS,
      ...this.timerHeaders(timer),
    };
    this.localSdp = answer ?? this.localSdp;
    this.armSessionTimer(timer, 'uas');
    if (request.method === 'UPDATE') {
      this.reply(st, request, 200, { headers, ...(answer !== undefined ? { content: answer } : {}) });
      return;
    }
    const response = makeReply(request, 200, 'OK', {
      toTag: tagOf(this.dialog?.local) ?? 'x', userAgent: this.host.config.userAgent, headers, ...(answer !== undefined ? { content: answer } : {}),
    });
    void this.send2xxUntilAck(st, response, request.headers.cseq?.seq ?? 0).then((ack) => {
      if (ack === undefined) {
        this.endWithoutAck();
        return;
      }
      // A re-INVITE without offer: our 200 offered, the ACK answers.
      if (offer === undefined && ack.content !== undefined && ack.content !== '') this.setRemoteSdp(ack.content);
    });
  }

  /** §10 of RFC 4028: refresh with UPDATE when the peer allows it, else re-INVITE with our current SDP. */
  #refresh(timer: SessionTimer): void {
    const dialog = this.dialog;
    if (dialog === undefined || this.#ended) return;
    if (this.#isOffering || this.#awaitedAck !== undefined) {
      this.armSessionTimer({ intervalSeconds: timer.intervalSeconds, refresher: 'uac' }, 'uac');
      return;
    }
    const method = this.#peerAllowsUpdate ? 'UPDATE' : 'INVITE';
    const content = method === 'INVITE' ? this.localSdp : undefined;
    const request = dialog.request(method, {
      headers: {
        contact: this.host.contact(dialog.flow.protocol), allow: ALLOWED_METHODS, supported: SUPPORTED_OPTIONS,
        'session-expires': `${timer.intervalSeconds};refresher=uac`,
        ...(content !== undefined ? { 'content-type': 'application/sdp' } : {}),
      },
      ...(content !== undefined ? { content } : {}),
    });
    this.#isOffering = true;
    this.log.debug('sip session refresh', { method });
    void dialog.nextHop(this.host).then((hop) => {
      this.host.sendRequest(request, hop, (response) => {
        const status = response.status ?? 500;
        if (status < 200) return;
        this.#isOffering = false;
        if (status < 300) {
          if (method === 'INVITE') void this.#sendAck(request.headers.cseq?.seq ?? 0);
          if (response.content !== undefined && response.content !== '') this.setRemoteSdp(response.content);
          this.armSessionTimer(decideAsUac(headerText(response, 'session-expires')) ?? timer, 'uac');
        } else if (status === 491) {
          // §14.1: glare; try again after a short random wait.
          this.#cancelTimer = this.host.clock.setTimeout(() => this.#refresh(timer), 2100 + Math.random() * 1900);
        } else if (status === 408 || status === 481) {
          this.#sendBye();
          this.end(status === 408 ? 'transport-error' : 'session-expired');
        } else {
          // RFC 4028 §10: other failures leave the session alive until it expires.
          this.armSessionTimer({ intervalSeconds: timer.intervalSeconds, refresher: 'uas' }, 'uac');
        }
      });
    }, (error: unknown) => {
      this.#isOffering = false;
      this.log.warn('sip refresh not sent', { err: error });
    });
  }

  async #sendAck(seq: number): Promise<void> {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    const hop = await dialog.nextHop(this.host);
    const ack = dialog.request('ACK', { seq });
    ack.headers.via = [this.host.via(hop.protocol)];
    this.host.sendStateless(ack, hop);
  }

  /** Sends a BYE; the answer does not matter (the call is over for us either way). */
  #sendBye(): void {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    const bye = dialog.request('BYE');
    dialog.nextHop(this.host).then((hop) => this.host.sendRequest(bye, hop, () => undefined), (error: unknown) => {
      this.log.warn('sip bye not sent', { err: error });
    });
  }
}
