// What getUserMedia's refusals become for the views: a blocked permission and missing devices
// are told apart (each has its own advice), anything else stays a generic media failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mediaError } from './local-media.ts';

test('a denied permission is media-denied, a missing device media-not-found', () => {
  assert.is(mediaError(new DOMException('Permission denied', 'NotAllowedError')).code, 'media-denied');
  assert.is(mediaError(new DOMException('insecure', 'SecurityError')).code, 'media-denied');
  assert.is(mediaError(new DOMException('Requested device not found', 'NotFoundError')).code, 'media-not-found');
  assert.is(mediaError(new DOMException('busy', 'NotReadableError')).code, 'media-failed');
  assert.is(mediaError('not even an error').code, 'media-failed');
});

test.run();
