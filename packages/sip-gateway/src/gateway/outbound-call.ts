// A dial-out call (protocols.md §7): the focus forwarded a moderator's Rayo dial; the gateway has
// already answered it with the call's ref. Like Jigasi, the callee's occupant joins the room first
// with `<status>Calling</status>` (Jitsi's app shows the call's progress from it), then the gateway
// calls the number (through the trunk): 180/183 → "Ringing"; answered → the status goes, audio
// flows. A call that fails (busy, no answer, rejected) leaves the room after a last status. A call
// ended while the phone rings (Rayo hangup, kicked, shutdown) CANCELs the INVITE.
import type { SipGatewayConfig } from '../config.ts';
import type { OutgoingCallRequest, SipCall } from '../sip/sip-call.ts';
import { SipError } from '../sip/sip-error.ts';
import { callerDisplayName } from './caller-id.ts';
import type { DialTarget } from './dial-target.ts';
import type { PhoneCallDeps } from './phone-call.ts';
import { PhoneCall } from './phone-call.ts';
import type { ConferenceSide } from './ports.ts';

export type PlaceCall = (req: OutgoingCallRequest) => Promise<SipCall>;

export type OutboundCallParams = {
  readonly target: DialTarget;
  readonly roomJid: string;
  readonly password: string | undefined;
};

/** The presence status of a failed call, by SIP status (what Jitsi's app shows before the occupant goes). */
const failureStatus = (status: number | undefined): string =>
  status === 486 || status === 600 ? 'Busy' : status === 408 || status === 480 || status === 487 ? 'No answer' : status === 603 ? 'Declined' : 'Failed';

export class OutboundCall extends PhoneCall {
  constructor(deps: PhoneCallDeps, private readonly params: OutboundCallParams, private readonly placeCall: PlaceCall) {
    super(deps, 'joining');
  }

  /** Joins the room as the callee ("Calling"), dials, and on answer connects the audio; never rejects. */
  async run(): Promise<void> {
    try {
      await this.#run();
    } catch (error) {
      this.log.error('dial-out failed', { err: error });
      this.finish('error');
    }
  }

  async #run(): Promise<void> {
    const port = await this.deps.parts.openPort();
    if (this.isEnded) {
      port.close();
      return;
    }
    this.attachPort(port);
    const displayName = callerDisplayName({ uri: this.params.target.requestUri, displayName: undefined, user: this.params.target.number }, this.deps.config.dialIn.callerId);
    let side: ConferenceSide | undefined;
    try {
      side = await this.joinRoom(this.params.roomJid, displayName, this.params.password, 'Calling');
    } catch (error) {
      this.log.info('could not join the room', { err: (error as Error).message });
      this.finish('join failed');
      return;
    }
    if (side === undefined) return;
    const call = await this.#dial(side);
    if (call === undefined) return;
    this.attachSip(call);
    const applied = call.remoteSdp === undefined ? undefined : port.applyAnswer(call.remoteSdp);
    if (applied === undefined || !applied.ok || !this.srtpPolicyAllows(port)) {
      this.log.info('the callee\'s answer has no usable audio');
      side.setStatus('Failed');
      this.finish('no media');
      return;
    }
    side.setStatus(undefined);
    this.enterConference(side);
  }

  /** The answered call; undefined when it failed or the call ended meanwhile (then all is closed). */
  async #dial(side: ConferenceSide): Promise<SipCall | undefined> {
    this.setState('dialling');
    const port = this.port;
    if (port === undefined) return undefined;
    const onProgress = (status: number): void => {
      this.log.debug('call progress', { status });
      if (status === 180 || status === 183) side.setStatus('Ringing');
    };
    let call: SipCall;
    try {
      // Ending the call (Rayo hangup, kicked, shutdown) while it rings CANCELs the INVITE.
      call = await this.placeCall(requestFor(this.params.target, port.offer(), this.deps.config.dialOut, onProgress, this.ending.signal));
    } catch (error) {
      if (this.isEnded) {
        this.log.info('dial-out cancelled while ringing');
        return undefined;
      }
      const status = error instanceof SipError ? error.status : undefined;
      this.log.info('the callee did not answer', { status, err: (error as Error).message });
      side.setStatus(failureStatus(status));
      this.finish(status !== undefined ? `sip ${status}` : 'dial failed');
      return undefined;
    }
    if (this.isEnded) {
      // Hung up just as the 2xx arrived (the CANCEL crossed it): the answered call ends at once.
      call.hangup();
      return undefined;
    }
    return call;
  }
}

function requestFor(target: DialTarget, sdp: string, dialOut: SipGatewayConfig['dialOut'], onProgress: (status: number) => void, signal: AbortSignal): OutgoingCallRequest {
  return {
    target: target.requestUri, from: { uri: dialOut.fromUri }, sdp, timeoutMs: dialOut.ringTimeoutMs, onProgress, signal,
    ...(dialOut.username !== undefined && dialOut.password !== undefined ? { auth: { username: dialOut.username, password: dialOut.password } } : {}),
  };
}
