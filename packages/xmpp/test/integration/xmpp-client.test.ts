// @xmpp/client (the library Plenum's own web client and test bots use) against the server over
// TCP and WebSocket: anonymous login, stream management, IQ round trips, messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { client, xml } from '@xmpp/client';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { startTestServer } from '@plenum/testkit';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const test = suite<{ server: RunningXmppServer }>('@xmpp/client');

test.before(async (ctx) => {
  ctx.server = await startTestServer();
});
test.after(async (ctx) => {
  await ctx.server.close();
});

type XmppClient = ReturnType<typeof client>;

async function anonymous(service: string): Promise<{ xmpp: XmppClient; jid: string }> {
  const xmpp = client({ service, domain: 'plenum.localhost' });
  xmpp.on('error', () => undefined);
  const jid = await xmpp.start();
  return { xmpp, jid: jid.toString() };
}

test('TCP and WebSocket clients log in anonymously, ping the server and message each other', async ({ server }) => {
  const tcp = await anonymous(`xmpp://127.0.0.1:${server.tcpPort}`);
  const ws = await anonymous(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  const pong = await tcp.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'plenum.localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  assert.is(pong.attrs.type, 'result');
  const received = new Promise<string>((resolve) => {
    ws.xmpp.on('stanza', (s) => {
      if (s.is('message')) resolve(`${s.attrs.from as string}: ${s.getChildText('body') ?? ''}`);
    });
  });
  await tcp.xmpp.send(xml('message', { to: ws.jid, type: 'chat' }, xml('body', {}, 'over the bridge')));
  assert.is(await received, `${tcp.jid}: over the bridge`);
  // @xmpp/client enables XEP-0198 by itself; the server must have accepted it.
  const sm = (tcp.xmpp as unknown as { streamManagement: { enabled: boolean; id: string } }).streamManagement;
  assert.ok(sm.enabled, 'stream management enabled');
  assert.ok(sm.id.length > 0, 'resumable');
  await tcp.xmpp.stop();
  await ws.xmpp.stop();
});

test.run();
