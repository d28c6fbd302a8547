import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64.ts';
import { saslPrep } from './saslprep.ts';

const prep = suite('SASLprep');

prep('RFC 4013 §3 examples (bidirectional rule excepted, see saslprep.ts)', () => {
  assert.is(saslPrep('I\u00ADX'), 'IX');
  assert.is(saslPrep('user'), 'user');
  assert.is(saslPrep('USER'), 'USER');
  assert.is(saslPrep('\u00AA'), 'a');
  assert.is(saslPrep('\u2168'), 'IX');
  assert.is(saslPrep('\u0007'), undefined);
});

prep('non-ASCII spaces become spaces; private use, non-characters and lone surrogates are refused', () => {
  assert.is(saslPrep('a\u00A0b\u3000c'), 'a b c');
  for (const s of ['\uE000', '\uFFFF', '\u{1FFFE}', '\uD800', 'a\u200Eb', '\u{E0041}']) assert.is(saslPrep(s), undefined, JSON.stringify(s));
});

prep.run();

const b64 = suite('strict Base64');

b64('canonical forms round-trip; anything else is refused', () => {
  const bytes = new Uint8Array([0xfb, 0xff, 0x01]);
  assert.is(encodeBase64(bytes), '+/8B');
  assert.equal(decodeBase64('+/8B'), bytes);
  assert.is(encodeBase64Url(bytes), '-_8B');
  assert.equal(decodeBase64Url('-_8B'), bytes);
  for (const s of ['+/8', '+/8B=', ' +/8B', '-_8B', 'QQ=', 'QR==', 'QQ==QQ==']) assert.is(decodeBase64(s), undefined, s);
  for (const s of ['+/8B', '-_8B=', 'Q', 'QR', 'QQ==']) assert.is(decodeBase64Url(s), undefined, s);
  assert.equal(decodeBase64(''), new Uint8Array(0));
  assert.equal(decodeBase64Url('QQ'), new Uint8Array([0x41]));
});

b64.run();
