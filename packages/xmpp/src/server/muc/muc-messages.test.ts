import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { child, text } from '../../codec/xml/index.ts';
import { ALICE, BOB, CAROL, FOCUS, createHarness, errorOf, to, wire } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';

function threeInRoom(opts: Parameters<typeof createHarness>[0] = {}) {
  const h = createHarness(opts);
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  h.join(BOB, `${ROOM}/bob`);
  return h;
}

const groupchat = suite('groupchat (XEP-0045 §7.4)');

groupchat('reflected to every occupant, the sender included, from room/nick with the same id', () => {
  const h = threeInRoom();
  const out = h.send(`<message from='${ALICE}' to='${ROOM}' type='groupchat' id='m1'><body>hi all</body><json-message xmlns='http://jitsi.org/jitmeet'>{"type":"x"}</json-message></message>`);
  assert.equal(out.map((s) => s.attrs.to).sort(), [ALICE, BOB, FOCUS].sort());
  for (const s of out) {
    assert.is(s.attrs.from, `${ROOM}/alice`);
    assert.is(s.attrs.type, 'groupchat');
    assert.is(s.attrs.id, 'm1');
    assert.is(text(child(s, 'body')), 'hi all');
    assert.ok(child(s, 'json-message', 'http://jitsi.org/jitmeet'));
  }
  assert.ok(out[0]!.children === out[1]!.children, 'one element, only the address differs');
});

groupchat('from a non-occupant → cancel/not-acceptable, nothing reflected', () => {
  const h = threeInRoom();
  const out = h.send(`<message from='${CAROL}' to='${ROOM}' type='groupchat'><body>spam</body></message>`);
  assert.is(out.length, 1);
  assert.is(errorOf(out[0]), 'cancel/not-acceptable');
  assert.is(out[0]?.attrs.to, CAROL);
});

groupchat('a visitor in a moderated room → auth/forbidden', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_moderatedroom': '1' });
  h.join(ALICE, `${ROOM}/alice`);
  assert.is(h.service.room(ROOM)?.occupant('alice')?.role, 'visitor');
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='${ROOM}' type='groupchat'><body>may I?</body></message>`)[0]), 'auth/forbidden');
});

groupchat('non-groupchat messages to the room → modify/bad-request; error messages are never answered', () => {
  const h = threeInRoom();
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='${ROOM}' type='chat'><body>?</body></message>`)[0]), 'modify/bad-request');
  assert.equal(h.send(`<message from='${ALICE}' to='${ROOM}' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`), []);
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='nowhere@conference.plenum.localhost' type='groupchat'><body>x</body></message>`)[0]), 'cancel/item-not-found');
});

groupchat('history: bounded by maxHistoryMessages, delayed, sent after presences and before the subject', () => {
  const h = createHarness({ config: { maxHistoryMessages: 2 } });
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  for (const n of [1, 2, 3]) {
    h.send(`<message from='${ALICE}' to='${ROOM}' type='groupchat' id='m${n}'><body>${n}</body></message>`);
    h.clock.advance(1000);
  }
  const out = to(h.join(BOB, `${ROOM}/bob`), BOB);
  assert.equal(out.map((s) => s.name), ['presence', 'presence', 'presence', 'message', 'message', 'message']);
  assert.equal(out.slice(3, 5).map((s) => text(child(s, 'body'))), ['2', '3']);
  assert.is(child(out[3]!, 'delay', 'urn:xmpp:delay')?.attrs.from, ROOM);
  assert.ok(child(out[5]!, 'subject'));
  const limited = to(h.send(`<presence from='${CAROL}' to='${ROOM}/carol'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='1'/></x></presence>`), CAROL);
  assert.equal(limited.filter((s) => child(s, 'body')).map((s) => text(child(s, 'body'))), ['3']);
});

groupchat('no history is kept by default', () => {
  const h = threeInRoom();
  h.send(`<message from='${ALICE}' to='${ROOM}' type='groupchat'><body>1</body></message>`);
  assert.equal(to(h.join(CAROL, `${ROOM}/carol`), CAROL).filter((s) => child(s, 'body')), []);
});

groupchat.run();

const subject = suite('subject (XEP-0045 §8.1, §7.2.15)');

subject('a moderator changes it; everybody gets it; newcomers get it after presences', () => {
  const h = threeInRoom();
  const out = h.send(`<message from='${FOCUS}' to='${ROOM}' type='groupchat'><subject>Daily standup</subject></message>`);
  assert.is(out.length, 3);
  assert.is(out[0]?.attrs.from, `${ROOM}/focus`);
  const last = to(h.join(CAROL, `${ROOM}/carol`), CAROL).at(-1);
  assert.is(text(child(last!, 'subject')), 'Daily standup');
  assert.is(last?.attrs.from, `${ROOM}/focus`);
});

subject('a participant may not, unless muc#roomconfig_changesubject', () => {
  const h = threeInRoom();
  const msg = `<message from='${ALICE}' to='${ROOM}' type='groupchat'><subject>mine</subject></message>`;
  assert.is(errorOf(h.send(msg)[0]), 'auth/forbidden');
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_changesubject': '1' });
  assert.is(h.send(msg).length, 3);
});

subject.run();

const priv = suite('private messages and IQs (XEP-0045 §7.5, §6.6)');

priv('a private message reaches every session of the target from room/sendernick with <x muc#user/>', () => {
  const h = threeInRoom();
  h.join('bob@plenum.localhost/tablet', `${ROOM}/bob`);
  const out = h.send(`<message from='${ALICE}' to='${ROOM}/bob' type='chat' id='p1'><body>psst</body></message>`);
  assert.equal(out.map((s) => s.attrs.to).sort(), [BOB, 'bob@plenum.localhost/tablet'].sort());
  for (const s of out) {
    assert.is(s.attrs.from, `${ROOM}/alice`);
    assert.is(s.attrs.id, 'p1');
    assert.ok(child(s, 'x', 'http://jabber.org/protocol/muc#user'));
  }
});

priv('errors: missing nick → item-not-found; type groupchat → bad-request; non-occupant → not-acceptable', () => {
  const h = threeInRoom();
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='${ROOM}/nobody' type='chat'><body>?</body></message>`)[0]), 'cancel/item-not-found');
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='${ROOM}/bob' type='groupchat'><body>?</body></message>`)[0]), 'modify/bad-request');
  assert.is(errorOf(h.send(`<message from='${CAROL}' to='${ROOM}/bob' type='chat'><body>?</body></message>`)[0]), 'cancel/not-acceptable');
});

priv('an IQ to an occupant goes to its session from room/nick; the reply finds its way back', () => {
  const h = threeInRoom();
  const [request] = h.send(`<iq from='${FOCUS}' to='${ROOM}/alice' type='get' id='disco1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
  assert.is(request?.attrs.to, ALICE);
  assert.is(request?.attrs.from, `${ROOM}/focus`);
  assert.ok(request?.attrs.id !== 'disco1' && request?.attrs.id?.endsWith(':disco1'), 'the id is tagged, not the real JID');
  const [reply] = h.send(`<iq from='${ALICE}' to='${ROOM}/focus' type='result' id='${request?.attrs.id}'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:jingle:1'/></query></iq>`);
  assert.is(reply?.attrs.to, FOCUS);
  assert.is(reply?.attrs.from, `${ROOM}/alice`);
  assert.is(reply?.attrs.id, 'disco1');
  assert.is(reply?.attrs.type, 'result');
  assert.ok(child(reply!, 'query'));
});

priv('Jingle session-initiate from the focus arrives from room/focus; an error reply routes back too', () => {
  const h = threeInRoom();
  const [initiate] = h.send(`<iq from='${FOCUS}' to='${ROOM}/bob' type='set' id='j1'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'/></iq>`);
  assert.is(initiate?.attrs.from, `${ROOM}/focus`);
  const [error] = h.send(`<iq from='${BOB}' to='${ROOM}/focus' type='error' id='${initiate?.attrs.id}'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
  assert.is(error?.attrs.to, FOCUS);
  assert.is(errorOf(error), 'cancel/feature-not-implemented');
  assert.is(error?.attrs.id, 'j1');
});

priv('IQ errors: non-occupant → not-acceptable, missing nick → item-not-found, unroutable replies are dropped', () => {
  const h = threeInRoom();
  assert.is(errorOf(h.send(`<iq from='${CAROL}' to='${ROOM}/bob' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>`)[0]), 'cancel/not-acceptable');
  assert.is(errorOf(h.send(`<iq from='${ALICE}' to='${ROOM}/zed' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>`)[0]), 'cancel/item-not-found');
  assert.equal(h.send(`<iq from='${BOB}' to='${ROOM}/alice' type='result' id='not-ours'/>`), []);
  assert.equal(h.send(`<iq from='${BOB}' to='${ROOM}/alice' type='result' id='999:x'/>`), []);
});

priv('self-ping (XEP-0410): answered by the service for a joined client', () => {
  const h = threeInRoom();
  const out = h.send(`<iq from='${ALICE}' to='${ROOM}/alice' type='get' id='sp'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(out.length, 1, wire(out));
  assert.is(out[0]?.attrs.type, 'result');
  assert.is(out[0]?.attrs.to, ALICE);
  assert.is(out[0]?.attrs.from, `${ROOM}/alice`);
});

priv.run();

const invite = suite('mediated invitations (XEP-0045 §7.8.2)');

invite('an owner invites into a members-only room: the invitee gets the invite and becomes a member', () => {
  const h = threeInRoom();
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_membersonly': '1' });
  const out = h.send(`<message from='${FOCUS}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='carol@plenum.localhost'><reason>join us</reason></invite></x></message>`);
  assert.is(out.length, 1, wire(out));
  assert.is(out[0]?.attrs.from, ROOM);
  assert.is(out[0]?.attrs.to, 'carol@plenum.localhost');
  const inv = child(child(out[0]!, 'x', 'http://jabber.org/protocol/muc#user')!, 'invite');
  assert.is(inv?.attrs.from, FOCUS);
  assert.is(text(child(inv!, 'reason')), 'join us');
  assert.is(h.service.room(ROOM)?.affiliationOf('carol@plenum.localhost'), 'member');
});

invite('a plain occupant may not invite into a members-only room → auth/forbidden', () => {
  const h = createHarness();
  h.focusRoom('standup');
  h.send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='m'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='alice@plenum.localhost'/></query></iq>`);
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_membersonly': '1' });
  h.join(ALICE, `${ROOM}/alice`);
  assert.is(errorOf(h.send(`<message from='${ALICE}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='carol@plenum.localhost'/></x></message>`)[0]), 'auth/forbidden');
});

invite('a message with too many invitations → modify/bad-request, nobody is invited', () => {
  const h = threeInRoom();
  const many = Array.from({ length: 21 }, (_, i) => `<invite to='u${i}@plenum.localhost'/>`).join('');
  const out = h.send(`<message from='${FOCUS}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'>${many}</x></message>`);
  assert.equal(out.map(errorOf), ['modify/bad-request']);
});

invite.run();
