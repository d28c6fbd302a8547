// The UAS side of a new INVITE (RFC 3261 §13.3): provisional answers, the 2xx that creates the
// dialog, a final rejection, or a CANCEL (§9.2) before any of those.
import type { Cancel } from '@plenum/kit';
import type { SipMessage, SipServerTransaction } from 'sip';
import type { IncomingCall } from './sip-call.ts';
import { SipError } from './sip-error.ts';
import { Dialog } from './dialog.ts';
import type { CallHost } from './dialog.ts';
import { DialogCall } from './dialog-call.ts';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, hasSdp, headerText, partyOf, randomToken, withTag } from './headers.ts';
import { makeReply, reasonOf } from './responses.ts';
import type { SessionTimer } from './session-timer.ts';
import sip from 'sip';
import type { SipRemote } from './transport.ts';

const UNANSWERED_INVITE_MS = 180_000;

export class InboundCall extends DialogCall implements IncomingCall {
  readonly requestUri: string;
  readonly offerSdp: string | undefined;
  readonly #invite: SipMessage;
  readonly #st: SipServerTransaction;
  readonly #flow: SipRemote;
  readonly #localTag = randomToken();
  readonly #timer: SessionTimer | undefined;
  #isAnswered = false;
  readonly #cancelAnswerTimeout: Cancel;

  constructor(host: CallHost, invite: SipMessage, st: SipServerTransaction, flow: SipRemote, timer: SessionTimer | undefined) {
    const offerSdp = hasSdp(invite) ? invite.content : undefined;
    super(host, { callId: invite.headers['call-id'] ?? '', direction: 'inbound', remote: partyOf(invite.headers.from), remoteSdp: offerSdp });
    this.requestUri = sip.stringifyUri(invite.uri ?? '');
    this.offerSdp = offerSdp;
    this.#invite = invite;
    this.#st = st;
    this.#flow = flow;
    this.#timer = timer;
    // An INVITE the gateway never answers would hold a call slot forever (RFC 3261 §13.3.1.1 leaves the UAS to end it).
    this.#cancelAnswerTimeout = host.clock.setTimeout(() => {
      if (this.#isAnswered || this.isEnded) return;
      this.log.warn('sip invite never answered');
      this.reject(480);
    }, UNANSWERED_INVITE_MS);
    this.events.on('ended', () => this.#cancelAnswerTimeout());
  }

  header(name: string): string | undefined {
    return headerText(this.#invite, name);
  }

  ringing(): void {
    if (this.#isAnswered || this.isEnded) return;
    this.#st.send(this.#reply(180));
  }

  async accept(sdp: string): Promise<string | undefined> {
    if (this.#isAnswered || this.isEnded) throw new SipError(481, 'Call/Transaction Does Not Exist');
    this.#isAnswered = true;
    this.#cancelAnswerTimeout();
    const local = withTag(this.#invite.headers.to ?? { uri: '', params: {} }, this.#localTag);
    this.confirm(Dialog.asUas(this.#invite, local, this.#flow), sdp, this.#invite);
    const response = this.#reply(200, {
      headers: {
        contact: this.host.contact(this.#flow.protocol), allow: ALLOWED_METHODS, supported: SUPPORTED_OPTIONS,
        ...this.timerHeaders(this.#timer),
      },
      content: sdp,
    });
    this.log.info('sip call answered');
    const ack = await this.send2xxUntilAck(this.#st, response, this.#invite.headers.cseq?.seq ?? 0);
    if (ack === undefined) {
      this.endWithoutAck();
      throw new SipError(408, 'No ACK for 200 OK');
    }
    if (this.isEnded) throw new SipError(481, 'Call ended before the ACK');
    const answer = ack.content !== undefined && ack.content !== '' ? ack.content : undefined;
    if (this.offerSdp === undefined) this.setRemoteSdp(answer);
    this.armSessionTimer(this.#timer, 'uas');
    return answer;
  }

  reject(status: number, reason?: string): void {
    if (this.#isAnswered || this.isEnded) return;
    this.#isAnswered = true;
    this.#st.send(this.#reply(status, {}, reason));
    this.end('rejected');
  }

  /** §9.2: CANCEL before our final answer → 487 to the INVITE (the UA already answered the CANCEL 200). */
  onCancel(): void {
    if (this.#isAnswered || this.isEnded) return;
    this.#isAnswered = true;
    this.#st.send(this.#reply(487));
    this.end('remote-cancel');
  }

  override hangup(): void {
    if (!this.#isAnswered && !this.isEnded) {
      this.#isAnswered = true;
      this.#st.send(this.#reply(487));
      this.end('local');
      return;
    }
    super.hangup();
  }

  #reply(status: number, opts: { headers?: Record<string, unknown>; content?: string } = {}, reason?: string): SipMessage {
    const recordRoute = this.#invite.headers['record-route'];
    // §12.1.1: responses that create a dialog echo Record-Route.
    const headers = status > 100 && status < 300 && recordRoute !== undefined ? { 'record-route': recordRoute, ...opts.headers } : opts.headers;
    return makeReply(this.#invite, status, reason ?? reasonOf(status), {
      toTag: this.#localTag, userAgent: this.host.config.userAgent, ...opts, ...(headers !== undefined ? { headers } : {}),
    });
  }
}
