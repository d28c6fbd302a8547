import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { child, children, text } from '../../codec/xml/index.ts';
import { ALICE, BOB, CAROL, FOCUS, createHarness, errorOf, item, statuses, to, wire } from './muc-harness.ts';

const ROOM = 'standup@conference.plenum.localhost';
const ADMIN_NS = 'http://jabber.org/protocol/muc#admin';

/** focus (service admin, owner) + alice + bob + carol, non-anonymous. */
function room() {
  const h = createHarness();
  h.focusRoom('standup');
  h.join(ALICE, `${ROOM}/alice`);
  h.join(BOB, `${ROOM}/bob`);
  h.join(CAROL, `${ROOM}/carol`);
  return h;
}

const adminIq = (from: string, items: string, type = 'set'): string =>
  `<iq from='${from}' to='${ROOM}' type='${type}' id='a1'><query xmlns='${ADMIN_NS}'>${items}</query></iq>`;

const roleOf = (h: ReturnType<typeof room>, nick: string): string | undefined => h.service.room(ROOM)?.occupant(nick)?.role;

const kick = suite('kicking (XEP-0045 §8.2)');

kick('a moderator kicks: 307 with actor and reason to the kicked (with 110) and to all, then the IQ result', () => {
  const h = room();
  const out = h.send(adminIq(FOCUS, `<item nick='bob' role='none'><reason>You have been kicked.</reason></item>`));
  assert.equal(out.map((s) => `${s.name} ${s.attrs.to}`), [
    `presence ${BOB}`, `presence ${FOCUS}`, `presence ${ALICE}`, `presence ${CAROL}`, `iq ${FOCUS}`,
  ]);
  const [kicked, seen] = out;
  assert.equal(statuses(kicked), [110, 307]);
  assert.equal(statuses(seen), [307]);
  for (const p of out.slice(0, 4)) {
    assert.is(p.attrs.type, 'unavailable');
    assert.is(p.attrs.from, `${ROOM}/bob`);
    assert.is(item(p).role, 'none');
    const i = child(child(p, 'x', 'http://jabber.org/protocol/muc#user')!, 'item')!;
    assert.is(child(i, 'actor')?.attrs.nick, 'focus');
    assert.is(text(child(i, 'reason')), 'You have been kicked.');
  }
  assert.is(out[4]?.attrs.type, 'result');
  assert.is(h.service.room(ROOM)?.occupant('bob'), undefined);
});

const refusals: ReadonlyArray<readonly [string, string, string]> = [
  ['a participant tries to kick', `<item nick='bob' role='none'/>`, 'auth/forbidden'],
  ['a participant tries to grant voice', `<item nick='bob' role='participant'/>`, 'auth/forbidden'],
  ['a participant tries to ban', `<item jid='bob@plenum.localhost' affiliation='outcast'/>`, 'auth/forbidden'],
];
for (const [name, items, expected] of refusals) {
  kick(`${name} → ${expected}`, () => {
    const h = room();
    const out = h.send(adminIq(ALICE, items));
    assert.is(out.length, 1, wire(out));
    assert.is(errorOf(out[0]), expected);
    assert.ok(child(out[0]!, 'query', ADMIN_NS), 'the request is echoed');
    assert.is(roleOf(h, 'bob'), 'participant');
  });
}

kick('nobody acts on a higher affiliation: an admin-moderator cannot kick an owner (cancel/not-allowed)', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item jid='alice@plenum.localhost' affiliation='admin'/><item jid='bob@plenum.localhost' affiliation='owner'/>`));
  assert.is(roleOf(h, 'alice'), 'moderator');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item nick='bob' role='none'/>`))[0]), 'cancel/not-allowed');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item nick='focus' role='none'/>`))[0]), 'cancel/not-allowed');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item nick='alice' role='none'/>`))[0]), 'cancel/conflict', 'kicking yourself');
  assert.is(h.send(adminIq(BOB, `<item nick='alice' role='none'/>`)).at(-1)?.attrs.type, 'result', 'an owner kicks an admin');
});

kick('a service admin (the focus) may act from outside the room, e.g. from another resource', () => {
  const h = room();
  const out = h.send(adminIq('focus@auth.plenum.localhost/other', `<item nick='bob' role='none'/>`));
  assert.is(out.at(-1)?.attrs.type, 'result', wire(out));
  const i = child(child(to(out, ALICE)[0]!, 'x', 'http://jabber.org/protocol/muc#user')!, 'item')!;
  assert.is(child(i, 'actor')?.attrs.jid, 'focus@auth.plenum.localhost');
});

kick('the same occupant twice in one request is removed once', () => {
  const h = room();
  const out = h.send(adminIq(FOCUS, `<item nick='bob' role='none'/><item nick='bob' role='none'/>`));
  assert.is(out.filter((s) => s.attrs.to === ALICE).length, 1);
  assert.equal(h.service.stats, { rooms: 1, occupants: 3 });
});

kick('an owner can kick another owner (XEP-0045 §8.2 only forbids lower affiliations)', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item jid='alice@plenum.localhost' affiliation='owner'/><item jid='bob@plenum.localhost' affiliation='owner'/>`));
  assert.is(h.send(adminIq(ALICE, `<item nick='bob' role='none'/>`)).at(-1)?.attrs.type, 'result');
});

kick('unknown nick → cancel/item-not-found; both role and affiliation → bad-request; nothing applied', () => {
  const h = room();
  assert.is(errorOf(h.send(adminIq(FOCUS, `<item nick='zed' role='none'/>`))[0]), 'cancel/item-not-found');
  assert.is(errorOf(h.send(adminIq(FOCUS, `<item nick='bob' role='none' affiliation='none'/>`))[0]), 'modify/bad-request');
  assert.is(errorOf(h.send(adminIq(FOCUS, `<item nick='bob' role='none'/><item nick='zed' role='none'/>`))[0]), 'cancel/item-not-found');
  assert.is(roleOf(h, 'bob'), 'participant', 'all or nothing (§9.2)');
  assert.is(errorOf(h.send(adminIq(FOCUS, ''))[0]), 'modify/bad-request');
});

kick.run();

const roles = suite('voice and moderator roles (XEP-0045 §8.3, §8.4, §9.6, §9.7)');

roles('revoke and grant voice: role changes are broadcast with the new role', () => {
  const h = room();
  const out = h.send(adminIq(FOCUS, `<item nick='carol' role='visitor'><reason>quiet</reason></item>`));
  assert.equal(to(out, ALICE).map((s) => item(s).role), ['visitor']);
  assert.equal(statuses(to(out, CAROL)[0]), [110]);
  assert.is(errorOf(h.send(`<message from='${CAROL}' to='${ROOM}' type='groupchat'><body>hello?</body></message>`)[0]), 'auth/forbidden');
  h.send(adminIq(FOCUS, `<item nick='carol' role='participant'/>`));
  assert.is(roleOf(h, 'carol'), 'participant');
});

roles('granting moderator needs an admin or owner; voice of admins and owners cannot be revoked', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item nick='alice' role='moderator'/>`));
  assert.is(roleOf(h, 'alice'), 'moderator');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item nick='bob' role='moderator'/>`))[0]), 'auth/forbidden', 'a moderator without affiliation');
  assert.is(errorOf(h.send(adminIq(FOCUS, `<item nick='focus' role='visitor'/>`))[0]), 'cancel/not-allowed');
});

roles('in a semi-anonymous room a new moderator gets the roster again, now with real JIDs', () => {
  const h = createHarness();
  h.focusRoom('standup', 'moderators');
  h.join(ALICE, `${ROOM}/alice`);
  h.join(BOB, `${ROOM}/bob`);
  const out = to(h.send(adminIq(FOCUS, `<item nick='alice' role='moderator'/>`)), ALICE);
  assert.ok(out.some((s) => s.attrs.from === `${ROOM}/bob` && item(s).jid === BOB), wire(out));
});

roles.run();

const affiliations = suite('affiliations (XEP-0045 §9, §10.3–§10.8)');

affiliations('Jitsi grants moderator with affiliation=owner: role becomes moderator, broadcast to all', () => {
  const h = room();
  const out = h.send(adminIq(FOCUS, `<item jid='alice@plenum.localhost' affiliation='owner'/>`));
  assert.equal(to(out, BOB).map((s) => [item(s).affiliation, item(s).role]), [['owner', 'moderator']]);
  assert.equal(statuses(to(out, ALICE)[0]), [110]);
  assert.is(out.at(-1)?.attrs.type, 'result');
});

affiliations('ban: the outcast leaves with 301 (actor and reason), cannot come back', () => {
  const h = room();
  const out = h.send(adminIq(FOCUS, `<item jid='${BOB}' affiliation='outcast'><reason>spam</reason></item>`));
  assert.equal(statuses(to(out, BOB)[0]), [110, 301]);
  assert.equal(statuses(to(out, ALICE)[0]), [301]);
  assert.is(item(to(out, ALICE)[0]).affiliation, 'outcast');
  assert.is(errorOf(h.join(BOB, `${ROOM}/bob`)[0]), 'auth/forbidden');
});

affiliations('admins may not touch owners or grant admin; owners may; nobody bans themselves', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item jid='alice@plenum.localhost' affiliation='admin'/><item jid='bob@plenum.localhost' affiliation='owner'/>`));
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='bob@plenum.localhost' affiliation='outcast'/>`))[0]), 'cancel/not-allowed');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='carol@plenum.localhost' affiliation='admin'/>`))[0]), 'auth/forbidden');
  assert.is(h.send(adminIq(ALICE, `<item jid='carol@plenum.localhost' affiliation='member'/>`)).at(-1)?.attrs.type, 'result');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='alice@plenum.localhost' affiliation='outcast'/>`))[0]), 'cancel/conflict');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='not a jid@x' affiliation='member'/>`))[0]), 'modify/jid-malformed');
});

affiliations('the last owner cannot step down (§10.4); service admins stay owners', () => {
  const h = createHarness({ config: { restrictRoomCreation: false } });
  h.join(ALICE, `${ROOM}/alice`);
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='alice@plenum.localhost' affiliation='member'/>`))[0]), 'cancel/conflict');
  h.join(FOCUS, `${ROOM}/focus`);
  assert.is(errorOf(h.send(adminIq(ALICE, `<item jid='focus@auth.plenum.localhost' affiliation='none'/>`))[0]), 'cancel/not-allowed');
});

affiliations('Jitsi lobby: members granted in one request, then members-only removes the rest with 322', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item affiliation='member' jid='${ALICE}'/><item affiliation='member' jid='${BOB}'/>`));
  const out = h.configure(FOCUS, ROOM, { 'muc#roomconfig_membersonly': 'true' });
  assert.equal(statuses(to(out, CAROL).find((s) => s.name === 'presence')), [110, 322]);
  assert.equal(statuses(to(out, ALICE).find((s) => s.name === 'presence')), [322]);
  assert.equal(h.service.room(ROOM)?.occupants().map((o) => o.nick), ['focus', 'alice', 'bob']);
});

affiliations('revoking membership in a members-only room removes the occupant with 321', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item affiliation='member' jid='${ALICE}'/><item affiliation='member' jid='${BOB}'/><item affiliation='member' jid='${CAROL}'/>`));
  h.configure(FOCUS, ROOM, { 'muc#roomconfig_membersonly': '1' });
  const out = h.send(adminIq(FOCUS, `<item affiliation='none' jid='carol@plenum.localhost'/>`));
  assert.equal(statuses(to(out, ALICE)[0]), [321]);
  assert.is(h.service.room(ROOM)?.occupant('carol'), undefined);
});

affiliations('lists: by affiliation for admins/owners, by role for moderators; others forbidden', () => {
  const h = room();
  h.send(adminIq(FOCUS, `<item jid='dave@plenum.localhost' affiliation='outcast'/><item jid='alice@plenum.localhost' affiliation='member'/>`));
  const [bans] = h.send(adminIq(FOCUS, `<item affiliation='outcast'/>`, 'get'));
  assert.equal(children(child(bans!, 'query')!, 'item').map((i) => i.attrs), [{ affiliation: 'outcast', jid: 'dave@plenum.localhost' }]);
  const [mods] = h.send(adminIq(FOCUS, `<item role='participant'/>`, 'get'));
  assert.equal(children(child(mods!, 'query')!, 'item').map((i) => i.attrs.nick), ['alice', 'bob', 'carol']);
  assert.is(children(child(mods!, 'query')!, 'item')[0]?.attrs.jid, ALICE);
  assert.is(errorOf(h.send(adminIq(ALICE, `<item affiliation='member'/>`, 'get'))[0]), 'auth/forbidden');
  assert.is(errorOf(h.send(adminIq(ALICE, `<item role='moderator'/>`, 'get'))[0]), 'auth/forbidden');
  assert.is(errorOf(h.send(adminIq(FOCUS, `<item affiliation='none'/>`, 'get'))[0]), 'modify/bad-request');
});

affiliations.run();
