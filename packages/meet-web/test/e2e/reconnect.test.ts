// A dropped connection on the real one-command server: Alice reaches the server through a TCP relay
// (as through a flaky network) that cuts every connection of hers; her page opens a new WebSocket
// and recovers without a reload, and the meeting goes on both ways (chat, mute, video).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { directJoinPath, eventually, joinDirectly, seesVideoOf, startE2e, tile, type E2e } from './e2e-stack.ts';

const ROOM = 'reconnect-room';

/** A TCP relay to 127.0.0.1:`port` whose open connections `cut()` resets, as a network drop would. */
async function startCuttableRelay(port: number): Promise<{ port: number; cut(): number; close(): Promise<void> }> {
  const live = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      live.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { live.delete(s); client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      const n = live.size;
      for (const s of live) s.resetAndDestroy();
      return n;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of live) s.destroy();
      server.close(() => resolve());
    }),
  };
}

test('a dropped WebSocket recovers without a reload and the meeting goes on', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  const relay = await startCuttableRelay(Number(new URL(e2e.origin).port));
  try {
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    const alice = await e2e.newPage();
    let sockets = 0;
    alice.on('websocket', (ws) => { if (ws.url().endsWith('/xmpp-websocket')) sockets++; });
    // Through the relay: the page's origin (and so its WebSockets) is the relay's port.
    await alice.goto(`http://127.0.0.1:${relay.port}${directJoinPath(ROOM, 'Alice')}`);
    await alice.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    await alice.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });

    assert.ok(relay.cut() > 0, 'the relay had connections to cut');
    // "Reconnecting…" may show for only a few milliseconds on loopback: what must hold is a new
    // XMPP WebSocket and, after it, no "Reconnecting…" left on screen.
    await eventually(async () => sockets, (n) => n >= 2, 20_000, 'a new XMPP WebSocket is opened');
    await alice.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'detached', timeout: 20_000 });
    assert.is(await alice.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');

    // The meeting goes on: Alice's chat reaches Bob, Bob's mute reaches Alice, the video keeps coming.
    await alice.keyboard.press('c');
    await alice.getByRole('complementary', { name: 'Chat' }).getByRole('textbox', { name: 'Message' }).fill('still here');
    await alice.keyboard.press('Enter');
    await bob.getByRole('button', { name: 'Chat, 1 unread' }).waitFor();
    await bob.keyboard.press('m');
    await tile(alice, 'Bob').getByRole('img', { name: 'Microphone off' }).waitFor();
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    assert.is(await bob.getByRole('group', { name: 'Alice', exact: true }).count(), 1, 'Bob still has one tile for Alice');
  } finally {
    await relay.close();
    await e2e.close();
  }
});

test.run();
