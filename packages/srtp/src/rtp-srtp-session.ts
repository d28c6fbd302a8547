// SRTP for RTP, both ways, for one DTLS-SRTP association: the packet index of each SSRC (rollover
// counter per RFC 3711 §3.3.1), the replay window (§3.3.2) and node:crypto's ciphers under session
// keys derived elsewhere (werift's KDF). Inbound state moves only after a packet authenticated, so
// forged packets cannot shift it. Limits: SSRCs per direction are bounded; a refused packet is
// counted by reason. Per packet nothing is allocated here beyond the ciphers' output.
import { ReplayWindow, guessRolloverCounter } from './replay-window.ts';
import { rtpHeaderLength, rtpPayloadEnd } from './rtp-header-length.ts';
import type { RtpDecryptor } from './srtp-rtp-decryptor.ts';
import { CmRtpDecryptor, GcmRtpDecryptor } from './srtp-rtp-decryptor.ts';
import type { RtpEncryptor } from './srtp-rtp-encryptor.ts';
import { CmRtpEncryptor, GcmRtpEncryptor } from './srtp-rtp-encryptor.ts';

/** RFC 7714's AEAD_AES_128_GCM and RFC 3711's AES_CM_128_HMAC_SHA1_80 (werift's profile numbers). */
export const SRTP_AEAD_AES_128_GCM = 7;
export const SRTP_AES128_CM_HMAC_SHA1_80 = 1;

/** One direction's session keys (RFC 3711 §4.3 output). */
export type SrtpSessionKeys = { readonly key: Buffer; readonly salt: Buffer; readonly authKey: Buffer };

export type RtpSrtpLimits = {
  /** SSRCs accepted from the peer (default 64). */
  readonly maxInboundSsrcs?: number;
  /** SSRCs we may send from (default 64). */
  readonly maxOutboundSsrcs?: number;
};

/** Why a packet was refused. */
export type SrtpRefusal = 'malformed' | 'auth-failed' | 'replayed' | 'too-old' | 'too-many-ssrcs';

type InboundState = { roc: number; highestSeq: number; readonly window: ReplayWindow };
type OutboundState = { roc: number; highestSeq: number };

export class RtpSrtpSession {
  readonly #in: RtpDecryptor;
  readonly #out: RtpEncryptor;
  readonly #inbound = new Map<number, InboundState>();
  readonly #outbound = new Map<number, OutboundState>();
  readonly #maxInbound: number;
  readonly #maxOutbound: number;
  /** Refused packets by reason, both directions. */
  readonly refused: Record<SrtpRefusal, number> = { malformed: 0, 'auth-failed': 0, replayed: 0, 'too-old': 0, 'too-many-ssrcs': 0 };
  /** Why the last refused packet was refused. */
  lastRefusal: SrtpRefusal = 'malformed';

  constructor(profile: number, local: SrtpSessionKeys, remote: SrtpSessionKeys, limits: RtpSrtpLimits = {}) {
    if (profile === SRTP_AEAD_AES_128_GCM) {
      this.#in = new GcmRtpDecryptor(remote.key, remote.salt);
      this.#out = new GcmRtpEncryptor(local.key, local.salt);
    } else if (profile === SRTP_AES128_CM_HMAC_SHA1_80) {
      this.#in = new CmRtpDecryptor(remote.key, remote.salt, remote.authKey);
      this.#out = new CmRtpEncryptor(local.key, local.salt, local.authKey);
    } else {
      throw new RangeError(`SRTP profile ${profile} is not supported`);
    }
    this.#maxInbound = limits.maxInboundSsrcs ?? 64;
    this.#maxOutbound = limits.maxOutboundSsrcs ?? 64;
  }

  /** Bytes of the authentication tag each packet carries. */
  get tagBytes(): number {
    return this.#in.tagBytes;
  }

  /** Authenticates and decrypts one SRTP packet: the plain RTP packet (a new buffer), or undefined (counted). */
  unprotect(packet: Buffer): Buffer | undefined {
    const headerLength = rtpHeaderLength(packet, packet.length - this.#in.tagBytes);
    if (headerLength < 0) return this.#refuse('malformed');
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.#inbound.get(ssrc);
    let roc = 0;
    if (state === undefined) {
      // RFC 3711 §3.3.1: a new SSRC starts at ROC 0 with its first sequence number.
      if (this.#inbound.size >= this.#maxInbound) return this.#refuse('too-many-ssrcs');
    } else {
      roc = guessRolloverCounter(state.roc, state.highestSeq, seq);
      const verdict = roc < 0 ? 'too-old' : state.window.check(roc * 0x10000 + seq);
      if (verdict !== 'new') return this.#refuse(verdict === 'duplicate' ? 'replayed' : 'too-old');
    }
    const plain = this.#in.decrypt(packet, headerLength, ssrc, seq, roc);
    if (plain === undefined) return this.#refuse('auth-failed');
    if (rtpPayloadEnd(plain, headerLength, plain.length) < 0) return this.#refuse('malformed');
    const index = roc * 0x10000 + seq;
    if (state === undefined) {
      const fresh: InboundState = { roc, highestSeq: seq, window: new ReplayWindow() };
      fresh.window.accept(index);
      this.#inbound.set(ssrc, fresh);
    } else {
      advance(state, roc, seq);
      state.window.accept(index);
    }
    return plain;
  }

  /** Encrypts the plain RTP packet `plain[0, length)` into a new buffer, or undefined (counted) if it is not one. */
  protect(plain: Buffer, length = plain.length): Buffer | undefined {
    const headerLength = length <= plain.length ? rtpHeaderLength(plain, length) : -1;
    if (headerLength < 0) return this.#refuse('malformed');
    const seq = plain.readUInt16BE(2);
    const ssrc = plain.readUInt32BE(8);
    let state = this.#outbound.get(ssrc);
    let roc = 0;
    if (state === undefined) {
      if (this.#outbound.size >= this.#maxOutbound) return this.#refuse('too-many-ssrcs');
      state = { roc: 0, highestSeq: seq };
      this.#outbound.set(ssrc, state);
    } else {
      // The sender's index follows the receiver's rule, so a resent packet from before a wrap keeps its ROC.
      roc = guessRolloverCounter(state.roc, state.highestSeq, seq);
      if (roc < 0) return this.#refuse('too-old');
      advance(state, roc, seq);
    }
    return this.#out.encrypt(plain, headerLength, length, ssrc, seq, roc);
  }

  #refuse(reason: SrtpRefusal): undefined {
    this.refused[reason]++;
    this.lastRefusal = reason;
    return undefined;
  }
}

function advance(state: OutboundState, roc: number, seq: number): void {
  if (roc > state.roc) {
    state.roc = roc;
    state.highestSeq = seq;
  } else if (roc === state.roc && seq > state.highestSeq) {
    state.highestSeq = seq;
  }
}
