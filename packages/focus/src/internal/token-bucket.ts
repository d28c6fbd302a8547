/**
 * A token bucket (rate limit with bursts) over an injected time source: `take()` spends one token
 * when one is there. Pure state plus a clock reading, so tests drive it with a fake clock.
 */
export class TokenBucket {
  #tokens: number;
  #lastMs: number;

  constructor(private readonly opts: { readonly ratePerSecond: number; readonly burst: number; readonly nowMs: number }) {
    this.#tokens = opts.burst;
    this.#lastMs = opts.nowMs;
  }

  /** Spends a token if one is available at `nowMs`. */
  take(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = Math.max(this.#lastMs, nowMs);
    this.#tokens = Math.min(this.opts.burst, this.#tokens + (elapsedMs * this.opts.ratePerSecond) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
