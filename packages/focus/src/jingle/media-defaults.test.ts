import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PT, audioHeaderExtensions, audioPayloadTypes, videoHeaderExtensions, videoPayloadTypes } from './media-defaults.ts';

const test = suite('media-defaults');
const all = { hasRtx: true, hasTcc: true, hasRemb: true, hasOpusRed: true };
const none = { hasRtx: false, hasTcc: false, hasRemb: false, hasOpusRed: false };

test('lists are built once per feature set and shared, deeply frozen', () => {
  assert.is(videoPayloadTypes(all), videoPayloadTypes({ ...all }));
  assert.is(audioPayloadTypes(all, true), audioPayloadTypes({ ...all }, true));
  assert.is(audioHeaderExtensions(none), audioHeaderExtensions({ ...none }));
  assert.ok(Object.isFrozen(videoPayloadTypes(all)));
  assert.ok(Object.isFrozen(videoPayloadTypes(all)[0]?.rtcpFeedback[0]));
  assert.throws(() => { (videoPayloadTypes(all)[0]?.rtcpFeedback as unknown[]).push({ type: 'x' }); });
});

test('each feature still changes the lists', () => {
  assert.is.not(videoPayloadTypes(all), videoPayloadTypes(none));
  assert.is(videoPayloadTypes(none).length, 4);
  assert.is(videoPayloadTypes({ ...none, hasRtx: true }).length, 8);
  assert.ok(videoPayloadTypes({ ...none, hasRemb: true })[0]?.rtcpFeedback.some((f) => f.type === 'goog-remb'));
  // RED needs both the client feature and the setting; the cache key must not mix them up.
  assert.is(audioPayloadTypes(all, false)[0]?.id, PT.opus);
  assert.is(audioPayloadTypes({ ...all, hasOpusRed: false }, true)[0]?.id, PT.opus);
  assert.is(audioPayloadTypes(all, true)[0]?.id, PT.red);
  assert.is(audioHeaderExtensions(all).length, 3);
  assert.is(videoHeaderExtensions(none).length, 3);
});

test.run();
