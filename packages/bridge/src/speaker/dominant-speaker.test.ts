// L0 scenario tests of the dominant speaker detector with synthetic RFC 6464 level sequences: one
// level per speaker every 20 ms (as Opus packets carry them), a decision every 300 ms.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DominantSpeakerEvent } from './dominant-speaker.ts';
import { DominantSpeakerDetector } from './dominant-speaker.ts';

/** What one endpoint sends at time t: a level in −dBov, or undefined for no packet (muted). */
type Voice = (tMs: number) => number | undefined;

/** Speech: syllables around −20…−35 dBov with a short dip every ~400 ms (as real speech has). */
const speech: Voice = (t) => (t % 400 < 40 ? 70 : 27 + Math.round(8 * Math.sin(t / 70)));
/** A quiet room with some background noise, well under speech. */
const quiet: Voice = () => 95;
/** No packets at all. */
const muted: Voice = () => undefined;
/** `voice` between from and to (ms), `otherwise` outside. */
const during = (fromMs: number, toMs: number, voice: Voice, otherwise: Voice = quiet): Voice => (t) => (t >= fromMs && t < toMs ? voice(t) : otherwise(t));
/** Several stretches of speech. */
const turns = (...spans: [number, number][]): Voice => (t) => (spans.some(([a, b]) => t >= a && t < b) ? speech(t) : quiet(t));

type Timed = DominantSpeakerEvent & { readonly atMs: number };

/** Runs a scenario from 0 to endMs and returns every event with its time. */
function run(voices: Record<string, Voice>, endMs: number, detector = new DominantSpeakerDetector()): Timed[] {
  const events: Timed[] = [];
  for (let t = 0; t <= endMs; t += 20) {
    for (const [id, voice] of Object.entries(voices)) {
      const level = voice(t);
      if (level !== undefined) detector.levelReceived(id, level, t);
    }
    if (t % 300 === 0) for (const e of detector.evaluate(t)) events.push({ ...e, atMs: t });
  }
  return events;
}

const changes = (events: Timed[]): string[] => events.map((e) => (e.kind === 'silence' ? `silence(${e.endpoint})` : e.endpoint));

const test = suite('dominant speaker');

test('a speaker takes the floor after ≥ 1 s of sustained speech, not before', () => {
  const events = run({ a: during(500, 5000, speech), b: quiet, c: quiet }, 5000);
  assert.equal(changes(events), ['a']);
  const first = events[0];
  assert.ok(first !== undefined && first.atMs >= 1500 && first.atMs <= 2200, `switched at ${first?.atMs}`);
  assert.equal(first?.kind === 'dominantSpeakerChanged' ? first.previousSpeakers : undefined, []);
});

test('a speaker taking over from another: one switch, with the previous speaker listed', () => {
  const events = run({ a: during(0, 5000, speech), b: during(5000, 10_000, speech) }, 10_000);
  assert.equal(changes(events), ['a', 'b']);
  const second = events[1];
  assert.ok(second !== undefined && second.atMs >= 6000 && second.atMs <= 7500, `took over at ${second?.atMs}`);
  assert.equal(second?.kind === 'dominantSpeakerChanged' ? second.previousSpeakers : undefined, ['a']);
});

test('a short cough (300 ms) never switches: neither over the speaker nor in their pause', () => {
  const cough: Voice = () => 10;
  const overSpeech = run({ a: during(0, 10_000, speech), b: during(4000, 4300, cough) }, 10_000);
  assert.equal(changes(overSpeech), ['a']);
  const inPause = run({ a: turns([0, 4000], [5000, 10_000]), b: during(4200, 4500, cough) }, 10_000);
  assert.equal(changes(inPause), ['a']);
});

test('short interjections ("yes", 500 ms) while the speaker pauses do not take the floor', () => {
  const a = turns([0, 3000], [3600, 6000], [6600, 9000]);
  const b = turns([3000, 3500], [6000, 6500]);
  assert.equal(changes(run({ a, b }, 9000)), ['a']);
});

test('two speakers alternating in 3 s turns: each turn switches once', () => {
  const a = turns([0, 3000], [6000, 9000]);
  const b = turns([3000, 6000], [9000, 12_000]);
  const events = run({ a, b }, 12_000);
  assert.equal(changes(events), ['a', 'b', 'a', 'b']);
  assert.equal(events.map((e) => (e.kind === 'dominantSpeakerChanged' ? e.previousSpeakers : [])), [[], ['a'], ['b'], ['a']]);
});

test('both talking at once: the dominant speaker keeps the floor', () => {
  const events = run({ a: during(0, 8000, speech), b: during(2000, 8000, (t) => speech(t + 130)) }, 8000);
  assert.equal(changes(events), ['a']);
});

test('everyone silent: one silence event ~3 s after the last speech; the next speech is announced again', () => {
  const events = run({ a: turns([0, 2000], [9000, 12_000]), b: quiet }, 12_000);
  assert.equal(changes(events), ['a', 'silence(a)', 'a']);
  const silence = events[1];
  assert.ok(silence !== undefined && silence.atMs >= 5000 && silence.atMs <= 5400, `silence at ${silence?.atMs}`);
  assert.equal(events[2]?.kind === 'dominantSpeakerChanged' ? events[2].previousSpeakers : undefined, []);
});

test('muting (no packets) counts as silence, for the dominant speaker too', () => {
  const events = run({ a: during(0, 3000, speech, muted), b: during(4000, 8000, speech, muted) }, 8000);
  assert.equal(changes(events), ['a', 'b']);
});

test('nobody speaks: no event at all; steady background noise is not speech', () => {
  assert.equal(run({ a: quiet, b: muted, c: () => 60 }, 20_000), []);
});

test('a loud, steady noise source is learnt as that speaker\'s floor and loses to speech', () => {
  const hum: Voice = () => 40;
  const events = run({ hum, a: during(17_000, 22_000, speech) }, 22_000);
  assert.equal(changes(events).at(-1), 'a');
});

test('the dominant speaker leaving: the next one takes over and the leaver is no longer listed', () => {
  const d = new DominantSpeakerDetector();
  const early = run({ a: during(0, 3000, speech), b: during(3000, 6000, speech) }, 6000, d);
  assert.equal(changes(early), ['a', 'b']);
  d.remove('b');
  assert.equal([d.dominant, d.speakerOrder()], [undefined, ['a']]);
  const later: Timed[] = [];
  for (let t = 6020; t <= 9000; t += 20) {
    d.levelReceived('a', 95, t);
    d.levelReceived('c', speech(t) ?? 127, t);
    if (t % 300 === 0) for (const e of d.evaluate(t)) later.push({ ...e, atMs: t });
  }
  assert.equal(later.map((e) => (e.kind === 'dominantSpeakerChanged' ? [e.endpoint, e.previousSpeakers] : e.kind)), [['c', ['a']]]);
  assert.equal(d.speakerOrder(), ['c', 'a']);
});

test('late, out-of-range and non-finite levels are dropped or clamped, never thrown', () => {
  const d = new DominantSpeakerDetector({ minSwitchMs: 0 });
  d.levelReceived('a', Number.NaN, 0);
  d.levelReceived('a', 30, Number.POSITIVE_INFINITY);
  d.levelReceived('a', -50, 100);
  d.levelReceived('a', 10_000, 120);
  d.levelReceived('a', 0, 50); // older than the last one: dropped
  assert.equal(d.evaluate(140), []);
});

test('minSwitchMs 0: the first winning decision switches (Jitsi\'s behaviour)', () => {
  const events = run({ a: during(0, 2000, speech) }, 2000, new DominantSpeakerDetector({ minSwitchMs: 0 }));
  assert.ok(events[0] !== undefined && events[0].atMs <= 600, `switched at ${events[0]?.atMs}`);
});

test.run();
