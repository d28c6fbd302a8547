import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../../codec/xml/index.ts';
import { child, children } from '../../codec/xml/index.ts';
import { decodeDataForm, fieldValue } from '../../codec/xep-0004-data-forms/index.ts';
import { ALICE, FOCUS, MUC, createHarness, errorOf } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';
const INFO = 'http://jabber.org/protocol/disco#info';
const ITEMS = 'http://jabber.org/protocol/disco#items';

const discoGet = (from: string, target: string, ns: string, id = 'd1'): string =>
  `<iq from='${from}' to='${target}' type='get' id='${id}'><query xmlns='${ns}'/></iq>`;
const features = (reply: El | undefined): string[] =>
  children(child(reply!, 'query', INFO)!, 'feature').map((f) => f.attrs.var ?? '');
const roomInfo = (reply: El | undefined) => {
  const form = decodeDataForm(child(child(reply!, 'query', INFO)!, 'x', 'jabber:x:data')!);
  if (!form.ok) throw new Error('no roominfo form');
  return form.value;
};

const disco = suite('service discovery (XEP-0045 §6)');

disco('the service: conference/text identity and the MUC feature', () => {
  const h = createHarness();
  const [reply] = h.send(discoGet(ALICE, MUC, INFO));
  assert.is(reply?.attrs.type, 'result');
  assert.is(reply?.attrs.from, MUC);
  assert.equal(child(child(reply!, 'query')!, 'identity')?.attrs.category, 'conference');
  assert.equal(child(child(reply!, 'query')!, 'identity')?.attrs.type, 'text');
  assert.ok(features(reply).includes('http://jabber.org/protocol/muc'));
});

disco('the service lists public rooms only', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.focusRoom('secret');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_publicroom': '1', 'muc#roomconfig_roomname': 'Stand-up' });
  const [reply] = h.send(discoGet(ALICE, MUC, ITEMS));
  assert.equal(children(child(reply!, 'query', ITEMS)!, 'item').map((i) => i.attrs), [{ jid: ROOM, name: 'Stand-up' }]);
});

disco('a room: features describe its type, the roominfo form carries the meeting id', () => {
  const h = createHarness();
  h.clock.advance(5000);
  const created = h.clock.now();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const [reply] = h.send(discoGet(ALICE, ROOM, INFO));
  assert.is(reply?.attrs.type, 'result');
  const f = features(reply);
  for (const v of ['http://jabber.org/protocol/muc', 'muc_unsecured', 'muc_open', 'muc_nonanonymous', 'muc_temporary', 'muc_unmoderated', 'muc_hidden']) {
    assert.ok(f.includes(v), v);
  }
  const form = roomInfo(reply);
  assert.is(fieldValue(form, 'FORM_TYPE'), 'http://jabber.org/protocol/muc#roominfo');
  assert.is(fieldValue(form, 'muc#roominfo_meetingId'), '00000000-0000-4000-8000-000000000001');
  assert.is(fieldValue(form, 'muc#roominfo_occupants'), '2');
  assert.is(fieldValue(form, 'muc#roominfo_created_timestamp'), String(created));
  assert.is(fieldValue(form, 'muc#roomconfig_roomname'), '');
});

disco('features follow the configuration; the meeting id stays fixed for the room\'s life', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.configure(FOCUS, ROOM, {
    'muc#roomconfig_roomsecret': 'pw', 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'moderators', 'muc#roomconfig_moderatedroom': '1',
  });
  const [reply] = h.send(discoGet(FOCUS, ROOM, INFO));
  const f = features(reply);
  for (const v of ['muc_passwordprotected', 'muc_membersonly', 'muc_semianonymous', 'muc_moderated']) assert.ok(f.includes(v), v);
  assert.is(fieldValue(roomInfo(reply), 'muc#roominfo_meetingId'), h.service.room(ROOM)?.meetingId);
  assert.is(h.service.room(ROOM)?.meetingId, '00000000-0000-4000-8000-000000000001');
});

disco('room items: occupant JIDs for occupants, nothing for outsiders', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const [inside] = h.send(discoGet(FOCUS, ROOM, ITEMS));
  assert.equal(children(child(inside!, 'query')!, 'item').map((i) => i.attrs.jid), [`${ROOM}/focus`]);
  const [outside] = h.send(discoGet(ALICE, ROOM, ITEMS));
  assert.equal(children(child(outside!, 'query')!, 'item'), []);
});

disco.run();

const robust = suite('malformed and unsupported requests');

const cases: ReadonlyArray<readonly [string, string, string]> = [
  ['IQ to a room that does not exist', discoGet(ALICE, 'nope@conference.plenum.localhost', INFO), 'cancel/item-not-found'],
  ['unknown IQ namespace to a room', `<iq from='${FOCUS}' to='${ROOM}' type='get' id='v'><vCard xmlns='vcard-temp'/></iq>`, 'cancel/service-unavailable'],
  ['unknown IQ namespace to the service', `<iq from='${ALICE}' to='${MUC}' type='get' id='v'><time xmlns='urn:xmpp:time'/></iq>`, 'cancel/service-unavailable'],
  ['IQ with two payloads', `<iq from='${FOCUS}' to='${ROOM}' type='get' id='v'><query xmlns='${INFO}'/><query xmlns='${ITEMS}'/></iq>`, 'modify/bad-request'],
  ['IQ without payload', `<iq from='${FOCUS}' to='${ROOM}' type='get' id='v'/>`, 'modify/bad-request'],
  ['IQ with a bad type', `<iq from='${FOCUS}' to='${ROOM}' type='fetch' id='v'><query xmlns='${INFO}'/></iq>`, 'modify/bad-request'],
  ['disco set', `<iq from='${FOCUS}' to='${ROOM}' type='set' id='v'><query xmlns='${INFO}'/></iq>`, 'modify/bad-request'],
  ['disco node', `<iq from='${FOCUS}' to='${ROOM}' type='get' id='v'><query xmlns='${INFO}' node='x'/></iq>`, 'cancel/item-not-found'],
  ['malformed to', `<message from='${ALICE}' to='a@b@c/' type='chat'><body>x</body></message>`, 'modify/jid-malformed'],
  ['another domain', `<message from='${ALICE}' to='room@elsewhere.localhost' type='groupchat'><body>x</body></message>`, 'cancel/service-unavailable'],
  ['message to the service', `<message from='${ALICE}' to='${MUC}'><body>hello</body></message>`, 'cancel/service-unavailable'],
];
for (const [name, stanza, expected] of cases) {
  robust(`${name} → ${expected}`, () => {
    const h = createHarness();
    h.focusRoom('standup');
    const out = h.send(stanza);
    assert.is(out.length, 1);
    assert.is(errorOf(out[0]), expected);
    assert.is(out[0]?.attrs.to, stanza.match(/from='([^']+)'/)?.[1]);
  });
}

robust('error stanzas and results are never answered', () => {
  const h = createHarness();
  h.focusRoom('standup');
  for (const s of [
    `<iq from='${ALICE}' to='nope@conference.plenum.localhost' type='error' id='e'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
    `<iq from='${ALICE}' to='${ROOM}' type='result' id='r'/>`,
    `<iq from='${ALICE}' to='${MUC}' type='result' id='r'/>`,
    `<message from='${ALICE}' to='a@b@c' type='error'/>`,
    `<presence from='${ALICE}' to='${MUC}'/>`,
    `<presence from='${ALICE}' to='${ROOM}/alice' type='error'/>`,
    `<unknown from='${ALICE}' to='${ROOM}'/>`,
  ]) assert.equal(h.send(s), [], s);
});

robust.run();
