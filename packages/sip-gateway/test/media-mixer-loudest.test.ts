// The mixer decodes only what a phone can hear: real Opus packets of tone talkers carrying RFC
// 6464 levels as the bridge forwards them. The loudest talkers are mixed (default 3), a talker
// whose level says inaudible is not decoded, switching fades instead of clicking, and senders
// without levels are always heard. Also: the level read from RTP header extensions, and the
// first-byte test that lets SRTP skip werift's ICE layer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConferenceAudioMixer } from '../src/media/conference-audio-mixer.ts';
import { OpusFrameEncoder } from '../src/media/opus-codec.ts';
import { NO_LEVEL, readRtpAudioLevel } from '../src/conference/audio-level.ts';
import { isSrtpDatagram } from '@plenum/srtp';
import { concatPcm, sineFrame, toneAmplitude } from './tone.ts';

type Talker = { ssrc: number; hz: number; encoder: OpusFrameEncoder; seq: number; level: number | undefined };
const talker = (ssrc: number, hz: number, level: number | undefined): Talker => ({ ssrc, hz, encoder: new OpusFrameEncoder(), seq: 100, level });
const speak = (mixer: ConferenceAudioMixer, t: Talker, frame: number): void => {
  const packet = t.encoder.encode(sineFrame(t.hz, { startSample: frame * 960, amplitude: 5000 }));
  mixer.push(t.ssrc, t.seq, frame * 960, packet.slice(), t.level);
  t.seq = (t.seq + 1) & 0xffff;
};
/** Runs `frames` ticks with every talker speaking; returns the mixed frames. */
const run = (mixer: ConferenceAudioMixer, talkers: Talker[], from: number, frames: number): Int16Array[] => {
  const out: Int16Array[] = [];
  for (let f = from; f < from + frames; f++) {
    for (const t of talkers) speak(mixer, t, f);
    out.push(mixer.mixFrame().slice());
  }
  return out;
};
const HEARD = 3500;
const ABSENT = 300;

test('four talkers at once: the three loudest are mixed, the quietest is not decoded', () => {
  const mixer = new ConferenceAudioMixer();
  const talkers = [talker(1, 440, 20), talker(2, 700, 25), talker(3, 1100, 30), talker(4, 1700, 45)];
  const mix = concatPcm(run(mixer, talkers, 0, 60)).subarray(960 * 10);
  for (const t of talkers.slice(0, 3)) assert.ok(toneAmplitude(mix, 48_000, t.hz) > HEARD, `${t.hz} Hz heard`);
  assert.ok(toneAmplitude(mix, 48_000, 1700) < ABSENT, 'the quietest talker is left out');
  // The first tick only fills the jitter buffer (depth 2): 59 packets per talker are played out.
  assert.is(mixer.stats.decoded, 3 * 59, 'three decodes per frame');
  assert.is(mixer.stats.skippedNotLoudest, 59);
});

test('loudestTalkers 0 mixes everyone', () => {
  const mixer = new ConferenceAudioMixer({ loudestTalkers: 0 });
  const talkers = [talker(1, 440, 20), talker(2, 700, 25), talker(3, 1100, 30), talker(4, 1700, 45)];
  const mix = concatPcm(run(mixer, talkers, 0, 40)).subarray(960 * 10);
  for (const t of talkers) assert.ok(toneAmplitude(mix, 48_000, t.hz) > HEARD, `${t.hz} Hz heard`);
  assert.is(mixer.stats.skippedNotLoudest, 0);
});

test('a talker who gets louder takes the place of the quietest one, faded in and out without a click', () => {
  const mixer = new ConferenceAudioMixer({ loudestTalkers: 2 });
  // 730 and 1130 Hz do not fit whole periods into 20 ms: a frame edge cuts them mid-wave.
  const [a, b, c] = [talker(1, 440, 20), talker(2, 730, 30), talker(3, 1130, 40)];
  const before = concatPcm(run(mixer, [a!, b!, c!], 0, 30)).subarray(960 * 10);
  assert.ok(toneAmplitude(before, 48_000, 730) > HEARD && toneAmplitude(before, 48_000, 1130) < ABSENT);
  // Louder than b, but within the hysteresis: nothing changes.
  c!.level = 27;
  const within = concatPcm(run(mixer, [a!, b!, c!], 30, 20)).subarray(960 * 10);
  assert.ok(toneAmplitude(within, 48_000, 730) > HEARD && toneAmplitude(within, 48_000, 1130) < ABSENT, 'no flapping on a small difference');
  c!.level = 10;
  const switching = run(mixer, [a!, b!, c!], 50, 40);
  const after = concatPcm(switching.slice(15));
  assert.ok(toneAmplitude(after, 48_000, 1130) > HEARD, 'the louder talker is heard');
  assert.ok(toneAmplitude(after, 48_000, 730) < ABSENT, 'the now quietest is left out');
  // The tones' own steepest step at 48 kHz is ≈ 5000·2π·(440+730+1130)/48000 ≈ 1500 per sample;
  // cutting or starting a 5000-amplitude tone mid-wave would jump by up to 5000.
  const whole = concatPcm(switching);
  let steepest = 0;
  for (let i = 1; i < whole.length; i++) steepest = Math.max(steepest, Math.abs(whole[i]! - whole[i - 1]!));
  assert.ok(steepest < 2200, `steepest step ${steepest}`);
});

test('packets whose level says inaudible (or DTX) are not decoded; the same talker is heard again when it speaks', () => {
  const mixer = new ConferenceAudioMixer();
  const a = talker(1, 440, 127);
  const quiet = concatPcm(run(mixer, [a], 0, 30));
  assert.ok(quiet.every((s) => s === 0), 'nothing mixed');
  assert.is(mixer.stats.decoded, 0);
  assert.is(mixer.stats.skippedInaudible, 29, 'every packet played out was skipped (the first tick fills the jitter buffer)');
  a.level = 82; // -82 dBov: below G.711's smallest step
  run(mixer, [a], 30, 5);
  assert.is(mixer.stats.decoded, 0);
  a.level = 75; // -75 dBov: quiet, but decoded
  run(mixer, [a], 35, 5);
  assert.is(mixer.stats.decoded, 4, 'decoded (playout runs one packet behind: the first was still at -82)');
  a.level = 35;
  const speaking = concatPcm(run(mixer, [a], 40, 30)).subarray(960 * 10);
  assert.ok(toneAmplitude(speaking, 48_000, 440) > HEARD);
});

test('senders without levels are always mixed, beyond the limit', () => {
  const mixer = new ConferenceAudioMixer({ loudestTalkers: 1 });
  const talkers = [talker(1, 440, 20), talker(2, 700, 40), talker(3, 1100, undefined), talker(4, 1700, undefined)];
  const mix = concatPcm(run(mixer, talkers, 0, 40)).subarray(960 * 10);
  for (const hz of [440, 1100, 1700]) assert.ok(toneAmplitude(mix, 48_000, hz) > HEARD, `${hz} Hz heard`);
  assert.ok(toneAmplitude(mix, 48_000, 700) < ABSENT, 'the quieter talker with a level is left out');
});

test('the RFC 6464 level is read from one- and two-byte header extensions, and only there', () => {
  // V=2 X=1 | PT 111 | seq | ts | ssrc, then the extension, then the payload.
  const oneByte = Uint8Array.of(0x90, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe, 0xde, 0, 2,
    0x10, 0xaa, 0x00, 0x30, 0xc5, 0, 0, 0, /* payload */ 0xfc);
  // id 1 (1 byte: 0xaa), a padding byte, id 3 (1 byte: V + level 69).
  assert.is(readRtpAudioLevel(oneByte, 24, 3), 0x45);
  assert.is(readRtpAudioLevel(oneByte, 24, 1), 0x2a);
  assert.is(readRtpAudioLevel(oneByte, 24, 5), NO_LEVEL, 'an id the packet lacks');
  assert.is(readRtpAudioLevel(oneByte, 24, 0), NO_LEVEL, 'not negotiated');
  assert.is(readRtpAudioLevel(oneByte, 20, 3), NO_LEVEL, 'the element past the header is not read');
  const twoByte = Uint8Array.of(0x90, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x10, 0x00, 0, 1, 7, 1, 0x9e, 0);
  assert.is(readRtpAudioLevel(twoByte, 20, 7), 30);
  const plain = Uint8Array.of(0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xfc);
  assert.is(readRtpAudioLevel(plain, 12, 3), NO_LEVEL, 'no extension');
  const stop = Uint8Array.of(0x90, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe, 0xde, 0, 1, 0xf0, 0x30, 0x45, 0);
  assert.is(readRtpAudioLevel(stop, 20, 3), NO_LEVEL, 'id 15 stops the parse');
  // Truncated anywhere, with any claimed header length: a level or NO_LEVEL, never a throw or a read past the end.
  for (const packet of [oneByte, twoByte, stop]) {
    for (let n = 0; n <= packet.length; n++) {
      const cut = packet.slice(0, n);
      for (let claimed = 0; claimed <= packet.length; claimed++) {
        const level = readRtpAudioLevel(cut, claimed, 3);
        // A cut packet yields nothing, or the very level the whole one holds there: never a made-up one.
        assert.ok(level === NO_LEVEL || level === readRtpAudioLevel(packet, claimed, 3), `length ${n}, header ${claimed}: ${level}`);
      }
    }
  }
});

test('only SRTP takes the fast path: RTCP, STUN, DTLS and runts go to werift', () => {
  const rtp = new Uint8Array(40);
  rtp[0] = 0x90;
  rtp[1] = 111;
  assert.ok(isSrtpDatagram(rtp));
  rtp[1] = 0x80 | 111; // marker bit
  assert.ok(isSrtpDatagram(rtp));
  rtp[1] = 200; // RTCP sender report
  assert.not.ok(isSrtpDatagram(rtp));
  rtp[1] = 206; // RTCP payload-specific feedback
  assert.not.ok(isSrtpDatagram(rtp));
  const stun = new Uint8Array(40);
  stun[1] = 0x01; // binding request: first byte 0
  assert.not.ok(isSrtpDatagram(stun));
  const dtls = new Uint8Array(40);
  dtls[0] = 22; // handshake record
  assert.not.ok(isSrtpDatagram(dtls));
  assert.not.ok(isSrtpDatagram(Uint8Array.of(0x80, 111, 0)), 'shorter than an RTP header');
});

test.run();
