// What the bridge knows about the RTP it receives from one endpoint, per media SSRC, for the receiver
// reports it sends that endpoint (RFC 3550 §6.4.2): extended highest sequence number, expected /
// received / lost (A.3), interarrival jitter (A.8) and LSR / DLSR from the endpoint's sender reports.
//
// Fixed records in typed arrays, one slot per SSRC, taken when the SSRC is first seen (at most
// `maxStreams`; more are not counted): `record` runs for every packet and allocates nothing.
//
// Deviations from RFC 3550 A.1, on purpose:
// - no probation (MIN_SEQUENTIAL): the packets already passed SRTP authentication, so a new SSRC is
//   a real source from its first packet;
// - jitter is updated only by packets newer than the highest seen (as libwebrtc does): a reordered
//   or retransmitted packet's arrival says nothing about the network's delay variation;
// - jitter is kept as a double (A.8's `J += (|D| − J) / 16` without the fixed-point ×16 scaling).

/** SSRCs tracked per endpoint when the caller gives no limit (simulcast × 3 + audio + screen share, with room). */
export const DEFAULT_MAX_RECEIVE_STREAMS = 16;
/** A.1: a jump further ahead than this is a restart or an attack, until confirmed by the next packet. */
export const MAX_DROPOUT = 3000;
/** A.1: a packet this far behind the highest is a late (reordered) one; further back, a jump. */
export const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;
/** Cumulative loss is a signed 24-bit field. */
const MAX_CUMULATIVE_LOST = 0x7fffff;
const MIN_CUMULATIVE_LOST = -0x800000;

/** One report block's numbers (the receiver-report fields of RFC 3550 §6.4.1). */
export type ReceiveReport = {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** In RTP timestamp units, rounded. */
  jitter: number;
  lastSr: number;
  /** Delay since the last SR, in 1/65536 s; 0 when no SR was received. */
  delaySinceLastSr: number;
  /** For stats: packets expected and lost in the interval this report closes. */
  intervalExpected: number;
  intervalLost: number;
};

export const newReceiveReport = (): ReceiveReport => ({
  ssrc: 0, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0, intervalExpected: 0, intervalLost: 0,
});

/** Receive statistics of one endpoint's media SSRCs. */
export class ReceiveStatistics {
  readonly maxStreams: number;
  #count = 0;
  readonly #ssrc: Float64Array;
  readonly #clockRate: Float64Array;
  readonly #baseSeq: Int32Array;
  readonly #maxSeq: Int32Array;
  /** Sequence number cycles × 65536. */
  readonly #cycles: Float64Array;
  /** A.1 bad_seq: the sequence number that would confirm a jump (−1: none pending). */
  readonly #badSeq: Int32Array;
  readonly #received: Float64Array;
  readonly #expectedPrior: Float64Array;
  readonly #receivedPrior: Float64Array;
  readonly #bytes: Float64Array;
  /** Relative transit time of the last in-order packet (timestamp units); NaN until the first. */
  readonly #transit: Float64Array;
  readonly #jitter: Float64Array;
  /** Middle 32 bits of the last SR's NTP time, and when it arrived (ms; NaN: none yet). */
  readonly #lastSr: Float64Array;
  readonly #lastSrAtMs: Float64Array;

  constructor(maxStreams = DEFAULT_MAX_RECEIVE_STREAMS) {
    this.maxStreams = Math.max(1, maxStreams);
    const n = this.maxStreams;
    this.#ssrc = new Float64Array(n);
    this.#clockRate = new Float64Array(n);
    this.#baseSeq = new Int32Array(n);
    this.#maxSeq = new Int32Array(n);
    this.#cycles = new Float64Array(n);
    this.#badSeq = new Int32Array(n);
    this.#received = new Float64Array(n);
    this.#expectedPrior = new Float64Array(n);
    this.#receivedPrior = new Float64Array(n);
    this.#bytes = new Float64Array(n);
    this.#transit = new Float64Array(n);
    this.#jitter = new Float64Array(n);
    this.#lastSr = new Float64Array(n);
    this.#lastSrAtMs = new Float64Array(n);
  }

  /** SSRCs tracked so far. */
  get size(): number {
    return this.#count;
  }

  /** The slot of `ssrc`, or −1. */
  indexOf(ssrc: number): number {
    for (let i = 0; i < this.#count; i++) if (this.#ssrc[i] === ssrc) return i;
    return -1;
  }

  ssrcAt(index: number): number {
    return this.#ssrc[index]!;
  }

  /**
   * One received packet of `ssrc` (sequence number, RTP timestamp, payload bytes) that arrived at
   * `arrivalMs`, its payload type's clock rate in Hz. False when the SSRC has no slot (over maxStreams).
   */
  record(ssrc: number, seq: number, rtpTimestamp: number, clockRateHz: number, bytes: number, arrivalMs: number): boolean {
    let i = this.indexOf(ssrc);
    if (i < 0) {
      if (this.#count >= this.maxStreams) return false;
      i = this.#count++;
      this.#ssrc[i] = ssrc;
      this.#init(i, seq);
      this.#transit[i] = NaN;
      this.#jitter[i] = 0;
      this.#lastSr[i] = 0;
      this.#lastSrAtMs[i] = NaN;
      this.#expectedPrior[i] = 0;
      this.#receivedPrior[i] = 0;
      this.#bytes[i] = 0;
    }
    this.#clockRate[i] = clockRateHz;
    const isNewest = this.#updateSeq(i, seq);
    this.#received[i]!++;
    this.#bytes[i]! += bytes;
    if (isNewest && clockRateHz > 0) this.#updateJitter(i, rtpTimestamp, clockRateHz, arrivalMs);
    return true;
  }

  /** An SR about `ssrc` arrived at `arrivalMs`: its NTP time is echoed as LSR in the next reports. */
  senderReport(ssrc: number, ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    const i = this.indexOf(ssrc);
    if (i < 0) return;
    this.#lastSr[i] = (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
    this.#lastSrAtMs[i] = arrivalMs;
  }

  /** Packets received (duplicates included, as RFC 3550 counts them) and payload bytes, for stats. */
  receivedAt(index: number): number {
    return this.#received[index]!;
  }

  bytesAt(index: number): number {
    return this.#bytes[index]!;
  }

  /** Whether slot `index` received a packet since its last report (only those are reported). */
  hasNewPackets(index: number): boolean {
    return this.#received[index]! !== this.#receivedPrior[index]!;
  }

  /** Packets expected so far (A.3). */
  expectedAt(index: number): number {
    return this.#cycles[index]! + this.#maxSeq[index]! - this.#baseSeq[index]! + 1;
  }

  /**
   * Fills `out` with the report block of slot `index` at `nowMs` and starts the next interval
   * (fraction lost is over the packets since the previous call, A.3).
   */
  report(index: number, nowMs: number, out: ReceiveReport): void {
    const extendedMax = this.#cycles[index]! + this.#maxSeq[index]!;
    const expected = this.expectedAt(index);
    const received = this.#received[index]!;
    const lost = expected - received;
    const expectedInterval = expected - this.#expectedPrior[index]!;
    const receivedInterval = received - this.#receivedPrior[index]!;
    const lostInterval = expectedInterval - receivedInterval;
    this.#expectedPrior[index] = expected;
    this.#receivedPrior[index] = received;
    out.ssrc = this.#ssrc[index]!;
    out.extendedHighestSequence = extendedMax >>> 0;
    out.cumulativeLost = Math.max(MIN_CUMULATIVE_LOST, Math.min(MAX_CUMULATIVE_LOST, lost));
    out.fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    if (out.fractionLost > 255) out.fractionLost = 255;
    out.jitter = Math.round(this.#jitter[index]!) >>> 0;
    const srAt = this.#lastSrAtMs[index]!;
    if (Number.isNaN(srAt)) {
      out.lastSr = 0;
      out.delaySinceLastSr = 0;
    } else {
      out.lastSr = this.#lastSr[index]!;
      out.delaySinceLastSr = Math.min(0xffffffff, Math.max(0, Math.round(((nowMs - srAt) * 65536) / 1000)));
    }
    out.intervalExpected = Math.max(0, expectedInterval);
    out.intervalLost = Math.max(0, lostInterval);
  }

  /** Forgets every SSRC (the endpoint's sources were re-signalled from scratch). */
  clear(): void {
    this.#count = 0;
  }

  /**
   * Keeps only the SSRCs for which `keep` holds (the ones still signalled), so that slots of removed
   * sources are free for new ones; the kept records move down, unchanged. Cold: on signalling changes.
   */
  retain(keep: (ssrc: number) => boolean): void {
    let n = 0;
    for (let i = 0; i < this.#count; i++) {
      if (!keep(this.#ssrc[i]!)) continue;
      if (n !== i) for (const a of this.#columns()) a[n] = a[i]!;
      n++;
    }
    this.#count = n;
  }

  #columns(): (Float64Array | Int32Array)[] {
    return [
      this.#ssrc, this.#clockRate, this.#baseSeq, this.#maxSeq, this.#cycles, this.#badSeq, this.#received, this.#expectedPrior,
      this.#receivedPrior, this.#bytes, this.#transit, this.#jitter, this.#lastSr, this.#lastSrAtMs,
    ];
  }

  /** A.1 init_seq. */
  #init(i: number, seq: number): void {
    this.#baseSeq[i] = seq;
    this.#maxSeq[i] = seq;
    this.#badSeq[i] = -1;
    this.#cycles[i] = 0;
    this.#received[i] = 0;
    this.#expectedPrior[i] = 0;
    this.#receivedPrior[i] = 0;
  }

  /** A.1 update_seq without probation; true when `seq` is the newest packet so far. */
  #updateSeq(i: number, seq: number): boolean {
    const maxSeq = this.#maxSeq[i]!;
    const delta = (seq - maxSeq + SEQ_MOD) % SEQ_MOD;
    if (this.#received[i] === 0) return true;
    if (delta === 0) return false; // a duplicate
    if (delta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < maxSeq) this.#cycles[i]! += SEQ_MOD;
      this.#maxSeq[i] = seq;
      this.#badSeq[i] = -1;
      return true;
    }
    if (delta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: accepted only when the next packet follows it (the sender restarted).
      if (seq === this.#badSeq[i]) {
        this.#init(i, seq);
        this.#transit[i] = NaN;
        return true;
      }
      this.#badSeq[i] = (seq + 1) % SEQ_MOD;
      return false;
    }
    return false; // a duplicate or reordered packet
  }

  /** A.8: transit = arrival − timestamp (both in timestamp units); J += (|D| − J) / 16. */
  #updateJitter(i: number, rtpTimestamp: number, clockRateHz: number, arrivalMs: number): void {
    const arrival = (arrivalMs * clockRateHz) / 1000;
    // RTP timestamps wrap at 2^32; the difference to the previous transit is taken modulo 2^32 below.
    const transit = arrival - rtpTimestamp;
    const prev = this.#transit[i]!;
    this.#transit[i] = transit;
    if (Number.isNaN(prev)) return;
    let d = transit - prev;
    // A timestamp wrap shifts transit by 2^32: bring D back into (−2^31, 2^31].
    if (d > 0x80000000) d -= 0x100000000;
    else if (d < -0x80000000) d += 0x100000000;
    if (d < 0) d = -d;
    this.#jitter[i]! += (d - this.#jitter[i]!) / 16;
  }
}
