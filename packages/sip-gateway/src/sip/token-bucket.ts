// A token bucket: `ratePerSecond` sustained, bursts up to one second's worth.
import type { Clock } from '@plenum/kit';

export class TokenBucket {
  readonly #rate: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(ratePerSecond: number, clock: Clock) {
    this.#rate = Math.max(0, ratePerSecond);
    this.#clock = clock;
    this.#tokens = Math.max(1, this.#rate);
    this.#at = clock.now();
  }

  /** Takes a token if one is there. */
  take(): boolean {
    const now = this.#clock.now();
    this.#tokens = Math.min(Math.max(1, this.#rate), this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
