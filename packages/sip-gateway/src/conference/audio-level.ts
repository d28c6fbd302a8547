// RFC 6464 client-to-mixer audio level: the bridge's dominant-speaker detection reads it from the
// ssrc-audio-level header extension of every audio packet (packages/bridge forwarding-loop.ts) and
// never decodes audio. The caller's level is computed from the PCM the call flow encodes. Pure,
// allocation-free (runs once per 20 ms frame per call).

/** Level of digital silence and of anything quieter (RFC 6464 §3: 127 = −127 dBov). */
export const SILENT_LEVEL = 127;
/** At or above this level (−dBov, so quieter) a frame is not voice (RFC 6464 §3's V flag). */
const VOICE_LEVEL_LIMIT = 50;

/** The frame's level in −dBov (0 = full-scale square wave … 127 = silence), RFC 6464 §3's RMS definition. */
export function audioLevelOf(pcm: Int16Array): number {
  if (pcm.length === 0) return SILENT_LEVEL;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i]!;
    sum += s * s;
  }
  if (sum === 0) return SILENT_LEVEL;
  // dBov relative to a full-scale square wave: 20·log10(rms / 32768).
  const dbov = 10 * Math.log10(sum / pcm.length / (32768 * 32768));
  const level = Math.round(-dbov);
  return level < 0 ? 0 : level > SILENT_LEVEL ? SILENT_LEVEL : level;
}

/** The extension's one byte: V flag (voice) and the 7-bit level (RFC 6464 §3). */
export function audioLevelByte(level: number): number {
  const clamped = level < 0 ? 0 : level > SILENT_LEVEL ? SILENT_LEVEL : Math.round(level);
  return clamped < VOICE_LEVEL_LIMIT ? 0x80 | clamped : clamped;
}
