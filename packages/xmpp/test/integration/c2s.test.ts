// Client streams end to end on loopback: TCP and RFC 7395 WebSocket, SASL ANONYMOUS, binding,
// routing between resources, the server's own IQs, and stream errors for bad input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { child, text, serialize } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, errorCondition, rejection } from '@plenum/testkit';

const test = suite<{ server: RunningXmppServer }>('c2s');

test.before(async (ctx) => {
  ctx.server = await startTestServer();
});
test.after(async (ctx) => {
  await ctx.server.close();
});

const wsUrl = (s: RunningXmppServer, query = '') => `ws://127.0.0.1:${s.httpPort}/xmpp-websocket${query}`;

test('TCP: anonymous login binds a JID whose node starts with 8 hex characters', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  const jid = await c.loginAnonymous();
  assert.match(jid, /^[0-9a-f]{8}-[0-9a-f-]+@plenum\.localhost\/.+$/);
  const header = c.streamHeaders[0];
  assert.is(header?.attrs.from, 'plenum.localhost');
  assert.is(header?.attrs.version, '1.0');
  c.close();
});

test('TCP: features offer ANONYMOUS and, after login, bind and stream management', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.open();
  const features = await c.nextNamed('stream:features');
  const mechs = child(features, 'mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl');
  assert.ok(mechs?.children.some((m) => typeof m !== 'string' && text(m) === 'ANONYMOUS'), serialize(features));
  c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`);
  await c.nextNamed('success');
  c.open();
  const after = await c.nextNamed('stream:features');
  assert.ok(child(after, 'bind', 'urn:ietf:params:xml:ns:xmpp-bind'));
  assert.ok(child(after, 'sm', 'urn:xmpp:sm:3'));
  c.close();
});

test('WebSocket (RFC 7395): open/close framing, login, ping', async ({ server }) => {
  const c = await WireClient.ws(wsUrl(server));
  const jid = await c.loginAnonymous();
  assert.match(jid, /@plenum\.localhost\//);
  assert.is(c.streamHeaders[0]?.name, 'open');
  assert.is(c.streamHeaders[0]?.attrs.xmlns, 'urn:ietf:params:xml:ns:xmpp-framing');
  c.send(`<iq xmlns='jabber:client' type='get' id='p1' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  const pong = await c.nextNamed('iq', 'p1');
  assert.is(pong.attrs.type, 'result');
  assert.is(pong.attrs.xmlns, 'jabber:client', 'every frame carries its namespace');
  c.send(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`);
  await c.next((e) => e.name === 'close');
  await c.closed();
});

test('WebSocket without the xmpp subprotocol is refused with HTTP 400', async ({ server }) => {
  assert.match((await rejection(WireClient.ws(wsUrl(server), ['chat']))).message, /400/);
});

test('server IQs: ping, disco#info with ping, disco#items with the MUC, extdisco, unknown namespace', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  c.send(`<iq type='get' id='ping' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is((await c.nextNamed('iq', 'ping')).attrs.type, 'result');
  c.send(`<iq type='get' id='info' to='plenum.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
  const info = await c.nextNamed('iq', 'info');
  const features = (child(info, 'query')?.children ?? []).flatMap((f) => (typeof f !== 'string' && f.name === 'feature' ? [f.attrs.var] : []));
  assert.ok(features.includes('urn:xmpp:ping'));
  c.send(`<iq type='get' id='items' to='plenum.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
  const items = await c.nextNamed('iq', 'items');
  assert.ok(serialize(items).includes('conference.plenum.localhost'));
  assert.not.ok(serialize(items).includes('internal.plenum.localhost'), 'the internal MUC is not advertised');
  c.send(`<iq type='get' id='ext' to='plenum.localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>`);
  assert.is((await c.nextNamed('iq', 'ext')).attrs.type, 'result');
  c.send(`<iq type='get' id='unk' to='plenum.localhost'><query xmlns='urn:example:nothing'/></iq>`);
  const unk = await c.nextNamed('iq', 'unk');
  assert.is(errorCondition(unk), 'service-unavailable');
  c.close();
});

test('routing: message between full JIDs, from is stamped by the server', async ({ server }) => {
  const a = await WireClient.tcp(server.tcpPort);
  const b = await WireClient.ws(wsUrl(server));
  const ja = await a.loginAnonymous();
  const jb = await b.loginAnonymous();
  a.send(`<message to='${jb}' type='chat' id='m1' from='${ja}'><body>hello</body></message>`);
  const m = await b.nextNamed('message', 'm1');
  assert.is(m.attrs.from, ja);
  assert.is(text(child(m, 'body')), 'hello');
  a.close();
  b.close();
});

test('routing: IQ to an absent resource → service-unavailable; to an unknown domain → remote-server-not-found', async ({ server }) => {
  const a = await WireClient.tcp(server.tcpPort);
  await a.loginAnonymous();
  a.send(`<iq type='get' id='gone' to='nobody@plenum.localhost/x'><ping xmlns='urn:xmpp:ping'/></iq>`);
  const gone = await a.nextNamed('iq', 'gone');
  assert.is(errorCondition(gone), 'service-unavailable', serialize(gone));
  a.send(`<message type='chat' id='far' to='someone@example.org'><body>x</body></message>`);
  const far = await a.nextNamed('message', 'far');
  assert.is(errorCondition(far), 'remote-server-not-found', serialize(far));
  a.send(`<iq type='get' id='bad' to='a@@b'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(errorCondition(await a.nextNamed('iq', 'bad')), 'jid-malformed');
  a.close();
});

test('a spoofed from is a stream error (invalid-from)', async ({ server }) => {
  const a = await WireClient.tcp(server.tcpPort);
  await a.loginAnonymous();
  a.send(`<message to='x@plenum.localhost' from='focus.plenum.localhost'><body>x</body></message>`);
  assert.is(await a.streamError(), 'invalid-from');
  await a.closed();
});

test('stanzas before authentication are refused with not-authorized', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.open();
  await c.nextNamed('stream:features');
  c.send(`<message to='x@plenum.localhost'><body>x</body></message>`);
  assert.is(await c.streamError(), 'not-authorized');
});

test('a stream to a domain this server does not serve gets host-unknown', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.open('example.org');
  assert.is(await c.streamError(), 'host-unknown');
  await c.closed();
});

test('invalid SASL base64 gets incorrect-encoding; an unknown mechanism invalid-mechanism', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.open();
  await c.nextNamed('stream:features');
  c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'>!!!notbase64</auth>`);
  assert.ok(child(await c.nextNamed('failure'), 'incorrect-encoding'));
  c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-MADE-UP'/>`);
  assert.ok(child(await c.nextNamed('failure'), 'invalid-mechanism'));
  c.close();
});

test('malformed stanzas get bad-request; the stream stays up', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  c.send(`<iq type='get' id='two'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(errorCondition(await c.nextNamed('iq', 'two')), 'bad-request');
  c.send(`<message type='shout' id='shout' to='x@plenum.localhost'/>`);
  assert.is(errorCondition(await c.nextNamed('message', 'shout')), 'bad-request');
  c.send(`<iq type='get' id='ok' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is((await c.nextNamed('iq', 'ok')).attrs.type, 'result');
  c.close();
});

test('binding the same resource twice replaces the old session with a conflict error', async ({ server }) => {
  // Two anonymous logins never share a JID; resource conflicts need one account: tested in auth.test.ts.
  const c = await WireClient.tcp(server.tcpPort);
  const j1 = await c.loginAnonymous(undefined, 'laptop');
  assert.ok(j1.endsWith('/laptop'));
  c.close();
});

test.run();
