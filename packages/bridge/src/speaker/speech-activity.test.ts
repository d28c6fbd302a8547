// L0: the speech-activity driver with a FakeClock: decisions on the interval, per conference,
// events, and no timer once no conference is left.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import { SpeechActivity } from './speech-activity.ts';

const test = suite('speech activity');

const speech = (t: number): number => (t % 400 < 40 ? 70 : 27 + Math.round(8 * Math.sin(t / 70)));

/** Advances the clock in 20 ms steps, feeding each conference's talking endpoint speech and the others quiet. */
function talk(clock: FakeClock, activity: SpeechActivity, who: Record<string, { talker: string; quiet: string[] }>, durationMs: number): void {
  for (let elapsed = 0; elapsed < durationMs; elapsed += 20) {
    clock.advance(20);
    const now = clock.now();
    for (const [conference, { talker, quiet }] of Object.entries(who)) {
      activity.handleAudioLevel(conference, talker, speech(now), now);
      for (const q of quiet) activity.handleAudioLevel(conference, q, 100, now);
    }
  }
}

test('conferences are independent; events carry the conference', () => {
  const clock = new FakeClock();
  const activity = new SpeechActivity({ clock, log: silentLogger });
  const seen: string[] = [];
  activity.events.on('dominantSpeakerChanged', (conf, ep, prev) => seen.push(`${conf}:${ep}:[${prev.join(',')}]`));
  activity.events.on('silence', (conf, ep) => seen.push(`${conf}:silence:${ep}`));
  talk(clock, activity, { m1: { talker: 'a', quiet: ['b'] }, m2: { talker: 'y', quiet: ['x'] } }, 2500);
  assert.equal(seen.sort(), ['m1:a:[]', 'm2:y:[]']);
  assert.equal(activity.dominantSpeaker('m1'), { endpointId: 'a', isSilent: false, previousSpeakers: [] });
  talk(clock, activity, { m1: { talker: 'b', quiet: ['a'] } }, 3600);
  assert.equal(seen.slice(2), ['m1:b:[a]', 'm2:silence:y']);
  assert.equal(activity.speakerOrder('m1'), ['b', 'a']);
  assert.equal(activity.dominantSpeaker('m2'), { endpointId: 'y', isSilent: true, previousSpeakers: [] });
  activity.close();
});

test('an endpoint leaving is forgotten; the last conference ending stops the timer', () => {
  const clock = new FakeClock();
  const activity = new SpeechActivity({ clock, log: silentLogger });
  let decisions = 0;
  activity.events.on('dominantSpeakerChanged', () => decisions++);
  talk(clock, activity, { m1: { talker: 'a', quiet: [] } }, 2000);
  assert.is(decisions, 1);
  activity.removeEndpoint('m1', 'a');
  assert.is(activity.dominantSpeaker('m1'), undefined);
  activity.removeConference('m1');
  assert.equal(activity.speakerOrder('m1'), []);
  clock.advance(10_000); // would throw nothing and decide nothing: no timer left
  assert.is(decisions, 1);
  activity.close();
  activity.close();
  assert.ok(activity.closed);
  activity.handleAudioLevel('m1', 'a', 10, clock.now()); // ignored after close
  clock.advance(1000);
  assert.equal(activity.speakerOrder('m1'), []);
});

test.run();
