// Codecs against a real peer: our G.711 and G.722 bitstreams decoded by ffmpeg and ffmpeg's
// decoded by ours (frequency and level, and bit-exactness for G.722); resampling filters;
// Opus with concealment and at the phones' own rates; and each phone codec chain end to end, at
// 48 kHz and at the codec's own rate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../src/media/g711.ts';
import { G722Decoder, G722Encoder } from '../src/media/g722.ts';
import { createDownsampler, createUpsampler } from '../src/media/resampler.ts';
import { OpusFrameDecoder, OpusFrameEncoder, opusBandwidthForPhone } from '../src/media/opus-codec.ts';
import { createPhoneDecoder, createPhoneEncoder } from '../src/media/phone-codec.ts';
import type { PhoneCodecName } from '../src/media/phone-audio.ts';
import { phoneRateOf } from '../src/media/phone-audio.ts';
import { concatPcm, dominantFrequency, pcmFromBytes, sineFrame, toneAmplitude } from './tone.ts';
import { runFfmpeg } from './media-ffmpeg.ts';

const SECOND_8K = 8000;

const assertTone = (pcm: Int16Array, rate: number, hz: number, amplitude: number, what: string): void => {
  const body = pcm.subarray(Math.floor(pcm.length / 4)); // skip codec and filter start-up
  assert.is(dominantFrequency(body, rate, { minHz: 200, maxHz: rate / 2 - 200, stepHz: 10 }), hz, `${what}: frequency`);
  const level = toneAmplitude(body, rate, hz);
  assert.ok(Math.abs(level - amplitude) < amplitude * 0.1, `${what}: level ${level.toFixed(0)} ≈ ${amplitude}`);
};

for (const [law, encode, decode] of [['mulaw', encodeMulaw, decodeMulaw], ['alaw', encodeAlaw, decodeAlaw]] as const) {
  test(`G.711 ${law}: ffmpeg decodes our 1 kHz tone, we decode ffmpeg's`, async () => {
    const tone = sineFrame(1000, { sampleRate: 8000, samples: SECOND_8K, amplitude: 10_000 });
    const ours = new Uint8Array(tone.length);
    encode(tone, ours);
    const decodedByFfmpeg = pcmFromBytes(await runFfmpeg(['-f', law, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], ours));
    assertTone(decodedByFfmpeg, 8000, 1000, 10_000, 'ffmpeg decoding ours');

    const theirs = await runFfmpeg(['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', law, 'pipe:1'], new Uint8Array(tone.buffer));
    const decodedByUs = new Int16Array(theirs.length);
    decode(theirs, decodedByUs);
    assertTone(decodedByUs, 8000, 1000, 10_000, 'us decoding ffmpeg');
  });
}

test('G.722: ffmpeg decodes our stream, we decode ffmpeg\'s, both bit-exact', async () => {
  const rate = 16_000;
  const tone = new Int16Array(rate);
  const low = sineFrame(1000, { sampleRate: rate, samples: rate, amplitude: 8000 });
  const high = sineFrame(5500, { sampleRate: rate, samples: rate, amplitude: 3000 });
  for (let i = 0; i < rate; i++) tone[i] = low[i]! + high[i]!;
  const ours = new Uint8Array(rate / 2);
  assert.is(new G722Encoder().encode(tone, ours), rate / 2);

  const decodedByFfmpeg = pcmFromBytes(await runFfmpeg(['-f', 'g722', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], ours));
  const body = decodedByFfmpeg.subarray(rate / 4);
  assert.ok(Math.abs(toneAmplitude(body, rate, 1000) - 8000) < 800, 'lower band tone survives');
  assert.ok(Math.abs(toneAmplitude(body, rate, 5500) - 3000) < 300, 'higher band tone survives');

  const theirs = await runFfmpeg(['-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-f', 'g722', 'pipe:1'], new Uint8Array(tone.buffer));
  assert.equal([...theirs], [...ours], 'our encoder produces ffmpeg\'s (ITU) bitstream');
  const decodedByUs = new Int16Array(rate);
  assert.is(new G722Decoder().decode(theirs, decodedByUs), rate);
  assert.equal([...decodedByUs], [...decodedByFfmpeg], 'our decoder matches ffmpeg sample for sample');
});

test('resampling 48k → 8k keeps a 1 kHz tone and rejects what would alias', () => {
  const down = createDownsampler(8000);
  const frames: Int16Array[] = [];
  const aliasFrames: Int16Array[] = [];
  const downAlias = createDownsampler(8000);
  for (let f = 0; f < 25; f++) {
    const out = new Int16Array(160);
    down.process(sineFrame(1000, { startSample: f * 960, amplitude: 10_000 }), out);
    frames.push(out);
    const alias = new Int16Array(160);
    downAlias.process(sineFrame(5000, { startSample: f * 960, amplitude: 10_000 }), alias); // would fold to 3 kHz
    aliasFrames.push(alias);
  }
  assertTone(concatPcm(frames), 8000, 1000, 10_000, 'decimated tone');
  assert.ok(toneAmplitude(concatPcm(aliasFrames).subarray(1000), 8000, 3000) < 100, '5 kHz does not fold to 3 kHz');
});

test('resampling 8k/16k → 48k keeps the tone without images, across frame boundaries', () => {
  for (const rate of [8000, 16000] as const) {
    const up = createUpsampler(rate);
    const block = rate / 50;
    const frames: Int16Array[] = [];
    for (let f = 0; f < 25; f++) {
      const out = new Int16Array(960);
      up.process(sineFrame(1000, { sampleRate: rate, samples: block, startSample: f * block, amplitude: 10_000 }), out);
      frames.push(out);
    }
    const all = concatPcm(frames);
    assertTone(all, 48_000, 1000, 10_000, `upsampled from ${rate}`);
    assert.ok(toneAmplitude(all.subarray(4800), 48_000, rate - 1000) < 100, `no image at ${rate - 1000} Hz`);
  }
});

test('Opus: a tone survives encode/decode; a lost frame is concealed, not silent', () => {
  const encoder = new OpusFrameEncoder();
  const decoder = new OpusFrameDecoder();
  const out = new Int16Array(960);
  decoder.conceal(out);
  assert.ok(out.every((s) => s === 0), 'nothing to conceal before the first packet');
  const frames: Int16Array[] = [];
  for (let f = 0; f < 50; f++) {
    assert.ok(decoder.decode(encoder.encode(sineFrame(1000, { startSample: f * 960, amplitude: 8000 })), out));
    frames.push(out.slice());
  }
  assertTone(concatPcm(frames), 48_000, 1000, 8000, 'opus');
  decoder.conceal(out);
  // One 20 ms frame resolves frequency to about ±50 Hz.
  assert.ok(Math.abs(dominantFrequency(out, 48_000, { minHz: 500, maxHz: 1500 }) - 1000) <= 50, 'concealment continues the tone');
  assert.ok(toneAmplitude(out, 48_000, 1000) > 1000, 'and is not silence');
  assert.not.ok(decoder.decode(Uint8Array.of(0xff, 0xff, 0xff), out), 'a corrupt packet is reported');
});

test('a G.711 caller\'s audio is Opus-encoded narrowband: speech band kept, nothing above 4 kHz', () => {
  assert.is(opusBandwidthForPhone('PCMU'), 'narrowband');
  const encoder = new OpusFrameEncoder({ maxBandwidth: opusBandwidthForPhone('PCMU') });
  const decoder = new OpusFrameDecoder();
  const frames: Int16Array[] = [];
  for (let f = 0; f < 50; f++) {
    const low = sineFrame(1000, { startSample: f * 960, amplitude: 6000 });
    const high = sineFrame(6000, { startSample: f * 960, amplitude: 6000 });
    for (let i = 0; i < 960; i++) low[i] = low[i]! + high[i]!;
    const out = new Int16Array(960);
    decoder.decode(encoder.encode(low), out);
    frames.push(out);
  }
  const body = concatPcm(frames).subarray(960 * 10);
  assert.ok(toneAmplitude(body, 48_000, 1000) > 4000, '1 kHz kept');
  assert.ok(toneAmplitude(body, 48_000, 6000) < 300, '6 kHz not encoded');
});

test('Opus at a phone\'s own rate: an 8 kHz encoder feeds 48 kHz listeners, a 48 kHz talker decodes straight to 8 and 16 kHz', () => {
  // The phone's side: 8 kHz frames in, packets any Opus decoder plays (the room's, at 48 kHz).
  const narrow = new OpusFrameEncoder({ sampleRate: 8000, maxBandwidth: opusBandwidthForPhone('PCMU') });
  assert.is(narrow.frameSamples, 160);
  const listener = new OpusFrameDecoder();
  const heard: Int16Array[] = [];
  for (let f = 0; f < 50; f++) {
    const out = new Int16Array(960);
    listener.decode(narrow.encode(sineFrame(1000, { sampleRate: 8000, samples: 160, startSample: f * 160, amplitude: 8000 })), out);
    heard.push(out);
  }
  assertTone(concatPcm(heard), 48_000, 1000, 8000, 'an 8 kHz encoder heard at 48 kHz');
  // The room's side: a 48 kHz talker decoded at the phone's rate, 20 ms = rate/50 samples.
  for (const rate of [8000, 16000] as const) {
    const talker = new OpusFrameEncoder();
    const decoder = new OpusFrameDecoder({ sampleRate: rate });
    assert.is(decoder.frameSamples, rate / 50);
    const frames: Int16Array[] = [];
    for (let f = 0; f < 50; f++) {
      const out = new Int16Array(rate / 50);
      assert.ok(decoder.decode(talker.encode(sineFrame(1500, { startSample: f * 960, amplitude: 8000 })), out));
      assert.is(decoder.samples, rate / 50);
      frames.push(out);
    }
    assertTone(concatPcm(frames), rate, 1500, 8000, `a 48 kHz talker decoded at ${rate} Hz`);
    const lost = new Int16Array(rate / 50);
    decoder.conceal(lost);
    assert.ok(toneAmplitude(lost, rate, 1500) > 1000, `concealment at ${rate} Hz continues the tone`);
  }
});

test('an Opus phone sending 40 ms packets is still read as 20 ms frames', () => {
  const decoder = createPhoneDecoder('opus');
  const frames: Int16Array[] = [];
  const read = (): void => {
    while (decoder.hasFrame) {
      const out = new Int16Array(960);
      decoder.readFrame(out);
      frames.push(out);
    }
  };
  // 40 ms packets: two 20 ms Opus frames in one packet (RFC 6716 §3.2.3 code 1: equal sizes).
  const encoder = new OpusFrameEncoder({ bitrateBps: 32_000 });
  for (let p = 0; p < 25; p++) {
    const a = encoder.encode(sineFrame(1000, { startSample: 2 * p * 960, amplitude: 8000 })).slice();
    const b = encoder.encode(sineFrame(1000, { startSample: (2 * p + 1) * 960, amplitude: 8000 })).slice();
    if (a.length === b.length) {
      const packet = new Uint8Array(a.length * 2 - 1);
      packet[0] = (a[0]! & 0xfc) | 1;
      packet.set(a.subarray(1), 1);
      packet.set(b.subarray(1), a.length);
      decoder.push(packet, packet.length);
    } else {
      decoder.push(a, a.length);
      read();
      decoder.push(b, b.length);
    }
    read();
  }
  assert.is(frames.length, 50, 'two frames per 40 ms packet');
  assertTone(concatPcm(frames), 48_000, 1000, 8000, 'opus 40 ms');
});

for (const codec of ['PCMU', 'PCMA', 'G722', 'opus'] as PhoneCodecName[]) {
  test(`${codec} chain: 48 kHz frames → payloads → 48 kHz frames keep a 1 kHz tone`, () => {
    const encoder = createPhoneEncoder(codec);
    const decoder = createPhoneDecoder(codec);
    const payload = new Uint8Array(1500);
    const frames: Int16Array[] = [];
    for (let f = 0; f < 50; f++) {
      const n = encoder.encode(sineFrame(1000, { startSample: f * 960, amplitude: 8000 }), payload, 0);
      if (codec !== 'opus') assert.is(n, 160, '160 octets per 20 ms');
      decoder.push(payload, n);
      assert.ok(decoder.hasFrame);
      const out = new Int16Array(960);
      decoder.readFrame(out);
      frames.push(out);
    }
    assertTone(concatPcm(frames), 48_000, 1000, 8000, codec);
  });

  const rate = phoneRateOf(codec);
  test(`${codec} chain at its own rate (${rate} Hz): frames → payloads → frames keep a 1 kHz tone, nothing resampled`, () => {
    const encoder = createPhoneEncoder(codec);
    const decoder = createPhoneDecoder(codec);
    const payload = new Uint8Array(1500);
    const frames: Int16Array[] = [];
    const samples = rate / 50;
    for (let f = 0; f < 50; f++) {
      const n = encoder.encodeNative(sineFrame(1000, { sampleRate: rate, samples, startSample: f * samples, amplitude: 8000 }), payload, 0);
      decoder.push(payload, n);
      const out = new Int16Array(samples);
      decoder.readNativeFrame(out);
      frames.push(out);
    }
    assertTone(concatPcm(frames), rate, 1000, 8000, `${codec} native`);
  });
}

test.run();
