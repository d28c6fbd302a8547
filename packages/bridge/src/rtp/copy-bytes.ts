// Byte copy between views without creating a view per call: Buffer#copy goes straight to the native
// memcpy for any Uint8Array source and target (Node 20), where `dst.set(src.subarray(a, b))` would
// allocate a subarray object on every packet. Buffer#copy throws on a negative or out-of-range start;
// the guard below returns 0 instead, so this never throws.

const bufferCopy = Buffer.prototype.copy;

/** Copies src[srcStart, srcEnd) to dst at dstStart; returns the bytes copied (clipped to both views). */
export function copyBytes(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number): number {
  if (!(srcStart >= 0 && dstStart >= 0 && srcStart < srcEnd && srcStart < src.length && dstStart < dst.length)) return 0;
  return bufferCopy.call(src, dst, dstStart, srcStart, srcEnd);
}
