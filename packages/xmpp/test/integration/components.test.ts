// XEP-0114 external components with @xmpp/component (the library the focus, bridge, recorder and
// gateway use), and stanzas between components and clients.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { component, xml } from '@xmpp/component';
import type { XmppElement } from '@xmpp/component';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { child, text, serialize } from '@plenum/xmpp/codec';
import { WireClient, startTestServer, TEST_COMPONENT_SECRET, errorCondition } from '@plenum/testkit';

const test = suite<{ server: RunningXmppServer }>('components');

test.before(async (ctx) => {
  ctx.server = await startTestServer();
});
test.after(async (ctx) => {
  await ctx.server.close();
});

type Component = ReturnType<typeof component>;

async function connectComponent(port: number, domain: string, password: string): Promise<Component> {
  const c = component({ service: `xmpp://127.0.0.1:${port}`, domain, password });
  c.on('error', () => undefined);
  await c.start();
  return c;
}

test('a component with the right secret connects and exchanges stanzas with a client', async ({ server }) => {
  const focus = await connectComponent(server.componentPort, 'focus.plenum.localhost', TEST_COMPONENT_SECRET);
  const received: unknown[] = [];
  focus.on('stanza', (s: XmppElement) => {
    if (s.is('message')) {
      received.push(s.getChildText('body'));
      void focus.send(xml('message', { to: s.attrs.from ?? '', from: 'focus.plenum.localhost', id: 'back' }, xml('body', {}, 'pong')));
    }
  });
  const client = await WireClient.tcp(server.tcpPort);
  const jid = await client.loginAnonymous();
  client.send(`<message to='focus.plenum.localhost' id='m1'><body>ping</body></message>`);
  const back = await client.nextNamed('message', 'back');
  assert.is(back.attrs.from, 'focus.plenum.localhost');
  assert.is(back.attrs.to, jid);
  assert.is(text(child(back, 'body')), 'pong');
  assert.equal(received, ['ping']);
  // The server lists the connected component in its disco#items.
  client.send(`<iq type='get' id='items' to='plenum.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
  assert.ok(serialize(await client.nextNamed('iq', 'items')).includes('focus.plenum.localhost'));
  await focus.stop();
  // Once it is gone, an IQ to it gets service-unavailable (it is configured, just not connected).
  client.send(`<iq type='get' id='gone' to='focus.plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  assert.is(errorCondition(await client.nextNamed('iq', 'gone')), 'service-unavailable');
  client.close();
});

test('a wildcard secret admits any one-label subdomain (scaled-out bridges), each once', async ({ server }) => {
  const one = await connectComponent(server.componentPort, 'jvb-1.bridge.plenum.localhost', TEST_COMPONENT_SECRET);
  const two = await connectComponent(server.componentPort, 'jvb-2.bridge.plenum.localhost', TEST_COMPONENT_SECRET);
  const client = await WireClient.tcp(server.tcpPort);
  await client.loginAnonymous();
  client.send(`<iq type='get' id='items' to='plenum.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
  const items = serialize(await client.nextNamed('iq', 'items'));
  assert.ok(items.includes('jvb-1.bridge.plenum.localhost') && items.includes('jvb-2.bridge.plenum.localhost'), items);
  const deep = await WireClient.tcp(server.componentPort);
  deep.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='a.b.bridge.plenum.localhost'>`);
  assert.is(await deep.streamError(), 'host-unknown', 'only one label deep');
  await one.stop();
  await two.stop();
  client.close();
});

test('a wrong secret gets not-authorized; an unknown domain host-unknown', async ({ server }) => {
  const wrong = await WireClient.tcp(server.componentPort);
  wrong.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='focus.plenum.localhost'>`);
  await new Promise((r) => setTimeout(r, 50));
  wrong.send(`<handshake>${'0'.repeat(40)}</handshake>`);
  assert.is(await wrong.streamError(), 'not-authorized');
  const unknown = await WireClient.tcp(server.componentPort);
  unknown.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='evil.plenum.localhost'>`);
  assert.is(await unknown.streamError(), 'host-unknown');
  const server2 = await WireClient.tcp(server.componentPort);
  server2.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='plenum.localhost'>`);
  assert.is(await server2.streamError(), 'host-unknown', 'a component cannot claim the server domain');
});

test('a second connection for a connected component domain gets conflict', async ({ server }) => {
  const first = await connectComponent(server.componentPort, 'component.plenum.localhost', TEST_COMPONENT_SECRET);
  const second = component({ service: `xmpp://127.0.0.1:${server.componentPort}`, domain: 'component.plenum.localhost', password: TEST_COMPONENT_SECRET });
  const errors: string[] = [];
  second.on('error', (e: Error & { condition?: string }) => errors.push(e.condition ?? e.message));
  await second.start().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(errors.includes('conflict'), JSON.stringify(errors));
  await second.stop().catch(() => undefined);
  await first.stop();
});

test('a component may only send from its own domain', async ({ server }) => {
  const c = await WireClient.tcp(server.componentPort);
  c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='component.plenum.localhost'>`);
  const header = await new Promise<string>((resolve) => {
    const poll = setInterval(() => {
      const id = c.streamHeaders[0]?.attrs.id;
      if (id !== undefined) {
        clearInterval(poll);
        resolve(id);
      }
    }, 5);
  });
  const { createHash } = await import('node:crypto');
  c.send(`<handshake>${createHash('sha1').update(header + TEST_COMPONENT_SECRET).digest('hex')}</handshake>`);
  await c.nextNamed('handshake');
  c.send(`<message from='admin@plenum.localhost' to='someone@plenum.localhost'><body>x</body></message>`);
  assert.is(await c.streamError(), 'invalid-from');
});

test.run();
