// Per-sender cache of recent RTP packets for answering NACKs (RFC 4585 §6.2.1) from the bridge
// instead of the sender.
//
// Memory is fixed at construction and bounded by bytes, count and age:
// - packet bytes are copied into ONE preallocated byte ring (`capacityBytes`, default 256 KiB, about
//   1.4 s of a 1.5 Mbit/s sender): a packet that would cross the end starts again at 0, and a packet
//   is valid only while its bytes have not been overwritten;
// - each of the sender's SSRCs (`maxStreams`) has `slotsPerStream` index slots (a power of two),
//   addressed by `seq & (slots − 1)`, holding (seq, position, length, arrival time) in typed arrays;
// - entries older than `maxAgeMs` (default 1000) are not returned.
// Inserting and looking up allocate nothing and do one typed-array probe; the SSRC → stream index map
// is consulted only by `streamIndex` (the forwarding loop keeps the index in its per-SSRC state).

import { copyBytes } from './copy-bytes.ts';

export type PacketCacheOptions = {
  capacityBytes?: number;
  slotsPerStream?: number;
  maxStreams?: number;
  maxAgeMs?: number;
  /** Larger packets are not cached (default 1500). */
  maxPacketBytes?: number;
};

export class PacketCache {
  readonly #ring: Buffer;
  readonly #capacity: number;
  readonly #mask: number;
  readonly #slots: number;
  readonly #maxStreams: number;
  readonly #maxAgeMs: number;
  readonly #maxPacketBytes: number;
  /** Total bytes ever written (the ring position is this modulo capacity); a double stays exact to 2^53. */
  #written = 0;
  readonly #streams = new Map<number, number>();
  readonly #streamSsrc: Float64Array;
  readonly #seq: Int32Array;
  readonly #pos: Float64Array;
  readonly #len: Uint16Array;
  readonly #timeMs: Float64Array;

  constructor(o: PacketCacheOptions = {}) {
    this.#capacity = Math.max(1500, o.capacityBytes ?? 256 * 1024);
    const slots = o.slotsPerStream ?? 512;
    this.#slots = 2 ** Math.ceil(Math.log2(Math.max(2, slots)));
    this.#mask = this.#slots - 1;
    this.#maxStreams = Math.max(1, o.maxStreams ?? 6);
    this.#maxAgeMs = o.maxAgeMs ?? 1000;
    this.#maxPacketBytes = Math.min(this.#capacity, o.maxPacketBytes ?? 1500, 0xffff);
    this.#ring = Buffer.allocUnsafeSlow(this.#capacity);
    this.#streamSsrc = new Float64Array(this.#maxStreams).fill(-1);
    const n = this.#maxStreams * this.#slots;
    this.#seq = new Int32Array(n).fill(-1);
    this.#pos = new Float64Array(n);
    this.#len = new Uint16Array(n);
    this.#timeMs = new Float64Array(n);
  }

  /** The stream index of `ssrc`, creating it; −1 when all `maxStreams` are taken. */
  addStream(ssrc: number): number {
    const known = this.#streams.get(ssrc);
    if (known !== undefined) return known;
    for (let i = 0; i < this.#maxStreams; i++) {
      if (this.#streamSsrc[i] === -1) {
        this.#streamSsrc[i] = ssrc;
        this.#streams.set(ssrc, i);
        this.#seq.fill(-1, i * this.#slots, (i + 1) * this.#slots);
        return i;
      }
    }
    return -1;
  }

  /** The stream index of `ssrc`, or −1. */
  streamIndex(ssrc: number): number {
    return this.#streams.get(ssrc) ?? -1;
  }

  removeStream(ssrc: number): void {
    const i = this.#streams.get(ssrc);
    if (i === undefined) return;
    this.#streams.delete(ssrc);
    this.#streamSsrc[i] = -1;
    this.#seq.fill(-1, i * this.#slots, (i + 1) * this.#slots);
  }

  /** Copies `src[0, len)` (a whole RTP packet with sequence number `seq`) into the cache. */
  insert(stream: number, seq: number, src: Uint8Array, len: number, nowMs: number): boolean {
    if (stream < 0 || stream >= this.#maxStreams || this.#streamSsrc[stream] === -1) return false;
    if (len <= 0 || len > this.#maxPacketBytes || len > src.length) return false;
    let at = this.#written % this.#capacity;
    if (at + len > this.#capacity) {
      this.#written += this.#capacity - at;
      at = 0;
    }
    copyBytes(src, 0, len, this.#ring, at);
    const slot = stream * this.#slots + (seq & this.#mask);
    this.#seq[slot] = seq & 0xffff;
    this.#pos[slot] = this.#written;
    this.#len[slot] = len;
    this.#timeMs[slot] = nowMs;
    this.#written += len;
    return true;
  }

  /** Copies the cached packet `seq` of `stream` to `dst[dstOff…]`; returns its length, or −1 when absent. */
  copyOut(stream: number, seq: number, nowMs: number, dst: Uint8Array, dstOff: number): number {
    const slot = this.#find(stream, seq, nowMs);
    if (slot < 0) return -1;
    const len = this.#len[slot]!;
    if (dstOff < 0 || dstOff + len > dst.length) return -1;
    const at = this.#pos[slot]! % this.#capacity;
    copyBytes(this.#ring, at, at + len, dst, dstOff);
    return len;
  }

  has(stream: number, seq: number, nowMs: number): boolean {
    return this.#find(stream, seq, nowMs) >= 0;
  }

  #find(stream: number, seq: number, nowMs: number): number {
    if (stream < 0 || stream >= this.#maxStreams) return -1;
    const slot = stream * this.#slots + (seq & this.#mask);
    if (this.#seq[slot] !== (seq & 0xffff)) return -1;
    const age = nowMs - this.#timeMs[slot]!;
    if (age > this.#maxAgeMs || age < 0) return -1;
    if (this.#written - this.#pos[slot]! > this.#capacity) return -1; // overwritten since
    return slot;
  }
}
