// Someone without a camera (a desk computer with a headset) joins and is heard: Chromium's
// getUserMedia for camera and microphone together fails with NotFoundError when there is no camera,
// and the app then opens the microphone alone, says the camera is missing, and shows the camera as
// off to everyone. Both people here have no camera: Chromium's own fake-device switch with
// `device-count=0` removes its fake camera and keeps its fake microphone (a real "no camera"
// browser; getUserMedia itself is left alone). The other two tests need a camera (or microphone) busy at
// the start and free later, which the fake device cannot stage: there the page's first getUserMedia
// calls for it are refused as Chromium refuses a device another application holds (NotReadableError).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { busyAtFirst, directJoinPath, hearsOthers, joinDirectly, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

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
    await alice.getByRole('status').getByText('The camera could not be opened (none was found)', { exact: false }).waitFor();
    await alice.getByRole('button', { name: 'Start camera' }).waitFor();
    await aliceRow.getByRole('img', { name: 'Camera off' }).waitFor();
  } finally {
    await e2e.close();
  }
});

// The camera: both together fail, the microphone alone opens. The microphone: both together and the
// microphone alone fail, the camera alone opens.
const CAMERA_BUSY_AT_FIRST = busyAtFirst('video', 1);
const MICROPHONE_BUSY_AT_FIRST = busyAtFirst('audio', 2);

test('a camera that was busy when you joined starts later, and the others see it', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const alice = await e2e.newPage();
    await alice.addInitScript(CAMERA_BUSY_AT_FIRST);
    await alice.goto(`${e2e.origin}${directJoinPath(ROOM, 'Alice')}`);
    await alice.getByRole('status').getByText('Your camera is not available', { exact: false }).waitFor();
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    await hearsOthers(bob, 1);
    // The camera is free now: starting it sends it, announced to the meeting, and Bob sees Alice.
    await alice.getByRole('button', { name: 'Start camera' }).click();
    await alice.getByRole('button', { name: 'Stop camera' }).waitFor();
    await seesVideoOf(bob, 'Alice');
    await hearsOthers(bob, 1);
  } finally {
    await e2e.close();
  }
});

test('a microphone that was busy when you joined starts later, and the others hear it', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const alice = await e2e.newPage();
    await alice.addInitScript(MICROPHONE_BUSY_AT_FIRST);
    await alice.goto(`${e2e.origin}${directJoinPath(ROOM, 'Alice')}`);
    await alice.getByRole('status').getByText('Your microphone is not available', { exact: false }).waitFor();
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    await seesVideoOf(bob, 'Alice');
    await alice.getByRole('button', { name: 'Unmute microphone' }).click();
    await alice.getByRole('button', { name: 'Mute microphone' }).waitFor();
    await hearsOthers(bob, 1);
  } finally {
    await e2e.close();
  }
});

test.run();
