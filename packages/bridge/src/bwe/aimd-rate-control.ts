// The delay-based rate (draft-ietf-rmcat-gcc-02 §5.5, AIMD as in libwebrtc): the detector's signal
// drives a state machine (overuse → decrease, underuse → hold, normal → increase):
//
// - decrease: to β = 0.85 × the acknowledged (received) bitrate, at most once per 200 ms, and never up;
//   the acked bitrate at that moment is remembered as the link capacity;
// - increase: multiplicative (+8 %/s) while far below the link capacity (or it is unknown), additive
//   (about one 1,200-byte packet per 200 ms response time, ≈ 48 kbit/s per second) close to it;
// - an increase never takes the rate above 1.5 × acked + 10 kbit/s (the rate must be backed by what
//   actually gets through), EXCEPT that after `recoveryMs` without a decrease it may grow back up
//   to the start rate: the bridge sends no probes yet, and a receiver whose allocation dropped to a
//   low layer would otherwise never be offered a higher one again. The layer the allocator then
//   picks is the probe: if the path cannot carry it, delay grows and the rate comes down again.

import { BandwidthUsage } from './trendline.ts';

export type AimdOptions = {
  readonly startBps: number;
  readonly minBps: number;
  readonly maxBps: number;
  /** After this long without a decrease, the rate jumps back to startBps (no probing: this retries what an earlier decrease suspended). */
  readonly recoveryMs?: number;
};

const BETA = 0.85;
const MIN_DECREASE_INTERVAL_MS = 200;
const MULTIPLICATIVE_PER_SECOND = 1.08;
const ADDITIVE_BPS_PER_SECOND = 48_000;

const State = { hold: 0, increase: 1, decrease: 2 } as const;
type State = (typeof State)[keyof typeof State];

export class AimdRateControl {
  readonly #o: Required<AimdOptions>;
  #bps: number;
  #state: State = State.increase;
  #lastUpdateMs = Number.NaN;
  #lastDecreaseMs = Number.NEGATIVE_INFINITY;
  #linkCapacityBps = 0;
  #decreases = 0;

  constructor(o: AimdOptions) {
    this.#o = { recoveryMs: 5000, ...o };
    this.#bps = o.startBps;
  }

  get bps(): number {
    return this.#bps;
  }

  get decreases(): number {
    return this.#decreases;
  }

  /** One detector signal with the acked bitrate (0: unknown) at `nowMs`; returns the new rate. */
  update(signal: BandwidthUsage, ackedBps: number, nowMs: number): number {
    const dtMs = Number.isNaN(this.#lastUpdateMs) ? 0 : Math.min(1000, Math.max(0, nowMs - this.#lastUpdateMs));
    this.#lastUpdateMs = nowMs;
    if (signal === BandwidthUsage.overusing) this.#state = State.decrease;
    else if (signal === BandwidthUsage.underusing) this.#state = State.hold;
    else if (this.#state !== State.decrease) this.#state = State.increase;

    switch (this.#state) {
      case State.decrease: {
        if (nowMs - this.#lastDecreaseMs < MIN_DECREASE_INTERVAL_MS) break;
        const target = BETA * (ackedBps > 0 ? ackedBps : this.#bps);
        if (target < this.#bps) {
          this.#bps = target;
          this.#decreases++;
        }
        if (ackedBps > 0) this.#linkCapacityBps = this.#linkCapacityBps === 0 ? ackedBps : 0.5 * this.#linkCapacityBps + 0.5 * ackedBps;
        this.#lastDecreaseMs = nowMs;
        this.#state = State.hold;
        break;
      }
      case State.increase: {
        const nearCapacity = this.#linkCapacityBps > 0 && this.#bps > 0.9 * this.#linkCapacityBps;
        const grown = nearCapacity
          ? this.#bps + (ADDITIVE_BPS_PER_SECOND * dtMs) / 1000
          : this.#bps * MULTIPLICATIVE_PER_SECOND ** (dtMs / 1000);
        const ceiling = 1.5 * ackedBps + 10_000;
        // the ceiling stops growth; it never pulls the rate down
        this.#bps = Math.min(grown, Math.max(this.#bps, ceiling));
        if (nowMs - this.#lastDecreaseMs >= this.#o.recoveryMs && this.#bps < this.#o.startBps) {
          // No probing here: after a quiet spell the estimate jumps back to the start value, so a
          // layer (or a whole source) suspended by an earlier decrease is tried again. The acked
          // bitrate cannot show the room to grow while that layer is not sent, and +8 %/s from an
          // audio-only rate would keep video off for tens of seconds. A real bottleneck answers
          // with overuse and a decrease; the link-capacity guess from the suspended time is dropped.
          this.#bps = this.#o.startBps;
          this.#linkCapacityBps = 0;
          this.#lastDecreaseMs = nowMs;
        }
        if (this.#linkCapacityBps > 0 && ackedBps > 1.5 * this.#linkCapacityBps) this.#linkCapacityBps = 0; // the path got better
        break;
      }
      case State.hold:
        break;
    }
    this.#bps = Math.min(this.#o.maxBps, Math.max(this.#o.minBps, this.#bps));
    return this.#bps;
  }
}
