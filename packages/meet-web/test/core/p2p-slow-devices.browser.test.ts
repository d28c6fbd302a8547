// Peer-to-peer when camera and microphone open late (issue 5): a direct-join link joins while the
// devices open, and a real camera (or a busy machine) can take seconds. The direct session starts
// before either has them: the offerer's and the answerer's microphone and camera must still reach
// the other over it, so both see and hear each other with nothing through the bridge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;

/** How long the devices take to open: past both joins and the direct session's offer. */
const DEVICE_DELAY_MS = 5000;

async function receivesMediaFrom(page: Page, other: string, who: string): Promise<void> {
  const read = async () => ({ f: await call(page, (h) => h.videoFrames()), a: await call(page, (h) => h.audioPackets()) });
  const first = await eventually(read, (v) => (v.f[`${other}:camera`] ?? 0) > 0 && (v.a[other] ?? 0) > 0, 20_000, `${who} gets media`);
  await eventually(read, (v) => (v.f[`${other}:camera`] ?? 0) > (first.f[`${other}:camera`] ?? 0) + 5 && (v.a[other] ?? 0) > (first.a[other] ?? 0) + 5,
    20_000, `${who}'s media keeps coming`);
}

test('two whose camera and microphone open after the join still meet peer-to-peer, each seeing and hearing the other', async () => {
  const stack = await startBrowserStack();
  try {
    const config = { ...stack.config, p2p: { enabled: true, stunServers: [] } };
    // Both late, so the direct session starts before either has devices, whichever of them offers.
    const join = async (name: string): Promise<{ page: Page; id: string }> => {
      const page = await stack.newTab();
      await page.evaluate((ms) => (globalThis as unknown as { harness: H }).harness.slowDevices(ms), DEVICE_DELAY_MS);
      const id = await page.evaluate(([c, n]) => (globalThis as unknown as { harness: H }).harness.join(c, 'p2p-late-devices', n, undefined, true), [config, name] as const);
      return { page, id };
    };
    const { page: alicePage, id: alice } = await join('Alice');
    const { page: bobPage, id: bob } = await join('Bob');
    for (const page of [alicePage, bobPage]) {
      await eventually(() => call(page, (h) => h.state()), (s) => s.mediaPath === 'p2p', 20_000, 'media goes peer-to-peer');
    }
    await receivesMediaFrom(alicePage, bob, 'Alice');
    await receivesMediaFrom(bobPage, alice, 'Bob');
    assert.is((await call(alicePage, (h) => h.state())).mediaPath, 'p2p', 'Alice still peer-to-peer');
    // Neither sends its microphone or camera to the bridge meanwhile.
    const before = [await call(alicePage, (h) => h.sentToBridge()), await call(bobPage, (h) => h.sentToBridge())];
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal([await call(alicePage, (h) => h.sentToBridge()), await call(bobPage, (h) => h.sentToBridge())], before, 'no media to the bridge while peer-to-peer');
  } finally {
    await stack.close();
  }
});

test.run();
