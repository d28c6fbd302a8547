// Closing the tab is how most people leave a meeting. The page says so on its way out (pagehide:
// unavailable presence and the stream's close), so the others see the person go at once, not
// after the server's stream-management resume window, which keeps a broken session waiting for
// the same person to come back (here 120 s, twice the default, so the two cannot be confused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinDirectly, seesVideoOf, startE2e, tile, type E2e } from './e2e-stack.ts';

const ROOM = 'tab-close';
const RESUME_WINDOW_S = 120;

test('a participant who closes the tab is gone for the others at once, not after the resume window', async () => {
  const e2e: E2e = await startE2e({ xmpp: { streamManagement: { resumeTimeoutSeconds: RESUME_WINDOW_S } }, web: { p2p: { enabled: false } } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    const carol = await joinDirectly(e2e, ROOM, 'Carol');
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(alice, 'Carol');

    const closedAt = Date.now();
    await bob.close(); // the tab is closed: no Leave button, no beforeunload prompt
    await tile(alice, 'Bob').waitFor({ state: 'detached', timeout: 20_000 });
    await tile(carol, 'Bob').waitFor({ state: 'detached', timeout: 20_000 });
    const goneAfterS = (Date.now() - closedAt) / 1000;
    assert.ok(goneAfterS < RESUME_WINDOW_S / 2, `Bob's tile went away after ${goneAfterS.toFixed(1)} s, well inside the resume window`);
    // The meeting goes on for those who stayed.
    await seesVideoOf(alice, 'Carol');
    await seesVideoOf(carol, 'Alice');
  } finally {
    await e2e.close();
  }
});

test.run();
