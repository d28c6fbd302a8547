// EBML (RFC 8794), the binary format under Matroska and WebM: an element is its ID, its size as a
// variable-length integer, then its data. Only what a WebM writer needs: unsigned integers, floats,
// strings, bytes and masters, built into Buffers. Pure, no I/O.

/** The "unknown size" marker (RFC 8794 §6.2), 8 bytes: a live Segment whose end is not known yet. */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** The largest size an 8-byte VINT can say (all ones means unknown). */
const MAX_VINT8 = 2 ** 56 - 2;

/** An element ID as written (IDs keep their marker bits: 0x1A45DFA3 is four bytes). */
export function ebmlIdBytes(id: number): Buffer {
  const n = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  const out = Buffer.allocUnsafe(n);
  out.writeUIntBE(id, 0, n);
  return out;
}

/** Bytes of the shortest VINT saying `size` (at least `min`). */
export function vintLength(size: number, min = 1): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_VINT8) throw new RangeError(`EBML size out of range: ${size}`);
  // A VINT of n bytes holds 7n bits; all ones is reserved for "unknown".
  let n = min;
  let limit = 2 ** (7 * n) - 1;
  while (size >= limit) {
    n++;
    limit = limit * 128 + 127;
  }
  return n;
}

/** Writes `size` as a VINT of `n` bytes (vintLength) at `at`; returns the offset after it. */
export function writeVint(out: Uint8Array, at: number, size: number, n: number): number {
  let v = size;
  for (let i = n - 1; i >= 0; i--) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[at] = (out[at] as number) | (0x80 >> (n - 1));
  return at + n;
}

/** `size` as the shortest VINT, or as exactly `width` bytes (a size patched in place later). */
export function vintBytes(size: number, width?: number): Buffer {
  const n = vintLength(size, width);
  if (width !== undefined && n !== width) throw new RangeError(`EBML size ${size} does not fit ${width} bytes`);
  const out = Buffer.alloc(n);
  writeVint(out, 0, size, n);
  return out;
}

export const element = (id: number, data: Buffer): Buffer => Buffer.concat([ebmlIdBytes(id), vintBytes(data.length), data]);

export function uintElement(id: number, value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`EBML uint out of range: ${value}`);
  let n = 1;
  while (n < 8 && value >= 2 ** (8 * n)) n++;
  const data = Buffer.alloc(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    data[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return element(id, data);
}

/** An 8-byte float (Duration is written this way so it can be patched in place at the end). */
export function floatElement(id: number, value: number): Buffer {
  const data = Buffer.allocUnsafe(8);
  data.writeDoubleBE(value, 0);
  return element(id, data);
}

export const stringElement = (id: number, value: string): Buffer => element(id, Buffer.from(value, 'utf8'));

export const masterElement = (id: number, children: readonly Buffer[]): Buffer => element(id, Buffer.concat(children));

/** An EBML Void element of exactly `total` bytes (≥ 2), space kept for an element written later. */
export function voidElement(total: number): Buffer {
  if (total < 2) throw new RangeError('a Void element takes at least 2 bytes');
  // One size byte holds up to 126; past that, an 8-byte size.
  const sizeWidth = total - 2 <= 126 ? 1 : 8;
  return Buffer.concat([Buffer.from([0xec]), vintBytes(total - 1 - sizeWidth, sizeWidth), Buffer.alloc(total - 1 - sizeWidth)]);
}
