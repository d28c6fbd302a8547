// Test-only helpers for the binary codecs of rtp/ and routing/ (never imported by production code).
// `bytes` is the annotated-hex helper of style.md C6, which testkit does not have yet: it belongs in
// @plenum/testkit once someone who owns testkit moves it there.

/** Hex bytes with `#` comments and any whitespace, as in Pion's annotated fixtures. */
export function bytes(strings: TemplateStringsArray, ...values: unknown[]): Buffer {
  const text = String.raw(strings, ...values);
  const hex = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`bytes: not an even run of hex digits: ${hex}`);
  return Buffer.from(hex, 'hex');
}

/** A small seeded PRNG (mulberry32), so "random bytes" tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` random buffers of 0..maxLength bytes from `seed`. */
export function randomPackets(seed: number, count: number, maxLength: number): Buffer[] {
  const rnd = seededRandom(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(Math.floor(rnd() * (maxLength + 1)));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
    out.push(b);
  }
  return out;
}

/** Every prefix of `b` shorter than `b` (lengths 0 … b.length − 1), each in an exact-length Buffer. */
export function truncations(b: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let n = 0; n < b.length; n++) out.push(Buffer.from(b.subarray(0, n)));
  return out;
}
