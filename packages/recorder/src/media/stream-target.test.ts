import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactStreamTarget, resolveStreamTarget } from './stream-target.ts';

const YOUTUBE = 'rtmp://a.rtmp.youtube.com/live2';

test('a bare stream key goes to the configured base URL (YouTube by default, as Jibri does)', () => {
  const t = resolveStreamTarget('abcd-efgh-ijkl-mnop', YOUTUBE);
  assert.ok(t.ok);
  assert.is(t.value.url, 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop');
  assert.is(t.value.redacted, 'rtmp://a.rtmp.youtube.com/live2/***');
});

test('an rtmp:// or rtmps:// URL is used as given, its key and credentials redacted', () => {
  const t = resolveStreamTarget('rtmps://user:pw@live.example.org:443/app/s3cr3t-key', YOUTUBE);
  assert.ok(t.ok);
  assert.is(t.value.url, 'rtmps://user:pw@live.example.org:443/app/s3cr3t-key');
  assert.is(t.value.redacted, 'rtmps://***@live.example.org:443/app/***');
  const said = redactStreamTarget(`Error writing trailer of ${t.value.url}: Broken pipe\nkey s3cr3t-key`, t.value);
  assert.not.match(said, 's3cr3t-key');
  assert.not.match(said, 'pw@');
});

test('anything else is refused: other schemes (files, http), odd keys', () => {
  for (const id of ['file:///etc/passwd', 'http://example.org/x', '/tmp/out.flv', 'key with spaces', '../../x', '', 'a'.repeat(2000)]) {
    assert.not.ok(resolveStreamTarget(id, YOUTUBE).ok, id.slice(0, 40));
  }
});

test.run();
