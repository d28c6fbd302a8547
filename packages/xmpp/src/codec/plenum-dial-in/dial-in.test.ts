import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXml, serialize } from '../xml/index.ts';
import type { El } from '../xml/index.ts';
import { decodeDialInQuery, decodeDialInResult, encodeDialInQuery, encodeDialInResult } from './index.ts';

const xml = (s: string): El => {
  const r = parseXml(s);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

test('a gateway\'s query by PIN and a client\'s query by room round-trip', () => {
  const byPin = serialize(encodeDialInQuery({ pin: '12345678' }));
  assert.is(byPin, '<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678"/>');
  const p = decodeDialInQuery(xml(byPin));
  assert.ok(p.ok);
  assert.equal(p.value, { pin: '12345678' });
  const byRoom = serialize(encodeDialInQuery({ room: 'standup@conference.plenum.localhost' }));
  assert.is(byRoom, '<dial-in xmlns="urn:plenum:dial-in:0" room="standup@conference.plenum.localhost"/>');
  const r = decodeDialInQuery(xml(byRoom));
  assert.ok(r.ok);
  assert.equal(r.value, { room: 'standup@conference.plenum.localhost' });
});

test('the result carries pin, room and, when set, the password', () => {
  const withPassword = { pin: '00412345', room: 'standup@conference.plenum.localhost', password: 'p&"<w' };
  const back = decodeDialInResult(xml(serialize(encodeDialInResult(withPassword))));
  assert.ok(back.ok);
  assert.equal(back.value, withPassword);
  const open = decodeDialInResult(xml('<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678" room="Standup@Conference.Plenum.Localhost"/>'));
  assert.ok(open.ok);
  assert.equal(open.value, { pin: '12345678', room: 'standup@conference.plenum.localhost' });
});

test('hostile queries and results get typed errors', () => {
  const queries: Array<[string, string]> = [
    ['<dial-in xmlns="urn:plenum:dial-in:0"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" pin="1234" room="a@b"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" pin="12a4"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" pin="123"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678901234567"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" room="conference.plenum.localhost"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" room="a@conference.plenum.localhost/focus"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:plenum:dial-in:0" room="@@"/>', 'dial-in/bad-attribute'],
    ['<dial-in xmlns="urn:other" pin="12345678"/>', 'dial-in/unexpected-element'],
  ];
  for (const [stanza, code] of queries) {
    const r = decodeDialInQuery(xml(stanza));
    assert.ok(!r.ok, stanza);
    assert.is(r.error.code, code);
  }
  const noRoom = decodeDialInResult(xml('<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678"/>'));
  assert.ok(!noRoom.ok);
  const longPassword = decodeDialInResult(xml(`<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678" room="a@b.c" password="${'x'.repeat(300)}"/>`));
  assert.ok(!longPassword.ok);
});

test.run();
