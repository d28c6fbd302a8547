// The lobby (protocols.md §8.4): a moderator turns it on; a newcomer waits in it (and says so in
// its snapshot) while the moderator sees them knocking; admitted, they join the meeting by
// themselves; denied, their join fails with lobby-denied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;
const ROOM = 'lobby-room';

test('knockers wait in the lobby; the moderator admits one and denies another', async () => {
  const stack = await startBrowserStack();
  try {
    const knock = async (name: string): Promise<{ page: Page; result: Promise<{ id: string } | { error: string }> }> => {
      const page = await stack.newTab();
      const result = page.evaluate(([c, r, n]) => (globalThis as unknown as { harness: H }).harness.tryJoin(c, r, n), [stack.config, ROOM, name] as const);
      return { page, result };
    };
    const alice = await knock('Alice');
    assert.ok('id' in await alice.result);
    // The focus grants moderator just after the join; before that the core refuses moderator actions.
    await eventually(() => call(alice.page, (h) => h.state()), (s) => s.participants.some((p) => p.isLocal && p.role === 'moderator'), 10_000, 'Alice is moderator');
    await call(alice.page, (h) => h.setLobbyEnabled(true));
    await eventually(() => call(alice.page, (h) => h.room()), (r) => r.lobbyEnabled === true, 5000, 'lobby on');

    const bob = await knock('Bob');
    await eventually(() => call(bob.page, (h) => h.room()), (r) => r.waiting === 'lobby', 10_000, 'Bob waits in the lobby');
    const knocking = await eventually(() => call(alice.page, (h) => h.room()), (r) => r.lobbyWaiting.some((k) => k.displayName === 'Bob'), 10_000, 'Alice sees Bob knock');
    const bobKnock = knocking.lobbyWaiting.find((k) => k.displayName === 'Bob');
    await alice.page.evaluate((id) => (globalThis as unknown as { harness: H }).harness.admitFromLobby(id), bobKnock?.id ?? '');
    const admitted = await bob.result;
    assert.ok('id' in admitted, JSON.stringify(admitted));
    await eventually(() => call(alice.page, (h) => h.state()), (s) => s.participants.some((p) => p.displayName === 'Bob'), 10_000, 'Bob is in');
    assert.is((await call(bob.page, (h) => h.room())).waiting, undefined);
    await eventually(() => call(alice.page, (h) => h.room()), (r) => r.lobbyWaiting.length === 0, 5000, 'nobody waits any more');

    const carol = await knock('Carol');
    const carolKnock = (await eventually(() => call(alice.page, (h) => h.room()), (r) => r.lobbyWaiting.some((k) => k.displayName === 'Carol'), 10_000, 'Carol knocks'))
      .lobbyWaiting.find((k) => k.displayName === 'Carol');
    await alice.page.evaluate((id) => (globalThis as unknown as { harness: H }).harness.denyFromLobby(id), carolKnock?.id ?? '');
    assert.equal(await carol.result, { error: 'lobby-denied' });
    assert.not.ok((await call(alice.page, (h) => h.state())).participants.some((p) => p.displayName === 'Carol'));
  } finally {
    await stack.close();
  }
});

test.run();
