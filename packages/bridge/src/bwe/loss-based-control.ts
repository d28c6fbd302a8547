// The loss-based rate (draft-ietf-rmcat-gcc-02 §6): over each evaluation period (≥ 500 ms and ≥ 20
// packets reported), loss above 10 % cuts the rate to estimate × (1 − loss / 2), loss below 2 %
// raises it to estimate × 1.05, anything between holds it. "estimate" is the combined one (the
// minimum with the delay-based rate), so after losses end this rate climbs 5 % per period until the
// delay-based one is the lower bound again.

export const LOSS_DECREASE_THRESHOLD = 0.1;
export const LOSS_INCREASE_THRESHOLD = 0.02;
const MIN_PERIOD_MS = 500;
const MIN_PACKETS = 20;

export class LossBasedControl {
  #bps: number;
  #received = 0;
  #lost = 0;
  #periodStartMs = Number.NaN;
  #lastLossFraction = 0;
  readonly #minBps: number;
  readonly #maxBps: number;

  constructor(o: { readonly startBps: number; readonly minBps: number; readonly maxBps: number }) {
    this.#bps = o.startBps;
    this.#minBps = o.minBps;
    this.#maxBps = o.maxBps;
  }

  get bps(): number {
    return this.#bps;
  }

  /** Loss over the last complete period (0–1). */
  get lossFraction(): number {
    return this.#lastLossFraction;
  }

  /** Packets reported received and lost by one feedback, at `nowMs`; `currentBps` is the combined estimate. */
  update(received: number, lost: number, currentBps: number, nowMs: number): number {
    if (Number.isNaN(this.#periodStartMs)) this.#periodStartMs = nowMs;
    this.#received += received;
    this.#lost += lost;
    const total = this.#received + this.#lost;
    if (total < MIN_PACKETS || nowMs - this.#periodStartMs < MIN_PERIOD_MS) return this.#bps;
    const loss = this.#lost / total;
    this.#lastLossFraction = loss;
    if (loss > LOSS_DECREASE_THRESHOLD) this.#bps = currentBps * (1 - 0.5 * loss);
    else if (loss < LOSS_INCREASE_THRESHOLD) this.#bps = Math.max(this.#bps, currentBps * 1.05);
    this.#bps = Math.min(this.#maxBps, Math.max(this.#minBps, this.#bps));
    this.#received = 0;
    this.#lost = 0;
    this.#periodStartMs = nowMs;
    return this.#bps;
  }
}
