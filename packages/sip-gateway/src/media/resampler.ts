// Integer-ratio resampling between the gateway's 48 kHz frames and the phone codecs' 8/16 kHz:
// a Kaiser-windowed sinc low-pass in polyphase form. History is kept across calls so consecutive
// 20 ms frames join without clicks; nothing is allocated after construction.

/** Designs a windowed-sinc low-pass: `taps` coefficients, cutoff as a fraction of the sample rate. */
export function designLowPass(taps: number, cutoffRatio: number, kaiserBeta = 7): Float64Array {
  const h = new Float64Array(taps);
  const middle = (taps - 1) / 2;
  const i0Beta = besselI0(kaiserBeta);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const t = n - middle;
    const sinc = t === 0 ? 2 * cutoffRatio : Math.sin(2 * Math.PI * cutoffRatio * t) / (Math.PI * t);
    const r = (2 * n) / (taps - 1) - 1;
    const window = besselI0(kaiserBeta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    h[n] = sinc * window;
    sum += h[n]!;
  }
  for (let n = 0; n < taps; n++) h[n] = h[n]! / sum; // unity gain at DC
  return h;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 40; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const clamp16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v));

/** Low-pass then keep every `factor`-th sample (48 kHz → 48/factor kHz). */
export class Decimator {
  readonly #factor: number;
  /** The first half of the symmetric (linear-phase) filter, so each pair of taps costs one multiply. */
  readonly #halfH: Float64Array;
  readonly #taps: number;
  /** Last taps-1 input samples followed by the current block. */
  readonly #buffer: Float64Array;
  readonly #blockSamples: number;

  constructor(factor: number, blockSamples: number, taps: number, cutoffHz: number, inputRateHz: number) {
    const evenTaps = taps + (taps % 2);
    this.#factor = factor;
    this.#blockSamples = blockSamples;
    this.#taps = evenTaps;
    this.#halfH = designLowPass(evenTaps, cutoffHz / inputRateHz).slice(0, evenTaps / 2);
    this.#buffer = new Float64Array(evenTaps - 1 + blockSamples);
  }

  /** Consumes `blockSamples` input samples and writes blockSamples/factor samples to `out`. */
  process(input: Int16Array, out: Int16Array): void {
    const h = this.#halfH;
    const half = h.length;
    const taps = this.#taps;
    const buf = this.#buffer;
    const history = taps - 1;
    for (let i = 0; i < this.#blockSamples; i++) buf[history + i] = input[i] ?? 0;
    const outCount = this.#blockSamples / this.#factor;
    for (let o = 0; o < outCount; o++) {
      // Output o ends at input (o+1)*factor-1; the filter covers the taps before it.
      const end = (o + 1) * this.#factor - 1 + history;
      const start = end - history;
      let acc = 0;
      for (let k = 0; k < half; k++) acc += h[k]! * (buf[end - k]! + buf[start + k]!);
      out[o] = clamp16(acc);
    }
    buf.copyWithin(0, this.#blockSamples, this.#blockSamples + history);
  }
}

/** Insert zeros between samples then low-pass (48/factor kHz → 48 kHz), as `factor` short filters. */
export class Interpolator {
  readonly #factor: number;
  /** phases[p][k] = factor * h[p + k*factor] */
  readonly #phases: Float64Array[];
  readonly #tapsPerPhase: number;
  readonly #buffer: Float64Array;
  readonly #blockSamples: number;

  constructor(factor: number, blockSamples: number, taps: number, cutoffHz: number, outputRateHz: number) {
    this.#factor = factor;
    this.#blockSamples = blockSamples;
    const tapsPerPhase = Math.ceil(taps / factor);
    this.#tapsPerPhase = tapsPerPhase;
    const h = designLowPass(tapsPerPhase * factor, cutoffHz / outputRateHz);
    this.#phases = [];
    for (let p = 0; p < factor; p++) {
      const phase = new Float64Array(tapsPerPhase);
      for (let k = 0; k < tapsPerPhase; k++) phase[k] = factor * h[p + k * factor]!;
      this.#phases.push(phase);
    }
    this.#buffer = new Float64Array(tapsPerPhase - 1 + blockSamples);
  }

  /** Consumes `blockSamples` low-rate samples and writes blockSamples*factor samples to `out`. */
  process(input: Int16Array, out: Int16Array): void {
    const history = this.#tapsPerPhase - 1;
    const buf = this.#buffer;
    const n = this.#blockSamples;
    for (let i = 0; i < n; i++) buf[history + i] = input[i] ?? 0;
    const factor = this.#factor;
    const tapsPerPhase = this.#tapsPerPhase;
    for (let i = 0; i < n; i++) {
      const newest = history + i;
      for (let p = 0; p < factor; p++) {
        const phase = this.#phases[p]!;
        let acc = 0;
        for (let k = 0; k < tapsPerPhase; k++) acc += phase[k]! * buf[newest - k]!;
        out[i * factor + p] = clamp16(acc);
      }
    }
    buf.copyWithin(0, n, n + history);
  }
}

/** 48 kHz frames ↔ a phone codec's rate (8 or 16 kHz), one pair per call direction. */
export type PhoneRate = 8000 | 16000;

/** Converts one fixed-size block per call. */
export interface BlockResampler {
  process(input: Int16Array, out: Int16Array): void;
}

/** Two resamplers in series through a preallocated intermediate block. */
class ChainedResampler implements BlockResampler {
  readonly #middle: Int16Array;
  constructor(private readonly first: BlockResampler, private readonly second: BlockResampler, middleSamples: number) {
    this.#middle = new Int16Array(middleSamples);
  }
  process(input: Int16Array, out: Int16Array): void {
    this.first.process(input, this.#middle);
    this.second.process(this.#middle, out);
  }
}

// 48 ↔ 16 kHz: pass to ~6.3 kHz, stop from ~8.1 kHz.
const WIDEBAND = { taps: 96, cutoffHz: 7200 };
// 8 kHz goes through 16 kHz in two cheaper stages (a third fewer multiplies than one sharp
// 48 ↔ 8 kHz filter): a short filter between 48 and 16 kHz that only has to clear 12 kHz and up
// (what folds onto 0-4 kHz), and a sharp one between 16 and 8 kHz: pass to ~3.4 kHz, stop from ~4.6 kHz.
const WIDE_STAGE = { taps: 24, cutoffHz: 7800 };
const NARROW_STAGE = { taps: 48, cutoffHz: 4000 };

/** A decimator from 48 kHz to `rate` for 20 ms blocks. */
export function createDownsampler(rate: PhoneRate, blockSamples48k = 960): BlockResampler {
  if (rate === 16000) return new Decimator(3, blockSamples48k, WIDEBAND.taps, WIDEBAND.cutoffHz, 48_000);
  const wide = blockSamples48k / 3;
  return new ChainedResampler(
    new Decimator(3, blockSamples48k, WIDE_STAGE.taps, WIDE_STAGE.cutoffHz, 48_000),
    new Decimator(2, wide, NARROW_STAGE.taps, NARROW_STAGE.cutoffHz, 16_000),
    wide,
  );
}

/** An interpolator from `rate` to 48 kHz for 20 ms blocks. */
export function createUpsampler(rate: PhoneRate, blockSamples48k = 960): BlockResampler {
  const wide = blockSamples48k / 3;
  if (rate === 16000) return new Interpolator(3, wide, WIDEBAND.taps, WIDEBAND.cutoffHz, 48_000);
  return new ChainedResampler(
    new Interpolator(2, wide / 2, NARROW_STAGE.taps, NARROW_STAGE.cutoffHz, 16_000),
    new Interpolator(3, wide, WIDE_STAGE.taps, WIDE_STAGE.cutoffHz, 48_000),
    wide,
  );
}
