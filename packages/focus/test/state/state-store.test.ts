// The state store contract, for both implementations: the in-memory one and Redis (a real
// redis-server on a loopback port). Plus what Redis loss does: writes fail, nothing crashes, and
// `restored` tells the focus to write its state again once Redis is back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger, systemClock } from '@plenum/kit';
import { freePort } from '@plenum/kit/node';
import type { FocusStateStore, ParticipantRecord } from '../../src/state/state-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { RedisStateStore } from '../../src/state/redis-state-store.ts';
import { startRedis } from './redis-server.ts';

const ROOM = 'lobby@conference.plenum.localhost';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const participant = (endpointId: string): ParticipantRecord => ({
  endpointId, realJid: `${endpointId}@plenum.localhost/web`, phase: 'active', sid: `sid-${endpointId}`, bridgeSessionId: `bs-${endpointId}`,
  bridgeId: 'jvb-1', hasSctp: true,
  transport: { ufrag: 'u', pwd: 'p', fingerprints: [{ hash: 'sha-256', value: 'AB:CD', setup: 'actpass' }], candidates: [], rtcpMux: true, webSocketUrl: 'wss://x/colibri-ws/1' },
  sources: { audio: [{ ssrc: 1111, name: `${endpointId}-a0`, parameters: [] }], video: [], audioGroups: [], videoGroups: [] },
});

async function contract(store: FocusStateStore): Promise<void> {
  assert.ok(await store.claim(ROOM, 'focus-a', 300), 'a free conference is claimed');
  assert.not.ok(await store.claim(ROOM, 'focus-b', 300), 'another instance cannot take a held lease');
  assert.ok(await store.claim(ROOM, 'focus-a', 300), 'the owner claims again (restart)');
  assert.is(await store.ownerOf(ROOM), 'focus-a');
  assert.ok(await store.renew(ROOM, 'focus-a', 300));
  assert.not.ok(await store.renew(ROOM, 'focus-b', 300), 'only the owner renews');

  await store.putConference({ roomJid: ROOM, meetingId: 'm-1', bridge: { id: 'jvb-1', jid: 'jvb-1.bridge.plenum.localhost' }, feedbackSources: { audio: [{ ssrc: 9, name: 'jvb-a0', parameters: [] }], video: [], audioGroups: [], videoGroups: [] } });
  await store.putParticipant(ROOM, participant('alice'));
  await store.putParticipant(ROOM, participant('bob'));
  await store.removeParticipant(ROOM, 'bob');
  assert.equal(await store.conferences(), [ROOM]);
  const loaded = await store.load(ROOM);
  assert.is(loaded?.conference.meetingId, 'm-1');
  assert.is(loaded?.conference.bridge?.jid, 'jvb-1.bridge.plenum.localhost');
  assert.equal(loaded?.participants, [participant('alice')], 'what was written comes back whole');

  await sleep(400);
  assert.is(await store.ownerOf(ROOM), undefined, 'an unrenewed lease expires');
  assert.not.ok(await store.renew(ROOM, 'focus-a', 300), 'an expired lease cannot be renewed');
  assert.ok(await store.claim(ROOM, 'focus-b', 300), 'another instance takes the expired conference');
  assert.ok((await store.load(ROOM)) !== undefined, 'the state survives the owner');

  await store.removeConference(ROOM, 'focus-b');
  assert.equal(await store.conferences(), []);
  assert.is(await store.load(ROOM), undefined);
  assert.is(await store.ownerOf(ROOM), undefined, 'removing the conference releases the owner\'s lease');
}

test('memory store: leases, records, expiry', async () => {
  const store = new MemoryStateStore({ clock: systemClock, log: silentLogger });
  await contract(store);
  await store.close();
});

test('redis store: leases, records, expiry on a real redis-server', async () => {
  const redis = await startRedis(await freePort());
  const store = new RedisStateStore({ log: silentLogger, options: { url: redis.url, keyPrefix: 'test:', commandTimeoutMs: 1000 } });
  try {
    await store.connected(5000);
    await contract(store);
  } finally {
    await store.close();
    await redis.stop();
  }
});

test('redis store: two instances see one lease (separate connections)', async () => {
  const redis = await startRedis(await freePort());
  const a = new RedisStateStore({ log: silentLogger, options: { url: redis.url, keyPrefix: 'p:', commandTimeoutMs: 1000 } });
  const b = new RedisStateStore({ log: silentLogger, options: { url: redis.url, keyPrefix: 'p:', commandTimeoutMs: 1000 } });
  try {
    await Promise.all([a.connected(5000), b.connected(5000)]);
    const wins = await Promise.all([a.claim(ROOM, 'focus-a', 5000), b.claim(ROOM, 'focus-b', 5000)]);
    assert.is(wins.filter(Boolean).length, 1, 'exactly one instance owns the conference');
    await a.putParticipant(ROOM, participant('carol'));
    await a.putConference({ roomJid: ROOM, meetingId: 'm-2', bridge: undefined, feedbackSources: { audio: [], video: [], audioGroups: [], videoGroups: [] } });
    assert.equal((await b.load(ROOM))?.participants.map((p) => p.endpointId), ['carol']);
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});

test('redis store: Redis lost and back — writes fail fast, nothing crashes, `restored` fires', async () => {
  const port = await freePort();
  let redis = await startRedis(port);
  const store = new RedisStateStore({ log: silentLogger, options: { url: redis.url, keyPrefix: 'q:', commandTimeoutMs: 500 } });
  try {
    await store.connected(5000);
    let restored = 0;
    store.events.on('restored', () => restored++);
    await redis.stop();
    await sleep(200);
    const failed = await store.putParticipant(ROOM, participant('dave')).then(() => false, () => true);
    assert.ok(failed, 'a write while Redis is gone rejects instead of hanging');
    redis = await startRedis(port);
    const deadline = Date.now() + 5000;
    while (restored === 0 && Date.now() < deadline) await sleep(50);
    assert.is(restored, 1, 'the store says Redis is back');
    await store.putParticipant(ROOM, participant('dave'));
    await store.putConference({ roomJid: ROOM, meetingId: 'm-3', bridge: { id: 'jvb-1', jid: 'jvb-1.bridge.plenum.localhost' }, feedbackSources: { audio: [], video: [], audioGroups: [], videoGroups: [] } });
    assert.equal((await store.load(ROOM))?.participants.map((p) => p.endpointId), ['dave'], 'writes work again');
  } finally {
    await store.close();
    await redis.stop();
  }
});

test('redis store: Redis down at start — start-up goes on, and its arrival fires `restored`', async () => {
  const port = await freePort();
  const store = new RedisStateStore({ log: silentLogger, options: { url: `redis://127.0.0.1:${port}`, keyPrefix: 'r:', commandTimeoutMs: 300 } });
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    let restored = 0;
    store.events.on('restored', () => restored++);
    const refused = await store.connected(300).then(() => false, () => true);
    assert.ok(refused, 'connected() gives up instead of waiting forever');
    assert.ok(await store.claim(ROOM, 'focus-a', 1000).then(() => false, () => true), 'commands fail fast meanwhile');
    redis = await startRedis(port);
    const deadline = Date.now() + 5000;
    while (restored === 0 && Date.now() < deadline) await sleep(50);
    assert.is(restored, 1, 'the focus is told to write its state');
    assert.ok(await store.claim(ROOM, 'focus-a', 1000));
  } finally {
    await store.close();
    await redis?.stop();
  }
});

test.run();
