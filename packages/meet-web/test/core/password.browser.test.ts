// A moderator locks the room with a password (protocols.md §8.3): everyone in it sees it locked;
// a newcomer is asked for the password, a wrong one is refused as such, the right one lets them in;
// the moderator can then kick them (§8.5). The moderator logs in with a password account.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;
const ROOM = 'locked-room';

test('a locked room asks for the password, refuses a wrong one and admits with the right one', async () => {
  const stack = await startBrowserStack();
  try {
    const join = async (name: string, login?: { username: string; password: string }): Promise<{ page: Page; result: { id: string } | { error: string } }> => {
      const page = await stack.newTab();
      const result = await page.evaluate(([c, r, n, l]) => (globalThis as unknown as { harness: H }).harness.tryJoin(c, r, n, l), [stack.config, ROOM, name, login] as const);
      return { page, result };
    };
    // Alice logs in with her account (SASL PLAIN); a wrong password is refused as such.
    await stack.plenum.users.add('alice', 'correct horse');
    const impostor = await join('Mallory', { username: 'alice', password: 'battery staple' });
    assert.equal(impostor.result, { error: 'auth-failed' });
    const alice = await join('Alice', { username: 'alice', password: 'correct horse' });
    const bob = await join('Bob');
    assert.ok('id' in alice.result && 'id' in bob.result);
    const before = await eventually(() => call(bob.page, (h) => h.room()), (r) => r.meetingId !== undefined, 5000, 'meeting id known');
    assert.is(before.locked, false);

    await call(alice.page, (h) => h.setRoomPassword('open sesame'));
    await eventually(() => call(alice.page, (h) => h.room()), (r) => r.locked === true, 5000, 'Alice sees the room locked');
    await eventually(() => call(bob.page, (h) => h.room()), (r) => r.locked === true, 5000, 'Bob sees the room locked');

    const carol = await join('Carol');
    assert.equal(carol.result, { error: 'password-required' });
    assert.equal(await call(carol.page, (h) => h.submitPassword('open says me')), { error: 'password-wrong' });
    assert.is((await call(carol.page, (h) => h.state())).state, 'failed');
    assert.equal(await call(carol.page, (h) => h.submitPassword('open sesame')), { ok: true });
    const inside = await eventually(() => call(carol.page, (h) => h.state()), (s) => s.participants.length === 3, 5000, 'Carol sees the others');
    assert.is(inside.state, 'joined');
    const withCarol = await eventually(() => call(alice.page, (h) => h.state()), (s) => s.participants.some((p) => p.displayName === 'Carol'), 5000, 'Alice sees Carol');

    // The moderator removes Carol again: her meeting ends as kicked, the others no longer list her.
    const carolId = withCarol.participants.find((p) => p.displayName === 'Carol')?.id ?? '';
    await alice.page.evaluate((id) => (globalThis as unknown as { harness: H }).harness.kick(id), carolId);
    await eventually(() => call(carol.page, (h) => h.endings()), (e) => e.includes('kicked'), 5000, 'Carol is told she was kicked');
    assert.is((await call(carol.page, (h) => h.state())).state, 'ended');
    await eventually(() => call(bob.page, (h) => h.state()), (s) => !s.participants.some((p) => p.id === carolId), 5000, 'Bob no longer lists Carol');
  } finally {
    await stack.close();
  }
});

test.run();
