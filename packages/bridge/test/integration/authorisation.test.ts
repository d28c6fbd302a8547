// Who may control the bridge (README "Authorisation"): the focus by its real JID, through the
// brewery or directly; impostors in the brewery, other components and clients get forbidden; a
// brewery that hides real JIDs fails closed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { El, Colibri2Endpoint } from '@plenum/xmpp/codec';
import { decodeStanzaError, el, NS_HEALTHCHECK } from '@plenum/xmpp/codec';
import { WireClient } from '@plenum/testkit';
import type { RunningBridge } from '../../src/index.ts';
import {
  BREWERY, BRIDGE_SECRET, FOCUS_DOMAIN, FOCUS_SECRET, componentClient, joinRoom, modify, request, startServer, startTestBridge, waitFor,
} from './harness.ts';

type Ctx = { server: RunningXmppServer; bridge: RunningBridge; focus: WireClient };
const test = suite<Ctx>('bridge authorisation');

const FOCUS = `${FOCUS_DOMAIN}/focus`;
const endpoint = (id: string): Colibri2Endpoint => ({ id, create: true, media: [], capabilities: ['source-names'], transport: { iceControlling: true } });
const conditionOf = (reply: El): string | undefined => decodeStanzaError(reply)?.condition;

test.before(async (ctx) => {
  ctx.server = await startServer();
  ctx.bridge = await startTestBridge(ctx.server);
  await waitFor(ctx.bridge.events, 'breweryJoined');
  ctx.focus = await componentClient(ctx.server, FOCUS_DOMAIN, FOCUS_SECRET);
  await joinRoom(ctx.focus, FOCUS, BREWERY, 'focus');
});

test.after(async (ctx) => {
  ctx.focus.close();
  await ctx.bridge.close();
  await ctx.server.close();
});

test('an impostor in the brewery is refused, whatever nick it picks', async ({ server, bridge }) => {
  const rogue = await componentClient(server, 'rogue.bridge.plenum.localhost', BRIDGE_SECRET);
  const from = 'rogue.bridge.plenum.localhost/x';
  await joinRoom(rogue, from, BREWERY, 'focus-2');
  const reply = await modify(rogue, from, bridge.occupantJid, { meetingId: 'm1', create: true, endpoints: [endpoint('a')] });
  assert.is(conditionOf(reply), 'forbidden');
  assert.is(decodeStanzaError(reply)?.type, 'auth');
  assert.is(conditionOf(await request(rogue, from, bridge.occupantJid, 'get', el('healthcheck', { xmlns: NS_HEALTHCHECK }))), 'forbidden');
  // Addressing the component JID directly does not help either.
  assert.is(conditionOf(await modify(rogue, from, bridge.domain, { meetingId: 'm1', create: true, endpoints: [endpoint('a')] })), 'forbidden');
  assert.is(bridge.stats().conferences, 0, 'nothing was created');
  rogue.close();
});

test('a client cannot reach the bridge either', async ({ server, bridge }) => {
  const client = await WireClient.tcp(server.tcpPort);
  const jid = await client.loginAnonymous();
  const reply = await modify(client, jid, bridge.domain, { meetingId: 'm1', create: true, endpoints: [endpoint('a')] });
  assert.is(conditionOf(reply), 'forbidden');
  client.close();
});

test('a second bridge (not the room creator) sees the focus because the first made the brewery non-anonymous', async ({ server, focus }) => {
  const second = await startTestBridge(server, { id: 'b2' });
  await waitFor(second.events, 'breweryJoined');
  const reply = await modify(focus, FOCUS, second.occupantJid, { meetingId: 'm2', create: true, endpoints: [endpoint('a')] });
  assert.is(reply.attrs.type, 'result', JSON.stringify(decodeStanzaError(reply)));
  await second.close();
});

test('a brewery that hides real JIDs from the bridge fails closed, until it shows them', async ({ server, focus }) => {
  // Breweries show real JIDs by default (as Jitsi's internal MUC does); an owner can still hide them.
  const room = 'jvbbrewery-hidden@internal.plenum.localhost';
  await joinRoom(focus, FOCUS, room, 'focus', false);
  const setWhois = (whois: 'moderators' | 'anyone') => request(focus, FOCUS, room, 'set', el('query', { xmlns: 'http://jabber.org/protocol/muc#owner' },
    el('x', { xmlns: 'jabber:x:data', type: 'submit' },
      el('field', { var: 'FORM_TYPE' }, el('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      el('field', { var: 'muc#roomconfig_whois' }, el('value', {}, whois)))));
  assert.is((await setWhois('moderators')).attrs.type, 'result');
  const bridge = await startTestBridge(server, { id: 'c3', xmpp: { breweryJid: room } });
  try {
    await waitFor(bridge.events, 'breweryJoined');
    const hidden = await modify(focus, FOCUS, bridge.occupantJid, { meetingId: 'm3', create: true, endpoints: [endpoint('a')] });
    assert.is(conditionOf(hidden), 'forbidden');
    // Once the room is non-anonymous again, the same request is obeyed. The room re-sent presences
    // with real JIDs to the bridge while handling the change, on the stream the next request travels.
    assert.is((await setWhois('anyone')).attrs.type, 'result');
    const reply = await modify(focus, FOCUS, bridge.occupantJid, { meetingId: 'm3', create: true, endpoints: [endpoint('a')] });
    assert.is(reply.attrs.type, 'result');
  } finally {
    await bridge.close();
  }
});

test.run();
