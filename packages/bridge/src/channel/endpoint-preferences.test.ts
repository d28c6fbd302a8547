// L0: what the bridge remembers of each endpoint's channel messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RECEIVER_VIDEO_SETTINGS } from '@plenum/xmpp/codec';
import { ALL_AUDIO, EndpointPreferences, MAX_VIDEO_TYPES_PER_ENDPOINT } from './endpoint-preferences.ts';

const test = suite('endpoint preferences');

test('the focus\'s initial-last-n applies until the client sends its own; updates are partial', () => {
  const p = new EndpointPreferences();
  assert.is(p.videoSettings('m', 'a', 5).lastN, 5);
  assert.is(p.videoSettings('m', 'a', undefined), DEFAULT_RECEIVER_VIDEO_SETTINGS);
  const onStage = p.updateVideo('m', 'a', 5, { onStageSources: ['b-v0'] });
  assert.equal([onStage?.lastN, onStage?.onStageSources], [5, ['b-v0']], 'the initial last-N carries over');
  assert.is(p.updateVideo('m', 'a', 5, { onStageSources: ['b-v0'] }), undefined, 'no change, no news');
  assert.is(p.updateVideo('m', 'a', 5, { lastN: -1 })?.lastN, -1);
  assert.equal(p.videoSettings('m', 'a', 5).onStageSources, ['b-v0']);
});

test('audio subscription: all by default; include-only means only those', () => {
  const p = new EndpointPreferences();
  assert.is(p.audioSubscription('m', 'a'), ALL_AUDIO);
  assert.equal(p.setAudioSubscription('m', 'a', { colibriClass: 'ReceiverAudioSubscription', include: ['b-a0'] }), { all: false, include: ['b-a0'], exclude: [] });
  assert.equal(p.setAudioSubscription('m', 'a', { colibriClass: 'ReceiverAudioSubscription', exclude: ['b-a0'] }), { all: true, include: [], exclude: ['b-a0'] });
});

test('video types: per source, the deprecated endpoint-wide one as fallback, a cap on source names', () => {
  const p = new EndpointPreferences();
  assert.is(p.videoType('m', 'a', 'a-v0'), 'camera');
  assert.ok(p.setVideoType('m', 'a', undefined, 'desktop'));
  assert.ok(p.setVideoType('m', 'a', 'a-v0', 'none'));
  assert.not.ok(p.setVideoType('m', 'a', 'a-v0', 'none'), 'unchanged');
  assert.equal([p.videoType('m', 'a', 'a-v0'), p.videoType('m', 'a', 'a-v1')], ['none', 'desktop']);
  for (let i = 0; i < 100; i++) p.setVideoType('m', 'a', `junk-${i}`, 'camera');
  assert.not.ok(p.setVideoType('m', 'a', 'one-more', 'camera'), `at most ${MAX_VIDEO_TYPES_PER_ENDPOINT} names`);
  assert.ok(p.setVideoType('m', 'a', 'a-v0', 'camera'), 'known names still update');
  p.removeEndpoint('m', 'a');
  assert.is(p.videoType('m', 'a', 'a-v0'), 'camera', 'forgotten with the endpoint');
  p.setVideoType('m', 'b', 'b-v0', 'desktop');
  p.removeConference('m');
  assert.is(p.videoType('m', 'b', 'b-v0'), 'camera', 'and with the conference');
});

test.run();
