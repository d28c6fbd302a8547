import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeDataChannelOpen, parseDataChannelOpen } from './dcep.ts';

test('reads the DATA_CHANNEL_OPEN lib-jitsi-meet sends (reliable, ordered, label and protocol)', () => {
  const open = parseDataChannelOpen(encodeDataChannelOpen('JVB data channel', 'http://jitsi.org/protocols/colibri'));
  assert.equal(open, { ok: true, value: { label: 'JVB data channel', protocol: 'http://jitsi.org/protocols/colibri', isOrdered: true, reliability: 'reliable' } });
});

test('reads RFC 8832 §5.1 channel types: unordered and partially reliable variants', () => {
  const m = encodeDataChannelOpen('a', '');
  m[1] = 0x81;
  assert.equal(parseDataChannelOpen(m), { ok: true, value: { label: 'a', protocol: '', isOrdered: false, reliability: 'partial-reliable-rexmit' } });
  m[1] = 0x02;
  assert.equal(parseDataChannelOpen(m), { ok: true, value: { label: 'a', protocol: '', isOrdered: true, reliability: 'partial-reliable-timed' } });
});

test('refuses what is not a well-formed open: ACK, truncated, lengths beyond the message, unknown type, bad UTF-8', () => {
  assert.equal(parseDataChannelOpen(Buffer.from([0x02])), { ok: false, error: 'not-open' });
  assert.equal(parseDataChannelOpen(Buffer.alloc(0)), { ok: false, error: 'not-open' });
  assert.equal(parseDataChannelOpen(Buffer.from([0x03, 0, 0, 0])), { ok: false, error: 'truncated' });
  const long = encodeDataChannelOpen('abc', 'p');
  long.writeUInt16BE(200, 8);
  assert.equal(parseDataChannelOpen(long), { ok: false, error: 'truncated' });
  const type = encodeDataChannelOpen('abc', 'p');
  type[1] = 0x03;
  assert.equal(parseDataChannelOpen(type), { ok: false, error: 'unknown-channel-type' });
  const utf8 = encodeDataChannelOpen('abc', 'p');
  utf8[12] = 0xff;
  assert.equal(parseDataChannelOpen(utf8), { ok: false, error: 'bad-utf8' });
});

test.run();
