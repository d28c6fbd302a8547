// The callers' Opus encoders back off when the gateway is busy (EncoderLoadGovernor): measured on
// this process's real event loop, which the test keeps busy with synchronous work and then leaves
// idle; and a caller encoded at either complexity is still heard as what they said.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { EncoderLoadGovernor } from '../src/media/encoder-load-governor.ts';
import { ConferenceFrameEncoder } from '../src/media/conference-frame-encoder.ts';
import { OpusFrameDecoder } from '../src/media/opus-codec.ts';
import type { OpusComplexity } from '../src/media/opus-codec.ts';
import { dominantFrequency, rms, sineFrame } from './tone.ts';

/** Keeps the event loop busy for `ms`, yielding every ~90 ms so timers (the governor's) still run. */
async function busyFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const sliceEnd = Math.min(end, performance.now() + 90);
    let x = 0;
    while (performance.now() < sliceEnd) x += Math.sqrt(x + 1);
    await new Promise((resolve) => setImmediate(resolve, x));
  }
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

test('a busy event loop switches encoding to the under-load complexity; calm brings the normal one back', async () => {
  const governor = new EncoderLoadGovernor({ normal: 5, underLoad: 1, busyAbovePercent: 60, calmBelowPercent: 30, calmSamples: 3, sampleMs: 100 });
  governor.start();
  try {
    await sleep(350);
    assert.is(governor.complexity, 5, 'an idle gateway encodes at the normal complexity');
    const busy = busyFor(3_000);
    await until('the switch to the under-load complexity', () => governor.complexity === 1, 3_000);
    await busy;
    assert.is(governor.busySwitches, 1);
    assert.ok(governor.isUnderLoad);
    await until('the normal complexity back', () => governor.complexity === 5, 3_000);
    assert.is(governor.busySwitches, 1, 'it switched down once, not back and forth');
  } finally {
    governor.stop();
  }
});

test('one calm sample between busy ones does not bring the normal complexity back', () => {
  const samples = [0.9, 0.1, 0.8, 0.1, 0.1, 0.5, 0.1, 0.1, 0.1];
  const governor = new EncoderLoadGovernor({ normal: 5, underLoad: 1, busyAbovePercent: 60, calmBelowPercent: 30, calmSamples: 3, utilization: () => samples.shift()! });
  const seen: OpusComplexity[] = [];
  for (let i = 0; i < 9; i++) {
    governor.sample();
    seen.push(governor.complexity);
  }
  // Busy, calm, busy again, two calm, one in between (neither), then three calm in a row.
  assert.equal(seen, [1, 1, 1, 1, 1, 1, 1, 1, 5]);
  assert.is(governor.busySwitches, 1);
});

test('settings where calm is above busy are refused', () => {
  assert.throws(() => new EncoderLoadGovernor({ normal: 5, underLoad: 1, busyAbovePercent: 40, calmBelowPercent: 60 }), RangeError);
});

test('a G.711 caller encoded at either complexity is heard as the tone they sent', () => {
  const source = { complexity: 5 as OpusComplexity };
  const encoder = new ConferenceFrameEncoder(source);
  encoder.fitTo('PCMU');
  const listener = new OpusFrameDecoder(); // a browser in the room decodes at 48 kHz
  const out = new Int16Array(960);
  for (const complexity of [5, 1, 5] as const) {
    source.complexity = complexity;
    const heard: Int16Array[] = [];
    for (let f = 0; f < 25; f++) {
      listener.decode(encoder.encode(sineFrame(440, { sampleRate: 8000, samples: 160, startSample: f * 160 })), out);
      if (f >= 5) heard.push(out.slice());
    }
    assert.is(encoder.complexity, complexity, 'the encoder follows the governor from the next frame');
    const all = new Int16Array(heard.length * 960);
    heard.forEach((frame, i) => all.set(frame, i * 960));
    assert.ok(Math.abs(dominantFrequency(all, 48_000) - 440) < 15, `complexity ${complexity}: 440 Hz heard`);
    assert.ok(rms(all) > 3000, `complexity ${complexity}: at about the level sent (rms ${rms(all).toFixed(0)})`);
  }
});

test.run();
