// What the conference-leg tests send and listen for: 20 ms frames of a test tone at 48 kHz (what
// the leg and the participants speak in Opus), and the check that a tone stands out in what arrived.
import * as assert from 'uvu/assert';
import { Decoder } from '@evan/opus';
import { sineFrame, toneAmplitude } from './tone.ts';

/** Samples in a 20 ms frame at 48 kHz. */
export const FRAME_SAMPLES = 960;
/** Every tone the conference tests send: each check compares the one expected against the others. */
const TEST_TONES_HZ = [300, 440, 660, 1000];

/** Frame number `f` of a sine at `hz`, at about −12 dBov (the phase runs on from frame to frame). */
export const toneFrame = (hz: number, f: number): Int16Array => sineFrame(hz, { samples: FRAME_SAMPLES, startSample: f * FRAME_SAMPLES });

/** The first `count` frames of a sine at `hz`. */
export const toneFrames = (hz: number, count: number): Int16Array[] => Array.from({ length: count }, (_, f) => toneFrame(hz, f));

/** Decodes mono Opus packets (in order) and checks that `hz` stands 20 dB above the other test tones. */
export function assertTone(packets: readonly Uint8Array[], hz: number, what: string): void {
  assert.ok(packets.length >= 25, `${what}: ${packets.length} packets arrived`);
  const decoder = new Decoder({ channels: 1, sample_rate: 48_000 });
  const chunks = packets.map((p) => new Int16Array(decoder.decode(p).buffer.slice(0)));
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    pcm.set(c, at);
    at += c.length;
  }
  const tone = toneAmplitude(pcm, 48_000, hz);
  for (const other of TEST_TONES_HZ.filter((o) => o !== hz)) {
    assert.ok(tone > 10 * toneAmplitude(pcm, 48_000, other), `${what}: ${hz} Hz is 20 dB above ${other} Hz`);
  }
}
