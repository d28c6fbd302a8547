// MUC through the whole server: the focus component creates a room, guests join over TCP and
// WebSocket, presence carries real JIDs (what Jitsi's client needs), a broken connection or a
// departing component leaves the room, JWT room claims and the internal MUC's admission rule.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac, createHash } from 'node:crypto';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { El } from '@plenum/xmpp/codec';
import { child, children, text, serialize } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, TEST_COMPONENT_SECRET, errorCondition } from '@plenum/testkit';

const MUC = 'conference.plenum.localhost';
const test = suite<{ server: RunningXmppServer; jwt: RunningXmppServer; held: RunningXmppServer }>('muc');

test.before(async (ctx) => {
  ctx.server = await startTestServer();
  ctx.jwt = await startTestServer({ auth: { jwt: { enabled: true, appId: 'plenum', secret: 's3cret' } } });
  // The focus's rooms outlive a dropped connection for a second (components.holdRoomsOf).
  ctx.held = await startTestServer({ components: { holdRoomsOf: ['focus.plenum.localhost'], holdRoomsSeconds: 1 } });
});
test.after(async (ctx) => {
  await ctx.server.close();
  await ctx.jwt.close();
  await ctx.held.close();
});

/** A component over the raw wire (the focus): handshake done, ready to send. */
async function componentClient(server: RunningXmppServer, domain = 'focus.plenum.localhost'): Promise<WireClient> {
  const c = await WireClient.tcp(server.componentPort);
  c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
  for (let i = 0; i < 100 && c.streamHeaders.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const id = c.streamHeaders[0]?.attrs.id ?? '';
  c.send(`<handshake>${createHash('sha1').update(id + TEST_COMPONENT_SECRET).digest('hex')}</handshake>`);
  await c.nextNamed('handshake');
  return c;
}

const statuses = (p: El): string[] => children(child(p, 'x', 'http://jabber.org/protocol/muc#user') ?? p, 'status').map((s) => s.attrs.code ?? '');
const itemOf = (p: El): El | undefined => child(child(p, 'x', 'http://jabber.org/protocol/muc#user') ?? p, 'item');
const presenceFrom = (from: string, type?: string) => (e: El) => e.name === 'presence' && e.attrs.from === from && e.attrs.type === type;

async function focusCreates(server: RunningXmppServer, room: string): Promise<WireClient> {
  const focus = await componentClient(server);
  focus.send(`<presence from='focus.plenum.localhost/focus' to='${room}@${MUC}/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  const self = await focus.next(presenceFrom(`${room}@${MUC}/focus`));
  assert.ok(statuses(self).includes('201'), 'the focus created the room');
  assert.is(itemOf(self)?.attrs.affiliation, 'owner');
  // Make the room non-anonymous, as Jicofo does (protocols.md §1.2).
  focus.send(`<iq from='focus.plenum.localhost/focus' to='${room}@${MUC}' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_whois'><value>anyone</value></field></x></query></iq>`);
  assert.is((await focus.nextNamed('iq', 'cfg')).attrs.type, 'result');
  return focus;
}

async function join(c: WireClient, room: string, nick: string, extra = ''): Promise<El> {
  c.send(`<presence to='${room}@${MUC}/${nick}'><x xmlns='http://jabber.org/protocol/muc'>${extra}</x></presence>`);
  return c.next((e) => e.name === 'presence' && e.attrs.from === `${room}@${MUC}/${nick}`);
}

test('a guest cannot create a room: it is told to ask the focus', async ({ server }) => {
  const guest = await WireClient.tcp(server.tcpPort);
  await guest.loginAnonymous();
  const reply = await join(guest, 'nobody-made-this', 'abcd1234');
  assert.is(reply.attrs.type, 'error');
  assert.match(serialize(reply), /focus/);
  guest.close();
});

test('after the focus creates the room, guests join and see real JIDs; groupchat reaches everyone', async ({ server }) => {
  const focus = await focusCreates(server, 'standup');
  const alice = await WireClient.tcp(server.tcpPort);
  const aliceJid = await alice.loginAnonymous();
  const bob = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  const bobJid = await bob.loginAnonymous();
  const aliceSelf = await join(alice, 'standup', 'aaaa1111');
  assert.ok(statuses(aliceSelf).includes('110'));
  assert.ok(statuses(aliceSelf).includes('100'), 'status 100: the room is non-anonymous');
  assert.not.ok(statuses(aliceSelf).includes('201'), 'guests never see 201 (protocols.md §12)');
  const bobSees = await join(bob, 'standup', 'bbbb2222', '');
  assert.is(itemOf(bobSees)?.attrs.jid, bobJid);
  // Bob got the existing occupants first, each with its real JID.
  const focusForBob = bob.inbox.find((e) => e.attrs.from === `standup@${MUC}/focus`);
  assert.is(focusForBob && itemOf(focusForBob)?.attrs.jid, 'focus.plenum.localhost/focus');
  const aliceForBob = bob.inbox.find((e) => e.attrs.from === `standup@${MUC}/aaaa1111`);
  assert.is(aliceForBob && itemOf(aliceForBob)?.attrs.jid, aliceJid);
  // Everyone hears Bob arrive, the focus included.
  await alice.next(presenceFrom(`standup@${MUC}/bbbb2222`));
  await focus.next(presenceFrom(`standup@${MUC}/bbbb2222`));
  alice.send(`<message to='standup@${MUC}' type='groupchat' id='g1'><body>hi all</body></message>`);
  for (const c of [alice, bob, focus]) {
    const m = await c.next((e) => e.name === 'message' && e.attrs.id === 'g1');
    assert.is(m.attrs.from, `standup@${MUC}/aaaa1111`);
    assert.is(text(child(m, 'body')), 'hi all');
  }
  // A broken connection without stream management leaves the room at once.
  bob.close();
  const gone = await alice.next(presenceFrom(`standup@${MUC}/bbbb2222`, 'unavailable'));
  assert.is(itemOf(gone)?.attrs.role, 'none');
  // When the focus component disconnects, it leaves too.
  focus.close();
  await alice.next(presenceFrom(`standup@${MUC}/focus`, 'unavailable'));
  alice.close();
});

test('password rooms and moderator kicks through the server', async ({ server }) => {
  const focus = await focusCreates(server, 'locked');
  focus.send(`<iq from='focus.plenum.localhost/focus' to='locked@${MUC}' type='set' id='pw'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field><field var='muc#roomconfig_roomsecret'><value>open sesame</value></field></x></query></iq>`);
  assert.is((await focus.nextNamed('iq', 'pw')).attrs.type, 'result');
  const guest = await WireClient.tcp(server.tcpPort);
  await guest.loginAnonymous();
  const refused = await join(guest, 'locked', 'cccc3333');
  assert.is(errorCondition(refused), 'not-authorized');
  const admitted = await join(guest, 'locked', 'cccc3333', '<password>open sesame</password>');
  assert.not.ok(admitted.attrs.type === 'error', serialize(admitted));
  // The focus (a MUC admin) kicks the guest: 307 to the guest.
  focus.send(`<iq from='focus.plenum.localhost/focus' to='locked@${MUC}' type='set' id='kick'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='cccc3333' role='none'><reason>test</reason></item></query></iq>`);
  assert.is((await focus.nextNamed('iq', 'kick')).attrs.type, 'result');
  const kicked = await guest.next(presenceFrom(`locked@${MUC}/cccc3333`, 'unavailable'));
  assert.ok(statuses(kicked).includes('307'));
  focus.close();
  guest.close();
});

test('the internal MUC admits components but not guests', async ({ server }) => {
  const bridge = await componentClient(server, 'component.plenum.localhost');
  bridge.send(`<presence from='jvb1@component.plenum.localhost/x' to='jvbbrewery@internal.plenum.localhost/jvb1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  const self = await bridge.next((e) => e.name === 'presence' && e.attrs.from === 'jvbbrewery@internal.plenum.localhost/jvb1');
  assert.not.ok(self.attrs.type === 'error', serialize(self));
  const guest = await WireClient.tcp(server.tcpPort);
  await guest.loginAnonymous();
  guest.send(`<presence to='jvbbrewery@internal.plenum.localhost/spy'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  const refused = await guest.next((e) => e.name === 'presence' && e.attrs.type === 'error');
  assert.is(errorCondition(refused), 'forbidden');
  bridge.close();
  guest.close();
});

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function token(room: string): string {
  const signing = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: 'plenum', aud: 'plenum', room, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${signing}.${createHmac('sha256', 's3cret').update(signing).digest('base64url')}`;
}

test('JWT: the room claim decides which room a token holder may join', async ({ jwt }) => {
  const focus = await focusCreates(jwt, 'allowed');
  await focusCreatesAnother(focus, 'elsewhere');
  const c = await WireClient.ws(`ws://127.0.0.1:${jwt.httpPort}/xmpp-websocket?token=${token('allowed')}`);
  await c.loginAnonymous();
  const ok = await join(c, 'allowed', 'dddd4444');
  assert.not.ok(ok.attrs.type === 'error', serialize(ok));
  const no = await join(c, 'elsewhere', 'dddd4444');
  assert.is(errorCondition(no), 'not-authorized');
  focus.close();
  c.close();
});

async function focusCreatesAnother(focus: WireClient, room: string): Promise<void> {
  focus.send(`<presence from='focus.plenum.localhost/focus' to='${room}@${MUC}/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  await focus.next(presenceFrom(`${room}@${MUC}/focus`));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a focus that drops and reconnects in time rejoins its room without anyone seeing it leave (Jitsi\'s FOCUS_LEFT)', async ({ held }) => {
  const room = 'held-takeover';
  const focus = await focusCreates(held, room);
  const guest = await WireClient.tcp(held.tcpPort);
  await guest.loginAnonymous();
  await join(guest, room, 'abcd0001');
  focus.close();
  await sleep(300);
  // A standby connects as the same component and rejoins as the same occupant.
  const standby = await componentClient(held);
  standby.send(`<presence from='focus.plenum.localhost/focus' to='${room}@${MUC}/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  const roster = await standby.next(presenceFrom(`${room}@${MUC}/abcd0001`));
  assert.is(itemOf(roster)?.attrs.jid?.split('/')[0]?.includes('@plenum.localhost'), true, 'the standby learns who is in the room');
  const self = await standby.next(presenceFrom(`${room}@${MUC}/focus`));
  assert.ok(statuses(self).includes('110'), 'and gets its own presence back');
  assert.not.ok(statuses(self).includes('201'), 'the room was not created again');
  assert.is(itemOf(self)?.attrs.affiliation, 'owner', 'it is still the owner');
  await sleep(1500);
  const focusGone = guest.inbox.some(presenceFrom(`${room}@${MUC}/focus`, 'unavailable'));
  assert.not.ok(focusGone, 'the guest never saw the focus leave');
  assert.ok(guest.inbox.some(presenceFrom(`${room}@${MUC}/focus`)), 'the guest saw a presence update from the focus');
  standby.close();
  guest.close();
});

test('a held focus that does not come back leaves its room once the hold is over; other components leave at once', async ({ held }) => {
  const room = 'held-gone';
  const focus = await focusCreates(held, room);
  const guest = await WireClient.tcp(held.tcpPort);
  await guest.loginAnonymous();
  await join(guest, room, 'abcd0002');
  const recorder = await componentClient(held, 'component.plenum.localhost');
  recorder.send(`<presence from='component.plenum.localhost/rec' to='${room}@${MUC}/rec'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  await guest.next(presenceFrom(`${room}@${MUC}/rec`), 3000, 'the recorder joins');
  recorder.close();
  await guest.next(presenceFrom(`${room}@${MUC}/rec`, 'unavailable'), 3000, 'a component not held leaves at once');
  focus.close();
  await sleep(200);
  assert.not.ok(guest.inbox.some(presenceFrom(`${room}@${MUC}/focus`, 'unavailable')), 'not yet: the focus is held');
  await guest.next(presenceFrom(`${room}@${MUC}/focus`, 'unavailable'), 5000, 'the focus leaves after the hold');
  guest.close();
});

test.run();
