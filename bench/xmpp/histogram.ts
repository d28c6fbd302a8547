/**
 * A latency histogram with logarithmic buckets, so any percentile is exact to within 1 % at a
 * fixed size (about 2,100 buckets from 1 µs to 1,000 s), and worker histograms merge by adding.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const MAX_MICROS = 1e9;
const BUCKETS = Math.ceil(Math.log(MAX_MICROS) / LOG_GROWTH) + 1;

/** Sparse wire form: [bucket index, count] pairs, plus the exact maximum. */
export type HistogramData = { readonly buckets: readonly (readonly [number, number])[]; readonly maxMs: number; readonly count: number };

/** Records latencies in milliseconds and answers percentiles. */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #maxMs = 0;

  /** Adds one sample. */
  record(latencyMs: number): void {
    const micros = latencyMs * 1000;
    const i = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(micros) / LOG_GROWTH));
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#count++;
    if (latencyMs > this.#maxMs) this.#maxMs = latencyMs;
  }

  /** Samples recorded so far. */
  get count(): number {
    return this.#count;
  }

  /** The largest sample, exactly. */
  get maxMs(): number {
    return this.#maxMs;
  }

  /** The latency below which `p` percent of samples lie (upper edge of its bucket, capped at the max). */
  percentileMs(p: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.#count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.#maxMs, GROWTH ** (i + 1) / 1000);
    }
    return this.#maxMs;
  }

  /** Serializes for IPC. */
  toData(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, i) => {
      if (n > 0) buckets.push([i, n]);
    });
    return { buckets, maxMs: this.#maxMs, count: this.#count };
  }

  /** Adds another histogram's samples (from a worker). */
  merge(data: HistogramData): void {
    for (const [i, n] of data.buckets) this.#counts[i] = (this.#counts[i] ?? 0) + n;
    this.#count += data.count;
    if (data.maxMs > this.#maxMs) this.#maxMs = data.maxMs;
  }
}
