// Zero-allocation RTP header access (RFC 3550 §5.1) and RFC 8285 header extensions, on a byte view.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// |                           timestamp                           |
// |           synchronization source (SSRC) identifier            |
// |            contributing source (CSRC) identifiers (CC × 32)   |
// |  defined by profile (0xBEDE / 0x100x) |        length          |   if X
// |                  header extension (length × 32 bits)           |
//
// Contract: every function takes the packet as `(p, len)`, the first `len` bytes of `p` (so a pooled
// buffer longer than the packet works). `readRtpHeaderLength` validates the fixed header, the CSRC list,
// the extension block and the padding count against `len`; the field accessors below it assume a packet
// that passed it. Nothing here throws or allocates: reads past the end of a typed array yield
// `undefined`, which the bit operations turn into 0, and writes past the end are ignored, so even a
// misuse cannot crash the hot path. Sentinels are negative numbers (RTP_INVALID, EXT_NOT_FOUND).

/** Returned by readers when the packet is not valid RTP or the asked-for part is absent. */
export const RTP_INVALID = -1;
/** Returned by extension lookups when the element is absent or the extension block is malformed. */
export const EXT_NOT_FOUND = -1;
export const RTP_FIXED_HEADER_BYTES = 12;
/** RFC 8285 §4.2 one-byte header profile. */
export const EXT_PROFILE_ONE_BYTE = 0xbede;
/** RFC 8285 §4.3 two-byte header profile (the low 4 "appbits" are free). */
export const EXT_PROFILE_TWO_BYTE = 0x1000;

/**
 * Validates an RTP packet and returns its payload offset (the header length: 12 + 4·CC + the
 * extension block), or RTP_INVALID when the packet is shorter than its header says, is not version 2,
 * or its padding count is 0 or longer than the payload (RFC 3550 §5.1, A.1).
 */
export function readRtpHeaderLength(p: Uint8Array, len: number): number {
  if (len < RTP_FIXED_HEADER_BYTES || len > p.length) return RTP_INVALID;
  const b0 = p[0]!;
  if ((b0 & 0xc0) !== 0x80) return RTP_INVALID;
  let off = RTP_FIXED_HEADER_BYTES + (b0 & 0x0f) * 4;
  if ((b0 & 0x10) !== 0) {
    if (off + 4 > len) return RTP_INVALID;
    off += 4 + ((p[off + 2]! << 8) | p[off + 3]!) * 4;
  }
  if (off > len) return RTP_INVALID;
  if ((b0 & 0x20) !== 0) {
    const pad = p[len - 1]!;
    if (pad === 0 || off + pad > len) return RTP_INVALID;
  }
  return off;
}

/** Payload bytes between the header and the padding, for a packet that passed readRtpHeaderLength. */
export function rtpPayloadLength(p: Uint8Array, len: number, payloadOffset: number): number {
  return len - payloadOffset - ((p[0]! & 0x20) !== 0 ? p[len - 1]! : 0);
}

export const rtpVersion = (p: Uint8Array): number => p[0]! >> 6;
export const rtpHasPadding = (p: Uint8Array): boolean => (p[0]! & 0x20) !== 0;
export const rtpHasExtension = (p: Uint8Array): boolean => (p[0]! & 0x10) !== 0;
export const rtpCsrcCount = (p: Uint8Array): number => p[0]! & 0x0f;
export const rtpMarker = (p: Uint8Array): boolean => (p[1]! & 0x80) !== 0;
export const rtpPayloadType = (p: Uint8Array): number => p[1]! & 0x7f;
export const rtpSequenceNumber = (p: Uint8Array): number => (p[2]! << 8) | p[3]!;
export const rtpTimestamp = (p: Uint8Array): number =>
  ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
export const rtpSsrc = (p: Uint8Array): number =>
  ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0;

export function writeRtpMarker(p: Uint8Array, marker: boolean): void {
  p[1] = marker ? p[1]! | 0x80 : p[1]! & 0x7f;
}
export function writeRtpPayloadType(p: Uint8Array, pt: number): void {
  p[1] = (p[1]! & 0x80) | (pt & 0x7f);
}
export function writeRtpSequenceNumber(p: Uint8Array, seq: number): void {
  p[2] = (seq >>> 8) & 0xff;
  p[3] = seq & 0xff;
}
export function writeRtpTimestamp(p: Uint8Array, ts: number): void {
  p[4] = (ts >>> 24) & 0xff;
  p[5] = (ts >>> 16) & 0xff;
  p[6] = (ts >>> 8) & 0xff;
  p[7] = ts & 0xff;
}
export function writeRtpSsrc(p: Uint8Array, ssrc: number): void {
  p[8] = (ssrc >>> 24) & 0xff;
  p[9] = (ssrc >>> 16) & 0xff;
  p[10] = (ssrc >>> 8) & 0xff;
  p[11] = ssrc & 0xff;
}

/** Signed distance a − b between two 16-bit sequence numbers, in [−32768, 32767] (RFC 3550 A.1). */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

// ---- RFC 8285 header extensions ------------------------------------------------------------------
//
// A found element is returned as one number, `dataOffset * 256 + dataLength` (dataLength is 1–16 in
// the one-byte form and 0–255 in the two-byte form), so a lookup allocates nothing. Decode it with
// extDataOffset / extDataLength.

export const extDataOffset = (found: number): number => found >>> 8;
export const extDataLength = (found: number): number => found & 0xff;

/** Start of the extension elements, or −1 (no X bit, or the block does not fit `len`). */
function extensionElementsStart(p: Uint8Array, len: number): number {
  const b0 = p[0]!;
  if ((b0 & 0x10) === 0) return -1;
  const x = RTP_FIXED_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (x + 4 > len) return -1;
  if (x + 4 + ((p[x + 2]! << 8) | p[x + 3]!) * 4 > len) return -1;
  return x + 4;
}

/**
 * Finds extension element `id` (1–14 one-byte, 1–255 two-byte). Padding bytes (0) are skipped, id 15
 * in the one-byte form stops the walk (RFC 8285 §4.2), and an element running past the block makes the
 * whole block malformed (EXT_NOT_FOUND).
 */
export function findRtpExtension(p: Uint8Array, len: number, id: number): number {
  const start = extensionElementsStart(p, len);
  if (start < 0 || id <= 0) return EXT_NOT_FOUND;
  const profile = (p[start - 4]! << 8) | p[start - 3]!;
  const end = start + ((p[start - 2]! << 8) | p[start - 1]!) * 4;
  let i = start;
  if (profile === EXT_PROFILE_ONE_BYTE) {
    while (i < end) {
      const h = p[i]!;
      const eid = h >> 4;
      if (eid === 0) {
        i++;
        continue;
      }
      if (eid === 15) return EXT_NOT_FOUND;
      const l = (h & 0x0f) + 1;
      if (i + 1 + l > end) return EXT_NOT_FOUND;
      if (eid === id) return (i + 1) * 256 + l;
      i += 1 + l;
    }
  } else if ((profile & 0xfff0) === EXT_PROFILE_TWO_BYTE) {
    while (i < end) {
      const eid = p[i]!;
      if (eid === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return EXT_NOT_FOUND;
      const l = p[i + 1]!;
      if (i + 2 + l > end) return EXT_NOT_FOUND;
      if (eid === id) return (i + 2) * 256 + l;
      i += 2 + l;
    }
  }
  return EXT_NOT_FOUND;
}

/**
 * Rewrites every extension id in place through `idMap` (index = the sender's id, value = the
 * receiver's id for the same URI, 0 = the receiver did not negotiate it). Unmapped elements, and in the
 * one-byte form elements whose new id would exceed 14, are turned into padding by zeroing their bytes
 * (a 0 byte is padding in both forms), so the packet keeps its length and no byte moves.
 * Returns false when the block is malformed (then the packet may be half rewritten: drop it).
 * A packet without extensions, or with a non-RFC 8285 profile, is left alone and returns true.
 */
export function rewriteRtpExtensionIds(p: Uint8Array, len: number, idMap: Uint8Array): boolean {
  const b0 = p[0]!;
  if ((b0 & 0x10) === 0) return true;
  const start = extensionElementsStart(p, len);
  if (start < 0) return false;
  const profile = (p[start - 4]! << 8) | p[start - 3]!;
  const end = start + ((p[start - 2]! << 8) | p[start - 1]!) * 4;
  let i = start;
  if (profile === EXT_PROFILE_ONE_BYTE) {
    while (i < end) {
      const h = p[i]!;
      const eid = h >> 4;
      if (eid === 0) {
        i++;
        continue;
      }
      if (eid === 15) return true; // "stop processing": the rest is not ours to touch
      const l = (h & 0x0f) + 1;
      if (i + 1 + l > end) return false;
      const nid = idMap[eid] ?? 0;
      if (nid === 0 || nid > 14) p.fill(0, i, i + 1 + l);
      else p[i] = (nid << 4) | (h & 0x0f);
      i += 1 + l;
    }
    return true;
  }
  if ((profile & 0xfff0) === EXT_PROFILE_TWO_BYTE) {
    while (i < end) {
      const eid = p[i]!;
      if (eid === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return false;
      const l = p[i + 1]!;
      if (i + 2 + l > end) return false;
      const nid = idMap[eid] ?? 0;
      if (nid === 0) p.fill(0, i, i + 2 + l);
      else p[i] = nid;
      i += 2 + l;
    }
    return true;
  }
  return true;
}

/** An id map that keeps every id (for a receiver that negotiated the same ids as the sender). */
export function identityExtensionIdMap(): Uint8Array {
  const m = new Uint8Array(256);
  for (let i = 1; i < 256; i++) m[i] = i;
  return m;
}

/**
 * RFC 6464 ssrc-audio-level: returns the raw byte (bit 7 = V, voice activity; bits 0–6 = level in
 * −dBov, 0 loudest … 127 silence), or RTP_INVALID when the element is absent or empty.
 */
export function readRtpAudioLevel(p: Uint8Array, len: number, id: number): number {
  const found = findRtpExtension(p, len, id);
  if (found < 0 || extDataLength(found) < 1) return RTP_INVALID;
  return p[extDataOffset(found)]!;
}

/** Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), or RTP_INVALID. */
export function readRtpTransportSequence(p: Uint8Array, len: number, id: number): number {
  const found = findRtpExtension(p, len, id);
  if (found < 0 || extDataLength(found) < 2) return RTP_INVALID;
  const o = extDataOffset(found);
  return (p[o]! << 8) | p[o + 1]!;
}

/** Overwrites the transport-wide sequence number in place; false when the element is absent. */
export function writeRtpTransportSequence(p: Uint8Array, len: number, id: number, seq: number): boolean {
  const found = findRtpExtension(p, len, id);
  if (found < 0 || extDataLength(found) < 2) return false;
  const o = extDataOffset(found);
  p[o] = (seq >>> 8) & 0xff;
  p[o + 1] = seq & 0xff;
  return true;
}
