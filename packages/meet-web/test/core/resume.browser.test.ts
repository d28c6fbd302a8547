// A dropped XMPP WebSocket mid-meeting (cut in a relay between the browsers and Plenum, as a network
// failure would): both browsers show `reconnecting`, resume the same session (XEP-0198) without a
// reload, keep each other in the roster and their media running, and a chat message written while
// the socket was down still arrives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack, startCuttableRelay } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;

test('a dropped XMPP WebSocket resumes: same session, roster, media, and no message lost', async () => {
  const stack = await startBrowserStack();
  const relay = await startCuttableRelay(stack.config.websocket);
  try {
    const config = { ...stack.config, websocket: relay.url };
    const tabs: { page: Page; id: string }[] = [];
    for (const name of ['Alice', 'Bob']) {
      const page = await stack.newTab();
      const id = await page.evaluate(([c, n]) => (globalThis as unknown as { harness: H }).harness.join(c, 'resume-room', n), [config, name] as const);
      tabs.push({ page, id });
    }
    const [alice, bob] = tabs as [{ page: Page; id: string }, { page: Page; id: string }];
    const before = await eventually(() => call(alice.page, (h) => h.videoFrames()), (f) => (f[`${bob.id}:camera`] ?? 0) > 5, 20_000, 'Alice sees Bob');

    relay.cut();
    // Bob writes while his socket is down too: the message waits in his stream-management queue.
    await call(bob.page, (h) => h.sendChat('sent during the outage'));
    for (const { page } of tabs) {
      await eventually(() => call(page, (h) => h.states()), (s) => s.includes('reconnecting') && s[s.length - 1] === 'joined', 15_000, 'reconnecting, then joined again');
    }
    const got = await eventually(() => call(alice.page, (h) => h.chats()), (c) => c.some((m) => m.text === 'sent during the outage'), 10_000, 'the outage message arrives');
    assert.is(got.find((m) => m.text === 'sent during the outage')?.from, bob.id);
    await call(alice.page, (h) => h.sendChat('after the outage'));
    await eventually(() => call(bob.page, (h) => h.chats()), (c) => c.some((m) => m.text === 'after the outage'), 10_000, 'chat works after resume');
    const roster = await call(alice.page, (h) => h.state());
    assert.equal(roster.participants.map((p) => p.id), [alice.id, bob.id], 'same session: same endpoint ids, nobody left');
    // Media never depended on the XMPP socket: frames keep advancing.
    await eventually(() => call(alice.page, (h) => h.videoFrames()), (f) => (f[`${bob.id}:camera`] ?? 0) > (before[`${bob.id}:camera`] ?? 0) + 10, 20_000, 'video continues');
  } finally {
    await relay.close();
    await stack.close();
  }
});

test.run();
