// A phone-sized screen (390×844): nothing overflows sideways and every control stays on screen.
// The meeting is played by a FAKE conference core (harness/fake-conference.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { addBobAndCarol, joinAsAlice } from './meeting.ts';
import { startUiHarness, type UiHarness } from './ui-harness.ts';

const PHONE = { width: 390, height: 844 };

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

/** Everything clickable that is shown lies inside the screen's width, and the page cannot scroll sideways. */
async function assertFitsWidth(page: Page, where: string): Promise<void> {
  const scrollWidth = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  assert.ok(scrollWidth <= PHONE.width, `${where}: page is ${scrollWidth}px wide`);
  const outside: string[] = [];
  for (const control of await page.locator('button, input, select, a').all()) {
    if (!(await control.isVisible())) continue;
    const box = await control.boundingBox();
    if (box !== null && (box.x < -0.5 || box.x + box.width > PHONE.width + 0.5)) {
      outside.push(`${(await control.getAttribute('aria-label')) ?? (await control.textContent())?.trim() ?? '?'} at ${box.x}+${box.width}`);
    }
  }
  assert.equal(outside, [], `${where}: controls off screen`);
}

test('welcome and pre-join fit a phone', async () => {
  const page = await ui.open('/', { viewport: PHONE, storage: { 'plenum.recentRooms': JSON.stringify([{ name: 'AVeryLongMeetingNameThatPeopleTypeSometimes', lastJoinedAt: 1 }]) } });
  await page.getByRole('button', { name: 'Start meeting' }).waitFor();
  await assertFitsWidth(page, 'welcome');
  await page.getByRole('button', { name: 'Start meeting' }).click();
  await page.getByRole('button', { name: 'Join meeting' }).waitFor();
  await page.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
  await assertFitsWidth(page, 'pre-join');
});

test('the meeting, its panels and menus fit a phone', async () => {
  const page = await joinAsAlice(ui, 'PhoneMeeting', { viewport: PHONE });
  await addBobAndCarol(page);
  await page.getByRole('group', { name: 'Carol Shaw' }).waitFor();
  await assertFitsWidth(page, 'tile view');
  for (const name of ['Mute microphone', 'Stop camera', 'Chat', 'Raise hand', 'Participants', 'More options', 'Leave meeting']) {
    assert.ok(await page.getByRole('button', { name, exact: true }).isVisible(), `${name} is on the toolbar`);
  }
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: 'Share screen' }).waitFor();
  await assertFitsWidth(page, 'more menu');
  await page.getByRole('menuitem', { name: 'Speaker view' }).click();
  await page.getByRole('main', { name: 'Speaker view' }).waitFor();
  await assertFitsWidth(page, 'speaker view');
  await page.getByRole('button', { name: 'Chat', exact: true }).click();
  await page.getByRole('complementary', { name: 'Chat' }).getByRole('button', { name: 'Close chat' }).waitFor();
  await assertFitsWidth(page, 'chat');
  await page.getByRole('button', { name: 'Close chat' }).click();
  await page.getByRole('button', { name: 'Participants' }).click();
  await page.getByRole('button', { name: 'Close participants' }).waitFor();
  await assertFitsWidth(page, 'participants');
});

test('no page threw', () => {
  assert.equal(ui.pageErrors, []);
});

test.run();
