// What dial-in and dial-out calls share once a phone is connected: its keys (RFC 4733 events and
// SIP INFO alike), the room (joined through a ConferenceLeg), the audio on the frame clock, `*6`
// self-mute, the focus's mute, prompts, and one idempotent way to end everything. Each direction
// adds how the call starts (inbound-call.ts, outbound-call.ts).
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import type { SipGatewayConfig } from '../config.ts';
import type { PhoneAudioPort } from '../media/phone-audio.ts';
import type { SipCall } from '../sip/sip-call.ts';
import { SipError } from '../sip/sip-error.ts';
import { CallAudio } from './call-audio.ts';
import type { CallParts, ConferenceSide, PromptName } from './ports.ts';

/** ringing → (ivr →) joining → in-conference → ended; dial-out: joining → dialling → in-conference → ended. */
export type CallState = 'ringing' | 'dialling' | 'ivr' | 'joining' | 'in-conference' | 'ended';

export type PhoneCallEvents = {
  /** The caller is in the room. */
  joined: [roomJid: string];
  /** Everything is closed; emitted once. */
  ended: [reason: string];
};

export type PhoneCallDeps = {
  readonly parts: CallParts;
  readonly config: SipGatewayConfig;
  readonly log: Logger;
  /** The call's endpoint id: its MUC nickname and the resource of its JID. */
  readonly nick: string;
  /** Registers the handler for stanzas addressed to the call's JID. */
  readonly route: (handler: (stanza: El) => boolean) => void;
};

/** The key pair that toggles self-mute in a conference. */
const MUTE_TOGGLE = ['*', '6'] as const;

export abstract class PhoneCall {
  readonly events: TypedEmitter<PhoneCallEvents>;
  protected readonly log: Logger;
  /** Aborted when the call ends: cancels prompts, PIN waits, a join in progress. */
  protected readonly ending = new AbortController();
  protected sip: SipCall | undefined;
  protected port: PhoneAudioPort | undefined;
  protected audio: CallAudio | undefined;
  #side: ConferenceSide | undefined;
  #state: CallState;
  #roomJid: string | undefined;
  #lastKey = '';

  protected constructor(protected readonly deps: PhoneCallDeps, initial: CallState) {
    this.log = deps.log;
    this.events = new TypedEmitter<PhoneCallEvents>(deps.log);
    this.#state = initial;
  }

  get nick(): string {
    return this.deps.nick;
  }

  get state(): CallState {
    return this.#state;
  }

  get roomJid(): string | undefined {
    return this.#roomJid;
  }

  get isEnded(): boolean {
    return this.#state === 'ended';
  }

  /** Hangs up the phone and leaves the room; idempotent. */
  hangup(reason: string): void {
    this.finish(reason);
  }

  protected setState(state: CallState): void {
    if (this.#state === 'ended') return;
    this.log.debug('call state', { from: this.#state, to: state });
    this.#state = state;
  }

  /** Listens to the dialog: its end ends the call, INFO DTMF becomes keys. */
  protected attachSip(call: SipCall): void {
    this.sip = call;
    this.#takeReoffers();
    call.events.on('ended', (reason) => this.finish(`sip ${reason}`));
    call.events.on('info', (contentType, body) => {
      const key = this.deps.parts.dtmfFromInfo(contentType, body);
      if (key !== undefined) this.#onKey(key);
    });
  }

  protected attachPort(port: PhoneAudioPort): void {
    this.port = port;
    port.events.on('dtmf', (key) => this.#onKey(key));
    this.audio = new CallAudio(port, this.deps.parts.ticker);
    this.#takeReoffers();
  }

  /** re-INVITEs and UPDATEs (hold, resume, a new address) are answered by the phone's port. */
  #takeReoffers(): void {
    const { sip, port } = this;
    if (sip === undefined || port === undefined) return;
    sip.setReofferHandler((offer) => {
      const answered = port.answer(offer);
      if (answered.ok) return answered.value;
      this.log.info('refused a re-offer', { code: answered.error.code });
      return new SipError(488, 'Not Acceptable Here');
    });
  }

  /**
   * Joins `roomJid` as the call's occupant; undefined when the call ended meanwhile (the leg is
   * then left at once). Rejects with the leg's error.
   */
  protected async joinRoom(roomJid: string, displayName: string, password: string | undefined, statusText?: string): Promise<ConferenceSide | undefined> {
    this.setState('joining');
    this.#roomJid = roomJid;
    const { config, parts } = this.deps;
    const side = await parts.joinConference({
      roomJid, nick: this.nick, displayName, log: this.log,
      ...(password !== undefined ? { password } : {}),
      ...(config.region !== undefined ? { region: config.region } : {}),
      ...(statusText !== undefined ? { statusText } : {}),
    }, this.deps.route, this.ending.signal);
    if (this.isEnded) {
      void side.leave();
      return undefined;
    }
    // From here on the room is the call's: leaving it (kicked, room gone) ends the call, ending the call leaves it.
    this.#side = side;
    side.events.on('ended', (reason) => {
      this.log.info('left the room', { reason });
      this.finish(`room ${reason}`);
    });
    return side;
  }

  /** The caller is in the room (joinRoom's side): audio both ways, the focus's mute. */
  protected enterConference(side: ConferenceSide): void {
    const audio = this.audio;
    if (audio === undefined || this.isEnded) return;
    this.setState('in-conference');
    audio.connect(side, this.deps.parts.createMixer(), this.deps.parts.createEncoder());
    side.events.on('mutedByFocus', () => {
      if (audio.isMuted) return;
      this.#setMuted(true);
      this.log.info('muted by the focus');
    });
    this.log.info('in the conference');
    if (this.#roomJid !== undefined) this.events.emit('joined', this.#roomJid);
  }

  /** rtp.srtp: `required` refuses plain RTP, `off` refuses SRTP (a phone that offered only SAVP). */
  protected srtpPolicyAllows(port: PhoneAudioPort): boolean {
    const policy = this.deps.config.rtp.srtp;
    const isSrtp = port.negotiated?.srtp ?? false;
    const allowed = policy === 'optional' || (policy === 'required') === isSrtp;
    if (!allowed) this.log.info('media refused by the SRTP policy', { policy, srtp: isSrtp });
    return allowed;
  }

  /** Plays a prompt to the phone (the mix held back meanwhile); resolves when done or the call ends. */
  protected playPrompt(prompt: PromptName, signal: AbortSignal = this.ending.signal): Promise<void> {
    const port = this.port;
    const audio = this.audio;
    if (port === undefined || audio === undefined || signal.aborted) return Promise.resolve();
    return audio.whilePrompting(() => this.deps.parts.prompts.play(port, prompt, signal))
      .catch((error: unknown) => this.log.warn('prompt failed', { prompt, err: (error as Error).message }));
  }

  /** A key before the caller is in the room (the IVR). */
  protected onIvrKey(_key: string): void {
    // Dial-out callees have no menu.
  }

  /** Ends the call: SIP dialog, room, media; idempotent. */
  protected finish(reason: string): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.ending.abort();
    this.audio?.stop();
    const side = this.#side;
    this.#side = undefined;
    if (side !== undefined) void side.leave().catch((error: unknown) => this.log.warn('leaving the room failed', { err: (error as Error).message }));
    this.sip?.hangup();
    this.port?.close();
    this.log.info('call ended', { reason });
    this.events.emit('ended', reason);
  }

  #onKey(key: string): void {
    if (this.isEnded) return;
    const previous = this.#lastKey;
    this.#lastKey = key;
    if (this.#state !== 'in-conference') {
      this.onIvrKey(key);
      return;
    }
    if (previous === MUTE_TOGGLE[0] && key === MUTE_TOGGLE[1]) {
      this.#lastKey = '';
      // The focus's mute can be undone this way too: Plenum lets every participant unmute
      // themselves unless A/V moderation forbids it, and phones cannot see that state.
      this.#setMuted(!(this.audio?.isMuted ?? false));
    }
  }

  #setMuted(muted: boolean): void {
    this.audio?.setMuted(muted);
    this.#side?.setMuted(muted);
    this.log.info(muted ? 'caller muted' : 'caller unmuted');
    void this.playPrompt(muted ? 'muted' : 'unmuted');
  }
}
