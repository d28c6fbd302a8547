// The phone side's contract with the call logic: one PhoneAudioPort per call owns its RTP socket,
// negotiates SDP with the phone and turns RTP into 20 ms PCM frames at 48 kHz and back. Everything
// codec-, jitter-, SRTP- and DTMF-specific stays inside src/media.
import type { Result, TypedEmitter } from '@plenum/kit';
import type { PlenumError } from '@plenum/kit';

/** 20 ms of mono audio at 48 kHz: the unit every part of the gateway exchanges. */
export const FRAME_SAMPLES = 960;
export const FRAME_MS = 20;
export const SAMPLE_RATE = 48_000;

export type PhoneCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

/** The rate a codec's audio really has (G.711 8 kHz, G.722 16 kHz, Opus 48 kHz): its "native" frames are rate/50 samples. */
export const phoneRateOf = (codec: PhoneCodecName): 8000 | 16000 | 48000 =>
  codec === 'opus' ? 48_000 : codec === 'G722' ? 16_000 : 8000;

/** What offer/answer settled with the phone (for logs and tests). */
export type NegotiatedPhoneMedia = {
  readonly codec: PhoneCodecName;
  readonly payloadType: number;
  readonly telephoneEventPayloadType: number | undefined;
  readonly remote: { readonly address: string; readonly port: number };
  readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  readonly srtp: boolean;
};

export type PhoneAudioEvents = {
  /** A DTMF digit (0-9, *, #, A-D) from RFC 4733 events, once per key press. */
  dtmf: [digit: string];
};

/** Media errors become SIP answers: 488 Not Acceptable Here for an offer we cannot take. */
export type PhoneMediaErrorCode = 'no-common-codec' | 'bad-sdp' | 'srtp-required' | 'no-port';
export type PhoneMediaError = PlenumError<PhoneMediaErrorCode>;

export interface PhoneAudioPort {
  readonly events: TypedEmitter<PhoneAudioEvents>;
  /** The local RTP port. */
  readonly port: number;
  /** Answers the phone's SDP offer (INVITE, or a re-INVITE for hold/resume). */
  answer(offerSdp: string): Result<string, PhoneMediaError>;
  /** Our offer (dial-out, late offer). */
  offer(): string;
  /** Takes the phone's answer to `offer()`. */
  applyAnswer(answerSdp: string): Result<void, PhoneMediaError>;
  readonly negotiated: NegotiatedPhoneMedia | undefined;
  /**
   * The next 20 ms from the phone (jitter buffer → decode → 48 kHz), FRAME_SAMPLES long; silence
   * (or concealment) when nothing arrived. The returned array may be reused by the next call.
   */
  readFrame(): Int16Array;
  /** Sends 20 ms (48 kHz, FRAME_SAMPLES) to the phone; nothing while on hold / inactive. */
  writeFrame(pcm: Int16Array): void;
  /**
   * readFrame and writeFrame at the negotiated codec's own rate (phoneRateOf: rate/50 samples), so
   * a call whose conference side also works at that rate resamples nothing. Optional for test doubles.
   */
  readNativeFrame?(): Int16Array;
  writeNativeFrame?(pcm: Int16Array): void;
  close(): void;
}
