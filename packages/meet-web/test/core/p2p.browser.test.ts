// Peer-to-peer for two (protocols.md §2.4): two browsers in a room connect directly, their
// microphone and camera stop going to the bridge, and each still sees and hears the other; when a
// third joins, everyone is back on the bridge and gets both others; when the third leaves, the two
// go direct again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;

async function receivesMediaFrom(page: Page, others: readonly string[], who: string): Promise<void> {
  const read = async () => ({ f: await call(page, (h) => h.videoFrames()), a: await call(page, (h) => h.audioPackets()) });
  const first = await eventually(read, (v) => others.every((id) => (v.f[`${id}:camera`] ?? 0) > 0 && (v.a[id] ?? 0) > 0), 20_000, `${who} gets media`);
  await eventually(read, (v) => others.every((id) => (v.f[`${id}:camera`] ?? 0) > (first.f[`${id}:camera`] ?? 0) + 5 && (v.a[id] ?? 0) > (first.a[id] ?? 0) + 5),
    20_000, `${who}'s media keeps coming`);
}

test('two participants meet peer-to-peer, a third moves everyone to the bridge and back', async () => {
  const stack = await startBrowserStack();
  try {
    const config = { ...stack.config, p2p: { enabled: true, stunServers: [] } };
    const join = async (name: string): Promise<{ page: Page; id: string }> => {
      const page = await stack.newTab();
      const id = await page.evaluate(([c, n]) => (globalThis as unknown as { harness: H }).harness.join(c, 'p2p-room', n), [config, name] as const);
      return { page, id };
    };
    const alice = await join('Alice');
    const bob = await join('Bob');
    for (const { page } of [alice, bob]) {
      await eventually(() => call(page, (h) => h.state()), (s) => s.mediaPath === 'p2p', 20_000, 'media goes peer-to-peer');
    }
    await receivesMediaFrom(alice.page, [bob.id], 'Alice (p2p)');
    await receivesMediaFrom(bob.page, [alice.id], 'Bob (p2p)');
    // Nothing of the microphone or camera reaches the bridge meanwhile.
    const before = await call(alice.page, (h) => h.sentToBridge());
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(await call(alice.page, (h) => h.sentToBridge()), before, 'Alice sends no media to the bridge while p2p');

    const carol = await join('Carol');
    for (const { page } of [alice, bob, carol]) {
      await eventually(() => call(page, (h) => h.state()), (s) => s.mediaPath === 'bridge' && s.participants.length === 3, 20_000, 'back on the bridge');
    }
    await receivesMediaFrom(carol.page, [alice.id, bob.id], 'Carol');
    await receivesMediaFrom(alice.page, [bob.id, carol.id], 'Alice (bridge)');
    await receivesMediaFrom(bob.page, [alice.id, carol.id], 'Bob (bridge)');

    // Carol leaves: the two go direct again.
    await call(carol.page, (h) => h.leave());
    for (const { page } of [alice, bob]) {
      await eventually(() => call(page, (h) => h.state()), (s) => s.mediaPath === 'p2p' && s.participants.length === 2, 20_000, 'p2p again');
    }
    await receivesMediaFrom(alice.page, [bob.id], 'Alice (p2p again)');
  } finally {
    await stack.close();
  }
});

test.run();
