// VP8 RTP payload descriptor (RFC 7741 §4.2) and payload header (§4.3): parse into a reusable record,
// rewrite picture id and TL0PICIDX in place.
//
//       0 1 2 3 4 5 6 7
//      +-+-+-+-+-+-+-+-+
//      |X|R|N|S|R| PID | (REQUIRED)
//      +-+-+-+-+-+-+-+-+
// X:   |I|L|T|K| RSV   | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// I:   |M| PictureID   | (OPTIONAL; M=1: 15-bit picture id over two bytes)
//      +-+-+-+-+-+-+-+-+
// L:   |   TL0PICIDX   | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// then, at the start of partition 0 (S=1, PID=0), the VP8 payload header:
//      |Size0|H| VER |P|   P = 0: key frame; a key frame also carries the start code 9d 01 2a at +3.
//
// `readVp8Descriptor` fills a caller-owned Vp8Descriptor (make one with newVp8Descriptor and reuse it
// for every packet), so parsing allocates nothing. It never throws: a descriptor that does not fit the
// payload returns false.

export type Vp8Descriptor = {
  /** Bytes of the payload descriptor; the VP8 payload starts after them. */
  descriptorBytes: number;
  isNonReference: boolean;
  isStartOfPartition: boolean;
  partitionIndex: number;
  /** S=1 and PID=0: the first packet of a frame. */
  isStartOfFrame: boolean;
  /** Start of frame whose payload header has P=0 and the key frame start code. */
  isKeyframe: boolean;
  /** −1 when absent. */
  pictureId: number;
  /** 0 (absent), 7 or 15. */
  pictureIdBits: number;
  /** Offset in the packet of the picture id's first byte, −1 when absent. */
  pictureIdOffset: number;
  /** −1 when absent. */
  tl0PicIdx: number;
  tl0PicIdxOffset: number;
  /** TID, −1 when absent. */
  temporalId: number;
  /** Y bit: this frame depends only on TL0 frames (a switching-up point). */
  isLayerSync: boolean;
  /** KEYIDX, −1 when absent. */
  keyIndex: number;
};

export function newVp8Descriptor(): Vp8Descriptor {
  return {
    descriptorBytes: 0,
    isNonReference: false,
    isStartOfPartition: false,
    partitionIndex: 0,
    isStartOfFrame: false,
    isKeyframe: false,
    pictureId: -1,
    pictureIdBits: 0,
    pictureIdOffset: -1,
    tl0PicIdx: -1,
    tl0PicIdxOffset: -1,
    temporalId: -1,
    isLayerSync: false,
    keyIndex: -1,
  };
}

/**
 * Parses the descriptor of the VP8 payload `p[off, end)` into `out`. Returns false (and leaves `out`
 * describing nothing useful) when the descriptor is truncated or the payload is empty after it.
 */
export function readVp8Descriptor(p: Uint8Array, off: number, end: number, out: Vp8Descriptor): boolean {
  out.pictureId = -1;
  out.pictureIdBits = 0;
  out.pictureIdOffset = -1;
  out.tl0PicIdx = -1;
  out.tl0PicIdxOffset = -1;
  out.temporalId = -1;
  out.isLayerSync = false;
  out.keyIndex = -1;
  out.isKeyframe = false;
  out.isStartOfFrame = false;
  if (off < 0 || end > p.length || off >= end) return false;
  const b0 = p[off]!;
  out.isNonReference = (b0 & 0x20) !== 0;
  out.isStartOfPartition = (b0 & 0x10) !== 0;
  out.partitionIndex = b0 & 0x07;
  let i = off + 1;
  if ((b0 & 0x80) !== 0) {
    if (i >= end) return false;
    const x = p[i++]!;
    if ((x & 0x80) !== 0) {
      if (i >= end) return false;
      out.pictureIdOffset = i;
      if ((p[i]! & 0x80) !== 0) {
        if (i + 1 >= end) return false;
        out.pictureId = ((p[i]! & 0x7f) << 8) | p[i + 1]!;
        out.pictureIdBits = 15;
        i += 2;
      } else {
        out.pictureId = p[i]! & 0x7f;
        out.pictureIdBits = 7;
        i += 1;
      }
    }
    if ((x & 0x40) !== 0) {
      if (i >= end) return false;
      out.tl0PicIdxOffset = i;
      out.tl0PicIdx = p[i++]!;
    }
    if ((x & 0x30) !== 0) {
      if (i >= end) return false;
      const tk = p[i++]!;
      if ((x & 0x20) !== 0) {
        out.temporalId = tk >> 6;
        out.isLayerSync = (tk & 0x20) !== 0;
      }
      if ((x & 0x10) !== 0) out.keyIndex = tk & 0x1f;
    }
  }
  if (i >= end) return false; // a descriptor with no VP8 payload after it
  out.descriptorBytes = i - off;
  out.isStartOfFrame = out.isStartOfPartition && out.partitionIndex === 0;
  out.isKeyframe =
    out.isStartOfFrame &&
    (p[i]! & 0x01) === 0 &&
    i + 5 < end &&
    p[i + 3] === 0x9d &&
    p[i + 4] === 0x01 &&
    p[i + 5] === 0x2a;
  return true;
}

/**
 * Writes `pictureId` (taken modulo the field's width: 2^15 or 2^7) into the picture id field the
 * descriptor found; false when the packet has none.
 */
export function writeVp8PictureId(p: Uint8Array, d: Vp8Descriptor, pictureId: number): boolean {
  const o = d.pictureIdOffset;
  if (o < 0) return false;
  if (d.pictureIdBits === 15) {
    p[o] = 0x80 | ((pictureId >>> 8) & 0x7f);
    p[o + 1] = pictureId & 0xff;
  } else {
    p[o] = pictureId & 0x7f;
  }
  return true;
}

/** Writes TL0PICIDX (modulo 256); false when the packet has none. */
export function writeVp8Tl0PicIdx(p: Uint8Array, d: Vp8Descriptor, tl0PicIdx: number): boolean {
  const o = d.tl0PicIdxOffset;
  if (o < 0) return false;
  p[o] = tl0PicIdx & 0xff;
  return true;
}
