// XEP-0215 with TURN REST credentials: what a client (Jitsi's, or ours) gets when it asks for STUN
// and TURN servers after login, checked the way coturn checks it (HMAC-SHA1 over the username with
// the shared secret, expiry in the username). A real coturn relaying a browser's media with these
// credentials is in packages/meet-web/test/e2e/turn-relay.test.ts.
import { createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { child, decodeExternalServices, iceServersOf } from '@plenum/xmpp/codec';
import { WireClient, errorCondition, startTestServer } from '@plenum/testkit';
import { loadXmppConfig } from '@plenum/xmpp/server';

const SECRET = 'a-shared-secret-with-coturn';

test('with TURN configured, every login gets STUN, TURN over UDP/TCP/TLS and fresh credentials coturn accepts', async () => {
  const server = await startTestServer({ turn: { host: 'turn.example.org', port: 3478, tlsPort: 443, secret: SECRET, ttlSeconds: 3600 } });
  const c = await WireClient.tcp(server.tcpPort);
  try {
    await c.loginAnonymous();
    const ask = async (id: string, xml: string) => {
      c.send(xml);
      return c.nextNamed('iq', id);
    };
    const reply = await ask('ext', `<iq type='get' id='ext' to='plenum.localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>`);
    assert.is(reply.attrs.type, 'result');
    const services = decodeExternalServices(child(reply, 'services', 'urn:xmpp:extdisco:2') ?? { name: 'x', attrs: {}, children: [] });
    assert.equal(services.map((s) => `${s.type}:${s.port}/${s.transport ?? '-'}`), ['stun:3478/-', 'turn:3478/udp', 'turn:3478/tcp', 'turns:443/tcp']);
    const turn = services.filter((s) => s.type !== 'stun');
    const { username, password, expires } = turn[0] ?? {};
    assert.ok(username !== undefined && password !== undefined && expires !== undefined);
    assert.ok(turn.every((s) => s.username === username && s.password === password && s.restricted === true), 'one credential for the three TURN entries');
    // coturn's use-auth-secret: the password is base64(HMAC-SHA1(secret, username)); the username starts with the expiry.
    assert.is(password, createHmac('sha1', SECRET).update(username).digest('base64'));
    const expiry = Number(username.split(':')[0]);
    const inAnHour = Date.now() / 1000 + 3600;
    assert.ok(Math.abs(expiry - inAnHour) < 30, `expires in an hour (${expiry})`);
    assert.is(new Date(expires).getTime() / 1000, expiry, 'the expires attribute says the same');
    assert.not.match(username, /plenum|anonymous|@/, 'the username names nobody');

    // Each request mints new credentials; a type filter and the v1 namespace work as Jitsi's client uses them.
    const again = decodeExternalServices(child(await ask('ext2', `<iq type='get' id='ext2' to='plenum.localhost'><services xmlns='urn:xmpp:extdisco:2' type='turns'/></iq>`), 'services') ?? { name: 'x', attrs: {}, children: [] });
    assert.equal(again.map((s) => s.type), ['turns']);
    assert.is.not(again[0]?.username, username, 'fresh credentials per request');
    const v1 = await ask('ext1', `<iq type='get' id='ext1' to='plenum.localhost'><services xmlns='urn:xmpp:extdisco:1'/></iq>`);
    assert.is(child(v1, 'services', 'urn:xmpp:extdisco:1')?.children.length, 4);
    // What a browser gets out of it.
    assert.equal(iceServersOf(services).map((s) => s.urls), ['stun:turn.example.org:3478', 'turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp', 'turns:turn.example.org:443?transport=tcp']);
    // A services request to anyone but the server is not answered with services.
    const other = await ask('ext3', `<iq type='get' id='ext3' to='nobody@plenum.localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>`);
    assert.ok(errorCondition(other) !== undefined, 'an error, not credentials');
  } finally {
    c.close();
    await server.close();
  }
});

test('without TURN configured the list is empty (no third-party STUN, ever); a TURN host without a secret is refused at startup', async () => {
  const server = await startTestServer();
  const c = await WireClient.tcp(server.tcpPort);
  try {
    await c.loginAnonymous();
    c.send(`<iq type='get' id='ext' to='plenum.localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>`);
    const reply = await c.nextNamed('iq', 'ext');
    assert.is(reply.attrs.type, 'result');
    assert.is(child(reply, 'services')?.children.length, 0);
  } finally {
    c.close();
    await server.close();
  }
  assert.ok(loadXmppConfig({ values: { turn: { host: 'turn.example.org' } } }).turn.secret === '', 'the config itself loads');
  const refused = await startTestServer({ turn: { host: 'turn.example.org' } }).then((s) => s.close().then(() => 'started'), (e: Error) => e.message);
  assert.match(refused, /turn\.secret is required/);
});

test('decoding a hostile services answer keeps only usable entries', () => {
  const svc = (attrs: Record<string, string>) => ({ name: 'service', attrs, children: [] });
  const services = decodeExternalServices({ name: 'services', attrs: { xmlns: 'urn:xmpp:extdisco:2' }, children: [
    svc({ type: 'turn', host: 'ok.example', port: '3478', transport: 'udp', username: 'u', password: 'p' }),
    svc({ type: 'ftp', host: 'x.example', port: '21' }),
    svc({ type: 'turn', host: 'x.example', port: '70000' }),
    svc({ type: 'turn', host: 'x.example/evil?x', port: '3478' }),
    svc({ type: 'turn', host: 'x.example', port: '3478', transport: 'sctp' }),
    svc({ type: 'stun', host: '' }),
    ...Array.from({ length: 40 }, () => svc({ type: 'stun', host: 'many.example', port: '3478' })),
  ] });
  assert.is(services[0]?.host, 'ok.example');
  assert.ok(services.every((s) => s.host === 'ok.example' || s.host === 'many.example'));
  assert.is(services.length, 16, 'at most 16 entries');
});

test.run();
