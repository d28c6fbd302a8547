// Delay-based overuse detection (draft-ietf-rmcat-gcc-02 §5.3–5.4, in the trendline form libwebrtc
// uses): for each pair of consecutive packet groups, the one-way delay variation
//   d = (arrival_i − arrival_{i−1}) − (send_i − send_{i−1})
// is accumulated into the queueing delay the path has built up, smoothed, and a least-squares line is
// fitted through the last `windowSize` (arrival time, smoothed delay) points. Its slope, scaled by the
// number of samples (≤ 60) and a gain of 4, is compared with an adaptive threshold γ (starts at
// 12.5 ms, moves towards |trend| with k_up = 0.0087 / k_down = 0.039 per ms, kept in [6, 600]):
// above γ for more than 10 ms and two samples, and still rising → overuse; below −γ → underuse
// (the queue drains); else normal. Preallocated: one sample allocates nothing.

export const BandwidthUsage = { normal: 0, overusing: 1, underusing: 2 } as const;
export type BandwidthUsage = (typeof BandwidthUsage)[keyof typeof BandwidthUsage];

const SMOOTHING = 0.9;
const THRESHOLD_GAIN = 4;
const MAX_DELTAS = 60;
const OVERUSE_TIME_MS = 10;
const K_UP = 0.0087;
const K_DOWN = 0.039;
const MAX_ADAPT_OFFSET_MS = 15;
const MAX_TIME_DELTA_MS = 100;

export class TrendlineDetector {
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #windowSize: number;
  #count = 0;
  #head = 0;
  #firstArrivalMs = Number.NaN;
  #accumulatedMs = 0;
  #smoothedMs = 0;
  #deltas = 0;
  #threshold = 12.5;
  #lastThresholdUpdateMs = Number.NaN;
  #timeOverUsingMs = -1;
  #overuseCount = 0;
  #previousTrend = 0;
  #state: BandwidthUsage = BandwidthUsage.normal;

  constructor(windowSize = 20) {
    this.#windowSize = windowSize;
    this.#x = new Float64Array(windowSize);
    this.#y = new Float64Array(windowSize);
  }

  get state(): BandwidthUsage {
    return this.#state;
  }

  /** The adaptive threshold γ (ms), for tests and logs. */
  get thresholdMs(): number {
    return this.#threshold;
  }

  /** One group-to-group sample: deltas between their last packets' arrival and send times, and the group's arrival. */
  update(arrivalDeltaMs: number, sendDeltaMs: number, arrivalMs: number): BandwidthUsage {
    if (!Number.isFinite(arrivalDeltaMs) || !Number.isFinite(sendDeltaMs) || !Number.isFinite(arrivalMs)) return this.#state;
    if (Number.isNaN(this.#firstArrivalMs)) this.#firstArrivalMs = arrivalMs;
    if (this.#deltas < MAX_DELTAS) this.#deltas++;
    this.#accumulatedMs += arrivalDeltaMs - sendDeltaMs;
    this.#smoothedMs = SMOOTHING * this.#smoothedMs + (1 - SMOOTHING) * this.#accumulatedMs;
    const n = this.#windowSize;
    this.#x[this.#head] = arrivalMs - this.#firstArrivalMs;
    this.#y[this.#head] = this.#smoothedMs;
    this.#head = (this.#head + 1) % n;
    if (this.#count < n) this.#count++;
    let trend = this.#previousTrend;
    if (this.#count === n) trend = this.#slope();
    this.#detect(trend, sendDeltaMs, arrivalMs);
    return this.#state;
  }

  #slope(): number {
    const n = this.#count;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += this.#x[i]!;
      sy += this.#y[i]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const dx = this.#x[i]! - mx;
      num += dx * (this.#y[i]! - my);
      den += dx * dx;
    }
    return den === 0 ? this.#previousTrend : num / den;
  }

  #detect(trend: number, sendDeltaMs: number, nowMs: number): void {
    const modified = Math.min(this.#deltas, MAX_DELTAS) * trend * THRESHOLD_GAIN;
    if (modified > this.#threshold) {
      if (this.#timeOverUsingMs < 0) this.#timeOverUsingMs = sendDeltaMs / 2;
      else this.#timeOverUsingMs += sendDeltaMs;
      this.#overuseCount++;
      if (this.#timeOverUsingMs > OVERUSE_TIME_MS && this.#overuseCount > 1 && trend >= this.#previousTrend) {
        this.#timeOverUsingMs = 0;
        this.#overuseCount = 0;
        this.#state = BandwidthUsage.overusing;
      }
    } else if (modified < -this.#threshold) {
      this.#timeOverUsingMs = -1;
      this.#overuseCount = 0;
      this.#state = BandwidthUsage.underusing;
    } else {
      this.#timeOverUsingMs = -1;
      this.#overuseCount = 0;
      this.#state = BandwidthUsage.normal;
    }
    this.#previousTrend = trend;
    this.#adaptThreshold(modified, nowMs);
  }

  #adaptThreshold(modified: number, nowMs: number): void {
    if (Number.isNaN(this.#lastThresholdUpdateMs)) this.#lastThresholdUpdateMs = nowMs;
    const abs = Math.abs(modified);
    // a sudden spike (a route change, a paused sender) must not drag the threshold along
    if (abs > this.#threshold + MAX_ADAPT_OFFSET_MS) {
      this.#lastThresholdUpdateMs = nowMs;
      return;
    }
    const k = abs < this.#threshold ? K_DOWN : K_UP;
    const dt = Math.min(Math.max(nowMs - this.#lastThresholdUpdateMs, 0), MAX_TIME_DELTA_MS);
    this.#threshold = Math.min(600, Math.max(6, this.#threshold + k * (abs - this.#threshold) * dt));
    this.#lastThresholdUpdateMs = nowMs;
  }
}
