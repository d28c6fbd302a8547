// Conference-side audio: two talkers' real Opus packets mixed into one frame that carries both
// tones; sources dropped when silent or removed, bounded in number; and the shared frame clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConferenceAudioMixer } from '../src/media/conference-audio-mixer.ts';
import { OpusFrameEncoder } from '../src/media/opus-codec.ts';
import { FrameClock } from '../src/media/frame-clock.ts';
import { concatPcm, toneAmplitude, sineFrame } from './tone.ts';

type Talker = { ssrc: number; hz: number; encoder: OpusFrameEncoder; seq: number };
const talker = (ssrc: number, hz: number): Talker => ({ ssrc, hz, encoder: new OpusFrameEncoder(), seq: 65500 });
const speak = (mixer: ConferenceAudioMixer, t: Talker, frame: number): void => {
  const packet = t.encoder.encode(sineFrame(t.hz, { startSample: frame * 960, amplitude: 6000 }));
  mixer.push(t.ssrc, t.seq, frame * 960, packet.slice());
  t.seq = (t.seq + 1) & 0xffff;
};

test('two talkers (440 Hz and 1500 Hz) as Opus packets mix into frames carrying both tones', () => {
  const mixer = new ConferenceAudioMixer();
  const a = talker(111, 440);
  const b = talker(222, 1500);
  const frames: Int16Array[] = [];
  for (let f = 0; f < 60; f++) {
    speak(mixer, a, f);
    if (f !== 30) speak(mixer, b, f); // one lost packet: concealed
    frames.push(mixer.mixFrame().slice());
  }
  assert.is(mixer.sourceCount, 2);
  const mix = concatPcm(frames).subarray(960 * 10);
  for (const hz of [440, 1500]) {
    const level = toneAmplitude(mix, 48_000, hz);
    assert.ok(Math.abs(level - 6000) < 900, `${hz} Hz at ${level.toFixed(0)}`);
  }
  assert.ok(toneAmplitude(mix, 48_000, 1000) < 300, 'nothing at 1 kHz');
});

test('fitted to a G.711 phone, the mixer decodes and mixes at 8 kHz: 160-sample frames carrying both tones', () => {
  const mixer = new ConferenceAudioMixer();
  const a = talker(111, 440);
  const b = talker(222, 1500);
  speak(mixer, a, 0); // queued before the fit: kept, decoded at the new rate
  mixer.fitTo('PCMU');
  assert.is(mixer.frameSamples, 160);
  const frames: Int16Array[] = [];
  for (let f = 1; f < 60; f++) {
    speak(mixer, a, f);
    speak(mixer, b, f);
    const mix = mixer.mixFrame();
    assert.is(mix.length, 160);
    frames.push(mix.slice());
  }
  const mix = concatPcm(frames).subarray(160 * 10);
  for (const hz of [440, 1500]) {
    const level = toneAmplitude(mix, 8000, hz);
    assert.ok(Math.abs(level - 6000) < 900, `${hz} Hz at ${level.toFixed(0)}`);
  }
  assert.ok(toneAmplitude(mix, 8000, 1000) < 300, 'nothing at 1 kHz');
});

test('the sum saturates instead of wrapping around', () => {
  const mixer = new ConferenceAudioMixer({ depthPackets: 1 });
  const loud = [talker(1, 500), talker(2, 500), talker(3, 500)];
  let peak = 0;
  for (let f = 0; f < 20; f++) {
    for (const t of loud) mixer.push(t.ssrc, f, f * 960, t.encoder.encode(sineFrame(500, { startSample: f * 960, amplitude: 20_000 })).slice());
    const mix = mixer.mixFrame();
    for (let i = 1; i < mix.length; i++) {
      // Wrap-around would flip the sign between neighbours at the crest; a clipped sine never jumps that far.
      assert.ok(Math.abs(mix[i]! - mix[i - 1]!) < 20_000, 'no wrap-around');
      peak = Math.max(peak, Math.abs(mix[i]!));
    }
  }
  assert.ok(peak >= 32_767, 'clipped at full scale');
});

test('silent, removed and excess sources leave the mix', () => {
  const mixer = new ConferenceAudioMixer({ maxSources: 2, silentTicksBeforeDrop: 10, depthPackets: 1 });
  const [a, b, c] = [talker(1, 440), talker(2, 880), talker(3, 1300)];
  speak(mixer, a!, 0);
  speak(mixer, b!, 0);
  speak(mixer, c!, 0);
  assert.is(mixer.sourceCount, 2, 'the third source is over the bound');
  mixer.removeSource(b!.ssrc);
  assert.is(mixer.sourceCount, 1);
  for (let i = 0; i < 12; i++) mixer.mixFrame();
  assert.is(mixer.sourceCount, 0, 'a source silent for 10 ticks is dropped');
  const silence = mixer.mixFrame();
  assert.ok(silence.every((s) => s === 0));
});

test('a talker sending DTX (silence) packets stays in the mix without adding to it', () => {
  const mixer = new ConferenceAudioMixer({ depthPackets: 1, silentTicksBeforeDrop: 5 });
  const a = talker(1, 700);
  const frames: Int16Array[] = [];
  for (let f = 0; f < 30; f++) {
    speak(mixer, a, f);
    mixer.push(2, f, f * 960, Uint8Array.of(0xf8)); // ToC-only DTX packet
    frames.push(mixer.mixFrame().slice());
  }
  assert.is(mixer.sourceCount, 2, 'the silent talker is not dropped: it still sends');
  const mix = concatPcm(frames).subarray(960 * 5);
  assert.ok(Math.abs(toneAmplitude(mix, 48_000, 700) - 6000) < 900);
});

test('frame clock: fires every period on a monotonic timeline, catches up when late, skips a long stall', async () => {
  let stalledMs = 0; // added to real time to simulate the process being descheduled
  const clock = new FrameClock({ periodMs: 20, maxCatchUpTicks: 5, now: () => performance.now() + stalledMs });
  let ticks = 0;
  let isInside = false;
  let overlapped = false;
  const done = new Promise<void>((resolve) => {
    const off = clock.onTick(() => {
      if (isInside) overlapped = true;
      isInside = true;
      ticks++;
      if (ticks === 1) stalledMs += 20 * 3; // the process stalled for 3 periods: they run back to back
      if (ticks === 5) stalledMs += 20 * 50; // a long stall: skipped, not replayed
      isInside = false;
      if (ticks === 7) {
        off();
        resolve();
      }
    });
  });
  await done;
  assert.not.ok(overlapped);
  assert.is(clock.ticks, 7);
  assert.ok(clock.skippedTicks >= 45, `skipped ${clock.skippedTicks}`);
  assert.is(clock.size, 0, 'the timer stops with the last subscriber');
});

test('frame clock: many subscribers share one tick; one throwing does not stop the others', async () => {
  const clock = new FrameClock();
  const counts = [0, 0, 0];
  const offs = counts.map((_, i) => clock.onTick(() => {
    counts[i]!++;
    if (i === 0) throw new Error('a faulty call');
  }));
  while (counts[2]! < 5) await new Promise((r) => setTimeout(r, 20));
  for (const off of offs) off();
  assert.ok(counts[1]! >= 4 && counts[0]! >= 4, `counts ${counts.join(',')}`);
});

test.run();
