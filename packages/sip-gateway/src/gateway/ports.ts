// What the call flow needs from the gateway's other parts (style C8): the conference leg, the
// conference-side audio (mixer, Opus encoder), the shared 20 ms frame clock and the prompts. The
// call flow is written against these; start.ts adapts the real parts (src/conference, src/media).
import type { Logger, TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import type { PhoneAudioPort, PhoneCodecName } from '../media/phone-audio.ts';

export type ConferenceSideEvents = {
  /** One Opus packet of another participant, from the bridge, with its RFC 6464 level (0 loud … 127 silent; -1 or absent: unknown). */
  audio: [ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level?: number];
  /** A participant's audio source is gone (source-remove, left). */
  sourceRemoved: [ssrc: number];
  /** The focus muted the caller (a moderator's remote mute). */
  mutedByFocus: [];
  /** The caller is out of the room (kicked, room destroyed, session ended, media failed). */
  ended: [reason: string];
};

/** The caller's presence in the room (a ConferenceLeg). */
export interface ConferenceSide {
  readonly events: TypedEmitter<ConferenceSideEvents>;
  /** Sends one 20 ms Opus frame of the caller's audio (`levelDbov`: RFC 6464 level, 0 loud … 127 silent). */
  sendAudio(opus: Uint8Array, levelDbov: number): void;
  /** One 20 ms frame of the caller not sent (silence, caller-silence.ts): the RTP clock advances, the next packet starts a talkspurt. */
  skipAudio?(): void;
  setMuted(muted: boolean): void;
  /** `<status>` in the caller's presence (dial-out progress Jitsi's app shows: Calling, Ringing); undefined removes it. */
  setStatus(statusText: string | undefined): void;
  /** Leaves the room (unavailable presence, session-terminate, media closed); idempotent. */
  leave(): Promise<void>;
}

export type ConferenceJoinParams = {
  readonly roomJid: string;
  /** The call's endpoint id: MUC nickname and the resource of its JID `<gateway domain>/<nick>`. */
  readonly nick: string;
  readonly displayName: string;
  readonly password?: string;
  readonly region?: string;
  /** `<status>` already in the join presence (dial-out: "Calling"). */
  readonly statusText?: string;
  readonly log: Logger;
};

/**
 * Joins a room as the call's occupant. `route` registers the handler for stanzas addressed to the
 * call's JID (the leg needs them while it joins); the gateway drops the route when the call ends.
 * `signal` aborts a join in progress (the phone hung up): the leg leaves and the join rejects.
 * Rejects with the leg's typed error (see `sipStatusOf`).
 */
export type JoinConference = (params: ConferenceJoinParams, route: (handler: (stanza: El) => boolean) => void, signal: AbortSignal) => Promise<ConferenceSide>;

/** The conference's audio, decoded and mixed for the phone. */
export interface ConferenceMixer {
  /** Queues one Opus payload of `ssrc` with its RFC 6464 level (-1 or absent: unknown). */
  push(ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level?: number): void;
  removeSource(ssrc: number): void;
  /** The next 20 ms mix (FRAME_SAMPLES at 48 kHz, or at the phone's rate once fitted); the array may be reused. */
  mixFrame(): Int16Array;
  /** Mix at `codec`'s own rate (phoneRateOf) from now on. */
  fitTo?(codec: PhoneCodecName): void;
  close(): void;
}

/** The phone's audio encoded for the conference. */
export interface FrameEncoder {
  /** One 20 ms frame (FRAME_SAMPLES at 48 kHz, or at the phone's rate once fitted) as an Opus packet. */
  encode(pcm: Int16Array): Uint8Array;
  /**
   * Take frames at `codec`'s own rate (phoneRateOf) from now on, coding no more bandwidth than the
   * phone has.
   */
  fitTo?(codec: PhoneCodecName): void;
  close(): void;
}

/** The shared 20 ms timer: every call's audio moves on one clock. */
export interface FrameTicker {
  /** Calls `tick` every 20 ms until the returned function is called. */
  onTick(tick: () => void): () => void;
}

export type PromptName = 'welcome' | 'pin-retry' | 'pin-goodbye' | 'joining' | 'muted' | 'unmuted' | 'locked' | 'unavailable';

/** Spoken prompts played to the phone. */
export interface Prompts {
  /** Plays `prompt` to `port` on the frame clock; resolves when done or when `signal` aborts. */
  play(port: PhoneAudioPort, prompt: PromptName, signal: AbortSignal): Promise<void>;
}

/** The focus's PIN directory (urn:plenum:dial-in:0). */
export interface PinDirectory {
  /** The room a PIN opens (and its password), undefined for an unknown PIN; rejects when the focus cannot answer. */
  lookup(pin: string): Promise<{ readonly roomJid: string; readonly password?: string } | undefined>;
}

/** Everything a call needs besides its SIP dialog. */
export type CallParts = {
  readonly openPort: () => Promise<PhoneAudioPort>;
  readonly joinConference: JoinConference;
  readonly createMixer: () => ConferenceMixer;
  readonly createEncoder: () => FrameEncoder;
  readonly ticker: FrameTicker;
  readonly prompts: Prompts;
  readonly pins: PinDirectory;
  /** A DTMF key from a SIP INFO body, undefined when it carries none. */
  readonly dtmfFromInfo: (contentType: string, body: string) => string | undefined;
  /** The SIP status a failed join becomes (403 locked, 404 no room, 480 unavailable…). */
  readonly sipStatusOf: (error: unknown) => number;
};
