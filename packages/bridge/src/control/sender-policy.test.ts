import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jid } from '@plenum/xmpp/codec';
import { el, parseJid } from '@plenum/xmpp/codec';
import { BreweryRoster } from '../brewery/brewery-roster.ts';
import { authorizeSender, isAllowedJid } from './sender-policy.ts';

const ROOM = 'jvbbrewery@internal.plenum.localhost';
const jid = (s: string): Jid => {
  const r = parseJid(s);
  if (!r.ok) throw new Error(s);
  return r.value;
};
const presence = (nick: string, realJid?: string, type?: string) => el('presence', { from: `${ROOM}/${nick}`, to: 'jvb@jvb-a1.bridge.plenum.localhost/jvb-a1', type },
  el('x', { xmlns: 'http://jabber.org/protocol/muc#user' }, el('item', { affiliation: 'admin', role: 'moderator', jid: realJid })));

function roster(): BreweryRoster {
  const r = new BreweryRoster(ROOM, 'jvb-a1');
  r.handle(presence('focus', 'focus.plenum.localhost/focus'));
  r.handle(presence('hidden'));
  r.handle(presence('rogue', 'rogue.bridge.plenum.localhost/x'));
  r.handle(presence('account', 'focus@auth.example.com/res'));
  return r;
}
const ALLOWED = ['focus.plenum.localhost', 'Focus@Auth.Example.com'];

test('brewery occupants: judged by the real JID the room shows, never by the nick', () => {
  const r = roster();
  assert.equal(authorizeSender(jid(`${ROOM}/focus`), r, ALLOWED), { allowed: true, via: 'brewery' });
  assert.equal(authorizeSender(jid(`${ROOM}/account`), r, ALLOWED), { allowed: true, via: 'brewery' }, 'bare-JID entries, case-insensitive');
  assert.equal(authorizeSender(jid(`${ROOM}/rogue`), r, ALLOWED), { allowed: false, why: 'not-allowed' });
  assert.equal(authorizeSender(jid(`${ROOM}/hidden`), r, ALLOWED), { allowed: false, why: 'real-jid-hidden' });
  assert.equal(authorizeSender(jid(`${ROOM}/nobody`), r, ALLOWED), { allowed: false, why: 'not-an-occupant' });
});

test('an occupant that left is forgotten; a rejoin without a JID is hidden again', () => {
  const r = roster();
  r.handle(presence('focus', undefined, 'unavailable'));
  assert.equal(authorizeSender(jid(`${ROOM}/focus`), r, ALLOWED), { allowed: false, why: 'not-an-occupant' });
  r.handle(presence('focus'));
  assert.equal(authorizeSender(jid(`${ROOM}/focus`), r, ALLOWED), { allowed: false, why: 'real-jid-hidden' });
});

test('direct senders: by their own JID; other rooms of the same MUC service are not the brewery', () => {
  const r = roster();
  assert.equal(authorizeSender(jid('focus.plenum.localhost/focus'), r, ALLOWED), { allowed: true, via: 'direct' });
  assert.equal(authorizeSender(jid('focus.plenum.localhost'), r, ALLOWED), { allowed: true, via: 'direct' });
  assert.equal(authorizeSender(jid('someone@plenum.localhost/web'), r, ALLOWED), { allowed: false, why: 'not-allowed' });
  assert.equal(authorizeSender(jid('jibribrewery@internal.plenum.localhost/focus'), r, ALLOWED), { allowed: false, why: 'not-allowed' });
  assert.equal(authorizeSender(jid('evil.focus.plenum.localhost'), r, ALLOWED), { allowed: false, why: 'not-allowed' }, 'domains match exactly, not as suffixes');
  assert.not.ok(isAllowedJid(jid('focus@other.example.com'), ALLOWED));
});

test('the roster: self presence, refusal, and our own removal clear it', () => {
  const r = roster();
  const self = r.handle(el('presence', { from: `${ROOM}/jvb-a1` }, el('x', { xmlns: 'http://jabber.org/protocol/muc#user' }, el('item', { affiliation: 'owner', role: 'moderator' }), el('status', { code: 110 }), el('status', { code: 201 }))));
  assert.equal(self, { kind: 'self-joined', createdRoom: true, affiliation: 'owner' });
  const refused = r.handle(el('presence', { from: `${ROOM}/jvb-a1`, type: 'error' }, el('error', { type: 'cancel' }, el('conflict', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
  assert.equal(refused, { kind: 'self-refused', condition: 'conflict' });
  assert.equal(r.handle(el('presence', { from: 'other@internal.plenum.localhost/x' })), { kind: 'ignored' });
  assert.equal(r.handle(el('presence', { from: `${ROOM}/jvb-a1`, type: 'unavailable' })), { kind: 'self-left' });
  assert.is(r.size, 0);
});

test.run();
