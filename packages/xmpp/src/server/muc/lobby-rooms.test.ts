// The lobby (Jitsi's mod_muc_lobby_rooms, protocols.md §8.4) on the wire, in process: enabling by
// members-only, the 407 refusal with <lobbyroom>, knocking, approval by invitation, denial by kick,
// disabling and destruction, limits and refusals.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../../codec/xml/index.ts';
import { child, children, serialize, text } from '../../codec/xml/index.ts';
import { NS_DATA_FORMS, decodeDataForm, fieldValue } from '../../codec/xep-0004-data-forms/index.ts';
import { NS_MUC_USER } from '../../codec/xep-0045-muc/index.ts';
import { ALICE, BOB, CAROL, DAVE, FOCUS, errorOf, item, statuses, to, wire } from './muc-harness.ts';
import { LOBBY_ROOM, ROOM, createLobbyHarness, lobbyRoomRef, notices } from './lobby-harness.ts';

const ERIN = 'erin@plenum.localhost/tab';

/** The self-presence (status 110) among deliveries to `real`. */
const selfOf = (out: readonly El[], real: string): El | undefined => to(out, real).find((s) => s.name === 'presence' && statuses(s).includes(110));
const RECORDER = 'recorder@recorder.plenum.localhost/rec';

/** Alice owns the meeting, Bob is a participant, and Alice turns the lobby on. */
function lobbyOn(config: Parameters<typeof createLobbyHarness>[0] = {}) {
  const h = createLobbyHarness(config);
  h.meeting(ALICE, 'alice');
  h.join(BOB, `${ROOM}/bob`, { nick: 'Bob' });
  const enabled = h.configure(ALICE, { 'muc#roomconfig_membersonly': 'true' });
  return { h, enabled };
}

function discoFields(h: ReturnType<typeof createLobbyHarness>, from: string): Record<string, string | undefined> {
  const [reply] = h.send(`<iq from='${from}' to='${ROOM}' type='get' id='disco'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
  const x = child(child(reply!, 'query')!, 'x', NS_DATA_FORMS);
  const form = decodeDataForm(x!);
  if (!form.ok) throw new Error(form.error.text);
  return { lobbyroom: fieldValue(form.value, 'muc#roominfo_lobbyroom'), membersonly: children(child(reply!, 'query')!, 'feature').some((f) => f.attrs.var === 'muc_membersonly') ? '1' : '0' };
}

const enabling = suite('enabling the lobby');

enabling('an owner making the room members-only opens room@lobby, announces it, and keeps everyone in', () => {
  const { h, enabled } = lobbyOn();
  assert.is(enabled.find((s) => s.name === 'iq')?.attrs.type, 'result');
  assert.ok(h.lobby.service.room(LOBBY_ROOM) !== undefined, 'the lobby room exists');
  assert.is(h.lobby.lobbyOf(ROOM), LOBBY_ROOM);
  // Bob had no affiliation: he became a member (presence with the new affiliation), nobody got 322.
  const bobUpdate = to(enabled, ALICE).find((s) => s.name === 'presence' && s.attrs.from === `${ROOM}/bob`);
  assert.is(item(bobUpdate).affiliation, 'member');
  assert.not.ok(enabled.some((s) => statuses(s).includes(322)), wire(enabled));
  assert.equal(h.main.room(ROOM)?.occupants().map((o) => o.nick), ['focus', 'alice', 'bob']);
  // Everybody is told, from the acting occupant, as Jitsi's json-message; then 104 as for any change.
  for (const real of [FOCUS, ALICE, BOB]) assert.equal(notices(enabled, real), [{ event: 'LOBBY-ENABLED', value: true }], real);
  const notice = to(enabled, BOB).find((s) => s.name === 'message' && child(s, 'json-message') !== undefined);
  assert.is(notice?.attrs.from, `${ROOM}/alice`);
  assert.is(notice?.attrs.type, 'groupchat');
  assert.ok(to(enabled, BOB).some((s) => statuses(s).includes(104)), 'status 104 makes clients re-read disco');
  assert.equal(discoFields(h, BOB), { lobbyroom: LOBBY_ROOM, membersonly: '1' });
});

enabling('the focus configuring members-only opens no lobby; disco has no lobbyroom before', () => {
  const h = createLobbyHarness();
  h.meeting(ALICE, 'alice');
  assert.equal(discoFields(h, ALICE), { lobbyroom: undefined, membersonly: '0' });
  h.configure(FOCUS, { 'muc#roomconfig_membersonly': 'true' });
  assert.is(h.lobby.lobbyOf(ROOM), undefined);
  const [refused] = h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol' });
  assert.is(errorOf(refused), 'auth/registration-required');
  assert.is(lobbyRoomRef(refused), undefined, 'a plain members-only room names no lobby');
});

enabling('the lobby service answers disco#info for node lobbyrooms (lib-jitsi-meet asks it); other nodes are item-not-found', () => {
  const h = createLobbyHarness();
  const [info] = h.send(`<iq from='${ALICE}' to='lobby.plenum.localhost' type='get' id='n1'><query xmlns='http://jabber.org/protocol/disco#info' node='lobbyrooms'/></iq>`);
  assert.is(info?.attrs.type, 'result');
  assert.is(child(info!, 'query')?.attrs.node, 'lobbyrooms');
  assert.ok(children(child(info!, 'query')!, 'feature').some((f) => f.attrs.var === 'http://jabber.org/protocol/muc'));
  const [other] = h.send(`<iq from='${ALICE}' to='lobby.plenum.localhost' type='get' id='n2'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>`);
  assert.is(errorOf(other), 'cancel/item-not-found');
});

enabling.run();

const admission = suite('joining a room with a lobby');

admission('a non-member gets Jitsi\'s 407 with <lobbyroom>, inside <error> and beside it', () => {
  const { h } = lobbyOn();
  const out = h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol' });
  assert.is(out.length, 1);
  const [refused] = out;
  assert.is(refused?.attrs.from, `${ROOM}/carol`);
  assert.is(refused?.attrs.to, CAROL);
  assert.is(errorOf(refused), 'auth/registration-required');
  assert.is(child(refused!, 'error')?.attrs.code, '407');
  assert.is(lobbyRoomRef(refused), LOBBY_ROOM);
  assert.is(text(child(refused!, 'lobbyroom')), LOBBY_ROOM, 'the plain <lobbyroom> older clients read');
  assert.ok(child(refused!, 'x', 'http://jabber.org/protocol/muc'), 'the join <x/> is echoed');
});

admission('without a display name the knocker is asked for one first (406 displayname-required)', () => {
  const { h } = lobbyOn();
  const [refused] = h.join(CAROL, `${ROOM}/carol`);
  assert.is(errorOf(refused), 'modify/not-acceptable');
  const marker = child(child(refused!, 'error')!, 'displayname-required', 'http://jitsi.org/jitmeet');
  assert.is(marker?.attrs.lobby, 'true');
  const lenient = lobbyOn({ requireDisplayName: false }).h;
  assert.is(errorOf(lenient.join(CAROL, `${ROOM}/carol`)[0]), 'auth/registration-required');
});

admission('the room password lets a non-member skip the lobby and makes them a member; a wrong one does not', () => {
  const { h } = lobbyOn();
  h.configure(ALICE, { 'muc#roomconfig_membersonly': 'true', 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'sesame' });
  assert.is(errorOf(h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol', password: 'wrong' })[0]), 'auth/registration-required');
  const joined = h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol', password: 'sesame' });
  const self = to(joined, CAROL).find((s) => s.attrs.from === `${ROOM}/carol`);
  assert.is(self?.attrs.type, undefined, wire(joined));
  assert.ok(statuses(self).includes(110));
  assert.is(item(self).affiliation, 'member');
});

admission('whitelisted domains skip the lobby; the focus (a service admin) always enters', () => {
  const { h } = lobbyOn({ whitelist: ['recorder.plenum.localhost'] });
  const rec = h.join(RECORDER, `${ROOM}/recorder`, { nick: 'Recorder' });
  assert.ok(selfOf(rec, RECORDER), wire(rec));
  assert.is(h.main.room(ROOM)?.affiliationOf('recorder@recorder.plenum.localhost'), 'member');
  h.send(`<presence from='${FOCUS}' to='${ROOM}/focus' type='unavailable'/>`);
  const back = h.join(FOCUS, `${ROOM}/focus`);
  assert.ok(selfOf(back, FOCUS), wire(back));
});

admission.run();

const knocking = suite('knocking');

/** Carol and Dave knock; Alice (owner) waits in the lobby room as Jitsi's client does. */
function knockers() {
  const { h } = lobbyOn();
  const carol = h.join(CAROL, `${LOBBY_ROOM}/c4r01`, { nick: 'Carol' });
  const alice = h.join(ALICE, `${LOBBY_ROOM}/a11ce`);
  const dave = h.join(DAVE, `${LOBBY_ROOM}/d4v3`, { nick: 'Dave' });
  return { h, carol, alice, dave };
}

knocking('knockers join the lobby room; owners see every knocker with its real JID; knockers see only themselves', () => {
  const { carol, alice, dave } = knockers();
  const carolSelf = selfOf(carol, CAROL);
  assert.equal(statuses(carolSelf), [100, 110]);
  assert.is(item(carolSelf).affiliation, 'none');
  assert.is(item(carolSelf).role, 'participant');
  // Alice joined after Carol: the roster shows Carol with her JID and nick; Alice is moderator there.
  const carolForAlice = to(alice, ALICE).find((s) => s.attrs.from === `${LOBBY_ROOM}/c4r01`);
  assert.is(item(carolForAlice).jid, CAROL);
  assert.is(text(child(carolForAlice!, 'nick', 'http://jabber.org/protocol/nick')), 'Carol');
  assert.is(item(selfOf(alice, ALICE)).role, 'moderator');
  assert.equal(to(alice, CAROL), [], 'knockers do not see the owner arrive');
  // Dave knocks: Alice sees him, Carol does not.
  assert.is(item(to(dave, ALICE).find((s) => s.attrs.from === `${LOBBY_ROOM}/d4v3`)).jid, DAVE);
  assert.equal(to(dave, CAROL), []);
  assert.equal(to(dave, DAVE).map((s) => s.attrs.from), [`${LOBBY_ROOM}/d4v3`, LOBBY_ROOM], 'Dave gets only himself and the subject');
});

knocking('lobby chat reaches owners from knockers and knockers from owners, never knocker to knocker', () => {
  const { h } = knockers();
  const fromCarol = h.send(`<message from='${CAROL}' to='${LOBBY_ROOM}' type='groupchat'><body>let me in</body></message>`);
  assert.equal(fromCarol.map((s) => s.attrs.to).sort(), [ALICE, CAROL], 'the owner, and Carol\'s own echo');
  const fromAlice = h.send(`<message from='${ALICE}' to='${LOBBY_ROOM}' type='groupchat'><body>one moment</body></message>`);
  assert.equal(fromAlice.map((s) => s.attrs.to).sort(), [ALICE, CAROL, DAVE]);
  const privateToDave = h.send(`<message from='${CAROL}' to='${LOBBY_ROOM}/d4v3' type='chat'><body>psst</body></message>`);
  assert.equal(privateToDave, []);
});

knocking('a knocker leaving cleans up; the lobby room stays open while the lobby is on', () => {
  const { h } = knockers();
  const out = h.send(`<presence from='${DAVE}' to='${LOBBY_ROOM}/d4v3' type='unavailable'/>`);
  assert.ok(to(out, ALICE).some((s) => s.attrs.type === 'unavailable'), 'the owner sees him go');
  assert.equal(to(out, CAROL), []);
  h.send(`<presence from='${CAROL}' to='${LOBBY_ROOM}/c4r01' type='unavailable'/>`);
  h.send(`<presence from='${ALICE}' to='${LOBBY_ROOM}/a11ce' type='unavailable'/>`);
  assert.is(h.lobby.service.room(LOBBY_ROOM)?.occupantCount, 0);
  assert.is(h.lobby.service.stats.occupants, 0);
  const again = h.join(ERIN, `${LOBBY_ROOM}/e41n`, { nick: 'Erin' });
  assert.ok(selfOf(again, ERIN), 'an empty lobby still takes knockers');
});

knocking.run();

const approving = suite('approving');

approving('the invitation makes the knocker a member; it gets the invite from the room and joins', () => {
  const { h } = knockers();
  const out = h.approve(ALICE, CAROL);
  const invite = to(out, CAROL).find((s) => s.name === 'message');
  assert.is(invite?.attrs.from, ROOM, 'from the main room, as lib-jitsi-meet expects');
  assert.is(child(child(invite!, 'x', NS_MUC_USER)!, 'invite')?.attrs.from, ALICE);
  assert.is(h.main.room(ROOM)?.affiliationOf('carol@plenum.localhost'), 'member');
  for (const real of [FOCUS, ALICE, BOB]) {
    assert.equal(notices(out, real), [{ event: 'LOBBY-ACCESS-GRANTED', value: 'c4r01', name: 'Carol' }], real);
  }
  const joined = h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol' });
  const self = to(joined, CAROL).find((s) => s.attrs.from === `${ROOM}/carol`);
  assert.equal(statuses(self), [100, 110]);
  assert.is(item(self).affiliation, 'member');
});

approving('several knockers approved in one message; an approved knocker needs no room password', () => {
  const { h } = knockers();
  h.configure(ALICE, { 'muc#roomconfig_membersonly': 'true', 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'sesame' });
  const out = h.approve(ALICE, CAROL, DAVE);
  assert.equal(notices(out, BOB).map((n) => n.event === 'LOBBY-ENABLED' ? '' : n.value), ['c4r01', 'd4v3']);
  for (const [real, nick] of [[CAROL, 'carol'], [DAVE, 'dave']] as const) {
    const joined = h.join(real, `${ROOM}/${nick}`, { nick });
    assert.ok(statuses(to(joined, real).find((s) => s.attrs.from === `${ROOM}/${nick}`)).includes(110), wire(joined));
  }
});

approving('invitations from non-moderators or from outside the room are refused and change nothing', () => {
  const { h } = knockers();
  // Bob is a member, not a moderator; Carol is not in the main room at all.
  assert.is(errorOf(h.approve(BOB, CAROL)[0]), 'auth/forbidden');
  assert.is(errorOf(h.approve(CAROL, CAROL)[0]), 'cancel/not-acceptable');
  assert.is(errorOf(h.approve(ERIN, DAVE)[0]), 'cancel/not-acceptable');
  assert.is(h.main.room(ROOM)?.affiliationOf('carol@plenum.localhost'), 'none');
  assert.is(h.main.room(ROOM)?.affiliationOf('dave@plenum.localhost'), 'none');
  assert.is(errorOf(h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol' })[0]), 'auth/registration-required');
});

approving.run();

const denying = suite('denying');

denying('a moderator\'s kick from the lobby: the knocker sees 307, the room hears LOBBY-ACCESS-DENIED', () => {
  const { h } = knockers();
  const out = h.deny(ALICE, 'd4v3');
  assert.is(to(out, ALICE).find((s) => s.name === 'iq')?.attrs.type, 'result');
  const kicked = to(out, DAVE).find((s) => s.name === 'presence');
  assert.is(kicked?.attrs.type, 'unavailable');
  assert.equal(statuses(kicked), [110, 307]);
  assert.ok(to(out, ALICE).some((s) => s.name === 'presence' && statuses(s).includes(307)), 'the owner sees the knocker go');
  assert.equal(to(out, CAROL), [], 'other knockers see nothing');
  for (const real of [FOCUS, ALICE, BOB]) assert.equal(notices(out, real), [{ event: 'LOBBY-ACCESS-DENIED', value: 'd4v3', name: 'Dave' }], real);
  assert.is(h.lobby.service.room(LOBBY_ROOM)?.occupant('d4v3'), undefined);
  assert.is(errorOf(h.join(DAVE, `${ROOM}/dave`, { nick: 'Dave' })[0]), 'auth/registration-required');
});

denying('knockers and members cannot kick from the lobby (forbidden)', () => {
  const { h } = knockers();
  assert.is(errorOf(h.deny(CAROL, 'd4v3')[0]), 'auth/forbidden');
  h.join(BOB, `${LOBBY_ROOM}/b0b`, { nick: 'Bob' });
  assert.is(errorOf(h.deny(BOB, 'd4v3')[0]), 'auth/forbidden');
  assert.ok(h.lobby.service.room(LOBBY_ROOM)?.occupant('d4v3'));
});

denying.run();

const ending = suite('turning the lobby off and ending the room');

ending('disabling destroys the lobby room pointing knockers at the main room, which now lets them in', () => {
  const { h } = knockers();
  const out = h.configure(ALICE, { 'muc#roomconfig_membersonly': 'false' });
  for (const real of [CAROL, DAVE]) {
    const gone = to(out, real).find((s) => s.name === 'presence');
    assert.is(gone?.attrs.type, 'unavailable');
    const destroy = child(child(gone!, 'x', NS_MUC_USER)!, 'destroy');
    assert.is(destroy?.attrs.jid, ROOM, serialize(gone!));
  }
  assert.is(h.lobby.service.room(LOBBY_ROOM), undefined);
  assert.is(h.lobby.size, 0);
  for (const real of [FOCUS, ALICE, BOB]) assert.equal(notices(out, real), [{ event: 'LOBBY-ENABLED', value: false }], real);
  assert.equal(discoFields(h, ALICE), { lobbyroom: undefined, membersonly: '0' });
  const joined = h.join(CAROL, `${ROOM}/carol`, { nick: 'Carol' });
  assert.ok(selfOf(joined, CAROL), wire(joined));
  assert.is(errorOf(h.join(ERIN, `${LOBBY_ROOM}/e41n`, { nick: 'Erin' })[0]), 'cancel/item-not-found');
});

ending('the main room ending (owner destroys it, or everyone leaves) destroys the lobby without a venue', () => {
  const { h } = knockers();
  const out = h.send(`<iq from='${ALICE}' to='${ROOM}' type='set' id='end'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>`);
  const gone = to(out, CAROL).find((s) => s.name === 'presence');
  const destroy = child(child(gone!, 'x', NS_MUC_USER)!, 'destroy');
  assert.ok(destroy, serialize(gone!));
  assert.is(destroy?.attrs.jid, undefined, 'no venue: the meeting is over');
  assert.is(h.lobby.size, 0);
  assert.is(h.lobby.service.stats.rooms, 0);

  const second = lobbyOn().h;
  second.join(CAROL, `${LOBBY_ROOM}/c4r01`, { nick: 'Carol' });
  second.send(`<presence from='${BOB}' to='${ROOM}/bob' type='unavailable'/>`);
  second.send(`<presence from='${ALICE}' to='${ROOM}/alice' type='unavailable'/>`);
  const last = second.send(`<presence from='${FOCUS}' to='${ROOM}/focus' type='unavailable'/>`);
  assert.ok(child(child(to(last, CAROL)[0]!, 'x', NS_MUC_USER)!, 'destroy'), wire(last));
  assert.is(second.lobby.size, 0);
});

ending.run();

const limits = suite('limits and bad input');

limits('a lobby takes at most maxKnockersPerRoom knockers; owners still get in', () => {
  const { h } = lobbyOn({ maxKnockersPerRoom: 2 });
  h.join(CAROL, `${LOBBY_ROOM}/c4r01`, { nick: 'Carol' });
  h.join(DAVE, `${LOBBY_ROOM}/d4v3`, { nick: 'Dave' });
  assert.is(errorOf(h.join(ERIN, `${LOBBY_ROOM}/e41n`, { nick: 'Erin' })[0]), 'wait/service-unavailable');
  assert.ok(selfOf(h.join(ALICE, `${LOBBY_ROOM}/a11ce`), ALICE));
});

limits('knocking at a room without a lobby is item-not-found; nobody can create lobby rooms', () => {
  const h = createLobbyHarness();
  h.meeting(ALICE, 'alice');
  assert.is(errorOf(h.join(CAROL, `${LOBBY_ROOM}/c4r01`, { nick: 'Carol' })[0]), 'cancel/item-not-found');
  assert.is(errorOf(h.join(ALICE, `${LOBBY_ROOM}/a11ce`)[0]), 'cancel/item-not-found');
  assert.is(errorOf(h.join(CAROL, `nosuchroom@lobby.plenum.localhost/c`, { nick: 'Carol' })[0]), 'cancel/item-not-found');
  assert.is(h.lobby.service.stats.rooms, 0);
});

limits('turning the lobby on and off repeatedly leaves at most one lobby room per main room', () => {
  const { h } = lobbyOn();
  for (let i = 0; i < 5; i++) {
    h.configure(ALICE, { 'muc#roomconfig_membersonly': 'false' });
    h.configure(ALICE, { 'muc#roomconfig_membersonly': 'true' });
  }
  assert.is(h.lobby.size, 1);
  assert.is(h.lobby.service.stats.rooms, 1);
});

limits.run();
