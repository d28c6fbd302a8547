// Send-side bandwidth estimation for one receiver (the bridge → receiver path), in the manner of
// Google Congestion Control (draft-ietf-rmcat-gcc-02) as libwebrtc and Jitsi run it on transport-cc:
//
//   onPacketSent(seq, nowMs, bytes)   per packet the bridge sends the receiver, with the transport-wide
//                                     number the bridge wrote into it (SendHistory: a preallocated ring)
//   onFeedback(feedback, nowMs)       per transport-cc feedback from the receiver (rtp/twcc.ts record):
//                                     arrival times → packet groups (sent within 5 ms) → the delay
//                                     trendline (trendline.ts) → AIMD (aimd-rate-control.ts); received /
//                                     lost counts → loss-based control (loss-based-control.ts); received
//                                     bytes over ≥ 500 ms of arrival time → the acked bitrate
//   onRemb(bps)                       a REMB from the receiver: an upper bound while it lasts
//   estimateBps                       min(delay-based, loss-based, REMB), within [minBps, maxBps]
//   isKnown                           whether any feedback or REMB came yet (before that the estimate
//                                     is just the start value, and the layer allocation ignores it)
//
// Defaults (the bridge's `bwe.*` config): start 2.5 Mbit/s (one 720p encoding plus thumbnails, so a
// receiver gets what it asks for until its feedback says otherwise), min 30 kbit/s, max 20 Mbit/s.
// Nothing here allocates per packet or per feedback.

import { SendHistory, UNKNOWN_SEND_TIME } from './send-history.ts';
import { BandwidthUsage, TrendlineDetector } from './trendline.ts';
import { AimdRateControl } from './aimd-rate-control.ts';
import { LossBasedControl } from './loss-based-control.ts';
import { TWCC_NOT_RECEIVED } from '../rtp/twcc.ts';
import type { TwccFeedback } from '../rtp/twcc.ts';

export type BandwidthEstimatorOptions = {
  /** The estimate before any feedback (default 2.5 Mbit/s). */
  readonly startBps?: number;
  readonly minBps?: number;
  readonly maxBps?: number;
  /** Packets remembered for matching feedback (default 4096). */
  readonly historySize?: number;
};

export const DEFAULT_START_BPS = 2_500_000;
export const DEFAULT_MIN_BPS = 30_000;
export const DEFAULT_MAX_BPS = 20_000_000;

/** Packets sent within this of a group's first one form one group (a frame's burst). */
const BURST_MS = 5;
/** The acked bitrate is measured over at least this much arrival time. */
const ACKED_WINDOW_MS = 500;
const TICKS_24 = 0x100_0000;

export class BandwidthEstimator {
  readonly #history: SendHistory;
  readonly #trendline = new TrendlineDetector();
  readonly #delay: AimdRateControl;
  readonly #loss: LossBasedControl;
  readonly #minBps: number;
  readonly #maxBps: number;
  #estimateBps: number;
  #rembBps = Number.POSITIVE_INFINITY;
  /** Highest transport-wide number reported so far (unwrapped), so re-reported packets count once. */
  #highestReported = -1;
  /** Reference time of the last feedback, unwrapped, in 64 ms ticks. */
  #refTicks = Number.NaN;
  #lastRefRaw = 0;
  // the packet group being built and the previous complete one (send / arrival of their last packet)
  #groupFirstSendMs = Number.NaN;
  #groupLastSendMs = 0;
  #groupLastArrivalMs = 0;
  #prevGroupSendMs = Number.NaN;
  #prevGroupArrivalMs = 0;
  // acked bitrate
  #windowStartMs = Number.NaN;
  #windowBytes = 0;
  #ackedBps = 0;
  #feedbacks = 0;

  constructor(o: BandwidthEstimatorOptions = {}) {
    const startBps = o.startBps ?? DEFAULT_START_BPS;
    this.#minBps = o.minBps ?? DEFAULT_MIN_BPS;
    this.#maxBps = o.maxBps ?? DEFAULT_MAX_BPS;
    const limits = { startBps, minBps: this.#minBps, maxBps: this.#maxBps };
    this.#history = new SendHistory(o.historySize);
    this.#delay = new AimdRateControl(limits);
    this.#loss = new LossBasedControl(limits);
    this.#estimateBps = Math.min(this.#maxBps, Math.max(this.#minBps, startBps));
  }

  /** The current estimate of what the path to the receiver carries, bits per second. */
  get estimateBps(): number {
    return this.#estimateBps;
  }

  /** What the receiver acknowledged receiving lately (0 until measured). */
  get ackedBps(): number {
    return this.#ackedBps;
  }

  get lossFraction(): number {
    return this.#loss.lossFraction;
  }

  get delayState(): BandwidthUsage {
    return this.#trendline.state;
  }

  get feedbacks(): number {
    return this.#feedbacks;
  }

  /**
   * Whether the receiver has said anything about the path (transport-cc feedback or a REMB). Until it
   * has, the estimate is only the configured start value: callers should not limit anything by it
   * (a receiver that negotiated transport-cc but never sends feedback would be capped for ever).
   */
  get isKnown(): boolean {
    return this.#feedbacks > 0 || this.#rembBps !== Number.POSITIVE_INFINITY;
  }

  /** The bridge sent the receiver a packet carrying transport-wide number `seq`. */
  onPacketSent(seq: number, nowMs: number, bytes: number): void {
    this.#history.record(seq, nowMs, bytes);
  }

  /** A REMB from the receiver (bps); ≤ 0 or not finite clears the bound. */
  onRemb(bps: number): void {
    this.#rembBps = bps > 0 && Number.isFinite(bps) ? bps : Number.POSITIVE_INFINITY;
    this.#combine();
  }

  /** One transport-cc feedback from the receiver, read with readTwccFeedback. */
  onFeedback(fb: TwccFeedback, nowMs: number): void {
    this.#feedbacks++;
    // the receiver's clock: reference time (64 ms ticks, 24 bits, wrapping) + per-packet deltas
    if (Number.isNaN(this.#refTicks)) this.#refTicks = fb.referenceTime64ms;
    else {
      let d = (fb.referenceTime64ms - this.#lastRefRaw) % TICKS_24;
      if (d >= TICKS_24 / 2) d -= TICKS_24;
      else if (d < -TICKS_24 / 2) d += TICKS_24;
      this.#refTicks += d;
    }
    this.#lastRefRaw = fb.referenceTime64ms;
    let arrivalUs = this.#refTicks * 64_000;
    let received = 0;
    let lost = 0;
    const base = this.#highestReported < 0 ? fb.baseSequence : this.#unwrap(fb.baseSequence);
    for (let k = 0; k < fb.statusCount; k++) {
      const ext = base + k;
      const seq = ext & 0xffff;
      const status = fb.status[k]!;
      if (status !== TWCC_NOT_RECEIVED) arrivalUs += fb.deltaUs[k]!;
      if (ext <= this.#highestReported) continue;
      const sendMs = this.#history.sendTimeMs(seq);
      if (sendMs === UNKNOWN_SEND_TIME) continue; // not ours, or too old: says nothing about this path
      this.#highestReported = ext;
      if (status === TWCC_NOT_RECEIVED) {
        lost++;
        continue;
      }
      received++;
      this.#onArrival(sendMs, arrivalUs / 1000, this.#history.bytes(seq));
    }
    if (received === 0 && lost === 0) return;
    this.#delay.update(this.#trendline.state, this.#ackedBps, nowMs);
    this.#loss.update(received, lost, this.#estimateBps, nowMs);
    this.#combine();
  }

  /** The 16-bit `seq` as the unwrapped number nearest the highest reported. */
  #unwrap(seq: number): number {
    const h = this.#highestReported;
    let d = (seq - (h & 0xffff)) & 0xffff;
    if (d >= 0x8000) d -= 0x10000;
    return h + d;
  }

  #onArrival(sendMs: number, arrivalMs: number, bytes: number): void {
    // acked bitrate over arrival time
    if (Number.isNaN(this.#windowStartMs)) this.#windowStartMs = arrivalMs;
    this.#windowBytes += bytes;
    const spanMs = arrivalMs - this.#windowStartMs;
    if (spanMs >= ACKED_WINDOW_MS) {
      this.#ackedBps = (this.#windowBytes * 8 * 1000) / spanMs;
      this.#windowStartMs = arrivalMs;
      this.#windowBytes = 0;
    } else if (spanMs < 0) {
      this.#windowStartMs = arrivalMs; // the receiver's clock jumped back
      this.#windowBytes = bytes;
    }
    // packet groups
    if (Number.isNaN(this.#groupFirstSendMs)) {
      this.#startGroup(sendMs, arrivalMs);
      return;
    }
    if (sendMs - this.#groupFirstSendMs <= BURST_MS && sendMs >= this.#groupFirstSendMs) {
      this.#groupLastSendMs = Math.max(this.#groupLastSendMs, sendMs);
      this.#groupLastArrivalMs = Math.max(this.#groupLastArrivalMs, arrivalMs);
      return;
    }
    if (!Number.isNaN(this.#prevGroupSendMs)) {
      this.#trendline.update(this.#groupLastArrivalMs - this.#prevGroupArrivalMs, this.#groupLastSendMs - this.#prevGroupSendMs, this.#groupLastArrivalMs);
    }
    this.#prevGroupSendMs = this.#groupLastSendMs;
    this.#prevGroupArrivalMs = this.#groupLastArrivalMs;
    this.#startGroup(sendMs, arrivalMs);
  }

  #startGroup(sendMs: number, arrivalMs: number): void {
    this.#groupFirstSendMs = sendMs;
    this.#groupLastSendMs = sendMs;
    this.#groupLastArrivalMs = arrivalMs;
  }

  #combine(): void {
    const e = Math.min(this.#delay.bps, this.#loss.bps, this.#rembBps);
    this.#estimateBps = Math.min(this.#maxBps, Math.max(this.#minBps, e));
  }
}
