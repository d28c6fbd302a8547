// Joining an end-to-end encrypted meeting late, in the real app on the real server (Chromium).
// Alice and Bob meet in an encrypted room; a werift participant (no keys) receives what the bridge
// forwards of Alice's camera and microphone. Then Dave joins; the test keeps everything Dave's
// browser knew of the keys (his identity private key and every key message his page received:
// kept-keys.ts). The keys Dave got, and every ratchet step forward of them, open none of the frames
// Alice sent before he joined, though Bob's keys open all of them (so they are sound frames), and
// Dave's keys open every frame she sent once he was in. Were Alice to hand Dave the key she was
// using, the test would fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { eventually, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { e2eeBadge } from './e2ee-pages.ts';
import type { ForwardedFrame } from './forwarded-frames.ts';
import { countsOf, forwardedFrames, ssrcOwners } from './forwarded-frames.ts';
import { derivableMaterial, joinKeepingKeys, openedAsReceiver, openedByAny } from './kept-keys.ts';

const ROOM = 'encrypted-late-join';
const VIDEO_FRAMES = 20;
const AUDIO_FRAMES = 40;

test('a participant that joins late opens what was sent from its join on, and nothing from before', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  try {
    const alice = await joinKeepingKeys(e2e, ROOM, 'Alice');
    await e2eeBadge(alice.page).waitFor();
    const bob = await joinKeepingKeys(e2e, ROOM, 'Bob');
    // Both in a running session before the werift participant comes, so its offer names their sources.
    await Promise.all([seesVideoOf(alice.page, 'Bob'), seesVideoOf(bob.page, 'Alice')]);
    await bob.keepIdentity();
    const aliceId = bob.nicks().get('Alice') as string;
    assert.ok(aliceId !== undefined, 'Bob saw Alice in presence');
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    await werift.connected();
    const w = werift;
    const owners = ssrcOwners(w);
    const collect = async (what: string): Promise<ForwardedFrame[]> => {
      const enough = (n: { video: number; audio: number }): boolean => n.video >= VIDEO_FRAMES && n.audio >= AUDIO_FRAMES;
      await eventually(async () => countsOf(forwardedFrames(w, w.received, owners).get(aliceId)), enough, 20_000, what);
      return forwardedFrames(w, w.received.splice(0), owners).get(aliceId) as ForwardedFrame[];
    };
    const beforeDave = await collect('frames of Alice before Dave joins');

    const dave = await joinKeepingKeys(e2e, ROOM, 'Dave');
    await dave.keepIdentity();
    await seesVideoOf(dave.page, 'Alice');
    // From here on Alice encrypts with the key she ratcheted for Dave.
    w.received.length = 0;
    const sinceDave = await collect('frames of Alice after Dave joined');

    assert.is(dave.nicks().get('Alice'), aliceId, 'Dave knows Alice by the same endpoint id');
    const held = (await dave.mediaKeys()).filter((k) => k.sender === aliceId);
    assert.ok(held.length >= 1, 'Dave received Alice\'s key');
    console.log(`Alice: ${beforeDave.length} frames before Dave joined, ${sinceDave.length} after; Dave held ${held.length} key(s) at index ${held.map((k) => k.index)}`);
    assert.is(await openedAsReceiver(held, sinceDave), sinceDave.length, 'Dave\'s keys open every frame Alice sent once he was in');
    const bobHeld = (await bob.mediaKeys()).filter((k) => k.sender === aliceId);
    assert.is(await openedAsReceiver(bobHeld, beforeDave), beforeDave.length, 'Bob\'s keys open every frame Alice sent before Dave joined');
    assert.is(await openedAsReceiver(held, beforeDave), 0, 'Dave\'s keys open none of the frames Alice sent before he joined');
    assert.is(await openedByAny(await derivableMaterial(held), beforeDave), 0, 'no ratchet step of Dave\'s keys opens them either');
  } finally {
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
