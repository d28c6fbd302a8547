// Stress from packet rate, end to end: two werift peers connected through the real bridge send
// audio and video; the bridge's stress (brewery presence, /colibri/stats, /metrics) rises above
// what its endpoint count alone gives while they send, and falls back to it once they stop.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpHeader, RtpPacket } from 'werift';
import type { BridgeStats } from '@plenum/xmpp/codec';
import { bridgeHttpStats, waitUntil } from '@plenum/testkit';
import type { MediaStack } from '../transport/media-harness.ts';
import { startMediaStack, stopMediaStack } from '../transport/media-harness.ts';
import type { ConferencePeer } from '../forwarding/conference-peer.ts';
import { connected, joinPeer } from '../forwarding/conference-peer.ts';

const MEETING = 'meet-stress';
/** Small on purpose: two peers' loopback media is a large share of it. */
const CAPACITY_PPS = 400;
const MAX_ENDPOINTS = 20;
const ENDPOINT_STRESS = 2 / MAX_ENDPOINTS;

type Ctx = { stack?: MediaStack; peers: ConferencePeer[]; baseline: string[] };
const test = suite<Ctx>('stress from packet rate', { peers: [], baseline: [] });

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startMediaStack({ maxEndpoints: MAX_ENDPOINTS, stress: { capacityPacketsPerSecond: CAPACITY_PPS, windowMs: 1000 } });
});

test.after(async (ctx) => {
  for (const p of ctx.peers) await p.pc.close();
  if (ctx.stack !== undefined) await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

const metric = async (port: number, line: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } })).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? Number.NaN : Number(found.slice(line.length + 1));
};

test('stress rises with the packet rate while peers send media and falls back when they stop', async (ctx) => {
  const stack = ctx.stack!;
  ctx.peers.push(await joinPeer(stack, MEETING, 'ep-a', { audioLevel: 1, twcc: 5, mid: 4 }, true));
  ctx.peers.push(await joinPeer(stack, MEETING, 'ep-b', { audioLevel: 3, twcc: 2, mid: 9 }, false));
  await Promise.all(ctx.peers.map((p) => connected(p.pc)));

  const idle = await bridgeHttpStats(stack.bridge);
  assert.equal([idle.stress_level, idle.stress_packet_rate, idle.stress_endpoints], [ENDPOINT_STRESS, 0, ENDPOINT_STRESS], 'connected but silent: endpoints only');

  // Every 10 ms each peer sends one audio and one video packet: ≈ 400 packets/s in, as many out.
  let k = 0;
  const sender = setInterval(() => {
    k++;
    for (const p of ctx.peers) {
      p.audio.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: k & 0xffff, timestamp: 480 * k }), Buffer.alloc(40, 1)));
      p.video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: k & 0xffff, timestamp: 900 * k, marker: true }), Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a, ...Buffer.alloc(200, 2)])));
    }
  }, 10);
  try {
    // Published in the brewery presence (the focus's view of the bridge)…
    const published = await new Promise<BridgeStats>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error('no stress above the endpoint term was published')); }, 15_000);
      const off = stack.bridge.events.on('statsPublished', (s) => {
        if (s.stressLevel < 2 * ENDPOINT_STRESS) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
    assert.ok(published.stressLevel <= 2, 'bounded');
    assert.ok((published.averageParticipantStress ?? 0) >= published.stressLevel / 2 - 1e-6, 'each of the two endpoints carries its share');
    // …on /colibri/stats, where the packet-rate term is the one that rose…
    const busy = await bridgeHttpStats(stack.bridge);
    assert.ok(Number(busy.packet_rate) > 0 && Number(busy.stress_packet_rate) > ENDPOINT_STRESS, `packet rate drives stress: ${JSON.stringify(busy)}`);
    assert.is(busy.stress_level, Math.max(Number(busy.stress_packet_rate), Number(busy.stress_cpu), Number(busy.stress_endpoints)));
    assert.is(busy.stress_cpu, 0, 'CPU is measured only in the standalone bridge process');
    // …and in /metrics.
    assert.ok(await metric(stack.bridge.httpPort, 'plenum_bridge_stress_term{term="packet_rate"}') > ENDPOINT_STRESS);
    assert.ok(await metric(stack.bridge.httpPort, 'plenum_bridge_stress_level') > ENDPOINT_STRESS);
  } finally {
    clearInterval(sender);
  }

  // The packet-rate term decays over the window; stress equals the endpoint term before the rate is 0.
  await waitUntil('packet rate back to 0 once media stopped', async () => {
    const s = await bridgeHttpStats(stack.bridge);
    return s.packet_rate === 0 && s.stress_level === ENDPOINT_STRESS;
  }, 15_000);
  const quiet = await bridgeHttpStats(stack.bridge);
  assert.equal([quiet.packet_rate, quiet.stress_packet_rate, quiet.average_participant_stress], [0, 0, 1 / MAX_ENDPOINTS]);
});

test.run();
