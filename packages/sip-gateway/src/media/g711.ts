// ITU-T G.711 μ-law and A-law (RFC 3551 §4.5.14: PCMU/PCMA, 8 kHz, one octet per sample).
// Decoding goes through 256-entry tables; encoding computes the segment from the magnitude.

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

/** Encodes one 16-bit linear sample as a μ-law octet. */
export function encodeMulawSample(sample: number): number {
  let sign = 0;
  let magnitude = sample;
  if (magnitude < 0) {
    sign = 0x80;
    magnitude = -magnitude;
  }
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  // Segment = position of the highest set bit above bit 7.
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeMulawOctet(octet: number): number {
  const u = ~octet & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** Encodes one 16-bit linear sample as an A-law octet. */
export function encodeAlawSample(sample: number): number {
  let sign = 0x80;
  let magnitude = sample;
  if (magnitude < 0) {
    sign = 0;
    magnitude = -magnitude - 1;
  }
  if (magnitude > 32767) magnitude = 32767;
  let octet: number;
  if (magnitude < 256) {
    octet = magnitude >> 4;
  } else {
    let exponent = 7;
    for (let mask = 0x4000; (magnitude & mask) === 0; mask >>= 1) exponent--;
    octet = (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0f);
  }
  // G.711 §A: even bits are inverted on the line.
  return (sign | octet) ^ 0x55;
}

function decodeAlawOctet(octet: number): number {
  const a = octet ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if ((a & 0x80) === 0) magnitude = -magnitude;
  return magnitude;
}

const MULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => decodeMulawOctet(i));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => decodeAlawOctet(i));

/** Decodes one μ-law octet to a 16-bit linear sample. */
export const decodeMulawSample = (octet: number): number => MULAW_TABLE[octet & 0xff]!;
/** Decodes one A-law octet to a 16-bit linear sample. */
export const decodeAlawSample = (octet: number): number => ALAW_TABLE[octet & 0xff]!;

/** μ-law-encodes `pcm` into `out` (same length); returns the octet count. */
export function encodeMulaw(pcm: Int16Array, out: Uint8Array): number {
  const n = Math.min(pcm.length, out.length);
  for (let i = 0; i < n; i++) out[i] = encodeMulawSample(pcm[i]!);
  return n;
}

/** A-law-encodes `pcm` into `out`; returns the octet count. */
export function encodeAlaw(pcm: Int16Array, out: Uint8Array): number {
  const n = Math.min(pcm.length, out.length);
  for (let i = 0; i < n; i++) out[i] = encodeAlawSample(pcm[i]!);
  return n;
}

/** Decodes μ-law octets into `out`; returns the sample count. */
export function decodeMulaw(octets: Uint8Array, out: Int16Array, length = octets.length, outOffset = 0): number {
  const n = Math.min(length, out.length - outOffset);
  for (let i = 0; i < n; i++) out[outOffset + i] = MULAW_TABLE[octets[i]!]!;
  return n;
}

/** Decodes A-law octets into `out`; returns the sample count. */
export function decodeAlaw(octets: Uint8Array, out: Int16Array, length = octets.length, outOffset = 0): number {
  const n = Math.min(length, out.length - outOffset);
  for (let i = 0; i < n; i++) out[outOffset + i] = ALAW_TABLE[octets[i]!]!;
  return n;
}
