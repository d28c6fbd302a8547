// Per-second rates from running totals: sampled on a timer (start.ts, every second), so a scrape of
// `/metrics` reads the rate over the last full interval instead of since the previous scrape (which
// would depend on who scrapes how often).

/** Rates of several totals, over the last interval between two samples. */
export class RateMeter {
  readonly #last: Float64Array;
  readonly #rates: Float64Array;
  #lastMs = NaN;

  constructor(readonly size: number) {
    this.#last = new Float64Array(size);
    this.#rates = new Float64Array(size);
  }

  /** Records the totals at `nowMs` (`totals[k]` for k < size); the first call only sets the baseline. */
  sample(nowMs: number, totals: readonly number[]): void {
    const dtMs = nowMs - this.#lastMs;
    for (let k = 0; k < this.size; k++) {
      const v = totals[k] ?? 0;
      if (dtMs > 0) this.#rates[k] = Math.max(0, ((v - this.#last[k]!) * 1000) / dtMs);
      this.#last[k] = v;
    }
    this.#lastMs = nowMs;
  }

  /** Per second, of total `k`, over the last interval (0 before two samples). */
  rate(k: number): number {
    return this.#rates[k] ?? 0;
  }
}
