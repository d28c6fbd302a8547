// Configuration of the phone side's RTP (one socket per call).
import type { PhoneCodecName } from './phone-audio.ts';

/** Settings of the phone side's RTP, one socket per call. */
export type PhoneMediaConfig = {
  /** Address the RTP sockets bind to. */
  readonly host: string;
  /** Address written into our SDP (c=); the bind address when undefined. Set it behind NAT. */
  readonly advertisedAddress: string | undefined;
  /** Even RTP ports are picked at random from [portMin, portMax]. */
  readonly portMin: number;
  readonly portMax: number;
  /** Codec preference for answers and offers, best first. */
  readonly codecs: readonly PhoneCodecName[];
  /** Jitter buffer depth before playout starts. */
  readonly jitterBufferMs: number;
  /** Our own offers (dial-out, late offer) use RTP/SAVP with SDES keys when true; answers follow the phone. */
  readonly offerSrtp: boolean;
  /**
   * Which phone offers are taken: 'optional' (default) answers RTP/AVP with RTP and RTP/SAVP with
   * SRTP; 'off' refuses RTP/SAVP offers, 'required' refuses RTP/AVP offers (both 488).
   */
  readonly srtpPolicy?: 'off' | 'optional' | 'required';
  /**
   * Symmetric RTP (RFC 4961): send to where the phone's RTP actually comes from once it arrives,
   * instead of the SDP address, so phones behind NAT hear us.
   */
  readonly symmetricRtp: boolean;
};

/** Defaults: loopback, ports 30000-39999, Opus > G.722 > PCMU > PCMA, 60 ms jitter buffer. */
export const DEFAULT_PHONE_MEDIA_CONFIG: PhoneMediaConfig = {
  host: '127.0.0.1',
  advertisedAddress: undefined,
  portMin: 30_000,
  portMax: 39_999,
  codecs: ['opus', 'G722', 'PCMU', 'PCMA'],
  jitterBufferMs: 60,
  offerSrtp: false,
  srtpPolicy: 'optional',
  symmetricRtp: true,
};
