import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { child, children, text } from '../../codec/xml/index.ts';
import { decodeDataForm, fieldValue } from '../../codec/xep-0004-data-forms/index.ts';
import { ALICE, BOB, FOCUS, createHarness, errorOf, item, statuses, to, wire } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';
const OWNER_NS = 'http://jabber.org/protocol/muc#owner';

function configForm(h: ReturnType<typeof createHarness>, from = FOCUS) {
  const [reply] = h.send(`<iq from='${from}' to='${ROOM}' type='get' id='f1'><query xmlns='${OWNER_NS}'/></iq>`);
  return reply;
}

const config = suite('owner configuration (XEP-0045 §10.2)');

config('the form lists the current values', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const reply = configForm(h);
  assert.is(reply?.attrs.type, 'result');
  const form = decodeDataForm(child(child(reply!, 'query', OWNER_NS)!, 'x', 'jabber:x:data')!);
  assert.ok(form.ok);
  if (!form.ok) return;
  assert.is(form.value.type, 'form');
  const expected: Record<string, string> = {
    FORM_TYPE: 'http://jabber.org/protocol/muc#roomconfig',
    'muc#roomconfig_roomname': '',
    'muc#roomconfig_persistentroom': '0',
    'muc#roomconfig_publicroom': '0',
    'muc#roomconfig_moderatedroom': '0',
    'muc#roomconfig_membersonly': '0',
    'muc#roomconfig_passwordprotectedroom': '0',
    'muc#roomconfig_roomsecret': '',
    'muc#roomconfig_whois': 'anyone',
    'muc#roomconfig_maxusers': '50',
    'muc#roomconfig_changesubject': '0',
    'muc#roomconfig_allowinvites': '0',
  };
  for (const [name, value] of Object.entries(expected)) assert.is(fieldValue(form.value, name), value, name);
});

config('non-owners get auth/forbidden for the form, a submission and destroy', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  assert.is(errorOf(configForm(h, ALICE)), 'auth/forbidden');
  assert.is(errorOf(h.configure(ALICE, ROOM, { 'muc#roomconfig_roomname': 'mine' })[0]), 'auth/forbidden');
  assert.is(errorOf(h.send(`<iq from='${ALICE}' to='${ROOM}' type='set' id='d'><query xmlns='${OWNER_NS}'><destroy/></query></iq>`)[0]), 'auth/forbidden');
});

config('whois=anyone: result, then 104+172 to all, and non-moderators get presences again with JIDs', () => {
  const h = createHarness();
  h.focusRoom('standup', 'moderators');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.configure(FOCUS, ROOM, { 'muc#roomconfig_whois': 'anyone' });
  assert.is(out[0]?.attrs.type, 'result');
  const notice = to(out, ALICE).find((s) => s.name === 'message');
  assert.is(notice?.attrs.from, ROOM);
  assert.equal(statuses(notice), [104, 172]);
  const again = to(out, ALICE).find((s) => s.name === 'presence' && s.attrs.from === `${ROOM}/focus`);
  assert.is(item(again).jid, FOCUS, wire(out));
  assert.is(to(out, FOCUS).filter((s) => s.name === 'presence').length, 0, 'moderators saw JIDs already');
});

config('a submission that changes nothing sends no notification', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const out = h.configure(FOCUS, ROOM, { 'muc#roomconfig_whois': 'anyone' });
  assert.equal(out.map((s) => s.name), ['iq']);
});

const bad: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['persistent rooms', { 'muc#roomconfig_persistentroom': '1' }],
  ['a bad boolean', { 'muc#roomconfig_moderatedroom': 'maybe' }],
  ['a bad whois', { 'muc#roomconfig_whois': 'everybody' }],
  ['a bad maxusers', { 'muc#roomconfig_maxusers': 'lots' }],
  ['password protection without a secret', { 'muc#roomconfig_passwordprotectedroom': '1' }],
];
for (const [name, fields] of bad) {
  config(`refuses ${name} with modify/not-acceptable and keeps the old config`, () => {
    const h = createHarness();
    h.focusRoom('standup');
    const before = h.service.room(ROOM)?.config;
    const [reply] = h.configure(FOCUS, ROOM, { 'muc#roomconfig_roomname': 'changed', ...fields });
    assert.is(errorOf(reply), 'modify/not-acceptable');
    assert.equal(h.service.room(ROOM)?.config, before);
  });
}

config('malformed owner requests → modify/bad-request', () => {
  const h = createHarness();
  h.focusRoom('standup');
  assert.is(errorOf(h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='x'><query xmlns='${OWNER_NS}'/></iq>`)[0]), 'modify/bad-request');
  assert.is(errorOf(h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='x'><query xmlns='${OWNER_NS}'><x xmlns='jabber:x:data' type='weird'/></query></iq>`)[0]), 'modify/bad-request');
  assert.is(errorOf(h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='x'><query xmlns='${OWNER_NS}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field></x></query></iq>`)[0]), 'modify/not-acceptable');
});

config('a password set by the owner protects the room; passwordprotectedroom=0 removes it', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_roomsecret': 'pw' });
  assert.is(errorOf(h.join(ALICE, `${ROOM}/alice`)[0]), 'auth/not-authorized');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_passwordprotectedroom': '0' });
  assert.is(h.service.room(ROOM)?.config.password, '');
  assert.is(errorOf(h.join(ALICE, `${ROOM}/alice`)[0]), '');
});

config('cancel on a locked room destroys it (§10.1.3); on an unlocked room it is a no-op', () => {
  const h = createHarness({ config: { lockNewRooms: true } });
  h.join(FOCUS, `${ROOM}/focus`);
  const out = h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='c'><query xmlns='${OWNER_NS}'><x xmlns='jabber:x:data' type='cancel'/></query></iq>`);
  assert.is(out[0]?.attrs.type, 'result');
  assert.is(out[1]?.attrs.type, 'unavailable');
  assert.is(h.service.stats.rooms, 0);
});

config.run();

const destroy = suite('destroying a room (XEP-0045 §10.9)');

destroy('each occupant gets one unavailable presence with <destroy>, then the owner the result', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  h.join(BOB, `${ROOM}/bob`);
  const out = h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='d1'><query xmlns='${OWNER_NS}'>
    <destroy jid='elsewhere@conference.plenum.localhost'><reason>meeting over</reason></destroy></query></iq>`);
  assert.equal(out.map((s) => `${s.name} ${s.attrs.from} → ${s.attrs.to}`), [
    `presence ${ROOM}/focus → ${FOCUS}`, `presence ${ROOM}/alice → ${ALICE}`, `presence ${ROOM}/bob → ${BOB}`, `iq ${ROOM} → ${FOCUS}`,
  ]);
  for (const p of out.slice(0, 3)) {
    assert.is(p.attrs.type, 'unavailable');
    assert.equal(item(p), { affiliation: 'none', role: 'none', jid: p.attrs.to as string });
    assert.equal(statuses(p), [110]);
    const d = child(child(p, 'x', 'http://jabber.org/protocol/muc#user')!, 'destroy');
    assert.is(d?.attrs.jid, 'elsewhere@conference.plenum.localhost');
    assert.is(text(child(d!, 'reason')), 'meeting over');
  }
  assert.equal(h.service.stats, { rooms: 0, occupants: 0 });
  assert.is(children(out[3]!).length, 0);
});

destroy('a malformed alternate venue → modify/jid-malformed, the room stays', () => {
  const h = createHarness();
  h.focusRoom('standup');
  assert.is(errorOf(h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='d'><query xmlns='${OWNER_NS}'><destroy jid='@bad'/></query></iq>`)[0]), 'modify/jid-malformed');
  assert.is(h.service.stats.rooms, 1);
});

destroy('close(): every occupant is told the service shuts down (332); later stanzas get service-unavailable', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  h.service.close();
  h.service.close();
  const out = h.drain();
  assert.equal(out.map((s) => s.attrs.to), [FOCUS, ALICE]);
  for (const p of out) {
    assert.is(p.attrs.type, 'unavailable');
    assert.equal(statuses(p), [110, 332]);
  }
  assert.equal(h.service.stats, { rooms: 0, occupants: 0 });
  assert.equal(h.send(`<message from='${ALICE}' to='${ROOM}' type='groupchat'><body>?</body></message>`).map(errorOf), ['cancel/service-unavailable']);
});

destroy.run();
