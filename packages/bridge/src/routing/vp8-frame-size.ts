// The frame height a VP8 key frame declares (RFC 6386 §9.1): after the 3-byte frame tag and the start
// code 9d 01 2a come width and height, 14 bits each, little-endian (the top 2 bits are scaling). Only
// a key frame's first packet carries them. Used to learn which simulcast encoding has which height.

/** The height in the key frame header at p[payloadStart…], or −1 when it is not there. */
export function readVp8KeyframeHeight(p: Uint8Array, payloadStart: number, end: number): number {
  const h = payloadStart;
  if (h + 10 > end || (p[h]! & 0x01) !== 0) return -1;
  if (p[h + 3] !== 0x9d || p[h + 4] !== 0x01 || p[h + 5] !== 0x2a) return -1;
  const height = (p[h + 8]! | (p[h + 9]! << 8)) & 0x3fff;
  return height > 0 ? height : -1;
}
