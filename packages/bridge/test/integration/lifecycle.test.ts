// The bridge's lifecycle against the XMPP server: unhealthy while it cannot connect, reconnects
// and rejoins after the server restarts, leaves the brewery on close, closes cleanly and idempotently.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import type { El } from '@plenum/xmpp/codec';
import { NS_COLIBRI_STATS, decodeBridgeStats, child } from '@plenum/xmpp/codec';
import type { Logger } from '@plenum/kit';
import { startBridge } from '../../src/index.ts';
import {
  BREWERY, BRIDGE_SECRET, FOCUS_DOMAIN, FOCUS_SECRET, componentClient, httpGet, joinRoom, startServer, startTestBridge, waitFor,
} from './harness.ts';

const test = suite('bridge lifecycle');

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('without an XMPP server: health 500, stats say unhealthy, close still clean', async () => {
  const baseline = process.getActiveResourcesInfo();
  const fake = { componentPort: await closedPort() } as Parameters<typeof startTestBridge>[0];
  // Observe the connection attempts through the log instead of sleeping.
  let failures = 0;
  let onFailure = (): void => undefined;
  const log: Logger = {
    trace: () => undefined, debug: () => undefined, info: () => undefined, error: () => undefined,
    warn: (msg) => {
      if (msg.startsWith('xmpp connect')) {
        failures++;
        onFailure();
      }
    },
    child: () => log,
  };
  const bridge = await startBridge({ log, values: { id: 'z9', xmpp: { port: fake.componentPort, secret: 's', reconnectDelayMs: 100 }, http: { port: 0 }, public: { udpPort: 0 } } });
  const health = await httpGet(bridge.httpPort, '/about/health');
  assert.is(health.status, 500);
  assert.equal((health.body as { healthy: boolean }).healthy, false);
  assert.is(((await httpGet(bridge.httpPort, '/colibri/stats')).body as { healthy: boolean }).healthy, false);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`only ${failures} connection attempts`)), 3000);
    onFailure = () => {
      if (failures >= 2) {
        clearTimeout(t);
        resolve();
      }
    };
    onFailure();
  });
  await bridge.close();
  await bridge.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(process.getActiveResourcesInfo().filter((r) => !baseline.includes(r)), [], 'no reconnect timer or socket left');
});

test('after the XMPP server restarts, the bridge reconnects and rejoins the brewery', async () => {
  const first = await startServer();
  const port = first.componentPort;
  const bridge = await startTestBridge(first);
  await waitFor(bridge.events, 'breweryJoined');
  const offline = waitFor(bridge.events, 'xmppOffline');
  await first.close();
  await offline;
  assert.not.ok(bridge.isHealthy());
  const second = await startXmppServer({
    values: { tcp: { port: 0 }, http: { port: 0 }, components: { port, secrets: [`*.bridge.plenum.localhost=${BRIDGE_SECRET}`, `${FOCUS_DOMAIN}=${FOCUS_SECRET}`] }, log: { level: 'silent' } },
    users: new MemoryUserStore(),
  });
  await waitFor(bridge.events, 'breweryJoined', 5000);
  assert.ok(bridge.isHealthy());
  const focus = await componentClient(second, FOCUS_DOMAIN, FOCUS_SECRET);
  await joinRoom(focus, `${FOCUS_DOMAIN}/focus`, BREWERY, 'focus');
  const p = await focus.next((e) => e.name === 'presence' && e.attrs.from === bridge.occupantJid, 3000, 'bridge presence');
  const stats = child(p, 'stats', NS_COLIBRI_STATS);
  assert.ok(stats && decodeBridgeStats(stats).ok);
  // Closing: the focus sees the bridge leave (shutting_down published first), the bridge's HTTP stops.
  const closing = bridge.close();
  const shuttingDown = (e: El): boolean => {
    const s = child(e, 'stats', NS_COLIBRI_STATS);
    const d = s === undefined ? undefined : decodeBridgeStats(s);
    return d?.ok === true && d.value.shuttingDown && !d.value.healthy;
  };
  await focus.next((e) => e.name === 'presence' && e.attrs.from === bridge.occupantJid && shuttingDown(e), 3000, 'shutting_down published');
  await focus.next((e) => e.name === 'presence' && e.attrs.from === bridge.occupantJid && e.attrs.type === 'unavailable', 3000, 'bridge left');
  await closing;
  await bridge.close(); // idempotent
  focus.close();
  await second.close();
});

test.run();
