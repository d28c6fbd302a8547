// A participant whose network allows only TURN still meets: a real coturn (Debian's, as in
// docker-compose.yml) on loopback with a shared secret; the real one-command server hands each
// browser short-lived credentials by XEP-0215 (xmpp `turn.*` settings); config.js says
// `iceTransportPolicy: 'relay'`, so Chromium may use nothing but relayed candidates. Two people see
// each other through the bridge, every media path goes through coturn, and coturn saw the
// allocations. (Relay-only stands in for a firewall that blocks everything but the TURN server: the
// browser offers no other candidate, exactly as behind one.)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { joinDirectly, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

const SECRET = randomBytes(16).toString('hex');

type Coturn = { readonly port: number; readonly log: () => string; stop(): Promise<void> };

async function startCoturn(): Promise<Coturn> {
  const port = await freePort();
  // Relay ports from a range no other test uses; loopback peers allowed, because the bridge is on loopback here.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const child: ChildProcess = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`, `--min-port=${minPort}`, `--max-port=${minPort + 99}`,
    '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=plenum.test', '--no-tls', '--no-dtls', '--no-cli',
    '--allow-loopback-peers', '--log-file=stdout', '--simple-log', '--verbose',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const deadline = Date.now() + 10_000;
  while (!/listener opened on|IPv4\. (UDP|TCP) listener opened/i.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`coturn did not start: ${output.slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    log: () => output,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The bridge connection's ICE as the page's browser reports it: the selected pair's local candidate type, and the ICE server URLs it was given. */
function bridgePath(page: Page): Promise<{ localType: string | undefined; urls: string[]; policy: string | undefined }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState === 'connected');
    const pc = pcs.at(-1);
    if (pc === undefined) return { localType: undefined, urls: [], policy: undefined };
    const stats = await pc.getStats();
    let localType: string | undefined;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId !== undefined) {
        const pair = stats.get(s.selectedCandidatePairId);
        localType = stats.get(pair?.localCandidateId)?.candidateType;
      }
    });
    const config = pc.getConfiguration();
    return { localType, urls: (config.iceServers ?? []).flatMap((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls)), policy: config.iceTransportPolicy };
  });
}

test('behind a TURN-only network two people meet through coturn with credentials from the XMPP server', async () => {
  const coturn = await startCoturn();
  let e2e: E2e | undefined;
  try {
    e2e = await startE2e({
      xmpp: { turn: { host: '127.0.0.1', port: coturn.port, tcp: true, udp: true, secret: SECRET, ttlSeconds: 600 } },
      web: { iceTransportPolicy: 'relay', p2p: { enabled: false } },
    });
    const alice = await joinDirectly(e2e, 'through-the-relay', 'Alice');
    const bob = await joinDirectly(e2e, 'through-the-relay', 'Bob');
    await seesVideoOf(alice, 'Bob', 30_000);
    await seesVideoOf(bob, 'Alice', 30_000);
    for (const [who, page] of [['Alice', alice], ['Bob', bob]] as const) {
      const path = await bridgePath(page);
      assert.is(path.policy, 'relay', `${who}'s connection is relay-only`);
      assert.is(path.localType, 'relay', `${who}'s media goes through the TURN server`);
      assert.ok(path.urls.length > 0 && path.urls.every((u) => u.includes(`127.0.0.1:${coturn.port}`)), `${who} was given only the deployment's TURN/STUN server (${path.urls.join(', ')})`);
    }
    await alice.screenshot({ path: 'docs/screenshots/real-turn-relay.png' });
    // coturn authenticated them with the minted credentials and relayed their media.
    assert.ok((coturn.log().match(/ALLOCATE processed, success/g) ?? []).length >= 2, 'coturn allocated relays for both');
  } finally {
    await e2e?.close();
    await coturn.stop();
  }
});

test.run();
