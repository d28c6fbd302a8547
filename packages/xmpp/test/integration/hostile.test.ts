// Hostile input: each bad stream gets its stream error and is closed, while an established
// session on the same server keeps working.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { WireClient, startTestServer } from '@plenum/testkit';

const test = suite<{ server: RunningXmppServer; bystander: WireClient; bystanderJid: string }>('hostile input');

test.before(async (ctx) => {
  ctx.server = await startTestServer({ limits: { connectionsPerIp: 20 } });
  ctx.bystander = await WireClient.tcp(ctx.server.tcpPort);
  ctx.bystanderJid = await ctx.bystander.loginAnonymous();
});
test.after(async (ctx) => {
  ctx.bystander.close();
  await ctx.server.close();
});

async function stillWorks(c: WireClient, id: string): Promise<void> {
  c.send(`<iq type='get' id='${id}' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is((await c.nextNamed('iq', id)).attrs.type, 'result', 'the established session still answers');
}

const HEADER = `<?xml version='1.0'?><stream:stream to='plenum.localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

test('not-well-formed XML', async ({ server, bystander }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.send(HEADER + `<message><body></message>`);
  assert.is(await c.streamError(), 'not-well-formed');
  await c.closed();
  await stillWorks(bystander, 'a1');
});

test('billion laughs DTD is restricted-xml', async ({ server, bystander }) => {
  const c = await WireClient.tcp(server.tcpPort);
  const lol = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`;
  c.send(`<?xml version='1.0'?>${lol}<stream:stream to='plenum.localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
  assert.is(await c.streamError(), 'restricted-xml');
  await c.closed();
  await stillWorks(bystander, 'a2');
});

test('a 2 MiB stanza after login is a policy-violation (over TCP and WebSocket)', async ({ server, bystander, bystanderJid }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  c.send(`<message to='${bystanderJid}' type='chat'><body>${'x'.repeat(2 * 1024 * 1024)}</body></message>`);
  assert.is(await c.streamError(5000), 'policy-violation');
  await c.closed();
  const w = await WireClient.ws(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  await w.loginAnonymous();
  w.send(`<message xmlns='jabber:client' to='${bystanderJid}' type='chat'><body>${'x'.repeat(300 * 1024)}</body></message>`);
  assert.is(await w.streamError(5000), 'policy-violation');
  await stillWorks(bystander, 'a3');
  assert.is(bystander.inbox.filter((e) => e.name === 'message').length, 0, 'nothing of the oversized stanzas was delivered');
});

test('a flood of stanzas is a policy-violation', async ({ server, bystander, bystanderJid }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  const one = `<message to='${bystanderJid}' type='headline'><body>flood</body></message>`;
  c.send(one.repeat(5000));
  assert.is(await c.streamError(5000), 'policy-violation');
  await c.closed();
  await stillWorks(bystander, 'a4');
});

test('too many connections from one address', async ({ server, bystander }) => {
  const clients: WireClient[] = [];
  for (let i = 0; i < 19; i++) clients.push(await WireClient.tcp(server.tcpPort));
  const extra = await WireClient.tcp(server.tcpPort);
  assert.is(await extra.streamError(), 'policy-violation');
  for (const c of clients) c.close();
  await stillWorks(bystander, 'a5');
});

test('a comment or processing instruction inside a stanza is restricted-xml', async ({ server, bystander }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  c.send(`<message to='x@plenum.localhost'><!-- sneaky --></message>`);
  assert.is(await c.streamError(), 'restricted-xml');
  await stillWorks(bystander, 'a6');
});

test.run();
