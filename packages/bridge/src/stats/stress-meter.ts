// The bridge's stress from what it actually does, like Jitsi's videobridge (JvbLoadManager: the
// packet rate in + out, or CPU use, over a configured threshold). Here the published stress is the
// largest of three bounded terms, so whichever resource runs out first speaks:
//   packet rate (RTP in + out per second over the window) / capacity packets per second,
//   process CPU (fraction of one core over the window) / CPU threshold,
//   endpoints / maxEndpoints (the admission limit; also covers idle endpoints that cost nothing yet).
// Fed by start.ts's one-second timer with running totals; pure otherwise (tests inject samples).

/** What the stress is measured against (config.ts `stress.*`, `maxEndpoints`). */
export type StressLimits = {
  /** RTP packets per second (in + out) at which the packet-rate term is 1. */
  readonly capacityPacketsPerSecond: number;
  /** Fraction of one core (0.9 = 90 %) at which the CPU term is 1. */
  readonly cpuThreshold: number;
  /** Rates are averaged over this much history. */
  readonly windowMs: number;
  readonly maxEndpoints: number;
};

/** The terms and their result, as published in stats and metrics. */
export type StressReading = {
  /** RTP packets per second, in + out, over the window. */
  readonly packetRate: number;
  /** Process CPU over the window, fraction of one core. */
  readonly cpuUsage: number;
  readonly packetRateStress: number;
  readonly cpuStress: number;
  readonly endpointStress: number;
  /** max of the three terms: `stress_level`. */
  readonly stressLevel: number;
  /** What one endpoint currently adds: stressLevel / endpoints, never below 1 / maxEndpoints. */
  readonly averageParticipantStress: number;
};

/** A term may say "twice over capacity", no more: one runaway measure cannot hide every other bridge's figures. */
export const MAX_STRESS_TERM = 2;

const bounded = (x: number): number => (Number.isFinite(x) && x > 0 ? Math.min(x, MAX_STRESS_TERM) : 0);
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Ring of (time, packets total, CPU µs total) samples covering the window. */
export class StressMeter {
  readonly #times: Float64Array;
  readonly #packets: Float64Array;
  readonly #cpuMicros: Float64Array;
  #count = 0;
  #next = 0;

  /** `slots`: samples kept (the window divided by the sampling period, plus one). */
  constructor(readonly limits: StressLimits, slots = 64) {
    this.#times = new Float64Array(slots);
    this.#packets = new Float64Array(slots);
    this.#cpuMicros = new Float64Array(slots);
  }

  /** Records running totals at `nowMs`: RTP packets received + sent, and process CPU (user + system) in µs. */
  sample(nowMs: number, packetsTotal: number, cpuMicrosTotal: number): void {
    const slots = this.#times.length;
    const newest = (this.#next + slots - 1) % slots;
    // A counter that went backwards (a restart of its owner) starts the history afresh.
    if (this.#count > 0 && (nowMs <= this.#times[newest]! || packetsTotal < this.#packets[newest]! || cpuMicrosTotal < this.#cpuMicros[newest]!)) this.#count = 0;
    this.#times[this.#next] = nowMs;
    this.#packets[this.#next] = packetsTotal;
    this.#cpuMicros[this.#next] = cpuMicrosTotal;
    this.#next = (this.#next + 1) % slots;
    if (this.#count < slots) this.#count++;
  }

  /** The stress with `endpoints` on the bridge, from the oldest sample within the window to the newest. */
  read(endpoints: number): StressReading {
    const { packetRate, cpuUsage } = this.#rates();
    const l = this.limits;
    const packetRateStress = bounded(packetRate / l.capacityPacketsPerSecond);
    const cpuStress = bounded(cpuUsage / l.cpuThreshold);
    const endpointStress = bounded(endpoints / l.maxEndpoints);
    const stressLevel = Math.max(packetRateStress, cpuStress, endpointStress);
    const floor = 1 / l.maxEndpoints;
    return {
      packetRate: round(packetRate), cpuUsage: round(cpuUsage),
      packetRateStress: round(packetRateStress), cpuStress: round(cpuStress), endpointStress: round(endpointStress),
      stressLevel: round(stressLevel),
      averageParticipantStress: round(endpoints > 0 ? Math.max(stressLevel / endpoints, floor) : floor),
    };
  }

  #rates(): { packetRate: number; cpuUsage: number } {
    if (this.#count < 2) return { packetRate: 0, cpuUsage: 0 };
    const slots = this.#times.length;
    const newest = (this.#next + slots - 1) % slots;
    const nowMs = this.#times[newest]!;
    // The oldest sample still inside the window (at least one interval back from the newest).
    let oldest = (newest + slots - 1) % slots;
    for (let k = 2; k < this.#count; k++) {
      const i = (newest + slots - k) % slots;
      if (nowMs - this.#times[i]! > this.limits.windowMs) break;
      oldest = i;
    }
    const dtMs = nowMs - this.#times[oldest]!;
    if (dtMs <= 0) return { packetRate: 0, cpuUsage: 0 };
    return {
      packetRate: ((this.#packets[newest]! - this.#packets[oldest]!) * 1000) / dtMs,
      cpuUsage: (this.#cpuMicros[newest]! - this.#cpuMicros[oldest]!) / 1000 / dtMs,
    };
  }
}
