// Both PIN stores against the same table: a room keeps its first PIN, a PIN taken by another room
// is refused, release frees both directions. The Redis store runs against a real redis-server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { freePort } from '@plenum/kit/node';
import { startRedis } from '../../test/state/redis-server.ts';
import type { PinStore } from './pin-store.ts';
import { MemoryPinStore } from './pin-store.ts';
import { RedisPinStore } from './redis-pin-store.ts';
import { randomPin } from './pin-directory.ts';

const A = 'alpha@conference.plenum.localhost';
const B = 'beta@conference.plenum.localhost';

async function checkStore(store: PinStore): Promise<void> {
  assert.is(await store.claim(A, '11111111'), '11111111');
  assert.is(await store.claim(A, '22222222'), '11111111', 'a room keeps its PIN');
  assert.is(await store.claim(B, '11111111'), undefined, 'a PIN belongs to one room');
  assert.is(await store.claim(B, '33333333'), '33333333');
  assert.is(await store.roomOf('11111111'), A);
  assert.is(await store.pinOf(B), '33333333');
  assert.is(await store.roomOf('22222222'), undefined);
  await store.release(A);
  assert.is(await store.roomOf('11111111'), undefined);
  assert.is(await store.pinOf(A), undefined);
  assert.is(await store.roomOf('33333333'), B, 'other rooms keep theirs');
  await store.release(A);
  assert.is(await store.claim(B, '11111111'), '33333333');
  assert.is(await store.claim(A, '11111111'), '11111111', 'a released PIN can be drawn again');
}

test('memory store', async () => {
  const store = new MemoryPinStore();
  await checkStore(store);
  await store.close();
});

test('redis store (real redis-server)', async () => {
  const redis = await startRedis(await freePort());
  const store = new RedisPinStore({ log: silentLogger, options: { url: redis.url, keyPrefix: 'test:focus:', commandTimeoutMs: 1_000 } });
  try {
    await store.connected(5_000);
    await checkStore(store);
  } finally {
    await store.close();
    await redis.stop();
  }
});

test('random PINs have the configured digits and no leading zero', () => {
  for (const digits of [4, 8, 12]) {
    for (let i = 0; i < 200; i++) assert.match(randomPin(digits), new RegExp(`^[1-9]\\d{${digits - 1}}$`));
  }
});

test.run();
