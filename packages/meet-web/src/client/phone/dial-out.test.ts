// Dial-out against a scripted focus (the request function answers as Plenum's focus and gateway
// would): the Rayo dial IQ on the wire, calling → connected → ended from the callee's occupant,
// hang-up to the ref JID, refusals as the user reads them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_RAYO, el, encodeRayoRef, serialize } from '@plenum/xmpp/codec';
import { XmppError } from '../xmpp/xmpp-connection.ts';
import { readOccupantPresence } from '../conference/presence.ts';
import { DialOut, dialableNumber } from './dial-out.ts';

const ROOM = 'room@conference.plenum.localhost';
const phonePresence = (nick: string, extra: { status?: string; type?: string } = {}) => {
  const p = readOccupantPresence(el('presence', { from: `${ROOM}/${nick}`, ...(extra.type !== undefined ? { type: extra.type } : {}) },
    el('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Caller'),
    el('features', {}, el('feature', { var: 'http://jitsi.org/protocol/jigasi' })),
    extra.status !== undefined ? el('status', {}, extra.status) : undefined));
  if (p === undefined) throw new Error('not an occupant');
  return p;
};
const errorReply = (condition: string): XmppError => new XmppError('xmpp/error-reply', condition, {
  cause: el('iq', { type: 'error' }, el('error', { type: 'cancel' }, el(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
});

function setup(answer: (iq: El) => Promise<El>) {
  const sent: El[] = [];
  let changes = 0;
  const dialOut = new DialOut({
    request: (iq) => { sent.push(iq); return answer(iq); },
    focusOccupant: `${ROOM}/focus`, roomJid: ROOM, roomPassword: () => 'tulips', changed: () => { changes++; },
  });
  return { dialOut, sent, changes: () => changes };
}

test('typed numbers are cleaned for dialing, SIP addresses kept; anything else is refused before it reaches the wire', () => {
  assert.is(dialableNumber(' +49 (30) 1234-567 '), '+49301234567');
  assert.is(dialableNumber('0301234567'), '0301234567');
  assert.is(dialableNumber(' sip:+15550199@pbx.example.com:5060 '), 'sip:+15550199@pbx.example.com:5060', 'a SIP address as is');
  for (const bad of ['', 'abc', '12', 'sip:a@b;transport=tcp', 'sip:a@b?X-Evil=1', 'sip:a b@c', 'tel:+1555', '+1 555 0100; drop', '1'.repeat(21)]) {
    assert.is(dialableNumber(bad), undefined, bad);
  }
});

test('a call: the dial IQ, calling, ringing, connected when the callee is in, ended when they leave', async () => {
  const { dialOut, sent } = setup(async () => el('iq', { type: 'result' }, encodeRayoRef({ uri: `xmpp:${ROOM}/sip-7f3a` })));
  await dialOut.dial('+1 555 0199');
  assert.is(serialize(sent[0] as El), serialize(el('iq', { type: 'set', to: `${ROOM}/focus` }, el('dial', { xmlns: NS_RAYO, to: '+15550199', from: '' },
    el('header', { name: 'JvbRoomName', value: ROOM }), el('header', { name: 'JvbRoomPassword', value: 'tulips' })))));
  assert.equal(dialOut.views().map((c) => [c.number, c.state]), [['+1 555 0199', 'calling']]);
  dialOut.onOccupant(phonePresence('someone-else'));
  dialOut.onOccupant(phonePresence('sip-7f3a', { status: 'Ringing' }));
  assert.is(dialOut.views()[0]?.state, 'calling', 'still ringing');
  dialOut.onOccupant(phonePresence('sip-7f3a', { status: 'Connected' }));
  assert.equal(dialOut.views()[0], { id: 'call1', number: '+1 555 0199', state: 'connected', error: undefined, participantId: 'sip-7f3a' });
  dialOut.onOccupant(phonePresence('sip-7f3a', { type: 'unavailable' }));
  assert.is(dialOut.views()[0]?.state, 'ended');
});

test('hang-up goes to the callee occupant named in <ref>; a call nobody answers fails', async () => {
  const { dialOut, sent } = setup(async (iq) => (iq.attrs.to === `${ROOM}/focus` ? el('iq', { type: 'result' }, encodeRayoRef({ uri: `xmpp:${ROOM}/sip-1` })) : el('iq', { type: 'result' })));
  await dialOut.dial('0301234567');
  await dialOut.hangUp('call1');
  assert.is(serialize(sent[1] as El), serialize(el('iq', { type: 'set', to: `${ROOM}/sip-1` }, el('hangup', { xmlns: NS_RAYO }))));
  assert.is(dialOut.views()[0]?.state, 'ended');
  await dialOut.dial('0301234568');
  dialOut.onOccupant(phonePresence('sip-1', { status: 'Calling' }));
  dialOut.onOccupant(phonePresence('sip-1', { status: 'Busy' }));
  assert.is(dialOut.views()[1]?.state, 'calling', 'a failure status is no answer');
  dialOut.onOccupant(phonePresence('sip-1', { type: 'unavailable' }));
  assert.equal([dialOut.views()[1]?.state, dialOut.views()[1]?.error?.message], ['failed', 'The line is busy.']);
});

test('refusals: not a number, no gateway, not a moderator, an unreadable answer', async () => {
  const refusals: Record<string, string> = {};
  for (const [number, answer] of [
    ['not a number', async () => el('iq', { type: 'result' })],
    ['0301234567', async () => { throw errorReply('service-unavailable'); }],
    ['0301234568', async () => { throw errorReply('forbidden'); }],
    ['0301234569', async () => el('iq', { type: 'result' }, encodeRayoRef({ uri: 'xmpp:other@conference.plenum.localhost/x' }))],
  ] as const) {
    const { dialOut, sent } = setup(answer);
    const error = await dialOut.dial(number).then(() => undefined, (e: unknown) => e as { code: string });
    refusals[number] = error?.code ?? 'none';
    if (number === 'not a number') assert.is(sent.length, 0, 'nothing sent for a bad number');
    else assert.is(dialOut.views()[0]?.state, 'failed');
  }
  assert.equal(refusals, { 'not a number': 'invalid-number', '0301234567': 'unavailable', '0301234568': 'not-allowed', '0301234569': 'failed' });
});

test.run();
