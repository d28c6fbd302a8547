// Three people meet on the real one-command server (startAllInOne = `npm start`) in Chromium, each
// in their own profile, joining by direct link: everyone sees both others' video advance (decoded
// frames) and hears both (inbound audio samples), and a leaver's tile goes away for the others.
// Chat, mute and screen sharing between three: three-people-actions.test.ts.
import { test } from 'uvu';
import type { Page } from 'playwright-core';
import { hearsOthers, joinDirectly, seesVideoOf, startE2e, tile, type E2e } from './e2e-stack.ts';

const ROOM = 'three-people';
const NAMES = ['Alice', 'Bob', 'Carol'] as const;

test("three people see and hear each other; a leaver's tile goes away", async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const pages: Page[] = [];
    for (const name of NAMES) pages.push(await joinDirectly(e2e, ROOM, name));
    const [alice, bob, carol] = pages as [Page, Page, Page];
    for (const [i, page] of pages.entries()) {
      for (const other of NAMES.filter((n) => n !== NAMES[i])) await seesVideoOf(page, other);
      await hearsOthers(page, 2);
    }

    // Bob leaves: his tile goes away for Alice and Carol, and their video keeps coming.
    await bob.getByRole('button', { name: 'Leave meeting' }).click();
    await bob.getByRole('heading', { name: 'You left the meeting' }).waitFor();
    for (const page of [alice, carol]) await tile(page, 'Bob').waitFor({ state: 'detached' });
    await seesVideoOf(alice, 'Carol');
    await seesVideoOf(carol, 'Alice');
  } finally {
    await e2e.close();
  }
});

test.run();
