// Shared steps of the meeting tests: join through a direct link and fill the room with people.
import type { Page } from 'playwright-core';
import { inPage, type UiHarness, type HarnessOptions } from './ui-harness.ts';

export const DIRECT_JOIN = '#config.prejoinConfig.enabled=false&userInfo.displayName=%22Alice%22';

/** Alice joins `room` directly; the page shows her toolbar when this resolves. */
export async function joinAsAlice(ui: UiHarness, room: string, options: HarnessOptions & { viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const page = await ui.open(`/${room}${DIRECT_JOIN}`, options);
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  return page;
}

/** Bob and Carol join Alice. */
export async function addBobAndCarol(page: Page): Promise<void> {
  await inPage(page, (h) => {
    h.addRemote('bob', 'Bob Marley', { hue: 200 });
    h.addRemote('carol', 'Carol Shaw', { hue: 330 });
  }, null);
}

/** The accessible names of the tiles on screen, in order. */
export function tileNames(page: Page): Promise<string[]> {
  return page.locator('meet-video-tile [role=group]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

/** What the big speaker-view video shows. */
export function stageName(page: Page): Promise<string | null> {
  return page.locator('meet-video-tile[data-stage] [role=group]').getAttribute('aria-label');
}
