// XEP-0198 stream management: acks, and resumption after a broken connection with the stanzas
// that arrived meanwhile delivered on the new stream (what lib-jitsi-meet relies on).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { child, text } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, errorCondition } from '@plenum/testkit';

const test = suite<{ server: RunningXmppServer }>('stream management');

test.before(async (ctx) => {
  ctx.server = await startTestServer({ streamManagement: { resumeTimeoutSeconds: 1 } });
});
test.after(async (ctx) => {
  await ctx.server.close();
});

async function enable(c: WireClient): Promise<string> {
  c.send(`<enable xmlns='urn:xmpp:sm:3' resume='true'/>`);
  const enabled = await c.nextNamed('enabled');
  assert.is(enabled.attrs.resume, 'true');
  return enabled.attrs.id ?? '';
}

async function loginAgainAndResume(server: RunningXmppServer, previd: string, h: number): Promise<{ c: WireClient; reply: string; h: string | undefined }> {
  const c = await WireClient.tcp(server.tcpPort);
  c.open();
  await c.nextNamed('stream:features');
  c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`);
  await c.nextNamed('success');
  c.open();
  await c.nextNamed('stream:features');
  c.send(`<resume xmlns='urn:xmpp:sm:3' previd='${previd}' h='${h}'/>`);
  const reply = await c.next((e) => e.name === 'resumed' || e.name === 'failed');
  return { c, reply: reply.name, h: reply.attrs.h };
}

test('enable, then <r/> is answered with the count of handled stanzas', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  const id = await enable(c);
  assert.ok(id.length >= 16, 'the resumption id is long and unguessable');
  for (let i = 0; i < 3; i++) c.send(`<presence/>`);
  c.send(`<r xmlns='urn:xmpp:sm:3'/>`);
  assert.is((await c.nextNamed('a')).attrs.h, '3');
  c.close();
});

test('a broken connection is resumed: stanzas sent meanwhile arrive on the new stream', async ({ server }) => {
  const alice = await WireClient.tcp(server.tcpPort);
  const aliceJid = await alice.loginAnonymous();
  const previd = await enable(alice);
  const bob = await WireClient.tcp(server.tcpPort);
  await bob.loginAnonymous();
  bob.send(`<message to='${aliceJid}' type='chat' id='before'><body>one</body></message>`);
  await alice.nextNamed('message', 'before');
  alice.close(); // the network drops; no clean close
  await alice.closed();
  bob.send(`<message to='${aliceJid}' type='chat' id='during'><body>two</body></message>`);
  // Alice had received one stanza, so she resumes with h=1: "one" is not sent again, "two" is.
  const { c, reply, h } = await loginAgainAndResume(server, previd, 1);
  assert.is(reply, 'resumed');
  assert.is(h, '0', 'alice had sent nothing, so the server had handled 0 of her stanzas');
  const during = await c.nextNamed('message', 'during');
  assert.is(text(child(during, 'body')), 'two');
  assert.is(c.inbox.filter((e) => e.attrs.id === 'before').length, 0, 'acknowledged stanzas are not sent twice');
  // The resumed session keeps its address: bob reaches it as before.
  bob.send(`<message to='${aliceJid}' type='chat' id='after'><body>three</body></message>`);
  await c.nextNamed('message', 'after');
  c.close();
  bob.close();
});

test('resuming an unknown id fails with item-not-found', async ({ server }) => {
  const { c, reply } = await loginAgainAndResume(server, 'no-such-session', 0);
  assert.is(reply, 'failed');
  c.close();
});

test('a session not resumed in time ends: IQs to it get service-unavailable', async ({ server }) => {
  const alice = await WireClient.tcp(server.tcpPort);
  const aliceJid = await alice.loginAnonymous();
  const previd = await enable(alice);
  alice.close();
  await alice.closed();
  await new Promise((r) => setTimeout(r, 1600));
  const bob = await WireClient.tcp(server.tcpPort);
  await bob.loginAnonymous();
  bob.send(`<iq type='get' id='q' to='${aliceJid}'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(errorCondition(await bob.nextNamed('iq', 'q')), 'service-unavailable');
  const { c, reply } = await loginAgainAndResume(server, previd, 0);
  assert.is(reply, 'failed', 'an expired session cannot be resumed');
  c.close();
  bob.close();
});

test('a clean close ends the session at once (no hibernation)', async ({ server }) => {
  const alice = await WireClient.tcp(server.tcpPort);
  const aliceJid = await alice.loginAnonymous();
  const previd = await enable(alice);
  alice.send('</stream:stream>');
  await alice.closed();
  const { c, reply } = await loginAgainAndResume(server, previd, 0);
  assert.is(reply, 'failed');
  const bob = await WireClient.tcp(server.tcpPort);
  await bob.loginAnonymous();
  bob.send(`<iq type='get' id='q' to='${aliceJid}'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(errorCondition(await bob.nextNamed('iq', 'q')), 'service-unavailable');
  c.close();
  bob.close();
});

test('an acknowledgement for stanzas never sent is a stream error', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  await enable(c);
  c.send(`<a xmlns='urn:xmpp:sm:3' h='99'/>`);
  assert.is(await c.streamError(), 'undefined-condition');
});

test.run();
