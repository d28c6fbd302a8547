// Two people meet peer-to-peer and a camera or microphone that was busy when they joined is started
// later: it reaches the other person directly (the direct session renegotiates and announces it),
// with the bridge still carrying none of their media. Both of them start late here, one after the
// other, so the side that offered the direct session and the side that answered it are both covered
// (which one offers depends on their random endpoint ids). Then a third person joins: everyone moves
// to the bridge and the late cameras reach her too; when she leaves, the two meet directly again.
//
// "Busy at first" is the page script `busyAtFirst` of e2e-stack.ts, as in no-camera.test.ts
// (Chromium's fake devices cannot stage a device that is busy and then free): the first
// getUserMedia calls for it fail with NotReadableError.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { bridgeRtpPacketsReceived, busyAtFirst, directJoinPath, eventually, hearsOthers, receivedAudio, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

/** Joins with `script` run in the page first; resolves once the meeting toolbar shows. */
async function joinWith(e2e: E2e, room: string, name: string, script: string): Promise<Page> {
  const page = await e2e.newPage();
  await page.addInitScript(script);
  await page.goto(`${e2e.origin}${directJoinPath(room, name)}`);
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  return page;
}

/** Leaves the meeting with its button and closes the browser profile (the next test watches the bridge's counter alone). */
async function leave(page: Page): Promise<void> {
  if (page.isClosed()) return;
  await page.getByRole('button', { name: 'Leave meeting' }).click();
  await page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  await page.context().close();
}

/** Runs a test's steps; everyone it let in (into `pages`) leaves after it, passed or failed. */
async function withLeaving(steps: (pages: Page[]) => Promise<void>): Promise<void> {
  const pages: Page[] = [];
  try {
    await steps(pages);
  } finally {
    for (const page of pages) await leave(page).catch(() => page.context().close());
  }
}

/** Waits until the bridge received no RTP for 2 s: the two meet directly (as p2p.test.ts). */
async function bridgeStaysQuiet(e2e: E2e): Promise<boolean> {
  const before = await bridgeRtpPacketsReceived(e2e);
  await new Promise((r) => setTimeout(r, 2000));
  return (await bridgeRtpPacketsReceived(e2e)) === before;
}

/**
 * How many remote video tracks the page's session with the bridge was offered (the focus relays
 * each participant's sources, announced on the bridge even while the media goes direct); the
 * bridge's own mixedmslabel feedback source is not one.
 */
function videoTracksOfferedByBridge(page: Page): Promise<number> {
  return page.evaluate(() => {
    const bridge = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
      .find((pc) => pc.connectionState !== 'closed' && (pc.remoteDescription?.sdp.includes('a=ice-lite') ?? false));
    const msids = new Set<string>();
    for (const section of (bridge?.remoteDescription?.sdp ?? '').split(/\r?\nm=/).filter((m) => m.startsWith('video') && !m.startsWith('video 0 '))) {
      for (const [, msid] of section.matchAll(/a=ssrc:\d+ msid:(\S+)/g)) if (msid !== undefined && msid !== 'mixedmslabel') msids.add(msid);
    }
    return msids.size;
  });
}

/** Waits until the page receives 1 s more audio whose mean level is clearly above silence (Chromium's fake microphone beeps). */
async function hearsSound(page: Page, who: string): Promise<void> {
  const first = await receivedAudio(page);
  await eventually(() => receivedAudio(page), (a) => a.seconds >= first.seconds + 1 && Math.sqrt((a.energy - first.energy) / (a.seconds - first.seconds)) > 0.01,
    20_000, `${who} hears sound`);
}

let e2e: E2e;

test.before(async () => {
  e2e = await startE2e({ web: { p2p: { enabled: true } } });
});

test.after(async () => {
  await e2e.close();
});

test('a camera started late in a peer-to-peer call reaches the other person directly, and the bridge later', () => withLeaving(async (pages) => {
  const room = 'p2p-late-camera';
  const cameraBusy = busyAtFirst('video', 1);
  const alice = await joinWith(e2e, room, 'Alice', cameraBusy);
  const bob = await joinWith(e2e, room, 'Bob', cameraBusy);
  pages.push(alice, bob);
  for (const page of [alice, bob]) await page.getByRole('status').getByText('Your camera is not available', { exact: false }).waitFor();
  await hearsOthers(alice, 1);
  await hearsOthers(bob, 1);
  await eventually(() => bridgeStaysQuiet(e2e), (q) => q, 20_000, 'the two meet directly');
  assert.is(await videoTracksOfferedByBridge(bob), 0, 'no camera of Alice on the bridge yet');

  await alice.getByRole('button', { name: 'Start camera' }).click();
  await alice.getByRole('button', { name: 'Stop camera' }).waitFor();
  await seesVideoOf(bob, 'Alice');
  await bob.screenshot({ path: join(tmpdir(), 'p2p-late-camera-bob.png') });
  // The bridge session learned it too, ready for when the meeting moves to the bridge.
  await eventually(() => videoTracksOfferedByBridge(bob), (n) => n === 1, 15_000, "Alice's camera announced on the bridge");

  await bob.getByRole('button', { name: 'Start camera' }).click();
  await bob.getByRole('button', { name: 'Stop camera' }).waitFor();
  await seesVideoOf(alice, 'Bob');
  await seesVideoOf(bob, 'Alice');
  await eventually(() => videoTracksOfferedByBridge(alice), (n) => n === 1, 15_000, "Bob's camera announced on the bridge");
  assert.ok(await bridgeStaysQuiet(e2e), 'both cameras went direct: the bridge received none of their media');

  // Stopping and starting the late camera again works as for any camera.
  await alice.getByRole('button', { name: 'Stop camera' }).click();
  await alice.getByRole('button', { name: 'Start camera' }).click();
  await alice.getByRole('button', { name: 'Stop camera' }).waitFor();
  await seesVideoOf(bob, 'Alice');

  // A third person: the meeting moves to the bridge, and the late cameras go with it.
  const before = await bridgeRtpPacketsReceived(e2e);
  const carol = await joinWith(e2e, room, 'Carol', '');
  pages.push(carol);
  await seesVideoOf(carol, 'Alice');
  await seesVideoOf(carol, 'Bob');
  await seesVideoOf(bob, 'Alice');
  assert.ok((await bridgeRtpPacketsReceived(e2e)) > before + 100, 'with three, media goes through the bridge');

  // She leaves: the two meet directly again, with both cameras.
  await leave(carol);
  await eventually(() => bridgeStaysQuiet(e2e), (q) => q, 20_000, 'the two meet directly again');
  await seesVideoOf(bob, 'Alice');
  await seesVideoOf(alice, 'Bob');
}));

test('a microphone started late in a peer-to-peer call is heard by the other person directly', () => withLeaving(async (pages) => {
  const room = 'p2p-late-microphone';
  const microphoneBusy = busyAtFirst('audio', 2);
  const alice = await joinWith(e2e, room, 'Alice', microphoneBusy);
  const bob = await joinWith(e2e, room, 'Bob', microphoneBusy);
  pages.push(alice, bob);
  for (const page of [alice, bob]) await page.getByRole('status').getByText('Your microphone is not available', { exact: false }).waitFor();
  await seesVideoOf(alice, 'Bob');
  await seesVideoOf(bob, 'Alice');
  await eventually(() => bridgeStaysQuiet(e2e), (q) => q, 20_000, 'the two meet directly');

  await alice.getByRole('button', { name: 'Unmute microphone' }).click();
  await alice.getByRole('button', { name: 'Mute microphone' }).waitFor();
  await hearsSound(bob, 'Bob');
  await bob.getByRole('button', { name: 'Unmute microphone' }).click();
  await bob.getByRole('button', { name: 'Mute microphone' }).waitFor();
  await hearsSound(alice, 'Alice');
  assert.ok(await bridgeStaysQuiet(e2e), 'both microphones went direct: the bridge received none of their media');
}));

test.run();
