// The RTCP the bridge terminates or relays (RFC 3550 §6, RFC 4585, RFC 5104, REMB): validation and a
// walk over compound packets, allocation-free readers for what the forwarding logic acts on, builders
// for PLI / FIR / RR / a relayed SR, and the loop guard.
//
// Every RTCP packet starts with
//  |V=2|P|  RC/FMT |      PT       |   length (32-bit words − 1)   |
// and a compound packet is several of them back to back. Validate once with validateRtcpCompound, then
// walk it without allocating:
//
//   for (let off = 0; off < len; off += rtcpPacketBytes(p, off)) {
//     switch (rtcpPacketType(p, off)) { case RTCP_PSFB: … readPliMediaSsrc(p, off) … }
//   }
//
// werift-rtp (0.8.9) has packet classes for all of these, and they are used below where they are
// right: the RR builder, and the tests check our readers against werift's parser on valid packets.
// They are not used for parsing on the bridge because they are wrong on input the bridge must survive
// (each finding checked against werift-rtp 0.8.9 in rtcp.test.ts):
// - RtcpPacketConverter hands each parser the rest of the compound, not its own packet: an SR whose RC
//   claims a block it lacks reads the next packet's bytes as a report block;
// - a truncated trailing header makes it throw (≈5% of random inputs), although sub-parsers are wrapped;
// - GenericNack yields 65536 and up instead of wrapping sequence numbers;
// - TransportWideCC.packetResults ignores status-vector chunks (most of Chrome's feedback) and
//   gives run length + 1 results per run-length chunk;
// - the FIR serializer writes length 3 for a one-entry FIR (it is 4);
// - header bits are read through number → binary string → array (`getBit`), an allocation per field.
// TWCC feedback has its own reader in twcc.ts.

import { RtcpReceiverInfo, RtcpRrPacket } from 'werift-rtp';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;
export const RTCP_XR = 207;
export const PSFB_FMT_PLI = 1;
export const PSFB_FMT_FIR = 4;
export const PSFB_FMT_AFB = 15;
export const RTPFB_FMT_NACK = 1;
export const RTPFB_FMT_TWCC = 15;

/** Larger compounds are refused (and never built): one MTU. */
export const MAX_RTCP_COMPOUND_BYTES = 1500;
/** More sub-packets than this in one compound is refused (a loop or an attack, not a browser). */
export const MAX_RTCP_PACKETS_PER_COMPOUND = 32;
export const RTCP_INVALID = -1;

/** RFC 5761 §4 demultiplexing: the second byte of RTCP is 192–223 (RTP would be PT 64–95 + marker). */
export function isRtcp(p: Uint8Array, len: number): boolean {
  if (len < 4 || len > p.length) return false;
  const pt = p[1]!;
  return (p[0]! & 0xc0) === 0x80 && pt >= 192 && pt <= 223;
}

/** Bytes of the RTCP packet at `off` (header included), from its length field. */
export const rtcpPacketBytes = (p: Uint8Array, off: number): number => (((p[off + 2]! << 8) | p[off + 3]!) + 1) * 4;
export const rtcpPacketType = (p: Uint8Array, off: number): number => p[off + 1]!;
/** RC (report count) for SR/RR/SDES/BYE, FMT for feedback. */
export const rtcpCount = (p: Uint8Array, off: number): number => p[off]! & 0x1f;
export const rtcpHasPadding = (p: Uint8Array, off: number): boolean => (p[off]! & 0x20) !== 0;
/** The first SSRC after the header: sender of SR/RR/feedback, first chunk of SDES, first SSRC of BYE. */
export const rtcpSenderSsrc = (p: Uint8Array, off: number): number => readU32(p, off + 4);
/** The media source of a feedback packet (RTPFB/PSFB). */
export const rtcpMediaSsrc = (p: Uint8Array, off: number): number => readU32(p, off + 8);

/**
 * Checks a compound packet `p[0, len)`: at most MAX_RTCP_COMPOUND_BYTES and
 * MAX_RTCP_PACKETS_PER_COMPOUND, every packet version 2 with a length inside the compound, the lengths
 * adding up exactly, padding only on the last packet and no longer than it (RFC 3550 A.2), and the
 * fixed part each known type needs. Returns the number of packets or RTCP_INVALID.
 */
export function validateRtcpCompound(p: Uint8Array, len: number): number {
  if (len < 4 || len > p.length || len > MAX_RTCP_COMPOUND_BYTES || (len & 3) !== 0) return RTCP_INVALID;
  let off = 0;
  let n = 0;
  while (off < len) {
    if (off + 4 > len || n >= MAX_RTCP_PACKETS_PER_COMPOUND) return RTCP_INVALID;
    if ((p[off]! & 0xc0) !== 0x80) return RTCP_INVALID;
    const bytes = rtcpPacketBytes(p, off);
    const end = off + bytes;
    if (end > len) return RTCP_INVALID;
    let body = bytes;
    if (rtcpHasPadding(p, off)) {
      const pad = p[end - 1]!;
      if (end !== len || pad === 0 || pad > bytes - 4) return RTCP_INVALID;
      body -= pad;
    }
    if (body < minimumBytes(p, off)) return RTCP_INVALID;
    off = end;
    n++;
  }
  return n;
}

function minimumBytes(p: Uint8Array, off: number): number {
  const count = rtcpCount(p, off);
  switch (rtcpPacketType(p, off)) {
    case RTCP_SR:
      return 28 + 24 * count;
    case RTCP_RR:
      return 8 + 24 * count;
    case RTCP_BYE:
      return 4 + 4 * count;
    case RTCP_RTPFB:
    case RTCP_PSFB:
      return 12;
    default:
      return 4;
  }
}

// ---- readers (the packet at `off` passed validateRtcpCompound) ------------------------------------

export type SenderInfo = {
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
};
export const newSenderInfo = (): SenderInfo => ({ ssrc: 0, ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 });

/** Fills `out` from the SR at `off`; false if it is not an SR. */
export function readSenderInfo(p: Uint8Array, off: number, out: SenderInfo): boolean {
  if (rtcpPacketType(p, off) !== RTCP_SR || off + 28 > p.length) return false;
  out.ssrc = readU32(p, off + 4);
  out.ntpSeconds = readU32(p, off + 8);
  out.ntpFraction = readU32(p, off + 12);
  out.rtpTimestamp = readU32(p, off + 16);
  out.packetCount = readU32(p, off + 20);
  out.octetCount = readU32(p, off + 24);
  return true;
}

export type ReportBlock = {
  ssrc: number;
  fractionLost: number;
  /** Signed (RFC 3550 §6.4.1: duplicates can make it negative). */
  cumulativeLost: number;
  highestSequence: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
};
export const newReportBlock = (): ReportBlock => ({
  ssrc: 0,
  fractionLost: 0,
  cumulativeLost: 0,
  highestSequence: 0,
  jitter: 0,
  lastSr: 0,
  delaySinceLastSr: 0,
});

/** Fills `out` with report block `index` of the SR or RR at `off`; false when there is no such block. */
export function readReportBlock(p: Uint8Array, off: number, index: number, out: ReportBlock): boolean {
  const type = rtcpPacketType(p, off);
  if ((type !== RTCP_SR && type !== RTCP_RR) || index < 0 || index >= rtcpCount(p, off)) return false;
  const o = off + (type === RTCP_SR ? 28 : 8) + 24 * index;
  if (o + 24 > off + rtcpPacketBytes(p, off) || o + 24 > p.length) return false;
  out.ssrc = readU32(p, o);
  out.fractionLost = p[o + 4]!;
  out.cumulativeLost = (((p[o + 5]! << 16) | (p[o + 6]! << 8) | p[o + 7]!) << 8) >> 8;
  out.highestSequence = readU32(p, o + 8);
  out.jitter = readU32(p, o + 12);
  out.lastSr = readU32(p, o + 16);
  out.delaySinceLastSr = readU32(p, o + 20);
  return true;
}

/** SSRC `index` of the BYE at `off`, or −1. */
export function readByeSsrc(p: Uint8Array, off: number, index: number): number {
  if (rtcpPacketType(p, off) !== RTCP_BYE || index < 0 || index >= rtcpCount(p, off)) return RTCP_INVALID;
  const o = off + 4 + 4 * index;
  if (o + 4 > off + rtcpPacketBytes(p, off) || o + 4 > p.length) return RTCP_INVALID;
  return readU32(p, o);
}

/** True for a PLI (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI needed. Its target is rtcpMediaSsrc. */
export const isPli = (p: Uint8Array, off: number): boolean =>
  rtcpPacketType(p, off) === RTCP_PSFB && rtcpCount(p, off) === PSFB_FMT_PLI && rtcpPacketBytes(p, off) >= 12;

/** True for a FIR (RFC 5104 §4.3.1). Its targets are the FCI entries, not rtcpMediaSsrc (which is 0). */
export const isFir = (p: Uint8Array, off: number): boolean =>
  rtcpPacketType(p, off) === RTCP_PSFB && rtcpCount(p, off) === PSFB_FMT_FIR;

/** Number of complete FCI entries (SSRC, seq nr, 3 reserved bytes) in the FIR at `off`. */
export function firEntryCount(p: Uint8Array, off: number): number {
  if (!isFir(p, off)) return 0;
  const end = Math.min(off + rtcpPacketBytes(p, off), p.length);
  return Math.max(0, Math.floor((end - off - 12) / 8));
}
export const firEntrySsrc = (p: Uint8Array, off: number, i: number): number => readU32(p, off + 12 + 8 * i);
export const firEntrySequence = (p: Uint8Array, off: number, i: number): number => p[off + 12 + 8 * i + 4]!;

/**
 * The bitrate (bps) of a REMB (draft-alvestrand-rmcat-remb §2.2): PSFB FMT 15 with "REMB", or −1.
 * mantissa × 2^exp can exceed 2^53 for absurd exponents; the double is still the right order of magnitude.
 */
export function readRembBitrate(p: Uint8Array, off: number): number {
  if (rtcpPacketType(p, off) !== RTCP_PSFB || rtcpCount(p, off) !== PSFB_FMT_AFB) return RTCP_INVALID;
  const bytes = rtcpPacketBytes(p, off);
  if (bytes < 20 || off + 20 > p.length) return RTCP_INVALID;
  if (p[off + 12] !== 0x52 || p[off + 13] !== 0x45 || p[off + 14] !== 0x4d || p[off + 15] !== 0x42) return RTCP_INVALID;
  const numSsrc = p[off + 16]!;
  if (20 + 4 * numSsrc > bytes) return RTCP_INVALID;
  const exp = p[off + 17]! >> 2;
  const mantissa = ((p[off + 17]! & 0x03) << 16) | (p[off + 18]! << 8) | p[off + 19]!;
  return mantissa * 2 ** exp;
}
/** The SSRCs a REMB applies to: count, then each. */
export const rembSsrcCount = (p: Uint8Array, off: number): number => p[off + 16]!;
export const rembSsrc = (p: Uint8Array, off: number, i: number): number => readU32(p, off + 20 + 4 * i);

// ---- builders ------------------------------------------------------------------------------------

/** Writes a 12-byte PLI at dst[off…]; returns 12, or −1 if it does not fit. */
export function writePli(dst: Uint8Array, off: number, senderSsrc: number, mediaSsrc: number): number {
  if (off < 0 || off + 12 > dst.length) return -1;
  dst[off] = 0x80 | PSFB_FMT_PLI;
  dst[off + 1] = RTCP_PSFB;
  dst[off + 2] = 0;
  dst[off + 3] = 2;
  writeU32(dst, off + 4, senderSsrc);
  writeU32(dst, off + 8, mediaSsrc);
  return 12;
}

/** Writes a 20-byte FIR with one entry (RFC 5104 §4.3.1.1; media SSRC 0) at dst[off…]; returns 20 or −1. */
export function writeFir(dst: Uint8Array, off: number, senderSsrc: number, targetSsrc: number, sequence: number): number {
  if (off < 0 || off + 20 > dst.length) return -1;
  dst[off] = 0x80 | PSFB_FMT_FIR;
  dst[off + 1] = RTCP_PSFB;
  dst[off + 2] = 0;
  dst[off + 3] = 4;
  writeU32(dst, off + 4, senderSsrc);
  writeU32(dst, off + 8, 0);
  writeU32(dst, off + 12, targetSsrc);
  dst[off + 16] = sequence & 0xff;
  dst[off + 17] = 0;
  dst[off + 18] = 0;
  dst[off + 19] = 0;
  return 20;
}

/**
 * A receiver report (RFC 3550 §6.4.2) from the bridge's `senderSsrc`, built with werift-rtp's RR
 * classes (a cold path: once per interval per sender). Negative cumulative loss is passed in its 24-bit
 * two's complement form, which werift would otherwise refuse; at most 31 blocks fit one RR (RC is
 * 5 bits): the rest are left out, so the caller sends several RRs for more sources.
 */
export function buildReceiverReport(senderSsrc: number, blocks: readonly ReportBlock[]): Buffer {
  const reports = blocks.slice(0, 31).map(
    (b) =>
      new RtcpReceiverInfo({
        ssrc: b.ssrc >>> 0,
        fractionLost: b.fractionLost & 0xff,
        packetsLost: b.cumulativeLost & 0xffffff,
        highestSequence: b.highestSequence >>> 0,
        jitter: b.jitter >>> 0,
        lsr: b.lastSr >>> 0,
        dlsr: b.delaySinceLastSr >>> 0,
      }),
  );
  return new RtcpRrPacket({ ssrc: senderSsrc >>> 0, reports }).serialize();
}

/**
 * A sender's SR as one receiver must see it: the output SSRC and RTP timestamp (stream-rewriter's
 * mapSenderReportTimestamp), the output packet and octet counts, the sender's NTP time unchanged, and
 * NO report blocks (those describe what the sender receives from the bridge; they are terminated).
 * Writes 28 bytes at dst[dstOff…] from the SR at src[off…]; returns 28 or −1.
 */
export function writeRelayedSenderReport(
  src: Uint8Array,
  off: number,
  dst: Uint8Array,
  dstOff: number,
  outSsrc: number,
  outRtpTimestamp: number,
  packetCount: number,
  octetCount: number,
): number {
  if (rtcpPacketType(src, off) !== RTCP_SR || off + 28 > src.length || dstOff < 0 || dstOff + 28 > dst.length) return -1;
  dst[dstOff] = 0x80;
  dst[dstOff + 1] = RTCP_SR;
  dst[dstOff + 2] = 0;
  dst[dstOff + 3] = 6;
  writeU32(dst, dstOff + 4, outSsrc);
  for (let i = 8; i < 16; i++) dst[dstOff + i] = src[off + i]!;
  writeU32(dst, dstOff + 16, outRtpTimestamp);
  writeU32(dst, dstOff + 20, packetCount);
  writeU32(dst, dstOff + 24, octetCount);
  return 28;
}

// ---- loops ---------------------------------------------------------------------------------------

/**
 * Whether an RTCP packet received from `fromEndpoint` with sender SSRC `senderSsrc` may be relayed to
 * `toEndpoint`: never back to where it came from, and never one claiming a sender SSRC the bridge
 * itself uses (`localSsrcs`: its RTCP SSRCs and the output SSRCs it rewrites to): such a packet is
 * our own coming back, and relaying it would loop. Compound size is capped by
 * validateRtcpCompound on input and MAX_RTCP_COMPOUND_BYTES when building.
 */
export function isRtcpRelayAllowed(
  fromEndpoint: string,
  toEndpoint: string,
  senderSsrc: number,
  localSsrcs: ReadonlySet<number>,
): boolean {
  return fromEndpoint !== toEndpoint && !localSsrcs.has(senderSsrc >>> 0);
}

function readU32(p: Uint8Array, o: number): number {
  return ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
}

function writeU32(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 24) & 0xff;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}
