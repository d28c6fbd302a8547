// The call flow's pure parts: how callers are named, which rooms a header may name, PIN entry,
// dial-out targets, RFC 6464 levels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { levelDbovOf } from '../src/gateway/call-audio.ts';
import { callerDisplayName, maskedNumber } from '../src/gateway/caller-id.ts';
import { dialTargetOf } from '../src/gateway/dial-target.ts';
import { PinEntry } from '../src/gateway/pin-entry.ts';
import { roomJidFrom } from '../src/gateway/room-address.ts';

const MUC = 'conference.plenum.localhost';

test('a caller is shown masked by default, in full or anonymously when the operator says so', () => {
  const party = { uri: 'sip:+15550167@trunk.example', displayName: 'Ann Smith', user: '+15550167' };
  assert.is(callerDisplayName(party, 'masked'), 'Phone •••• 67');
  assert.is(callerDisplayName(party, 'full'), 'Ann Smith');
  assert.is(callerDisplayName({ ...party, displayName: undefined }, 'full'), '+15550167');
  assert.is(callerDisplayName(party, 'anonymous'), 'Phone');
  assert.is(maskedNumber('alice'), 'Phone', 'no digits: nothing to show');
  assert.is(maskedNumber('123'), 'Phone', 'too short to mask meaningfully');
  assert.is(callerDisplayName({ ...party, displayName: 'x\u0000y'.padEnd(500, 'z') }, 'full').length, 64, 'control characters stripped, length bounded');
});

test('the room header: a bare name or a room JID on this MUC; anything else is refused', () => {
  assert.equal(roomJidFrom('Standup', MUC), { ok: true, value: `standup@${MUC}` });
  assert.equal(roomJidFrom(` standup@${MUC} `, MUC), { ok: true, value: `standup@${MUC}` });
  for (const bad of ['', 'a b', 'room@other.example', `room@${MUC}/nick`, 'x'.repeat(300), 'a<b', '@conference.plenum.localhost']) {
    assert.not.ok(roomJidFrom(bad, MUC).ok, JSON.stringify(bad.slice(0, 20)));
  }
});

test('PIN entry: digits until #, * starts over, a lone # is no attempt, the longest PIN ends by itself', () => {
  const entry = new PinEntry(6);
  assert.is(entry.push('#').kind, 'pending');
  for (const k of '12') entry.push(k);
  entry.push('*');
  for (const k of '4321') assert.is(entry.push(k).kind, 'pending');
  assert.equal(entry.push('#'), { kind: 'entered', pin: '4321' });
  assert.is(entry.typed, '');
  for (const k of '12345') entry.push(k);
  assert.equal(entry.push('6'), { kind: 'entered', pin: '123456' });
  assert.is(entry.push('A').kind, 'pending', 'A-D are not PIN digits');
  assert.is(entry.typed, '');
});

test('dial-out targets: through the trunk by number, direct sip: URIs without one, junk refused', () => {
  const trunk = 'sip:trunk.example.net:5070;transport=tcp';
  assert.equal(dialTargetOf('+1 (555) 010-0', trunk), { ok: true, value: { requestUri: 'sip:+15550100@trunk.example.net:5070;transport=tcp', number: '+15550100' } });
  assert.equal(dialTargetOf('tel:+15550100', 'sip:gw@10.0.0.1'), { ok: true, value: { requestUri: 'sip:+15550100@10.0.0.1', number: '+15550100' } });
  assert.equal(dialTargetOf('sip:+15550100@elsewhere.example', 'sip:10.0.0.1'), { ok: true, value: { requestUri: 'sip:+15550100@10.0.0.1', number: '+15550100' } });
  assert.equal(dialTargetOf('sip:bob@127.0.0.1:5090', undefined), { ok: true, value: { requestUri: 'sip:bob@127.0.0.1:5090', number: 'bob' } });
  assert.not.ok(dialTargetOf('+15550100', undefined).ok, 'a number needs a trunk');
  for (const bad of ['sip:a@b\r\nVia: x', 'hello', '1'.repeat(40), 'sip:<x>@host']) assert.not.ok(dialTargetOf(bad, trunk).ok, JSON.stringify(bad));
});

test('RFC 6464 levels: silence is 127, full scale 0, a -20 dBFS tone about 23 dBov (RMS of a sine)', () => {
  assert.is(levelDbovOf(new Int16Array(960)), 127);
  assert.is(levelDbovOf(new Int16Array(960).fill(32767)), 0);
  const tone = new Int16Array(960).map((_, i) => Math.round(3277 * Math.sin((2 * Math.PI * 1000 * i) / 48000)));
  assert.is(levelDbovOf(tone), 23);
});

test.run();
