/** 0–1 from the RMS of a block of samples: −60 dBFS and below is 0, −10 dBFS and above is 1. */
export function levelOf(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  const db = 20 * Math.log10(rms || 1e-9);
  return Math.min(1, Math.max(0, (db + 60) / 50));
}
