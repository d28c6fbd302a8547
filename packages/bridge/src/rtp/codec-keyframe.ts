// Key frame detection for the video codecs the bridge forwards, from the RTP payload alone:
// VP8 (RFC 7741, via vp8.ts), VP9 (RFC 9628), H.264 (RFC 6184) and AV1 (AOM "RTP Payload Format for
// AV1" §4.4, the aggregation header's N bit). Every function reads `p[off, end)`, allocates nothing and
// returns false for anything truncated or unknown.

import { assertNever } from '@plenum/kit';

/** Codec of a payload type, as negotiated for the sender. Audio and unknown codecs have no key frames. */
export type VideoCodec = 'vp8' | 'vp9' | 'h264' | 'av1';

// VP8: the descriptor and payload header are parsed in vp8.ts; this is the allocation-free short form.
/** VP8 key frame: S=1, PID=0, P=0 in the payload header and the start code 9d 01 2a (RFC 7741 §4.3). */
export function isVp8Keyframe(p: Uint8Array, off: number, end: number): boolean {
  if (off < 0 || end > p.length || off >= end) return false;
  const b0 = p[off]!;
  if ((b0 & 0x17) !== 0x10) return false; // S=1 and PID=0
  let i = off + 1;
  if ((b0 & 0x80) !== 0) {
    if (i >= end) return false;
    const x = p[i++]!;
    if ((x & 0x80) !== 0) {
      if (i >= end) return false;
      i += (p[i]! & 0x80) !== 0 ? 2 : 1;
    }
    if ((x & 0x40) !== 0) i++;
    if ((x & 0x30) !== 0) i++;
  }
  return i + 5 < end && (p[i]! & 0x01) === 0 && p[i + 3] === 0x9d && p[i + 4] === 0x01 && p[i + 5] === 0x2a;
}

//  VP9 payload descriptor (RFC 9628 §4.2), first byte and the optional layer byte:
//      |I|P|L|F|B|E|V|Z|      I: picture id present (M bit → 15 bits), P: inter-picture predicted,
//      |M| PICTURE ID  |      L: layer indices present, B: start of a layer frame
//      | TID |U| SID |D|      SID: spatial layer, D: inter-layer dependency
/**
 * VP9 key frame: the first packet (B=1) of a base-spatial-layer frame (SID=0 when layer indices are
 * present) that is not inter-picture predicted (P=0).
 */
export function isVp9Keyframe(p: Uint8Array, off: number, end: number): boolean {
  if (off < 0 || end > p.length || off >= end) return false;
  const b0 = p[off]!;
  if ((b0 & 0x40) !== 0 || (b0 & 0x08) === 0) return false; // P=1, or not B
  if ((b0 & 0x20) === 0) return true; // no layer indices: a single-layer stream
  let i = off + 1;
  if ((b0 & 0x80) !== 0) {
    if (i >= end) return false;
    i += (p[i]! & 0x80) !== 0 ? 2 : 1;
  }
  if (i >= end) return false;
  const layer = p[i]!;
  return ((layer >> 1) & 0x07) === 0 && (layer & 0x01) === 0;
}

const H264_IDR = 5;
const H264_SPS = 7;
const H264_STAP_A = 24;
const H264_FU_A = 28;

/**
 * H.264 key frame (RFC 6184 §5): an IDR slice or an SPS, in a single NAL unit packet (types 1–23), in
 * any aggregation unit of a STAP-A (§5.7.1), or at the start (S=1) of an FU-A (§5.8). STAP-B, MTAP and
 * FU-B (interleaved mode) are not used by browsers and count as not key frames.
 */
export function isH264Keyframe(p: Uint8Array, off: number, end: number): boolean {
  if (off < 0 || end > p.length || off >= end) return false;
  const type = p[off]! & 0x1f;
  if (type === H264_IDR || type === H264_SPS) return true;
  if (type === H264_STAP_A) {
    let i = off + 1;
    while (i + 2 < end) {
      const size = (p[i]! << 8) | p[i + 1]!;
      i += 2;
      if (size === 0 || i + size > end) return false;
      const t = p[i]! & 0x1f;
      if (t === H264_IDR || t === H264_SPS) return true;
      i += size;
    }
    return false;
  }
  if (type === H264_FU_A) {
    if (off + 1 >= end) return false;
    const fu = p[off + 1]!;
    const t = fu & 0x1f;
    return (fu & 0x80) !== 0 && (t === H264_IDR || t === H264_SPS);
  }
  return false;
}

//  AV1 aggregation header (AV1 RTP spec §4.4):  |Z|Y| W |N|-|-|-|
//  N = 1: "the first packet of a coded video sequence", which starts with a sequence header and a key
//  frame; Z = 0: the first OBU element is not a continuation.
/**
 * AV1 key frame, from the aggregation header's N bit. This is cheap and exactly what the sender marks;
 * it does not parse OBUs, so an intra-only frame inside a sequence is not reported (layer switching on
 * AV1 SVC needs the dependency descriptor extension, which this module does not parse).
 */
export function isAv1Keyframe(p: Uint8Array, off: number, end: number): boolean {
  if (off < 0 || end > p.length || off >= end) return false;
  const h = p[off]!;
  return (h & 0x08) !== 0 && (h & 0x80) === 0;
}

/** Dispatch on the sender's negotiated codec. */
export function isKeyframe(codec: VideoCodec, p: Uint8Array, off: number, end: number): boolean {
  switch (codec) {
    case 'vp8':
      return isVp8Keyframe(p, off, end);
    case 'vp9':
      return isVp9Keyframe(p, off, end);
    case 'h264':
      return isH264Keyframe(p, off, end);
    case 'av1':
      return isAv1Keyframe(p, off, end);
    default:
      return assertNever(codec);
  }
}
