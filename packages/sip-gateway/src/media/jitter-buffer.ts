// A fixed-depth jitter buffer for one incoming RTP stream: packets are slotted by sequence number,
// played out in order once `depthPackets` are queued, late and duplicate packets are dropped, and
// a gap is reported as `missing` so the decoder can conceal it. Slots are preallocated.
import { sequenceDistance } from './rtp-packet.ts';

/** Packets queued beyond the target depth before the oldest are dropped. */
const MAX_EXTRA_PACKETS = 3;

/** What `pop()` yields for the next 20 ms slot. */
export type JitterPop = 'packet' | 'missing' | 'empty';

/** Counters for logs and tests. */
export type JitterStats = { received: number; late: number; duplicate: number; missing: number; played: number; dropped: number };

/** Jitter buffer limits. */
export type JitterBufferOptions = {
  /** Packets queued before playout starts (60 ms of 20 ms packets = 3). */
  readonly depthPackets: number;
  /** Slots; a packet further ahead than this restarts the buffer (a jump in the sender's sequence). */
  readonly capacityPackets: number;
  /** Largest payload kept; longer payloads are dropped. */
  readonly maxPayloadBytes: number;
};

/** Reorders one RTP stream's packets by sequence number and plays them out at a fixed depth. */
export class JitterBuffer {
  readonly #options: JitterBufferOptions;
  readonly #payloads: Uint8Array[];
  readonly #lengths: Int32Array;
  readonly #sequences: Int32Array; // -1 = empty slot
  readonly #timestamps: Float64Array;
  readonly #tags: Int16Array;
  #nextSequence = -1;
  #highestSequence = -1;
  #isPlaying = false;
  readonly stats: JitterStats = { received: 0, late: 0, duplicate: 0, missing: 0, played: 0, dropped: 0 };
  /** After `pop()` returned 'packet': the buffer holding its payload (first `payloadLength` bytes). */
  payload: Uint8Array = new Uint8Array(0);
  /** After `pop()` returned 'packet': its payload length. */
  payloadLength = 0;
  /** After `pop()` returned 'packet': its RTP timestamp. */
  timestamp = 0;
  /** After `pop()` returned 'packet': the tag it was pushed with (the conference mixer's RFC 6464 level). */
  tag = 0;

  constructor(options: JitterBufferOptions) {
    this.#options = options;
    const n = options.capacityPackets;
    this.#payloads = Array.from({ length: n }, () => new Uint8Array(options.maxPayloadBytes));
    this.#lengths = new Int32Array(n);
    this.#sequences = new Int32Array(n).fill(-1);
    this.#timestamps = new Float64Array(n);
    this.#tags = new Int16Array(n);
  }

  /** Forgets everything (new SSRC, re-INVITE). */
  reset(): void {
    this.#sequences.fill(-1);
    this.#nextSequence = -1;
    this.#highestSequence = -1;
    this.#isPlaying = false;
  }

  /** Queues a packet (with a small number the caller wants back at playout); returns false when it was dropped (late, duplicate, oversized). */
  push(sequenceNumber: number, timestamp: number, payload: Uint8Array, offset: number, length: number, tag = 0): boolean {
    if (length > this.#options.maxPayloadBytes) return false;
    this.stats.received++;
    if (this.#nextSequence < 0) {
      this.#nextSequence = sequenceNumber;
      this.#highestSequence = sequenceNumber;
    }
    const ahead = sequenceDistance(this.#nextSequence, sequenceNumber);
    if (ahead < 0) {
      this.stats.late++;
      return false;
    }
    if (ahead >= this.#options.capacityPackets) {
      // The sender jumped far ahead (or restarted): start again from this packet.
      this.reset();
      this.#nextSequence = sequenceNumber;
      this.#highestSequence = sequenceNumber;
    }
    const slot = sequenceNumber % this.#options.capacityPackets;
    if (this.#sequences[slot] === sequenceNumber) {
      this.stats.duplicate++;
      return false;
    }
    this.#sequences[slot] = sequenceNumber;
    this.#timestamps[slot] = timestamp;
    this.#lengths[slot] = length;
    this.#tags[slot] = tag;
    const target = this.#payloads[slot]!;
    for (let i = 0; i < length; i++) target[i] = payload[offset + i]!;
    if (sequenceDistance(this.#highestSequence, sequenceNumber) > 0) this.#highestSequence = sequenceNumber;
    return true;
  }

  /** Packets from the playout point to the newest one received. */
  get spanPackets(): number {
    if (this.#nextSequence < 0) return 0;
    return sequenceDistance(this.#nextSequence, this.#highestSequence) + 1;
  }

  /** Takes the next packet in sequence order (see JitterPop). */
  pop(): JitterPop {
    if (this.#nextSequence < 0) return 'empty';
    if (!this.#isPlaying) {
      // (Re)starting after an underrun: slots the sender never filled (its seqs went to DTMF
      // events, or were lost while we waited) are skipped, not concealed, so no delay builds up.
      this.#skipEmptySlots();
      if (this.spanPackets < this.#options.depthPackets) return 'empty';
      this.#isPlaying = true;
    }
    let span = this.spanPackets;
    if (span <= 0) {
      // Underrun: wait for the buffer to fill again before resuming.
      this.#isPlaying = false;
      return 'empty';
    }
    // The sender's clock runs faster than ours (or a burst arrived): drop the oldest to keep the
    // delay bounded instead of letting it grow for the whole call.
    while (span > this.#options.depthPackets + MAX_EXTRA_PACKETS) {
      this.#release(this.#nextSequence);
      this.#nextSequence = (this.#nextSequence + 1) & 0xffff;
      this.stats.dropped++;
      span--;
    }
    const sequence = this.#nextSequence;
    const slot = sequence % this.#options.capacityPackets;
    this.#nextSequence = (sequence + 1) & 0xffff;
    if (this.#sequences[slot] !== sequence) {
      this.stats.missing++;
      return 'missing';
    }
    this.#sequences[slot] = -1;
    this.payload = this.#payloads[slot]!;
    this.payloadLength = this.#lengths[slot]!;
    this.timestamp = this.#timestamps[slot]!;
    this.tag = this.#tags[slot]!;
    this.stats.played++;
    return 'packet';
  }

  #skipEmptySlots(): void {
    let span = this.spanPackets;
    while (span > 0 && this.#sequences[this.#nextSequence % this.#options.capacityPackets] !== this.#nextSequence) {
      this.#nextSequence = (this.#nextSequence + 1) & 0xffff;
      span--;
    }
  }

  #release(sequence: number): void {
    const slot = sequence % this.#options.capacityPackets;
    if (this.#sequences[slot] === sequence) this.#sequences[slot] = -1;
  }
}
