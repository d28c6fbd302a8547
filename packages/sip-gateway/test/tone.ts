// Test helpers for audio: make sine tones and measure which frequency a signal carries and how
// loud it is (Goertzel filters, so two mixed tones can be told apart).

/** A sine tone as 16-bit PCM; `startSample` continues the phase of an earlier frame. */
export function sineFrame(
  frequencyHz: number,
  options: { sampleRate?: number; samples?: number; amplitude?: number; startSample?: number } = {},
): Int16Array {
  const sampleRate = options.sampleRate ?? 48_000;
  const samples = options.samples ?? 960;
  const amplitude = options.amplitude ?? 8000;
  const start = options.startSample ?? 0;
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * (start + i)) / sampleRate));
  return out;
}

/** Amplitude of the `frequencyHz` component (a pure sine of amplitude A gives about A). */
export function toneAmplitude(pcm: ArrayLike<number>, sampleRate: number, frequencyHz: number): number {
  return goertzel(hannWindowed(pcm), sampleRate, frequencyHz);
}

// Hann window so a tone between analysis bins does not leak into its neighbours.
function hannWindowed(pcm: ArrayLike<number>): Float64Array {
  const n = pcm.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = pcm[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  return out;
}

function goertzel(windowed: Float64Array, sampleRate: number, frequencyHz: number): number {
  const n = windowed.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = windowed[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (4 * Math.sqrt(Math.max(0, power))) / n; // ×2 for one side, ×2 for the Hann window's gain
}

/** The strongest frequency between `minHz` and `maxHz`, scanned in `stepHz` steps. */
export function dominantFrequency(
  pcm: ArrayLike<number>,
  sampleRate: number,
  options: { minHz?: number; maxHz?: number; stepHz?: number } = {},
): number {
  const minHz = options.minHz ?? 100;
  const maxHz = options.maxHz ?? Math.min(8000, sampleRate / 2 - 100);
  const stepHz = options.stepHz ?? 10;
  const windowed = hannWindowed(pcm);
  let best = minHz;
  let bestAmplitude = -1;
  for (let f = minHz; f <= maxHz; f += stepHz) {
    const a = goertzel(windowed, sampleRate, f);
    if (a > bestAmplitude) {
      bestAmplitude = a;
      best = f;
    }
  }
  return best;
}

/** Root mean square of the signal. */
export function rms(pcm: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return pcm.length === 0 ? 0 : Math.sqrt(sum / pcm.length);
}

/** Little-endian 16-bit PCM bytes as samples. */
export function pcmFromBytes(bytes: Uint8Array): Int16Array {
  const copy = new Uint8Array(bytes.length - (bytes.length % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

/** Concatenates frames. */
export function concatPcm(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}
