// Privacy in a real meeting on the one-command server: two people meet (direct join, and the
// welcome → pre-join → Join path), and every request either page made, WebSockets included, went
// to the page's own origin; no page threw.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { directJoinPath, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

function record(page: Page, requested: string[], problems: string[]): void {
  page.on('request', (r) => requested.push(r.url()));
  page.on('websocket', (ws) => requested.push(ws.url()));
  page.on('pageerror', (e) => problems.push(String(e)));
}

test('a meeting from the welcome page and a direct link makes no request to another origin', async () => {
  const e2e: E2e = await startE2e();
  try {
    const requested: string[] = [];
    const problems: string[] = [];
    const alice = await e2e.newPage();
    record(alice, requested, problems);
    await alice.goto(`${e2e.origin}/`);
    await alice.getByRole('textbox', { name: 'Meeting name' }).fill('origin-check');
    await alice.getByRole('button', { name: 'Start meeting' }).click();
    await alice.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
    await alice.getByRole('textbox', { name: 'Your name' }).fill('Alice');
    await alice.getByRole('button', { name: 'Join meeting' }).click();
    await alice.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    const bob = await e2e.newPage();
    record(bob, requested, problems);
    await bob.goto(`${e2e.origin}${directJoinPath('origin-check', 'Bob')}`);
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');

    const paths = requested.map((u) => new URL(u).pathname);
    for (const path of ['/', '/origin-check', '/config.js', '/xmpp-websocket']) assert.ok(paths.includes(path), `${path} was requested: ${paths.join(' ')}`);
    const foreign = requested.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).host !== new URL(e2e.origin).host);
    assert.equal(foreign, [], 'requests to another origin');
    assert.equal(problems, [], 'uncaught errors in the pages');
  } finally {
    await e2e.close();
  }
});

test.run();
