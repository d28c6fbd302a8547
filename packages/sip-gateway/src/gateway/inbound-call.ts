// A dial-in call. With a room header (or a default room) the caller goes straight in: the SDP is
// answered at once (488 when it cannot be), the gateway rings while it joins the room, and answers
// 200 only once the caller is an occupant, so a refused join reaches the phone as a SIP status
// (403 locked, 404, 480…) instead of a call that connects and drops. Without a header: answer,
// welcome prompt, PIN + `#` (RFC 4733 or SIP INFO), look-up at the focus, retry prompt, goodbye
// after the last wrong PIN; the right PIN → "joining" → the room, with the password the focus gave.
import type { IncomingCall } from '../sip/sip-call.ts';
import { callerDisplayName } from './caller-id.ts';
import type { PhoneCallDeps } from './phone-call.ts';
import { PhoneCall } from './phone-call.ts';
import { PinEntry } from './pin-entry.ts';
import { roomJidFrom } from './room-address.ts';

type Target = { readonly kind: 'room'; readonly roomJid: string; readonly password: string | undefined } | { readonly kind: 'pin' };

export class InboundCall extends PhoneCall {
  readonly #incoming: IncomingCall;
  readonly #pin: PinEntry;
  #pinWaiter: ((pin: string | undefined) => void) | undefined;
  #enteredPin: string | undefined;
  /** 200 OK sent: from then on the call ends with BYE, not a final answer. */
  #isAnswered = false;

  constructor(deps: PhoneCallDeps, incoming: IncomingCall) {
    super(deps, 'ringing');
    this.#incoming = incoming;
    this.#pin = new PinEntry(deps.config.dialIn.maxPinDigits);
    this.attachSip(incoming);
  }

  /** Runs the call until the caller is in the room (or the call ended); never rejects. */
  async run(): Promise<void> {
    try {
      await this.#run();
    } catch (error) {
      this.log.error('dial-in failed', { err: error });
      this.#refuse(500, 'Server Internal Error');
    }
  }

  async #run(): Promise<void> {
    const target = this.#target();
    if (target === undefined) return;
    const port = await this.deps.parts.openPort().catch((error: unknown) => {
      this.log.warn('no RTP port for the call', { err: (error as Error).message });
      return undefined;
    });
    if (port === undefined) return this.#refuse(503, 'Service Unavailable');
    if (this.isEnded) {
      port.close();
      return;
    }
    this.attachPort(port);
    const offer = this.#incoming.offerSdp;
    let answer: string | undefined;
    if (offer !== undefined) {
      const answered = port.answer(offer);
      if (!answered.ok) {
        this.log.info('cannot take the phone\'s SDP', { code: answered.error.code });
        return this.#refuse(488, 'Not Acceptable Here');
      }
      answer = answered.value;
      if (!this.srtpPolicyAllows(port)) return this.#refuse(488, 'Not Acceptable Here');
    }
    if (target.kind === 'room') await this.#joinThenAnswer(target.roomJid, target.password, answer);
    else await this.#pinMenu(answer);
  }

  /** The room from the header, the default room, or a PIN; undefined after refusing the call. */
  #target(): Target | undefined {
    const { dialIn, mucDomain } = this.deps.config;
    const named = this.#incoming.header(dialIn.roomHeader) ?? dialIn.defaultRoom;
    if (named === undefined) {
      if (dialIn.pinEnabled) return { kind: 'pin' };
      this.log.info('INVITE without a room, PIN dial-in off');
      this.#refuse(404, 'Not Found');
      return undefined;
    }
    const room = roomJidFrom(named, mucDomain);
    if (!room.ok) {
      this.log.info('INVITE for a bad room', { why: room.error.text });
      this.#refuse(404, 'Not Found');
      return undefined;
    }
    return { kind: 'room', roomJid: room.value, password: this.#incoming.header(dialIn.passwordHeader) };
  }

  async #joinThenAnswer(roomJid: string, password: string | undefined, answer: string | undefined): Promise<void> {
    this.#incoming.ringing();
    let side;
    try {
      side = await this.joinRoom(roomJid, this.#displayName(), password);
    } catch (error) {
      const status = this.deps.parts.sipStatusOf(error);
      this.log.info('could not join the room', { status, err: (error as Error).message });
      return this.#refuse(status, 'Conference Unavailable');
    }
    if (side === undefined) return;
    if (!(await this.#accept(answer))) {
      void side.leave();
      return;
    }
    this.enterConference(side);
  }

  async #pinMenu(answer: string | undefined): Promise<void> {
    if (!(await this.#accept(answer))) return;
    this.setState('ivr');
    this.audio?.start();
    const { maxPinAttempts } = this.deps.config.dialIn;
    for (let attempt = 1; attempt <= maxPinAttempts; attempt++) {
      const pin = await this.#promptForPin(attempt === 1 ? 'welcome' : 'pin-retry');
      if (this.isEnded) return;
      if (pin === undefined) {
        this.log.info('no PIN entered', { attempt });
        continue;
      }
      let found;
      try {
        found = await this.deps.parts.pins.lookup(pin);
      } catch (error) {
        this.log.warn('PIN look-up failed', { err: (error as Error).message });
        await this.playPrompt('unavailable');
        return this.finish('pin look-up failed');
      }
      if (this.isEnded) return;
      if (found !== undefined) return this.#joinWithPin(found.roomJid, found.password);
      this.log.info('wrong PIN', { attempt });
    }
    await this.playPrompt('pin-goodbye');
    this.finish('too many wrong PINs');
  }

  async #joinWithPin(roomJid: string, password: string | undefined): Promise<void> {
    this.log.info('PIN accepted', { conference: roomJid });
    const prompt = this.playPrompt('joining');
    let side;
    try {
      side = await this.joinRoom(roomJid, this.#displayName(), password);
    } catch (error) {
      const status = this.deps.parts.sipStatusOf(error);
      this.log.info('could not join the room', { status, err: (error as Error).message });
      await prompt;
      await this.playPrompt(status === 403 ? 'locked' : 'unavailable');
      return this.finish('join failed');
    }
    await prompt;
    if (side !== undefined) this.enterConference(side);
  }

  /** Plays `prompt` and waits for a PIN typed during it or within pinTimeoutMs after it (undefined: none). */
  #promptForPin(prompt: 'welcome' | 'pin-retry'): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve) => {
      const stopPrompt = new AbortController();
      let isSettled = false;
      let cancelTimer: (() => void) | undefined;
      const onEnd = (): void => done(undefined);
      const done = (pin: string | undefined): void => {
        if (isSettled) return;
        isSettled = true;
        this.#pinWaiter = undefined;
        cancelTimer?.();
        stopPrompt.abort();
        this.ending.signal.removeEventListener('abort', onEnd);
        resolve(pin);
      };
      // Typed ahead, during the look-up of the previous one.
      const early = this.#enteredPin;
      this.#enteredPin = undefined;
      if (early !== undefined) return done(early);
      if (this.ending.signal.aborted) return done(undefined);
      this.ending.signal.addEventListener('abort', onEnd);
      this.#pinWaiter = done;
      void this.playPrompt(prompt, stopPrompt.signal).then(() => {
        if (isSettled) return;
        const t = setTimeout(() => done(undefined), this.deps.config.dialIn.pinTimeoutMs);
        t.unref();
        cancelTimer = () => clearTimeout(t);
      });
    });
  }

  protected override onIvrKey(key: string): void {
    if (this.state !== 'ivr') return;
    const r = this.#pin.push(key);
    if (r.kind !== 'entered') return;
    if (this.#pinWaiter !== undefined) this.#pinWaiter(r.pin);
    else this.#enteredPin = r.pin;
  }

  /** 200 OK; false when the call ended before the ACK (or never got one). */
  async #accept(answer: string | undefined): Promise<boolean> {
    const port = this.port;
    if (port === undefined || this.isEnded) return false;
    try {
      this.#isAnswered = true;
      const ackSdp = await this.#incoming.accept(answer ?? port.offer());
      if (answer === undefined) {
        // Late offer: our offer went in the 200, the phone's answer came with the ACK.
        const applied = ackSdp === undefined ? undefined : port.applyAnswer(ackSdp);
        if (applied === undefined || !applied.ok || !this.srtpPolicyAllows(port)) {
          this.log.info('the ACK carried no usable answer');
          this.finish('no media');
          return false;
        }
      }
    } catch (error) {
      this.log.info('the phone never confirmed the answer', { err: (error as Error).message });
      this.finish('no ack');
      return false;
    }
    return !this.isEnded;
  }

  /** A final non-2xx answer (a BYE once answered), then everything closed. */
  #refuse(status: number, reason: string): void {
    if (this.isEnded) return;
    if (!this.#isAnswered) this.#incoming.reject(status, reason);
    this.finish(`refused ${status}`);
  }

  #displayName(): string {
    return callerDisplayName(this.#incoming.remote, this.deps.config.dialIn.callerId);
  }
}
