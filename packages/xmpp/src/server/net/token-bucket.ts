import type { Clock } from '@plenum/kit';

/**
 * A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. Used for stanza and
 * byte budgets; a rate of 0 means unlimited.
 */
export class TokenBucket {
  #tokens: number;
  #lastMs: number;
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;

  constructor(clock: Clock, ratePerSecond: number, burst: number) {
    this.#clock = clock;
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#lastMs = clock.now();
  }

  get isUnlimited(): boolean {
    return this.#rate === 0;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#lastMs) * this.#rate) / 1000);
    this.#lastMs = now;
  }

  /** Takes `n` tokens; false when the bucket would go below zero (nothing is taken then). */
  take(n = 1): boolean {
    if (this.#rate === 0) return true;
    this.#refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Takes `n` tokens even into debt; returns how long to wait (ms) until the debt is repaid. */
  spend(n: number): number {
    if (this.#rate === 0) return 0;
    this.#refill();
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#rate);
  }
}
