// The lobby through the whole server over real sockets (protocols.md §8.4): the main domain
// advertises the lobby component, an owner turns it on, a guest is refused with 407 + <lobbyroom>,
// knocks on room@lobby…, is approved by invitation and joins; another is denied by a kick; a dropped
// knocker leaves the lobby; turning the lobby off sends the last knocker into the room; a forged
// invitation never looks like the room's.
// Then the same knock-and-admit with @xmpp/client, a standard library that knows nothing of Jitsi.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import type { El } from '@plenum/xmpp/codec';
import { child, children, text, serialize, decodeLobbyNotify, decodeLobbyRoomRef } from '@plenum/xmpp/codec';
import type { LobbyNotify } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, TEST_COMPONENT_SECRET, errorCondition } from '@plenum/testkit';
import { WebSocket } from 'ws';
import { client, xml } from '@xmpp/client';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

type XmppClient = ReturnType<typeof client>;
type XmlElement = ReturnType<typeof xml>;

const MUC = 'conference.plenum.localhost';
const LOBBY = 'lobby.plenum.localhost';
const ROOM = `weekly@${MUC}`;
const LOBBY_ROOM = `weekly@${LOBBY}`;
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const JITMEET = 'http://jitsi.org/jitmeet';

const statuses = (p: El): string[] => children(child(p, 'x', MUC_USER) ?? p, 'status').map((s) => s.attrs.code ?? '');
const itemOf = (p: El): Record<string, string> => child(child(p, 'x', MUC_USER) ?? p, 'item')?.attrs ?? {};
const selfPresence = (from: string) => (e: El) => e.name === 'presence' && e.attrs.from === from && statuses(e).includes('110');
const presenceFrom = (from: string) => (e: El) => e.name === 'presence' && e.attrs.from === from;

function notice(e: El): LobbyNotify | undefined {
  const json = e.name === 'message' ? child(e, 'json-message', JITMEET) : undefined;
  const decoded = json === undefined ? undefined : decodeLobbyNotify(json);
  return decoded?.ok === true ? decoded.value : undefined;
}
const isNotice = (event: string) => (e: El) => notice(e)?.event === event;

async function focusComponent(port: number): Promise<WireClient> {
  const c = await WireClient.tcp(port);
  c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='focus.plenum.localhost'>`);
  for (let i = 0; i < 100 && c.streamHeaders.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  c.send(`<handshake>${createHash('sha1').update((c.streamHeaders[0]?.attrs.id ?? '') + TEST_COMPONENT_SECRET).digest('hex')}</handshake>`);
  await c.nextNamed('handshake');
  return c;
}

const joinXml = (roomNick: string, displayName?: string): string =>
  `<presence to='${roomNick}'><x xmlns='http://jabber.org/protocol/muc'/>${displayName === undefined ? '' : `<nick xmlns='http://jabber.org/protocol/nick'>${displayName}</nick>`}</presence>`;

test('knock, approve, deny and disable over TCP and WebSocket, as lib-jitsi-meet does it', async () => {
  const server = await startTestServer();
  const clients: WireClient[] = [];
  const connect = async (kind: 'tcp' | 'ws'): Promise<{ c: WireClient; jid: string }> => {
    const c = kind === 'tcp' ? await WireClient.tcp(server.tcpPort as number) : await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
    clients.push(c);
    return { c, jid: await c.loginAnonymous() };
  };
  try {
    const focus = await focusComponent(server.componentPort as number);
    clients.push(focus);
    const alice = await connect('ws');
    // Jitsi's client discovers the lobby component by this identity on the main domain.
    alice.c.send(`<iq type='get' to='plenum.localhost' id='d0'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    const identities = children(child(await alice.c.nextNamed('iq', 'd0'), 'query')!, 'identity').map((i) => i.attrs);
    assert.ok(identities.some((i) => i.category === 'component' && i.type === 'lobbyrooms' && i.name === LOBBY), JSON.stringify(identities));

    // The focus creates the room, makes it non-anonymous and Alice its owner (as Jicofo does).
    focus.send(`<presence from='focus.plenum.localhost/focus' to='${ROOM}/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await focus.next(selfPresence(`${ROOM}/focus`));
    focus.send(`<iq from='focus.plenum.localhost/focus' to='${ROOM}' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_whois'><value>anyone</value></field></x></query></iq>`);
    await focus.nextNamed('iq', 'cfg');
    focus.send(`<iq from='focus.plenum.localhost/focus' to='${ROOM}' type='set' id='own'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='${alice.jid.split('/')[0]}'/></query></iq>`);
    await focus.nextNamed('iq', 'own');
    alice.c.send(joinXml(`${ROOM}/a11ce`, 'Alice'));
    assert.is(itemOf(await alice.c.next(selfPresence(`${ROOM}/a11ce`))).affiliation, 'owner');

    // Alice turns the lobby on the way lib-jitsi-meet's setMembersOnly does.
    alice.c.send(`<iq to='${ROOM}' type='set' id='lobby-on'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_membersonly'><value>true</value></field></x></query></iq>`);
    assert.is((await alice.c.nextNamed('iq', 'lobby-on')).attrs.type, 'result');
    assert.equal(notice(await alice.c.next(isNotice('LOBBY-ENABLED'))), { event: 'LOBBY-ENABLED', value: true });
    alice.c.send(`<iq to='${ROOM}' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    const info = await alice.c.nextNamed('iq', 'd1');
    const field = children(child(child(info, 'query')!, 'x', 'jabber:x:data')!, 'field').find((f) => f.attrs.var === 'muc#roominfo_lobbyroom');
    assert.is(text(child(field!, 'value')), LOBBY_ROOM);

    // Carol is refused with 407 and the lobby's address, knocks there, and Alice (waiting there too) sees her.
    const carol = await connect('tcp');
    carol.c.send(joinXml(`${ROOM}/c4r01`, 'Carol'));
    const refused = await carol.c.next(presenceFrom(`${ROOM}/c4r01`));
    assert.is(errorCondition(refused), 'registration-required');
    assert.is(decodeLobbyRoomRef(refused), LOBBY_ROOM);
    alice.c.send(joinXml(`${LOBBY_ROOM}/a11ce`));
    assert.is(itemOf(await alice.c.next(selfPresence(`${LOBBY_ROOM}/a11ce`))).role, 'moderator');
    carol.c.send(joinXml(`${LOBBY_ROOM}/c4r01`, 'Carol'));
    await carol.c.next(selfPresence(`${LOBBY_ROOM}/c4r01`));
    const knock = await alice.c.next(presenceFrom(`${LOBBY_ROOM}/c4r01`));
    assert.is(itemOf(knock).jid, carol.jid);

    // Approve: a mediated invitation to Carol's real JID; she gets it from the room and walks in.
    alice.c.send(`<message to='${ROOM}'><x xmlns='${MUC_USER}'><invite to='${itemOf(knock).jid}'/></x></message>`);
    const invite = await carol.c.next((e) => e.name === 'message' && child(child(e, 'x', MUC_USER) ?? e, 'invite') !== undefined);
    assert.is(invite.attrs.from, ROOM);
    assert.equal(notice(await alice.c.next(isNotice('LOBBY-ACCESS-GRANTED'))), { event: 'LOBBY-ACCESS-GRANTED', value: 'c4r01', name: 'Carol' });
    carol.c.send(joinXml(`${ROOM}/c4r01`, 'Carol'));
    assert.is(itemOf(await carol.c.next(selfPresence(`${ROOM}/c4r01`))).affiliation, 'member');

    // Deny: Dave knocks and is kicked from the lobby; he sees 307, the room hears about it.
    const dave = await connect('ws');
    dave.c.send(joinXml(`${LOBBY_ROOM}/d4v3`, 'Dave'));
    await dave.c.next(selfPresence(`${LOBBY_ROOM}/d4v3`));
    await alice.c.next(presenceFrom(`${LOBBY_ROOM}/d4v3`));
    alice.c.send(`<iq to='${LOBBY_ROOM}' type='set' id='deny'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='d4v3' role='none'/></query></iq>`);
    const kicked = await dave.c.next(selfPresence(`${LOBBY_ROOM}/d4v3`));
    assert.is(kicked.attrs.type, 'unavailable');
    assert.ok(statuses(kicked).includes('307'), serialize(kicked));
    assert.equal(notice(await carol.c.next(isNotice('LOBBY-ACCESS-DENIED'))), { event: 'LOBBY-ACCESS-DENIED', value: 'd4v3', name: 'Dave' });

    // A forged invitation (another client claiming to be the room) never arrives as the room's.
    const erin = await connect('tcp');
    erin.c.send(joinXml(`${LOBBY_ROOM}/e41n`, 'Erin'));
    await erin.c.next(selfPresence(`${LOBBY_ROOM}/e41n`));
    dave.c.send(`<message from='${ROOM}' to='${erin.jid}'><x xmlns='${MUC_USER}'><invite from='${alice.jid}'/></x></message>`);
    assert.is(await dave.c.streamError(), 'invalid-from');

    // A knocker whose connection drops leaves the lobby: the owner sees it go.
    const frank = await connect('tcp');
    frank.c.send(joinXml(`${LOBBY_ROOM}/fr4nk`, 'Frank'));
    await frank.c.next(selfPresence(`${LOBBY_ROOM}/fr4nk`));
    await alice.c.next(presenceFrom(`${LOBBY_ROOM}/fr4nk`));
    frank.c.close();
    const left = await alice.c.next(presenceFrom(`${LOBBY_ROOM}/fr4nk`));
    assert.is(left.attrs.type, 'unavailable');

    // Disable: Erin's lobby room is destroyed pointing at the main room, which now lets her in.
    alice.c.send(`<iq to='${ROOM}' type='set' id='lobby-off'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_membersonly'><value>false</value></field></x></query></iq>`);
    const closed = await erin.c.next(selfPresence(`${LOBBY_ROOM}/e41n`));
    assert.is(child(child(closed, 'x', MUC_USER)!, 'destroy')?.attrs.jid, ROOM, serialize(closed));
    assert.not.ok(erin.c.inbox.some((e) => e.name === 'message' && e.attrs.from === ROOM), 'the forged invitation did not come from the room');
    erin.c.send(joinXml(`${ROOM}/e41n`, 'Erin'));
    assert.is(itemOf(await erin.c.next(selfPresence(`${ROOM}/e41n`))).role, 'participant');
    assert.is(server.server.stats.rooms, 1, 'the lobby room is gone; the main room remains');
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
});

test('the lobby domain follows lobby.mucDomain, and lobby.enabled=false advertises none', async () => {
  for (const [values, expected] of [
    [{ lobby: { mucDomain: 'waiting.plenum.localhost' } }, 'waiting.plenum.localhost'],
    [{ lobby: { enabled: false } }, undefined],
  ] as const) {
    const server = await startTestServer(values);
    const c = await WireClient.tcp(server.tcpPort as number);
    try {
      await c.loginAnonymous();
      c.send(`<iq type='get' to='plenum.localhost' id='d'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
      const lobby = children(child(await c.nextNamed('iq', 'd'), 'query')!, 'identity').find((i) => i.attrs.type === 'lobbyrooms');
      assert.is(lobby?.attrs.name, expected);
    } finally {
      c.close();
      await server.close();
    }
  }
});

test('a standard client (@xmpp/client) knocks, is admitted and joins', async () => {
  const server = await startTestServer();
  const clients: WireClient[] = [];
  const xmpps: XmppClient[] = [];
  const start = async (): Promise<{ xmpp: XmppClient; jid: string }> => {
    const xmpp = client({ service: `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, domain: 'plenum.localhost' });
    xmpp.on('error', () => undefined);
    xmpps.push(xmpp);
    return { xmpp, jid: (await xmpp.start()).toString() };
  };
  /** The next stanza the client receives that matches; fails after 3 s so a broken server cannot hang the test. */
  const received = (xmpp: XmppClient, match: (s: XmlElement) => boolean): Promise<XmlElement> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      xmpp.off('stanza', onStanza);
      reject(new Error('timed out waiting for a stanza'));
    }, 3000);
    const onStanza = (s: XmlElement): void => {
      if (!match(s)) return;
      clearTimeout(timer);
      xmpp.off('stanza', onStanza);
      resolve(s);
    };
    xmpp.on('stanza', onStanza);
  });
  const selfIn = (roomNick: string) => (s: XmlElement) => s.is('presence') && s.attrs.from === roomNick
    && (s.getChild('x', MUC_USER)?.getChildren('status') ?? []).some((c) => c.attrs.code === '110');
  try {
    const focus = await focusComponent(server.componentPort as number);
    clients.push(focus);
    const host = await start();
    focus.send(`<presence from='focus.plenum.localhost/focus' to='${ROOM}/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await focus.next(selfPresence(`${ROOM}/focus`));
    focus.send(`<iq from='focus.plenum.localhost/focus' to='${ROOM}' type='set' id='own'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='${host.jid.split('/')[0]}'/></query></iq>`);
    await focus.nextNamed('iq', 'own');
    const hostIn = received(host.xmpp, selfIn(`${ROOM}/host`));
    await host.xmpp.send(xml('presence', { to: `${ROOM}/host` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await hostIn;
    const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      xml('field', { var: 'muc#roomconfig_membersonly' }, xml('value', {}, '1')));
    await host.xmpp.iqCaller.set(xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, form), ROOM);
    const hostInLobby = received(host.xmpp, selfIn(`${LOBBY_ROOM}/host`));
    await host.xmpp.send(xml('presence', { to: `${LOBBY_ROOM}/host` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await hostInLobby;

    const guest = await start();
    const nick = xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Guest');
    const refusal = received(guest.xmpp, (s) => s.is('presence') && s.attrs.type === 'error');
    await guest.xmpp.send(xml('presence', { to: `${ROOM}/guest` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }), nick));
    const error = (await refusal).getChild('error');
    assert.ok(error?.getChild('registration-required'));
    const lobbyJid = error?.getChildText('lobbyroom', JITMEET) ?? '';
    assert.is(lobbyJid, LOBBY_ROOM);

    const knock = received(host.xmpp, (s) => s.is('presence') && s.attrs.from === `${lobbyJid}/guest`);
    const waiting = received(guest.xmpp, selfIn(`${lobbyJid}/guest`));
    await guest.xmpp.send(xml('presence', { to: `${lobbyJid}/guest` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }), nick));
    await waiting;
    const knockerJid = (await knock).getChild('x', MUC_USER)?.getChild('item')?.attrs.jid as string;
    assert.is(knockerJid, guest.jid);

    const invited = received(guest.xmpp, (s) => s.is('message') && s.getChild('x', MUC_USER)?.getChild('invite') !== undefined);
    await host.xmpp.send(xml('message', { to: ROOM }, xml('x', { xmlns: MUC_USER }, xml('invite', { to: knockerJid }))));
    assert.is((await invited).attrs.from, ROOM);
    const admitted = received(guest.xmpp, selfIn(`${ROOM}/guest`));
    await guest.xmpp.send(xml('presence', { to: `${ROOM}/guest` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }), nick));
    assert.is((await admitted).getChild('x', MUC_USER)?.getChild('item')?.attrs.affiliation, 'member');
  } finally {
    for (const x of xmpps) await x.stop().catch(() => undefined);
    for (const c of clients) c.close();
    await server.close();
  }
});

test.run();
