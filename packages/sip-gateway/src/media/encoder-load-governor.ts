// How hard libopus works on the callers' audio, by how busy the gateway is. Encoding a caller's
// 20 ms for the conference is a quarter of a call's CPU at complexity 5 and less than half of that
// at 1 (bench/sip/codec-cost.ts); the difference is noise shaping and delayed-decision
// quantization, which a narrowband phone line barely carries. So the gateway encodes at full
// quality while it has CPU to spare and drops to the cheaper setting when its event loop is busy,
// before late ticks turn into gaps in what everyone hears (as WebRTC adapts a camera's resolution
// to CPU overuse). Busy is the event loop's utilization over the last sample: it counts time spent
// waiting for a CPU in the middle of work too, so a gateway squeezed by its neighbours also backs off.
// It switches down on one busy sample and back up only after several calm ones, so it does not flap.
import { performance } from 'node:perf_hooks';
import type { Logger } from '@plenum/kit';
import { silentLogger } from '@plenum/kit';
import type { OpusComplexity } from './opus-codec.ts';

/** Event-loop utilization (0–1) since the previous call. */
export type UtilizationSampler = () => number;

export type EncoderLoadGovernorOptions = {
  /** Complexity while the gateway has CPU to spare. */
  readonly normal: OpusComplexity;
  /** Complexity while it is busy. */
  readonly underLoad: OpusComplexity;
  /** Utilization (percent) at or above which a sample counts as busy. */
  readonly busyAbovePercent: number;
  /** Utilization (percent) at or below which a sample counts as calm. */
  readonly calmBelowPercent: number;
  /** Calm samples in a row before the normal complexity comes back (default 5). */
  readonly calmSamples?: number;
  /** How often to sample (default 1,000 ms). */
  readonly sampleMs?: number;
  /** Where utilization comes from (default: this process's event loop). */
  readonly utilization?: UtilizationSampler;
  readonly log?: Logger;
};

/** The event loop's utilization between calls, from node:perf_hooks. */
export function eventLoopUtilizationSampler(): UtilizationSampler {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

/** The complexity every caller's encoder uses now (read per frame: a plain field). */
export class EncoderLoadGovernor {
  /** The complexity to encode at now. */
  complexity: OpusComplexity;
  /** Times it switched to the under-load complexity. */
  busySwitches = 0;
  readonly #options: EncoderLoadGovernorOptions;
  readonly #sample: UtilizationSampler;
  readonly #calmSamplesNeeded: number;
  readonly #log: Logger;
  #calmSamples = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: EncoderLoadGovernorOptions) {
    if (options.calmBelowPercent > options.busyAbovePercent) throw new RangeError('conferenceAudio.calmBelowPercent must not be above busyAbovePercent');
    this.#options = options;
    this.complexity = options.normal;
    this.#sample = options.utilization ?? eventLoopUtilizationSampler();
    this.#calmSamplesNeeded = options.calmSamples ?? 5;
    this.#log = options.log ?? silentLogger;
  }

  /** True while encoders run at the under-load complexity. */
  get isUnderLoad(): boolean {
    return this.complexity !== this.#options.normal;
  }

  /** Samples every `sampleMs` until stop(); the timer does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#options.normal === this.#options.underLoad) return;
    this.#sample(); // start the first interval now
    this.#timer = setInterval(() => this.sample(), this.#options.sampleMs ?? 1_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one utilization sample and switches if it says so (the timer calls this; tests may too). */
  sample(): void {
    const percent = this.#sample() * 100;
    const { normal, underLoad, busyAbovePercent, calmBelowPercent } = this.#options;
    if (percent >= busyAbovePercent) {
      this.#calmSamples = 0;
      if (this.complexity === underLoad) return;
      this.complexity = underLoad;
      this.busySwitches++;
      this.#log.info('busy: callers\' audio encoded at the under-load complexity', { utilizationPercent: Math.round(percent), complexity: underLoad });
      return;
    }
    if (this.complexity === normal) return;
    this.#calmSamples = percent <= calmBelowPercent ? this.#calmSamples + 1 : 0;
    if (this.#calmSamples < this.#calmSamplesNeeded) return;
    this.complexity = normal;
    this.#calmSamples = 0;
    this.#log.info('calm again: callers\' audio encoded at the normal complexity', { utilizationPercent: Math.round(percent), complexity: normal });
  }
}
