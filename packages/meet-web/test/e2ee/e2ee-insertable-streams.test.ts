// End-to-end encryption in a Chromium without RTCRtpScriptTransform (removed from the page before
// the app loads, as in Chromium versions before it): the app falls back to the older insertable-
// streams API (`encodedInsertableStreams`, `createEncodedStreams`, the streams transferred to the
// same worker). Bob's browser is such a one, Alice's has the standard API: they see and hear each
// other in an encrypted room, each one's worker encrypts what it sends and decrypts what the other
// sends, and what the bridge forwards from Bob is ciphertext.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { directJoinPath, eventually, hearsOthers, joinDirectly, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { hasE2eeTrailer, vp8FramesBySsrc } from './ciphertext-analysis.ts';
import { e2eeBadge, workerStats } from './e2ee-pages.ts';

const ROOM = 'encrypted-insertable';
test('a Chromium with only insertable streams meets end-to-end encrypted with one that has RTCRtpScriptTransform', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    await e2eeBadge(alice).waitFor();
    const bob = await e2e.newPage();
    await bob.addInitScript('delete window.RTCRtpScriptTransform;');
    await bob.goto(`${e2e.origin}${directJoinPath(ROOM, 'Bob')}`);
    await bob.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    assert.is(await bob.evaluate(() => typeof (window as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform), 'undefined', 'Bob\'s page has no RTCRtpScriptTransform');
    await e2eeBadge(bob).waitFor();
    assert.is(await bob.getByRole('button', { name: /cannot take part/ }).count(), 0, 'Bob is not told his browser cannot take part');

    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    await hearsOthers(alice, 1);
    await hearsOthers(bob, 1);
    const bobStats = await eventually(() => workerStats(bob), (s) => s.encrypted > 100 && s.decrypted > 100, 15_000, 'Bob\'s worker encrypts and decrypts');
    const aliceStats = await workerStats(alice);
    assert.ok(aliceStats.decrypted > 100, `Alice decrypts Bob's frames (${aliceStats.decrypted})`);
    assert.is(bobStats.passed, 0, 'nothing passed unencrypted through Bob\'s worker');

    // What the bridge forwards of Bob's camera: every frame carries the E2EE trailer.
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM.toLowerCase() });
    await werift.connected();
    await eventually(async () => vp8FramesBySsrc(werift?.received ?? [], werift?.negotiated.vp8PayloadType ?? -1), (m) => [...m.values()].some((f) => f.length >= 20), 20_000, 'forwarded VP8 frames');
    const frames = [...vp8FramesBySsrc(werift.received, werift.negotiated.vp8PayloadType).values()].flat();
    assert.ok(frames.length >= 20);
    assert.is(frames.filter((f) => !hasE2eeTrailer(f)).length, 0, 'every forwarded VP8 frame is encrypted');
  } finally {
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
