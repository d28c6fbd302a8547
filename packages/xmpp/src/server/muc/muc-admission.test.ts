import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { child } from '../../codec/xml/index.ts';
import { ALICE, BOB, CAROL, DAVE, FOCUS, createHarness, errorOf, statuses, to } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';
const OTHER_ADMIN = 'jibri@recorder.plenum.localhost/rec';

/** A room set up by the focus with a password, members-only or a small limit. */
function roomWith(fields: Record<string, string>) {
  const h = createHarness({ admins: ['focus@auth.plenum.localhost', 'recorder.plenum.localhost'] });
  h.focusRoom('standup');
  const [result] = h.configure(FOCUS, ROOM, fields);
  assert.is(result?.attrs.type, 'result');
  return h;
}

const joinWith = (password?: string): string =>
  `<x xmlns='http://jabber.org/protocol/muc'>${password === undefined ? '' : `<password>${password}</password>`}</x>`;

const admission = suite('admission errors (XEP-0045 §7.2.5–§7.2.10)');

type Case = {
  readonly name: string;
  readonly fields: Record<string, string>;
  readonly password?: string;
  readonly expect: string;
  readonly code: string;
};

const cases: readonly Case[] = [
  { name: 'missing password', fields: { 'muc#roomconfig_roomsecret': 's3cret', 'muc#roomconfig_passwordprotectedroom': '1' }, expect: 'auth/not-authorized', code: '401' },
  { name: 'wrong password', fields: { 'muc#roomconfig_roomsecret': 's3cret' }, password: 'guess', expect: 'auth/not-authorized', code: '401' },
  { name: 'members-only, not a member', fields: { 'muc#roomconfig_membersonly': 'true' }, expect: 'auth/registration-required', code: '407' },
  { name: 'room full', fields: { 'muc#roomconfig_maxusers': '1' }, expect: 'wait/service-unavailable', code: '503' },
];

for (const c of cases) {
  admission(`${c.name} → ${c.expect} (${c.code})`, () => {
    const h = roomWith(c.fields);
    const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alice'>${joinWith(c.password)}</presence>`);
    assert.is(out.length, 1);
    assert.is(errorOf(out[0]), c.expect);
    assert.is(child(out[0]!, 'error')?.attrs.code, c.code, 'legacy code');
    assert.is(out[0]?.attrs.from, `${ROOM}/alice`);
    assert.is(h.service.room(ROOM)?.occupantCount, 1, 'nobody entered');
  });
}

admission('the right password lets you in', () => {
  const h = roomWith({ 'muc#roomconfig_roomsecret': 's3cret' });
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alice'>${joinWith('s3cret')}</presence>`);
  assert.equal(statuses(to(out, ALICE).at(-2)), [100, 110]);
});

admission('service admins bypass password, members-only and the occupant limit', () => {
  const h = roomWith({ 'muc#roomconfig_roomsecret': 's3cret', 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_maxusers': '1' });
  const out = h.join(OTHER_ADMIN, `${ROOM}/jibri`);
  assert.equal(statuses(to(out, OTHER_ADMIN).at(-2)), [100, 110]);
  assert.is(h.service.room(ROOM)?.occupant('jibri')?.affiliation, 'owner', 'service admins are owners');
  assert.is(h.service.room(ROOM)?.occupant('jibri')?.role, 'moderator');
});

admission('members enter a members-only room; the max counts occupants, not sessions', () => {
  const h = roomWith({ 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_maxusers': '2' });
  h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='m'><query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='member' jid='alice@plenum.localhost'/><item affiliation='member' jid='bob@plenum.localhost'/></query></iq>`);
  assert.is(to(h.join(ALICE, `${ROOM}/alice`), ALICE).length, 3);
  assert.is(to(h.join('alice@plenum.localhost/phone', `${ROOM}/alice`), 'alice@plenum.localhost/phone').length, 3, 'second session of an occupant');
  assert.is(errorOf(h.join(BOB, `${ROOM}/bob`)[0]), 'wait/service-unavailable');
});

admission('maxusers is capped by the service limit', () => {
  const h = createHarness({ config: { maxOccupantsPerRoom: 3 } });
  h.focusRoom('standup');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_maxusers': '1000' });
  assert.is(h.service.room(ROOM)?.config.maxUsers, 3);
  h.join(ALICE, `${ROOM}/alice`);
  h.join(BOB, `${ROOM}/bob`);
  assert.is(errorOf(h.join(CAROL, `${ROOM}/carol`)[0]), 'wait/service-unavailable');
});

admission('a banned user gets auth/forbidden (403)', () => {
  const h = roomWith({});
  h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='b'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='dave@plenum.localhost'/></query></iq>`);
  const [reply] = h.join(DAVE, `${ROOM}/dave`);
  assert.is(errorOf(reply), 'auth/forbidden');
  assert.is(child(reply!, 'error')?.attrs.code, '403');
});

admission('nick in use by someone else → cancel/conflict (409)', () => {
  const h = roomWith({});
  h.join(ALICE, `${ROOM}/alice`);
  const [reply] = h.join(BOB, `${ROOM}/alice`);
  assert.is(errorOf(reply), 'cancel/conflict');
  assert.is(child(reply!, 'error')?.attrs.code, '409');
});

admission('malformed join: bad history attribute → modify/bad-request; nick of spaces → jid-malformed', () => {
  const h = roomWith({});
  assert.is(errorOf(h.send(`<presence from='${ALICE}' to='${ROOM}/alice'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='many'/></x></presence>`)[0]), 'modify/bad-request');
  assert.is(errorOf(h.send(`<presence from='${ALICE}' to='${ROOM}/ '><x xmlns='http://jabber.org/protocol/muc'/></presence>`)[0]), 'modify/jid-malformed');
  assert.is(errorOf(h.send(`<presence from='${ALICE}' to='${ROOM}/alice' type='bogus'/>`)[0]), 'modify/bad-request');
  assert.equal(h.send(`<presence from='${ALICE}' to='${ROOM}/alice' type='subscribe'/>`), [], 'subscriptions are ignored');
});

admission.run();
