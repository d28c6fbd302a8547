// SRTP and SRTCP for one endpoint (RFC 3711; AEAD_AES_128_GCM per RFC 7714), with the replay
// protection werift-rtp lacks (RFC 3711 §3.3.2). werift-rtp's SrtpSession derives the session
// keys and its SrtcpSession does SRTCP; the packet index is ours: the rollover counter is
// estimated per RFC 3711 §3.3.1 for each SSRC, checked against that SSRC's 64-packet window before
// decryption, and the window and counter move only after the packet authenticated. werift's own ROC tracking is bypassed
// (its receive-side estimate is not the RFC's and moves on every packet).
//
// RTP, both ways (every packet the bridge forwards), is encrypted and decrypted with node:crypto
// directly (@plenum/srtp's encryptors and decryptors) under werift's session keys; SRTCP stays
// werift's. Per packet this code allocates nothing itself; the ciphers allocate their output and
// node:crypto cipher objects (the measured floor, dependencies.md §3).
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm, SrtcpSession, SrtpSession } from 'werift-rtp';
import type { RtpDecryptor, RtpEncryptor } from '@plenum/srtp';
import { CmRtpDecryptor, CmRtpEncryptor, GcmRtpDecryptor, GcmRtpEncryptor, ReplayWindow, guessRolloverCounter, rtpHeaderLength, rtpPayloadEnd } from '@plenum/srtp';
import type { TransportCounters } from './transport-counters.ts';

/** Master keys and salts from the DTLS exporter (RFC 5764 §4.2). */
export type SrtpMasterKeys = {
  readonly localMasterKey: Buffer;
  readonly localMasterSalt: Buffer;
  readonly remoteMasterKey: Buffer;
  readonly remoteMasterSalt: Buffer;
};

/** SSRCs an endpoint may send (audio, simulcast video, RTX, screen share fit easily). */
export const MAX_INBOUND_SSRCS = 64;
/** SSRCs the bridge may send to one endpoint (every other participant's streams). */
export const MAX_OUTBOUND_SSRCS = 4096;

type InboundRtp = { roc: number; highestSeq: number; readonly window: ReplayWindow };
type OutboundRtp = { roc: number; highestSeq: number };

export { rtpHeaderLength };

/** One endpoint's SRTP/SRTCP contexts, both directions. */
export class SrtpProtection {
  readonly profile: SrtpProfile;
  readonly #counters: TransportCounters;
  readonly #srtp: SrtpSession;
  readonly #srtcp: SrtcpSession;
  readonly #rtpIn: RtpDecryptor;
  readonly #rtpOut: RtpEncryptor;
  readonly #rtpTagBytes: number;
  /** Offset of the SRTCP index from the end: E‖index then the 10-byte tag (CM), or last (GCM, tag inside). */
  readonly #rtcpIndexFromEnd: number;
  readonly #rtcpMinBytes: number;
  readonly #inbound = new Map<number, InboundRtp>();
  readonly #outbound = new Map<number, OutboundRtp>();
  readonly #rtcpInbound = new Map<number, ReplayWindow>();
  /** SSRC of the packet unprotectRtp last returned. */
  lastSsrc = 0;
  /** Extended sequence number (ROC·2^16 + SEQ) of the packet unprotectRtp last returned. */
  lastIndex = 0;

  constructor(profile: SrtpProfile, keys: SrtpMasterKeys, counters: TransportCounters) {
    this.profile = profile;
    this.#counters = counters;
    const config = { keys: { ...keys }, profile };
    this.#srtp = new SrtpSession(config);
    this.#srtcp = new SrtcpSession(config);
    const isGcm = profile === ProtectionProfileAeadAes128Gcm;
    const into = this.#srtp.remoteContext;
    this.#rtpIn = isGcm
      ? new GcmRtpDecryptor(into.srtpSessionKey, into.srtpSessionSalt)
      : new CmRtpDecryptor(into.srtpSessionKey, into.srtpSessionSalt, into.srtpSessionAuthTag);
    const out = this.#srtp.localContext;
    this.#rtpOut = isGcm
      ? new GcmRtpEncryptor(out.srtpSessionKey, out.srtpSessionSalt)
      : new CmRtpEncryptor(out.srtpSessionKey, out.srtpSessionSalt, out.srtpSessionAuthTag);
    this.#rtpTagBytes = isGcm ? 16 : 10;
    this.#rtcpIndexFromEnd = isGcm ? 4 : 14;
    this.#rtcpMinBytes = 8 + (isGcm ? 16 + 4 : 4 + 10);
  }

  /** Decrypts and authenticates an SRTP packet; undefined (counted) on any failure or replay. */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    const dropped = this.#counters.dropped;
    const headerLength = rtpHeaderLength(packet, packet.length - this.#rtpTagBytes);
    if (headerLength < 0) {
      dropped['srtp-malformed']++;
      return undefined;
    }
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.#inbound.get(ssrc);
    let roc = 0;
    if (state === undefined) {
      // RFC 3711 §3.3.1: a new SSRC starts with ROC 0 and its first sequence number.
      if (this.#inbound.size >= MAX_INBOUND_SSRCS) {
        dropped['srtp-too-many-ssrcs']++;
        return undefined;
      }
    } else {
      roc = guessRolloverCounter(state.roc, state.highestSeq, seq);
      const verdict = roc < 0 ? 'too-old' : state.window.check(roc * 0x10000 + seq);
      if (verdict !== 'new') {
        dropped[verdict === 'duplicate' ? 'srtp-replayed' : 'srtp-too-old']++;
        return undefined;
      }
    }
    const plain = this.#rtpIn.decrypt(packet, headerLength, ssrc, seq, roc);
    if (plain === undefined) {
      dropped['srtp-auth-failed']++;
      return undefined;
    }
    if (rtpPayloadEnd(plain, headerLength, plain.length) < 0) {
      dropped['srtp-malformed']++;
      return undefined;
    }
    const index = roc * 0x10000 + seq;
    if (state === undefined) {
      const fresh: InboundRtp = { roc, highestSeq: seq, window: new ReplayWindow() };
      fresh.window.accept(index);
      this.#inbound.set(ssrc, fresh);
    } else {
      if (roc > state.roc) {
        state.roc = roc;
        state.highestSeq = seq;
      } else if (roc === state.roc && seq > state.highestSeq) {
        state.highestSeq = seq;
      }
      state.window.accept(index);
    }
    this.lastSsrc = ssrc;
    this.lastIndex = index;
    return plain;
  }

  /** Encrypts the plain RTP packet `plain[0, length)` into a new buffer; undefined (counted) if it is not one. */
  protectRtp(plain: Buffer, length = plain.length): Buffer | undefined {
    if (length > plain.length) {
      this.#counters.dropped['send-invalid']++;
      return undefined;
    }
    const headerLength = rtpHeaderLength(plain, length);
    if (headerLength < 0) {
      this.#counters.dropped['send-invalid']++;
      return undefined;
    }
    const seq = plain.readUInt16BE(2);
    const ssrc = plain.readUInt32BE(8);
    let state = this.#outbound.get(ssrc);
    let roc = 0;
    if (state === undefined) {
      if (this.#outbound.size >= MAX_OUTBOUND_SSRCS) {
        this.#counters.dropped['send-too-many-ssrcs']++;
        return undefined;
      }
      state = { roc: 0, highestSeq: seq };
      this.#outbound.set(ssrc, state);
    } else {
      // The sender's index follows the same rule, so retransmissions of packets from before a
      // wrap keep their old rollover counter.
      roc = guessRolloverCounter(state.roc, state.highestSeq, seq);
      if (roc < 0) {
        this.#counters.dropped['send-invalid']++;
        return undefined;
      }
      if (roc > state.roc) {
        state.roc = roc;
        state.highestSeq = seq;
      } else if (roc === state.roc && seq > state.highestSeq) {
        state.highestSeq = seq;
      }
    }
    return this.#rtpOut.encrypt(plain, headerLength, length, ssrc, seq, roc);
  }

  /** Decrypts and authenticates a (compound) SRTCP packet; undefined (counted) on failure or replay. */
  unprotectRtcp(packet: Buffer): Buffer | undefined {
    const dropped = this.#counters.dropped;
    const length = packet.length;
    if (length < this.#rtcpMinBytes || ((packet[0] ?? 0) & 0xc0) !== 0x80) {
      dropped['srtcp-malformed']++;
      return undefined;
    }
    // RFC 3711 §3.4: the SRTCP index is 31 bits after the E flag; one window per sender SSRC.
    const index = packet.readUInt32BE(length - this.#rtcpIndexFromEnd) & 0x7fffffff;
    const ssrc = packet.readUInt32BE(4);
    let window = this.#rtcpInbound.get(ssrc);
    if (window === undefined) {
      if (this.#rtcpInbound.size >= MAX_INBOUND_SSRCS) {
        dropped['srtcp-too-many-ssrcs']++;
        return undefined;
      }
    } else {
      const verdict = window.check(index);
      if (verdict !== 'new') {
        dropped[verdict === 'duplicate' ? 'srtcp-replayed' : 'srtcp-too-old']++;
        return undefined;
      }
    }
    let plain: Buffer;
    try {
      plain = this.#srtcp.decrypt(packet);
    } catch {
      // As for SRTP: whatever werift throws on hostile input, the packet did not authenticate.
      dropped['srtcp-auth-failed']++;
      return undefined;
    }
    if (window === undefined) {
      window = new ReplayWindow();
      this.#rtcpInbound.set(ssrc, window);
    }
    window.accept(index);
    return plain;
  }

  /** Encrypts a plain (compound) RTCP packet; undefined (counted) if it is not one. */
  protectRtcp(plain: Buffer): Buffer | undefined {
    if (plain.length < 8 || ((plain[0] ?? 0) & 0xc0) !== 0x80) {
      this.#counters.dropped['send-invalid']++;
      return undefined;
    }
    return this.#srtcp.encrypt(plain);
  }
}
