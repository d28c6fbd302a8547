// Three people on the real one-command server use the meeting through the real UI: chat typed by
// one reaches the others (unread badge, then the message), M shows the mute icon on the others'
// tiles, D shares a (fake) screen that the others get large with frames coming.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { joinDirectly, seesVideoOf, startE2e, tile, type E2e } from './e2e-stack.ts';

const ROOM = 'three-people-actions';

test('chat reaches the others, M shows muted on their tiles, D shares a screen shown large', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const pages: Page[] = [];
    for (const name of ['Alice', 'Bob', 'Carol']) pages.push(await joinDirectly(e2e, ROOM, name));
    const [alice, bob, carol] = pages as [Page, Page, Page];
    for (const page of pages) await page.getByLabel('3 in the meeting').waitFor();

    // Chat: Alice types, Bob and Carol see the unread badge, then the message in the panel.
    await alice.keyboard.press('c');
    const aliceChat = alice.getByRole('complementary', { name: 'Chat' });
    await aliceChat.getByRole('textbox', { name: 'Message' }).fill('Hello from Alice');
    await alice.keyboard.press('Enter');
    await aliceChat.getByText('Hello from Alice').waitFor();
    for (const page of [bob, carol]) {
      await page.getByRole('button', { name: 'Chat, 1 unread' }).click();
      const chat = page.getByRole('complementary', { name: 'Chat' });
      await chat.getByText('Hello from Alice').waitFor();
      assert.ok(await chat.getByText('Alice', { exact: true }).isVisible(), 'the sender is named');
      await chat.getByRole('button', { name: 'Close chat' }).click();
    }
    await aliceChat.getByRole('button', { name: 'Close chat' }).click();

    // Bob presses M: the others see his microphone off.
    await bob.keyboard.press('m');
    await bob.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    for (const page of [alice, carol]) await tile(page, 'Bob').getByRole('img', { name: 'Microphone off' }).waitFor();
    assert.is(await tile(alice, 'Carol').getByRole('img', { name: 'Microphone off' }).count(), 0, "only Bob's tile says muted");

    // Carol presses D: her screen is the large stage for the others, with frames coming.
    await carol.keyboard.press('d');
    for (const page of [alice, bob]) {
      await page.getByRole('main', { name: 'Speaker view' }).waitFor();
      const stage = page.locator('meet-video-tile[data-stage]');
      assert.is(await stage.getByRole('group').getAttribute('aria-label'), "Carol's screen");
      await seesVideoOf(page, "Carol's screen");
      const big = await stage.boundingBox();
      const small = await page.locator('meet-video-tile[compact]').first().boundingBox();
      assert.ok(big !== null && small !== null && big.width * big.height > 4 * small.width * small.height, 'the share is much larger than the filmstrip');
    }

  } finally {
    await e2e.close();
  }
});

test.run();
