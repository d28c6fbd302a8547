// Generic NACK (RFC 4585 §6.2.1) read and write, and RTX (RFC 4588 §4) wrap/unwrap, in place.
//
//  Generic NACK: RTCP RTPFB (PT=205), FMT=1, then one FCI entry per 17-packet window:
//   0                   1                   2                   3
//  |V=2|P| FMT=1   |    PT=205     |          length               |
//  |                  SSRC of packet sender                        |
//  |                  SSRC of media source                         |
//  |            PID                |             BLP               |   × n
//  PID = a lost sequence number; bit i of BLP set = PID + i + 1 lost too.
//
//  RTX: the original header with the RTX payload type, SSRC and sequence number, then the original
//  sequence number (OSN, 16 bits), then the original payload (and padding).

import { copyBytes } from './copy-bytes.ts';
import { RTCP_RTPFB, RTPFB_FMT_NACK } from './rtcp.ts';
import {
  readRtpHeaderLength,
  rtpPayloadLength,
  rtpSequenceNumber,
  seqDiff,
  writeRtpPayloadType,
  writeRtpSequenceNumber,
  writeRtpSsrc,
} from './rtp-header.ts';

/**
 * Reads the lost sequence numbers of the generic NACK `p[off, off + packetLength)` (a whole RTCP
 * packet, as found by rtcp.ts's walker) into the caller's reusable `out`. Returns how many were written
 * (at most out.length; the rest are dropped, which the caller may count), or −1 when it is not a
 * well-formed generic NACK. Sequence numbers wrap at 2^16.
 */
export function readNackSequences(p: Uint8Array, off: number, packetLength: number, out: Uint16Array): number {
  const end = off + packetLength;
  if (off < 0 || end > p.length || packetLength < 16 || (packetLength & 3) !== 0) return -1;
  if ((p[off]! & 0xc0) !== 0x80 || (p[off]! & 0x1f) !== RTPFB_FMT_NACK || p[off + 1] !== RTCP_RTPFB) return -1;
  let fciEnd = end;
  if ((p[off]! & 0x20) !== 0) {
    const pad = p[end - 1]!;
    if (pad === 0 || (pad & 3) !== 0 || off + 12 + pad > end) return -1;
    fciEnd -= pad;
  }
  let n = 0;
  for (let i = off + 12; i + 4 <= fciEnd; i += 4) {
    const pid = (p[i]! << 8) | p[i + 1]!;
    const blp = (p[i + 2]! << 8) | p[i + 3]!;
    if (n >= out.length) return n;
    out[n++] = pid;
    for (let b = 0; b < 16; b++) {
      if ((blp & (1 << b)) !== 0) {
        if (n >= out.length) return n;
        out[n++] = (pid + b + 1) & 0xffff;
      }
    }
  }
  return n;
}

/** Media SSRC of a generic NACK (the sender's stream it asks about); the packet must be valid. */
export const nackMediaSsrc = (p: Uint8Array, off: number): number =>
  ((p[off + 8]! << 24) | (p[off + 9]! << 16) | (p[off + 10]! << 8) | p[off + 11]!) >>> 0;

/**
 * Writes a generic NACK for `seqs[0, count)` (in ascending wrap-aware order; duplicates are skipped) at
 * `dst[off…]`. Returns the bytes written, or −1 when it would not fit in `dst` or count is 0.
 */
export function writeNack(
  dst: Uint8Array,
  off: number,
  senderSsrc: number,
  mediaSsrc: number,
  seqs: ArrayLike<number>,
  count: number,
): number {
  if (count <= 0 || off < 0 || off + 16 > dst.length) return -1;
  let i = off + 12;
  let pid = seqs[0]! & 0xffff;
  let blp = 0;
  for (let k = 1; k <= count; k++) {
    const seq = k < count ? seqs[k]! & 0xffff : -1;
    const d = seq < 0 ? -1 : seqDiff(seq, pid);
    if (d === 0) continue;
    if (d >= 1 && d <= 16) {
      blp |= 1 << (d - 1);
      continue;
    }
    if (i + 4 > dst.length) return -1;
    dst[i] = pid >>> 8;
    dst[i + 1] = pid & 0xff;
    dst[i + 2] = blp >>> 8;
    dst[i + 3] = blp & 0xff;
    i += 4;
    pid = seq;
    blp = 0;
  }
  const words = (i - off) / 4 - 1;
  dst[off] = 0x80 | RTPFB_FMT_NACK;
  dst[off + 1] = RTCP_RTPFB;
  dst[off + 2] = words >>> 8;
  dst[off + 3] = words & 0xff;
  writeU32(dst, off + 4, senderSsrc);
  writeU32(dst, off + 8, mediaSsrc);
  return i - off;
}

/**
 * Turns the RTP packet `p[0, len)` into its RTX form in place (RFC 4588 §4): moves the payload two
 * bytes on, writes the original sequence number before it, and sets the RTX payload type, SSRC and
 * sequence number (marker, timestamp, CSRCs and extensions are kept). `p` needs room for len + 2.
 * Returns the new length, or −1 (not valid RTP, or no room).
 */
export function wrapRtxInPlace(p: Uint8Array, len: number, rtxPayloadType: number, rtxSsrc: number, rtxSeq: number): number {
  const off = readRtpHeaderLength(p, len);
  if (off < 0 || len + 2 > p.length) return -1;
  const osn = rtpSequenceNumber(p);
  p.copyWithin(off + 2, off, len);
  p[off] = osn >>> 8;
  p[off + 1] = osn & 0xff;
  writeRtpPayloadType(p, rtxPayloadType);
  writeRtpSsrc(p, rtxSsrc);
  writeRtpSequenceNumber(p, rtxSeq);
  return len + 2;
}

/**
 * Turns an RTX packet back into the original in place: sequence number from the OSN, the media payload
 * type and SSRC, payload moved back two bytes. Returns the new length, or −1 (not valid RTP, or no OSN:
 * e.g. the padding-only RTX packets browsers send to probe bandwidth, which are not retransmissions).
 */
export function unwrapRtxInPlace(p: Uint8Array, len: number, mediaPayloadType: number, mediaSsrc: number): number {
  const off = readRtpHeaderLength(p, len);
  if (off < 0 || rtpPayloadLength(p, len, off) < 2) return -1;
  const osn = (p[off]! << 8) | p[off + 1]!;
  p.copyWithin(off, off + 2, len);
  writeRtpSequenceNumber(p, osn);
  writeRtpPayloadType(p, mediaPayloadType);
  writeRtpSsrc(p, mediaSsrc);
  return len - 2;
}

/**
 * Copy-then-wrap for when the original must stay intact: writes the RTX form of `src[0, len)` to `dst`
 * (which needs len + 2 bytes). Returns the RTX length or −1.
 */
export function writeRtxPacket(
  src: Uint8Array,
  len: number,
  dst: Uint8Array,
  rtxPayloadType: number,
  rtxSsrc: number,
  rtxSeq: number,
): number {
  const off = readRtpHeaderLength(src, len);
  if (off < 0 || len + 2 > dst.length) return -1;
  copyBytes(src, 0, off, dst, 0);
  dst[off] = src[2]!;
  dst[off + 1] = src[3]!;
  copyBytes(src, off, len, dst, off + 2);
  writeRtpPayloadType(dst, rtxPayloadType);
  writeRtpSsrc(dst, rtxSsrc);
  writeRtpSequenceNumber(dst, rtxSeq);
  return len + 2;
}

function writeU32(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 24) & 0xff;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}
