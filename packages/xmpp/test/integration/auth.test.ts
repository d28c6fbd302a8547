// Logins end to end: local accounts with PLAIN and SCRAM through @xmpp/client, resource
// conflicts and per-account session limits, and Jitsi-style JWT tokens on the WebSocket URL.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';
import { client } from '@xmpp/client';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { MemoryUserStore } from '@plenum/xmpp/server';
import type { El } from '@plenum/xmpp/codec';
import { child, text } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, errorCondition } from '@plenum/testkit';

// @xmpp/websocket expects a browser-style global WebSocket.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const SECRET = 'jwt-test-secret';
const test = suite<{ server: RunningXmppServer; jwtServer: RunningXmppServer; users: MemoryUserStore }>('auth');

test.before(async (ctx) => {
  ctx.users = new MemoryUserStore();
  await ctx.users.add('alice', 'correct horse battery staple');
  ctx.server = await startTestServer({ limits: { sessionsPerUser: 2 } }, { users: ctx.users });
  ctx.jwtServer = await startTestServer({ auth: { jwt: { enabled: true, appId: 'plenum', secret: SECRET } } });
});
test.after(async (ctx) => {
  await ctx.server.close();
  await ctx.jwtServer.close();
});

async function xmppLogin(server: RunningXmppServer, username: string, password: string) {
  const xmpp = client({ service: `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, domain: 'plenum.localhost', username, password, resource: 'test' });
  xmpp.on('error', () => undefined);
  const jid = await xmpp.start();
  return { xmpp, jid: jid.toString() };
}

test('a local account logs in with SCRAM (through @xmpp/client)', async ({ server }) => {
  const { xmpp, jid } = await xmppLogin(server, 'alice', 'correct horse battery staple');
  assert.is(jid, 'alice@plenum.localhost/test');
  await xmpp.stop();
});

test('a wrong password is refused with not-authorized', async ({ server }) => {
  const xmpp = client({ service: `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, domain: 'plenum.localhost', username: 'alice', password: 'wrong' });
  xmpp.on('error', () => undefined);
  const e = await xmpp.start().then(() => undefined, (err: Error & { condition?: string }) => err);
  assert.is(e?.condition, 'not-authorized');
  await xmpp.stop().catch(() => undefined);
});

const plainAuth = (user: string, password: string): string =>
  `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`;

const mechanismsOf = (features: El): string[] => (child(features, 'mechanisms')?.children ?? []).map((m) => (typeof m === 'string' ? m : text(m)));

test('PLAIN works over WebSocket on loopback; over plain TCP without TLS it is not offered', async ({ server }) => {
  const w = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  w.open();
  const mechs = mechanismsOf(await w.nextNamed('stream:features'));
  assert.equal(mechs, ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'ANONYMOUS']);
  w.send(plainAuth('alice', 'correct horse battery staple'));
  await w.nextNamed('success');
  assert.match(await w.bindAfterRestart(), /^alice@plenum\.localhost\//);
  w.close();
  const t = await WireClient.tcp(server.tcpPort);
  t.open();
  assert.not.ok(mechanismsOf(await t.nextNamed('stream:features')).includes('PLAIN'));
  t.send(plainAuth('alice', 'correct horse battery staple'));
  assert.ok(child(await t.nextNamed('failure'), 'encryption-required'), 'the password is refused, and the client told why');
  t.close();
});

async function plainLogin(server: RunningXmppServer, resource: string): Promise<WireClient> {
  const w = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  w.open();
  await w.nextNamed('stream:features');
  w.send(plainAuth('alice', 'correct horse battery staple'));
  await w.nextNamed('success');
  await w.bindAfterRestart(undefined, resource);
  return w;
}

test('binding a resource that is in use replaces the old session with a conflict stream error', async ({ server }) => {
  const first = await plainLogin(server, 'phone');
  const second = await plainLogin(server, 'phone');
  assert.is(await first.streamError(), 'conflict');
  second.send(`<iq xmlns='jabber:client' type='get' id='p' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is((await second.nextNamed('iq', 'p')).attrs.type, 'result');
  second.close();
});

test('sessions per account are limited (limits.sessionsPerUser = 2)', async ({ server }) => {
  const a = await plainLogin(server, 'one');
  const b = await plainLogin(server, 'two');
  const c = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  c.open();
  await c.nextNamed('stream:features');
  c.send(plainAuth('alice', 'correct horse battery staple'));
  await c.nextNamed('success');
  c.open();
  await c.nextNamed('stream:features');
  c.send(`<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>three</resource></bind></iq>`);
  assert.is(errorCondition(await c.nextNamed('iq', 'b')), 'resource-constraint');
  for (const x of [a, b, c]) x.close();
});

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function hs256(payload: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const signing = `${b64url(header)}.${b64url(payload)}`;
  return `${signing}.${createHmac('sha256', secret).update(signing).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

async function tokenLogin(server: RunningXmppServer, token: string | undefined): Promise<El> {
  const q = token === undefined ? '' : `?room=standup&token=${encodeURIComponent(token)}`;
  const w = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket${q}`);
  w.open();
  const mechs = mechanismsOf(await w.nextNamed('stream:features'));
  assert.equal(mechs, ['ANONYMOUS'], 'with JWT enabled only ANONYMOUS (+ token) is offered');
  w.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`);
  const outcome = await w.next((e) => e.name === 'success' || e.name === 'failure');
  w.close();
  return outcome;
}

test('JWT: a valid HS256 token on the WebSocket URL logs in', async ({ jwtServer }) => {
  const ok = await tokenLogin(jwtServer, hs256({ iss: 'plenum', aud: 'plenum', room: 'standup', exp: now() + 600, context: { user: { name: 'Ada' } } }));
  assert.is(ok.name, 'success');
});

test('JWT: no token, alg none, a wrong key, an expired token and a wrong issuer are refused', async ({ jwtServer }) => {
  const claims = { iss: 'plenum', aud: 'plenum', room: 'standup', exp: now() + 600 };
  const refused: [string, string | undefined][] = [
    ['no token', undefined],
    ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`],
    ['wrong key', hs256(claims, 'not-the-secret')],
    ['expired', hs256({ ...claims, exp: now() - 3600 })],
    ['wrong issuer', hs256({ ...claims, iss: 'someone-else' })],
    ['garbage', 'not.a.token'],
  ];
  for (const [what, token] of refused) {
    const outcome = await tokenLogin(jwtServer, token);
    assert.is(outcome.name, 'failure', what);
    assert.ok(child(outcome, 'not-authorized'), what);
  }
});

test.run();
