// Batched delivery on the wire: an endpoint allocated with the plenum-batched-delivery capability
// gets its RTP in bursts (nothing leaves the socket when sendRtp returns; the burst comes within the
// interval, complete and in order, and decrypts), an endpoint without it gets each packet at once,
// a full queue goes out early, a closed endpoint's queue is dropped, and a bridge configured with
// interval 0 ignores the capability. Peers assembled from werift's parts (media-harness.ts RawPeer).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtectionProfileAeadAes128Gcm } from 'werift-rtp';
import { CAPABILITY_BATCHED_DELIVERY } from '@plenum/xmpp/codec';
import { MAX_BATCH_PACKETS } from '../../src/transport/endpoint-transport.ts';
import type { MediaStack } from './media-harness.ts';
import { RawPeer, allocate, relayRemoteTransport, rtp, startMediaStack, stopMediaStack, waitFor } from './media-harness.ts';

const MEETING = 'meet-batched';
const BATCH_INTERVAL_MS = 40;

type Ctx = { stack: MediaStack };
const test = suite<Ctx>('batched delivery');

async function connectedPeer(stack: MediaStack, endpointId: string, createConference: boolean, capabilities: readonly string[]) {
  const local = await allocate(stack, MEETING, endpointId, createConference, capabilities);
  const peer = await RawPeer.open(local, endpointId);
  await relayRemoteTransport(stack, MEETING, endpointId, peer.remote);
  const t = stack.bridge.transports.get(MEETING, endpointId);
  assert.ok(t, 'a transport per allocated endpoint');
  await peer.check();
  peer.startKeepalive(150);
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 20_000);
  await peer.connectDtls([ProtectionProfileAeadAes128Gcm]);
  await connected;
  return { peer, t };
}

const bytesSent = (stack: MediaStack): number => stack.bridge.transports.stats().counters.bytesSent;
/** What an operator reads: GET /colibri/stats. */
async function bursts(stack: MediaStack): Promise<number> {
  const stats = await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json() as Record<string, unknown>;
  assert.type(stats.transport_batched_bursts, 'number');
  return stats.transport_batched_bursts as number;
}
const sequence = (from: number, count: number): number[] => Array.from({ length: count }, (_, k) => from + k);

test.before(async (ctx) => {
  ctx.stack = await startMediaStack({ udp: { batchIntervalMs: BATCH_INTERVAL_MS }, maxEndpoints: 10 });
});

test.after(async (ctx) => {
  await stopMediaStack(ctx.stack);
});

test('a batched endpoint gets its packets in one burst, complete, in order and decryptable; the others at once', async ({ stack }) => {
  const batched = await connectedPeer(stack, 'ep-batched', true, [CAPABILITY_BATCHED_DELIVERY]);
  const plain = await connectedPeer(stack, 'ep-plain', false, []);
  try {
    const burstsBefore = await bursts(stack);
    let before = bytesSent(stack);
    for (const seq of sequence(100, 8)) assert.ok(batched.t.sendRtp(rtp(0x7000, seq)), 'accepted for the burst');
    assert.is(bytesSent(stack), before, 'nothing sent yet: the packets wait for their burst');
    await batched.peer.waitForRtp(8, 2000);
    assert.equal(batched.peer.sequenceNumbers, sequence(100, 8), 'all of them, in the order they were given');
    assert.is(await bursts(stack) - burstsBefore, 1, 'in one burst');

    before = bytesSent(stack);
    assert.ok(plain.t.sendRtp(rtp(0x7100, 1)));
    assert.ok(bytesSent(stack) > before, 'an endpoint that did not ask is sent each packet at once');
    await plain.peer.waitForRtp(1, 2000);
    assert.is(await bursts(stack) - burstsBefore, 1, 'and no burst for it');
  } finally {
    batched.peer.close();
    plain.peer.close();
  }
});

test('a full queue goes out before its interval; nothing is lost', async ({ stack }) => {
  const { peer, t } = await connectedPeer(stack, 'ep-full', false, [CAPABILITY_BATCHED_DELIVERY]);
  try {
    const before = bytesSent(stack);
    for (const seq of sequence(1, MAX_BATCH_PACKETS)) t.sendRtp(rtp(0x7200, seq));
    assert.is(bytesSent(stack), before, 'a queue at its limit still waits');
    t.sendRtp(rtp(0x7200, MAX_BATCH_PACKETS + 1));
    assert.ok(bytesSent(stack) > before, 'one more sends the full queue at once');
    await peer.waitForRtp(MAX_BATCH_PACKETS + 1, 5000);
    assert.equal(peer.sequenceNumbers, sequence(1, MAX_BATCH_PACKETS + 1));
  } finally {
    peer.close();
  }
});

test('an endpoint closed with packets queued: they are dropped, the next burst goes on for the others', async ({ stack }) => {
  const gone = await connectedPeer(stack, 'ep-gone', false, [CAPABILITY_BATCHED_DELIVERY]);
  const stays = await connectedPeer(stack, 'ep-stays', false, [CAPABILITY_BATCHED_DELIVERY]);
  try {
    for (const seq of sequence(1, 3)) gone.t.sendRtp(rtp(0x7300, seq));
    for (const seq of sequence(1, 3)) stays.t.sendRtp(rtp(0x7400, seq));
    gone.t.close('test');
    await stays.peer.waitForRtp(3, 2000);
    await new Promise((r) => setTimeout(r, 2 * BATCH_INTERVAL_MS));
    assert.is(gone.peer.totalReceived, 0, 'nothing of a closed endpoint left the bridge');
    assert.equal(stays.peer.sequenceNumbers, sequence(1, 3));
  } finally {
    gone.peer.close();
    stays.peer.close();
  }
});

test('a bridge with batchIntervalMs 0 sends a batched endpoint each packet at once', async () => {
  const stack = await startMediaStack({ udp: { batchIntervalMs: 0 }, maxEndpoints: 10 });
  try {
    const { peer, t } = await connectedPeer(stack, 'ep-off', true, [CAPABILITY_BATCHED_DELIVERY]);
    const before = bytesSent(stack);
    assert.ok(t.sendRtp(rtp(0x7500, 1)));
    assert.ok(bytesSent(stack) > before);
    await peer.waitForRtp(1, 2000);
    peer.close();
  } finally {
    await stopMediaStack(stack);
  }
});

test.run();
