// A token bucket for per-channel message rates: `burst` messages at once, refilled at
// `ratePerSecond`. Time comes in as an argument (style C12), so it is a pure counter.

/** Allows `burst` events at once and `ratePerSecond` sustained. */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }

  /** Takes one token if there is one; false means the rate is exceeded. */
  take(nowMs: number): boolean {
    // A clock that steps back refills nothing (and takes nothing away).
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = Math.max(this.#lastMs, nowMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedMs * this.#ratePerMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
