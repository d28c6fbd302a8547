// What the bridge sent to one receiver, by the transport-wide sequence number it wrote into each packet:
// send time and size, so transport-cc feedback (which names packets by that number) can be turned into
// (send time, arrival time, size) triples. A fixed ring of typed arrays, indexed by the low bits of the
// number: recording allocates nothing, and an entry is simply overwritten `capacity` packets later
// (feedback arrives within ~100 ms; 4096 packets is ≥ 4 s even at 1,000 packets/s).

/** Send time of a number that is not (or no longer) in the history. */
export const UNKNOWN_SEND_TIME = -1;

export class SendHistory {
  readonly #sendMs: Float64Array;
  readonly #bytes: Uint16Array;
  /** The 16-bit number stored in each slot (−1: empty), so an overwritten slot is not mistaken for another. */
  readonly #seq: Int32Array;
  readonly #mask: number;

  constructor(capacity = 4096) {
    const size = 2 ** Math.ceil(Math.log2(Math.min(32768, Math.max(16, capacity))));
    this.#mask = size - 1;
    this.#sendMs = new Float64Array(size);
    this.#bytes = new Uint16Array(size);
    this.#seq = new Int32Array(size).fill(-1);
  }

  /** The packet numbered `seq` (16 bits) of `bytes` bytes left at `sendMs`. */
  record(seq: number, sendMs: number, bytes: number): void {
    const k = seq & this.#mask;
    this.#seq[k] = seq & 0xffff;
    this.#sendMs[k] = sendMs;
    this.#bytes[k] = bytes > 0xffff ? 0xffff : bytes;
  }

  /** When `seq` was sent, or UNKNOWN_SEND_TIME. */
  sendTimeMs(seq: number): number {
    const k = seq & this.#mask;
    return this.#seq[k] === (seq & 0xffff) ? this.#sendMs[k]! : UNKNOWN_SEND_TIME;
  }

  /** Its size in bytes (meaningful only when sendTimeMs is known). */
  bytes(seq: number): number {
    return this.#bytes[seq & this.#mask]!;
  }
}
