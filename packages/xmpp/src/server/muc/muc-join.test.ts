import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { child, text } from '../../codec/xml/index.ts';
import { ALICE, BOB, CAROL, FOCUS, createHarness, errorOf, item, statuses, to, wire } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';

const create = suite('room creation (XEP-0045 §10.1)');

create('restricted creation: a guest gets cancel/not-allowed telling it to ask the focus', () => {
  const h = createHarness();
  const [reply, ...rest] = h.join(ALICE, `${ROOM}/alice`);
  assert.is(rest.length, 0);
  assert.is(errorOf(reply), 'cancel/not-allowed');
  assert.is(reply?.attrs.from, `${ROOM}/alice`);
  assert.is(reply?.attrs.to, ALICE);
  assert.ok(child(reply!, 'x', 'http://jabber.org/protocol/muc'), 'error echoes the MUC <x/>');
  const error = child(reply!, 'error');
  assert.is(error?.attrs.by, ROOM);
  assert.match(text(child(error!, 'text')), /ask the focus \(http:\/\/jitsi\.org\/protocol\/focus conference IQ\)/);
  assert.is(h.service.stats.rooms, 0);
});

create('the focus creates: self-presence with 110 and 201, owner/moderator, then an empty subject', () => {
  const h = createHarness();
  const out = h.join(FOCUS, `${ROOM}/focus`);
  assert.is(out.length, 2, wire(out));
  const [self, subject] = out;
  assert.is(self?.attrs.from, `${ROOM}/focus`);
  assert.equal(statuses(self), [110, 201]);
  assert.equal(item(self), { affiliation: 'owner', role: 'moderator', jid: FOCUS });
  assert.is(subject?.name, 'message');
  assert.is(subject?.attrs.type, 'groupchat');
  assert.is(subject?.attrs.from, ROOM);
  assert.ok(subject !== undefined && child(subject, 'subject') !== undefined && text(child(subject, 'subject')) === '');
  assert.equal(h.service.stats, { rooms: 1, occupants: 1 });
});

create('unrestricted service: anyone creates and becomes owner; 201 goes to the creator only', () => {
  const h = createHarness({ config: { restrictRoomCreation: false } });
  assert.equal(statuses(h.join(ALICE, `${ROOM}/alice`)[0]), [110, 201]);
  const out = h.join(BOB, `${ROOM}/bob`);
  assert.equal(statuses(to(out, BOB).at(-2)), [110], 'no 201 for the second occupant');
  assert.is(item(to(out, ALICE)[0]).affiliation, 'none', 'bob is not an owner');
  assert.is(h.service.room(ROOM)?.affiliationOf('alice@plenum.localhost'), 'owner');
});

create('maxRooms reached → wait/resource-constraint', () => {
  const h = createHarness({ config: { maxRooms: 1 } });
  h.join(FOCUS, `${ROOM}/focus`);
  assert.is(errorOf(h.join(FOCUS, 'other@conference.plenum.localhost/focus')[0]), 'wait/resource-constraint');
});

create('lockNewRooms: others get item-not-found until the owner submits the form; then instant', () => {
  const h = createHarness({ config: { lockNewRooms: true } });
  assert.equal(statuses(h.join(FOCUS, `${ROOM}/focus`)[0]), [110, 201]);
  assert.is(errorOf(h.join(ALICE, `${ROOM}/alice`)[0]), 'cancel/item-not-found');
  const result = h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='i1'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`);
  assert.is(result[0]?.attrs.type, 'result');
  assert.is(h.join(ALICE, `${ROOM}/alice`).at(-2)?.attrs.from, `${ROOM}/alice`);
});

create('mayEnter refusal is returned as-is, even before creation', () => {
  const h = createHarness({ mayEnter: () => ({ type: 'auth', condition: 'forbidden', text: 'token does not allow this room' }) });
  assert.is(errorOf(h.join(FOCUS, `${ROOM}/focus`)[0]), 'auth/forbidden');
  assert.is(h.service.stats.rooms, 0);
});

create.run();

const enter = suite('entering (XEP-0045 §7.2)');

enter('order: existing occupants first, new presence to all, self-presence last, then subject', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.join(BOB, `${ROOM}/bob`, `<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick>`);
  const toBob = to(out, BOB);
  assert.equal(toBob.map((s) => `${s.name} ${s.attrs.from}`), [
    `presence ${ROOM}/focus`, `presence ${ROOM}/alice`, `presence ${ROOM}/bob`, `message ${ROOM}`,
  ]);
  assert.equal(statuses(toBob[2]), [100, 110], 'non-anonymous room: 100 with the self-presence');
  assert.equal(to(out, ALICE).length, 1);
  assert.equal(to(out, FOCUS).length, 1);
  assert.equal(statuses(to(out, ALICE)[0]), []);
});

enter('non-anonymous room: every item carries the real full JID', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.join(BOB, `${ROOM}/bob`);
  assert.equal(item(to(out, BOB)[0]), { affiliation: 'owner', role: 'moderator', jid: FOCUS });
  assert.equal(item(to(out, BOB)[1]), { affiliation: 'none', role: 'participant', jid: ALICE });
  assert.equal(item(to(out, ALICE)[0]), { affiliation: 'none', role: 'participant', jid: BOB });
});

enter('semi-anonymous room: real JIDs only to moderators, and to the occupant itself', () => {
  const h = createHarness();
  h.focusRoom('standup', 'moderators');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.join(BOB, `${ROOM}/bob`);
  assert.is(item(to(out, BOB)[0]).jid, undefined, 'participant bob does not see the focus JID');
  assert.is(item(to(out, ALICE)[0]).jid, undefined, 'participant alice does not see bob');
  assert.is(item(to(out, FOCUS)[0]).jid, BOB, 'the moderator does');
  assert.is(item(to(out, BOB)[2]).jid, BOB, 'self-presence shows your own JID');
  assert.equal(statuses(to(out, BOB)[2]), [110], 'no 100 in a semi-anonymous room');
});

enter('presence extensions pass through untouched; MUC elements from the client are dropped', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const ext = `<stats-id>Bob-1</stats-id><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='abc='/>`
    + `<SourceInfo>{"b0b0b0b0-a0":{"muted":true}}</SourceInfo><jitsi_participant_codecList>vp9,vp8</jitsi_participant_codecList>`
    + `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner'/></x>`;
  const out = h.join(BOB, `${ROOM}/bob`, ext);
  const seen = to(out, FOCUS)[0]!;
  assert.equal(seen.children.map((c) => (typeof c === 'string' ? c : c.name)), ['stats-id', 'c', 'SourceInfo', 'jitsi_participant_codecList', 'x']);
  assert.is(text(child(seen, 'SourceInfo')), '{"b0b0b0b0-a0":{"muted":true}}');
  assert.is(item(seen).affiliation, 'none', 'a spoofed muc#user item is not relayed');
});

enter('the join presence id is reflected on the self-presence', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const out = h.send(`<presence from='${BOB}' to='${ROOM}/bob' id='join-1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  assert.is(to(out, BOB).find((s) => statuses(s).includes(110))?.attrs.id, 'join-1');
});

enter('room JIDs are case-insensitive, nicks are case-sensitive', () => {
  const h = createHarness();
  h.focusRoom('standup');
  const out = h.join(ALICE, 'StandUp@Conference.Plenum.Localhost/Alice');
  assert.is(to(out, FOCUS)[0]?.attrs.from, `${ROOM}/Alice`);
  const second = h.join(BOB, `${ROOM}/alice`);
  assert.is(to(second, BOB).at(-2)?.attrs.from, `${ROOM}/alice`, 'alice and Alice are different nicks');
  assert.is(h.service.room(ROOM)?.occupantCount, 3);
});

enter('presence to the bare room JID → modify/jid-malformed', () => {
  const h = createHarness();
  h.focusRoom('standup');
  assert.is(errorOf(h.send(`<presence from='${ALICE}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)[0]), 'modify/jid-malformed');
});

enter.run();

const update = suite('presence updates, nick changes, leaving (XEP-0045 §7.6, §7.7, §7.14)');

update('a presence update is broadcast to all, the sender gets it with 110', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alice'><SourceInfo>{"a":{"muted":false}}</SourceInfo></presence>`);
  assert.equal(out.map((s) => s.attrs.to).sort(), [ALICE, FOCUS].sort());
  assert.is(text(child(to(out, FOCUS)[0]!, 'SourceInfo')), '{"a":{"muted":false}}');
  assert.equal(statuses(to(out, ALICE)[0]), [110]);
  // a later joiner sees the updated presence
  const late = h.join(BOB, `${ROOM}/bob`);
  assert.is(text(child(to(late, BOB)[1]!, 'SourceInfo')), '{"a":{"muted":false}}');
});

update('leave: unavailable with 110 to the leaver first, then to the others with role none', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alice' type='unavailable'><status>bye</status></presence>`);
  assert.equal(out.map((s) => s.attrs.to), [ALICE, FOCUS]);
  assert.equal(statuses(out[0]), [110]);
  assert.equal(statuses(out[1]), []);
  for (const s of out) {
    assert.is(s.attrs.type, 'unavailable');
    assert.is(item(s).role, 'none');
    assert.is(text(child(s, 'status')), 'bye');
  }
  assert.equal(h.service.stats, { rooms: 1, occupants: 1 });
});

update('the core\'s unavailable on session end is a leave, even when sent to an old nick', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  h.send(`<presence from='${ALICE}' to='${ROOM}/alicia'/>`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alice' type='unavailable'/>`);
  assert.is(to(out, FOCUS)[0]?.attrs.from, `${ROOM}/alicia`);
  assert.is(h.service.room(ROOM)?.occupantCount, 1);
});

update('unavailable from a non-occupant is ignored without an error', () => {
  const h = createHarness();
  h.focusRoom('standup');
  assert.equal(h.send(`<presence from='${CAROL}' to='${ROOM}/carol' type='unavailable'/>`), []);
});

update('the room vanishes with its last occupant', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.send(`<presence from='${FOCUS}' to='${ROOM}/focus' type='unavailable'/>`);
  assert.equal(h.service.stats, { rooms: 0, occupants: 0 });
  assert.is(h.service.room(ROOM), undefined);
  assert.is(errorOf(h.send(`<iq from='${FOCUS}' to='${ROOM}' type='get' id='d'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)[0]), 'cancel/item-not-found');
});

update('nick change: unavailable 303 with the new nick, then available from the new nick, to everyone', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/alicia'/>`);
  const [gone, back] = to(out, FOCUS);
  assert.is(gone?.attrs.type, 'unavailable');
  assert.is(gone?.attrs.from, `${ROOM}/alice`);
  assert.equal(statuses(gone), [303]);
  assert.is(item(gone).nick, 'alicia');
  assert.is(back?.attrs.from, `${ROOM}/alicia`);
  assert.is(back?.attrs.type, undefined);
  const [selfGone, selfBack] = to(out, ALICE);
  assert.equal(statuses(selfGone), [110, 303]);
  assert.equal(statuses(selfBack), [110]);
});

update('nick change onto a taken nick → cancel/conflict, nothing broadcast', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/focus'/>`);
  assert.is(out.length, 1);
  assert.is(errorOf(out[0]), 'cancel/conflict');
});

update('multi-session: a second resource of the same user shares the nick; leaving one keeps the occupant', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const phone = 'alice@plenum.localhost/phone';
  const out = h.join(phone, `${ROOM}/alice`);
  assert.equal(to(out, phone).map((s) => s.attrs.from), [`${ROOM}/focus`, `${ROOM}/alice`, ROOM]);
  assert.equal(statuses(to(out, ALICE)[0]), [100, 110], 'the other session sees it as self');
  assert.is(item(to(out, FOCUS)[0]).jid, phone, 'the newest session is the visible one');
  assert.is(h.service.room(ROOM)?.occupantCount, 2);
  const left = h.send(`<presence from='${phone}' to='${ROOM}/alice' type='unavailable'/>`);
  assert.equal(statuses(to(left, phone)[0]), [110]);
  assert.is(to(left, FOCUS)[0]?.attrs.type, undefined, 'others see alice stay, now with the web session');
  assert.is(item(to(left, FOCUS)[0]).jid, ALICE);
  assert.is(h.service.room(ROOM)?.occupantCount, 2);
});

update('a different user cannot take a nick in use → cancel/conflict', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  assert.is(errorOf(h.join(BOB, `${ROOM}/alice`)[0]), 'cancel/conflict');
});

update('a join <x/> from a session already in replays the roster and self-presence to it (§7.2.1)', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.join(ALICE, `${ROOM}/alice`);
  assert.equal(to(out, ALICE).map((s) => `${s.name} ${s.attrs.from}`), [`presence ${ROOM}/focus`, `presence ${ROOM}/alice`, `message ${ROOM}`]);
  assert.is(h.service.room(ROOM)?.occupantCount, 2);
});

update('an error presence from an occupant\'s server removes it with 333 (§11.1)', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  const out = h.send(`<presence from='${ALICE}' to='${ROOM}/focus' type='error'><error type='cancel'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
  assert.equal(statuses(to(out, FOCUS)[0]), [333]);
  assert.is(h.service.room(ROOM)?.occupantCount, 1);
});

update.run();
