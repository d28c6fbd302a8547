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

/** No RFC 6464 level in a packet (the extension was not negotiated, or the packet lacks it). */
export const NO_LEVEL = -1;

/**
 * The 7-bit RFC 6464 level (0 loud … 127 silent) in the header extension element `id` of a plain
 * RTP packet whose header is `headerLength` bytes (RFC 8285 one- and two-byte forms), or NO_LEVEL.
 * Pure, allocation-free: runs for every packet the bridge sends the call.
 */
export function readRtpAudioLevel(packet: Uint8Array, headerLength: number, id: number): number {
  if (id <= 0 || ((packet[0] ?? 0) & 0x10) === 0) return NO_LEVEL;
  const start = 12 + 4 * ((packet[0] ?? 0) & 0x0f) + 4;
  const limit = Math.min(headerLength, packet.length);
  if (start > limit) return NO_LEVEL;
  const profile = ((packet[start - 4] ?? 0) << 8) | (packet[start - 3] ?? 0);
  const end = Math.min(limit, start + 4 * (((packet[start - 2] ?? 0) << 8) | (packet[start - 1] ?? 0)));
  let i = start;
  if (profile === 0xbede) {
    while (i < end) {
      const h = packet[i]!;
      const eid = h >> 4;
      if (eid === 0) {
        i++; // padding
        continue;
      }
      if (eid === 15) return NO_LEVEL; // RFC 8285 §4.2: stop
      if (eid === id) return i + 1 < end ? packet[i + 1]! & 0x7f : NO_LEVEL;
      i += 2 + (h & 0x0f);
    }
    return NO_LEVEL;
  }
  if ((profile & 0xfff0) === 0x1000) {
    while (i + 1 < end) {
      const eid = packet[i]!;
      if (eid === 0) {
        i++;
        continue;
      }
      const length = packet[i + 1]!;
      if (eid === id) return length >= 1 && i + 2 < end ? packet[i + 2]! & 0x7f : NO_LEVEL;
      i += 2 + length;
    }
  }
  return NO_LEVEL;
}
