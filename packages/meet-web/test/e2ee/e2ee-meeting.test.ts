// End-to-end encryption in the real app on the real one-command server (startAllInOne) in
// Chromium: the room is created encrypted (PLENUM_WEB_E2EE_DEFAULT), three people see and hear each
// other, while a werift participant that the focus adds like any other receives from the bridge
// exactly what it forwards: every VP8 frame and Opus packet carries the E2EE trailer, the bytes past
// the codec's clear header are noise, and libvpx cannot decode the frames. The pair's SAS emoji
// match on both sides, and a "verified" mark shows in the participant list. Bob and Carol join
// after Alice, so they decrypt with keys Alice ratcheted for them. (Leaving: e2ee-leave.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { hearsOthers, joinDirectly, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { concat, decodeWithLibvpx, entropyBitsPerByte, hasE2eeTrailer, isVp8KeyFrame, vp8Frames } from './ciphertext-analysis.ts';
import { e2eeBadge, sasWith } from './e2ee-pages.ts';

const ROOM = 'encrypted-three';
const NAMES = ['Alice', 'Bob', 'Carol'] as const;

test('three people meet end-to-end encrypted; what the bridge forwards is ciphertext; SAS match on both sides', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  try {
    const pages: Page[] = [];
    // Alice creates the room (encrypted by the server default); Bob and Carol join later, so their
    // keys come from ratchets: each decrypts only from its join on.
    for (const name of NAMES) pages.push(await joinDirectly(e2e, ROOM, name));
    const [alice, bob] = pages as [Page, Page, Page];
    for (const page of pages) await e2eeBadge(page).waitFor();
    for (const [i, page] of pages.entries()) {
      for (const other of NAMES.filter((n) => n !== NAMES[i])) await seesVideoOf(page, other);
      await hearsOthers(page, 2);
    }

    // A participant without keys, receiving what the bridge forwards to everyone.
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM.toLowerCase() });
    await werift.connected();
    for (const page of pages) await page.getByRole('button', { name: /cannot decrypt/ }).waitFor();
    const deadline = Date.now() + 20_000;
    const { vp8PayloadType, opusPayloadType } = werift.negotiated;
    while (Date.now() < deadline && (vp8Frames(werift.received, vp8PayloadType).length < 40 || werift.received.filter((p) => p.header.payloadType === opusPayloadType).length < 150)) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const frames = vp8Frames(werift.received, vp8PayloadType);
    const opus = werift.received.filter((p) => p.header.payloadType === opusPayloadType && p.payload.length > 0).map((p) => new Uint8Array(p.payload));
    assert.ok(frames.length >= 40, `enough whole VP8 frames forwarded (${frames.length})`);
    assert.ok(opus.length >= 150, `enough Opus packets forwarded (${opus.length})`);
    assert.is(frames.filter((f) => !hasE2eeTrailer(f)).length, 0, 'every VP8 frame ends with the E2EE trailer');
    assert.is(opus.filter((p) => !hasE2eeTrailer(p)).length, 0, 'every Opus packet ends with the E2EE trailer');
    // Past the clear bytes (VP8: 10 on key frames, 3 on deltas; Opus: the TOC) and before the trailer's IV.
    const vp8Cipher = concat(frames.map((f) => f.subarray(isVp8KeyFrame(f) ? 10 : 3, f.length - 14)));
    const opusCipher = concat(opus.map((p) => p.subarray(1, p.length - 14)));
    const vp8Entropy = entropyBitsPerByte(vp8Cipher);
    const opusEntropy = entropyBitsPerByte(opusCipher);
    assert.ok(vp8Entropy > 7.98, `VP8 ciphertext looks random (${vp8Entropy.toFixed(4)} bits/byte over ${vp8Cipher.length} bytes)`);
    assert.ok(opusEntropy > 7.95, `Opus ciphertext looks random (${opusEntropy.toFixed(4)} bits/byte over ${opusCipher.length} bytes)`);
    const libvpx = decodeWithLibvpx(frames);
    console.log(`bridge-forwarded: ${frames.length} VP8 frames, ${opus.length} Opus packets; entropy past the clear bytes VP8 ${vp8Entropy.toFixed(4)}, Opus ${opusEntropy.toFixed(4)} bits/byte; libvpx decoded ${libvpx.decoded}`);
    assert.match(libvpx.errors, /Corrupt frame|Invalid data/, 'libvpx reports corrupt frames');
    assert.ok(libvpx.decoded < frames.length / 2, `libvpx decodes few of the frames (${libvpx.decoded} of ${frames.length})`);

    // Alice and Bob compare their emoji: the same seven on both sides.
    const aliceSees = await sasWith(alice, 'Bob');
    const bobSees = await sasWith(bob, 'Alice');
    assert.is(aliceSees.length, 7);
    assert.equal(aliceSees, bobSees, 'the same SAS on both sides');
    assert.not.equal(await sasWith(pages[2] as Page, 'Alice'), aliceSees, 'another pair has another SAS');
    await alice.getByRole('button', { name: 'They match: Bob is verified' }).click();
    await alice.getByRole('button', { name: 'Close end-to-end encryption' }).click();
    await alice.getByRole('button', { name: 'Participants', exact: true }).click();
    await alice.getByRole('complementary', { name: 'Participants' }).getByRole('img', { name: 'End-to-end encrypted, verified' }).waitFor();

  } finally {
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
