// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1),
// read into a caller-owned, preallocated record for the bandwidth estimator.
//
//  |V=2|P|  FMT=15 |    PT=205     |           length              |
//  |                     SSRC of packet sender                     |
//  |                      SSRC of media source                     |
//  |      base sequence number     |      packet status count      |
//  |                 reference time                | fb pkt. count |
//  |          packet chunk         |         packet chunk          |  …
//  |  recv delta   |  recv delta   |   …                              (1 byte small, 2 bytes large)
//
//  Run length chunk:    |0| S |       run length (13)     |
//  Status vector chunk: |1|S|      symbol list (14 bits)  |   S=0: 14 × 1 bit, S=1: 7 × 2 bits
//  Symbols: 0 not received, 1 received (small delta, u8 × 250 µs), 2 received (large or negative
//  delta, i16 × 250 µs), 3 reserved (the packet is refused).

import { RTCP_RTPFB, RTPFB_FMT_TWCC, rtcpPacketBytes } from './rtcp.ts';

export const TWCC_NOT_RECEIVED = 0;
export const TWCC_SMALL_DELTA = 1;
export const TWCC_LARGE_DELTA = 2;

export type TwccFeedback = {
  senderSsrc: number;
  mediaSsrc: number;
  baseSequence: number;
  /** Statuses filled in `status` / `deltaUs` (packet status count). */
  statusCount: number;
  /** Reference time in 64 ms ticks, the raw unsigned 24-bit field (it wraps every ~12.4 days; compare
   *  consecutive feedbacks modulo 2^24, as libwebrtc does). */
  referenceTime64ms: number;
  feedbackCount: number;
  /** Per packet from baseSequence: TWCC_NOT_RECEIVED / SMALL_DELTA / LARGE_DELTA. */
  readonly status: Uint8Array;
  /** Per packet: arrival delta from the previous received packet (the first from the reference time), µs. */
  readonly deltaUs: Int32Array;
};

/** A reusable record for up to `capacity` statuses per feedback (Chrome sends far fewer than 2048). */
export function newTwccFeedback(capacity = 2048): TwccFeedback {
  return {
    senderSsrc: 0,
    mediaSsrc: 0,
    baseSequence: 0,
    statusCount: 0,
    referenceTime64ms: 0,
    feedbackCount: 0,
    status: new Uint8Array(capacity),
    deltaUs: new Int32Array(capacity),
  };
}

/**
 * Reads the TWCC feedback packet at `p[off…]` (whose length field the caller's compound walk trusts)
 * into `out`. False when it is not TWCC, is truncated (including feedback without receive deltas, which
 * browsers do not send), has a reserved symbol, reports no packets, or has more statuses than `out`
 * holds. Allocates nothing.
 */
export function readTwccFeedback(p: Uint8Array, off: number, out: TwccFeedback): boolean {
  if (off < 0 || off + 20 > p.length) return false;
  if ((p[off]! & 0xc0) !== 0x80 || (p[off]! & 0x1f) !== RTPFB_FMT_TWCC || p[off + 1] !== RTCP_RTPFB) return false;
  let end = off + rtcpPacketBytes(p, off);
  if (end > p.length || end < off + 20) return false;
  if ((p[off]! & 0x20) !== 0) {
    const pad = p[end - 1]!;
    if (pad === 0 || end - pad < off + 20) return false;
    end -= pad;
  }
  const count = (p[off + 14]! << 8) | p[off + 15]!;
  if (count === 0 || count > out.status.length) return false; // libwebrtc refuses empty feedback too
  out.senderSsrc = readU32(p, off + 4);
  out.mediaSsrc = readU32(p, off + 8);
  out.baseSequence = (p[off + 12]! << 8) | p[off + 13]!;
  out.statusCount = count;
  out.referenceTime64ms = (p[off + 16]! << 16) | (p[off + 17]! << 8) | p[off + 18]!;
  out.feedbackCount = p[off + 19]!;

  const status = out.status;
  let n = 0;
  let i = off + 20;
  while (n < count) {
    if (i + 2 > end) return false;
    const c = (p[i]! << 8) | p[i + 1]!;
    i += 2;
    if ((c & 0x8000) === 0) {
      const symbol = (c >> 13) & 0x03;
      if (symbol === 3) return false;
      const run = Math.min(c & 0x1fff, count - n);
      status.fill(symbol, n, n + run);
      n += run;
    } else if ((c & 0x4000) === 0) {
      for (let b = 13; b >= 0 && n < count; b--) status[n++] = (c >> b) & 0x01;
    } else {
      for (let b = 12; b >= 0 && n < count; b -= 2) {
        const symbol = (c >> b) & 0x03;
        if (symbol === 3) return false;
        status[n++] = symbol;
      }
    }
  }
  const deltas = out.deltaUs;
  for (let k = 0; k < count; k++) {
    const s = status[k]!;
    if (s === TWCC_SMALL_DELTA) {
      if (i + 1 > end) return false;
      deltas[k] = p[i]! * 250;
      i += 1;
    } else if (s === TWCC_LARGE_DELTA) {
      if (i + 2 > end) return false;
      deltas[k] = ((((p[i]! << 8) | p[i + 1]!) << 16) >> 16) * 250;
      i += 2;
    } else {
      deltas[k] = 0;
    }
  }
  return true;
}

function readU32(p: Uint8Array, o: number): number {
  return ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
}
