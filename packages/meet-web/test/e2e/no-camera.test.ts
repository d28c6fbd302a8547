// Someone without a camera (a desk computer with a headset) joins and is heard: Chromium's
// getUserMedia for camera and microphone together fails with NotFoundError when there is no camera,
// and the app then opens the microphone alone, says the camera is missing, and shows the camera as
// off to everyone. Both people here have no camera: Chromium's own fake-device switch with
// `device-count=0` removes its fake camera and keeps its fake microphone (a real "no camera"
// browser, not a stub of getUserMedia).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hearsOthers, joinDirectly, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'no-camera';

test('without a camera you join with your microphone, are heard, and are told why you are not seen', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } }, chromiumArgs: ['--use-fake-device-for-media-stream=device-count=0'] });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    for (const page of [alice, bob]) {
      await page.getByRole('status').getByText('Your camera is not available', { exact: false }).waitFor();
      // The camera shows as off on our own button and to the others.
      await page.getByRole('button', { name: 'Start camera' }).waitFor();
    }
    await hearsOthers(alice, 1);
    await hearsOthers(bob, 1);
    await bob.getByRole('button', { name: 'Participants' }).first().click();
    const aliceRow = bob.getByRole('listitem').filter({ hasText: 'Alice' });
    await aliceRow.getByRole('img', { name: 'Camera off' }).waitFor();
    await aliceRow.getByRole('img', { name: 'Microphone on' }).waitFor();
    assert.is(await alice.locator('meet-video-tile video').count(), 0, 'no video element for a camera nobody has');
    // Trying to start a camera that is not there says so, and the camera stays off for everyone.
    await alice.getByRole('button', { name: 'Start camera' }).click();
    await alice.getByRole('status').getByText('it could not be opened when you joined', { exact: false }).waitFor();
    await alice.getByRole('button', { name: 'Start camera' }).waitFor();
    await aliceRow.getByRole('img', { name: 'Camera off' }).waitFor();
  } finally {
    await e2e.close();
  }
});

test.run();
