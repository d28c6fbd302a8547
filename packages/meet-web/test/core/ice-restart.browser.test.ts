// The media path to the bridge breaks (a UDP relay in front of the bridge drops everything): the
// browsers notice ICE failing, show `reconnecting`, ask the focus for a fresh session
// (session-terminate with bridge-session restart) and, once the path works again, get each other's
// video back without a page reload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { freeUdpPort } from '@plenum/testkit';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack, startUdpRelay } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;

test('after an ICE failure the session restarts through the focus and video comes back', async () => {
  const port = await freeUdpPort();
  // The bridge binds 127.0.0.1:port but advertises 127.0.0.2:port, where the relay listens.
  const relay = await startUdpRelay('127.0.0.2', port, '127.0.0.1');
  const stack = await startBrowserStack({ bridgeValues: () => ({ public: { address: '127.0.0.2', udpPort: port }, udp: { host: '127.0.0.1' } }) }).catch(async (error: unknown) => {
    await relay.close();
    throw error;
  });
  try {
    const tabs: { page: Page; id: string }[] = [];
    for (const name of ['Alice', 'Bob']) {
      const page = await stack.newTab();
      const id = await page.evaluate(([c, n]) => (globalThis as unknown as { harness: H }).harness.join(c, 'ice-room', n), [stack.config, name] as const);
      tabs.push({ page, id });
    }
    const [alice, bob] = tabs as [{ page: Page; id: string }, { page: Page; id: string }];
    await eventually(() => call(alice.page, (h) => h.videoFrames()), (f) => (f[`${bob.id}:camera`] ?? 0) > 5, 20_000, 'media flows through the relay');

    relay.cut();
    await eventually(() => call(alice.page, (h) => h.states()), (s) => s.includes('reconnecting'), 60_000, 'Alice notices the failure');
    const notices = await call(alice.page, (h) => h.notices());
    assert.ok(notices.some((n) => n.kind === 'warning'), JSON.stringify(notices));
    relay.restore();

    for (const { page } of tabs) {
      await eventually(() => call(page, (h) => h.state()), (s) => s.state === 'joined' && s.mediaPath === 'bridge', 30_000, 'joined again with media');
    }
    for (const [page, other] of [[alice.page, bob.id], [bob.page, alice.id]] as const) {
      const f1 = await eventually(() => call(page, (h) => h.videoFrames()), (f) => (f[`${other}:camera`] ?? 0) > 0, 30_000, 'remote video back');
      await eventually(() => call(page, (h) => h.videoFrames()), (f) => (f[`${other}:camera`] ?? 0) > (f1[`${other}:camera`] ?? 0) + 10, 30_000, 'frames advance after the restart');
    }
    assert.equal((await call(alice.page, (h) => h.state())).participants.map((p) => p.id), [alice.id, bob.id]);
  } finally {
    await stack.close();
    await relay.close();
  }
});

test.run();
