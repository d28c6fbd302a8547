// Leaving an end-to-end encrypted meeting, in the real app on the real server (Chromium). Bob is in
// an encrypted room with Alice and Carol; the test keeps everything Bob's browser knew of the keys
// (his identity private key, copied out by a WebCrypto patch he could make to his own browser, and
// every key message his page received over its WebSocket: kept-keys.ts). A werift participant
// receives what the bridge forwards. After Bob leaves, Alice and Carol move to fresh keys and keep
// seeing each other; Bob's kept keys, and every ratchet step of them, open none of the frames they
// send once the switch shows on the wire (audio and video under a new key index), while the same
// keys opened every frame they sent before he left, and Carol's keys open Alice's new frames (so the
// capture is sound). Were the new key a ratchet of the old one, or sent to Bob, the test would fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { eventually, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import type { ForwardedFrame } from './forwarded-frames.ts';
import { countsOf, forwardedFrames, ssrcOwners } from './forwarded-frames.ts';
import { derivableMaterial, joinKeepingKeys, openedAsReceiver, openedByAny } from './kept-keys.ts';

const ROOM = 'encrypted-leave';
/** Of each sender, per phase: enough to be sure, few enough to collect in seconds. */
const VIDEO_FRAMES = 20;
const AUDIO_FRAMES = 40;

/** The trailer's last byte: which of the sender's keys encrypted the frame (protocols.md §8.7). */
const keyIndexOf = (f: ForwardedFrame): number => f.data[f.data.length - 1] as number;

test('a participant that left keeps all its keys and opens nothing sent after the others re-keyed', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  try {
    const alice = await joinKeepingKeys(e2e, ROOM, 'Alice');
    const bob = await joinKeepingKeys(e2e, ROOM, 'Bob');
    const carol = await joinKeepingKeys(e2e, ROOM, 'Carol');
    await Promise.all(([[alice, 'Carol'], [carol, 'Alice'], [bob, 'Alice'], [bob, 'Carol']] as const).map(([page, other]) => seesVideoOf(page.page, other)));
    await bob.keepIdentity();
    await carol.keepIdentity();
    const nicks = bob.nicks();
    const aliceId = nicks.get('Alice') as string;
    const carolId = nicks.get('Carol') as string;
    assert.ok(aliceId !== undefined && carolId !== undefined, 'Bob saw Alice and Carol in presence');

    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    await werift.connected();
    const w = werift;
    const owners = ssrcOwners(w);
    const counts = (m: Map<string, ForwardedFrame[]>) => ({ alice: countsOf(m.get(aliceId)), carol: countsOf(m.get(carolId)) });
    const enough = (n: ReturnType<typeof counts>): boolean => [n.alice, n.carol].every((c) => c.video >= VIDEO_FRAMES && c.audio >= AUDIO_FRAMES);
    const collect = async (what: string): Promise<Map<string, ForwardedFrame[]>> => {
      await eventually(async () => counts(forwardedFrames(w, w.received, owners)), enough, 20_000, what);
      return forwardedFrames(w, w.received.splice(0), owners);
    };
    const before = await collect('frames of Alice and Carol while Bob is in');

    const freshSent = { toCarol: carol.keyMessagesFrom(aliceId), toAlice: alice.keyMessagesFrom(carolId) };
    await bob.page.getByRole('button', { name: 'Leave meeting' }).click();
    await bob.page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
    // Each of them sends the other a fresh key, and encrypts with it a moment later (FRESH_KEY_DELAY_MS).
    await eventually(async () => ({ toCarol: carol.keyMessagesFrom(aliceId), toAlice: alice.keyMessagesFrom(carolId) }),
      (n) => n.toCarol > freshSent.toCarol && n.toAlice > freshSent.toAlice, 15_000, 'fresh keys sent after Bob left');
    // The re-key as the bridge sees it: audio and video of both under a key index not used before.
    // From then on (plus a moment for frames encrypted just before it, still in flight) every frame counts.
    const oldIndices = new Map([aliceId, carolId].map((id) => [id, new Set((before.get(id) ?? []).map(keyIndexOf))]));
    const underNewKeys = (m: Map<string, ForwardedFrame[]>) => {
      const fresh = (id: string) => countsOf((m.get(id) ?? []).filter((f) => !(oldIndices.get(id) as Set<number>).has(keyIndexOf(f))));
      return { alice: fresh(aliceId), carol: fresh(carolId) };
    };
    await eventually(async () => underNewKeys(forwardedFrames(w, w.received, owners)), (n) => [n.alice, n.carol].every((c) => c.video > 0 && c.audio > 0),
      15_000, 'audio and video of Alice and Carol under new keys');
    await new Promise((r) => setTimeout(r, 500));
    w.received.length = 0;
    await Promise.all([seesVideoOf(alice.page, 'Carol'), seesVideoOf(carol.page, 'Alice')]);
    const after = await collect('frames of Alice and Carol after the re-key');

    const bobHeld = await bob.mediaKeys();
    const carolHeld = await carol.mediaKeys();
    for (const [name, id] of [['Alice', aliceId], ['Carol', carolId]] as const) {
      const held = bobHeld.filter((k) => k.sender === id);
      assert.ok(held.length >= 1, `Bob received ${name}'s key`);
      const old = before.get(id) as ForwardedFrame[];
      const fresh = after.get(id) as ForwardedFrame[];
      console.log(`${name}: ${old.length} frames before Bob left, ${fresh.length} after the re-key; Bob held ${held.length} key(s) at index ${held.map((k) => k.index)}`);
      assert.is(await openedAsReceiver(held, old), old.length, `Bob's keys open every frame ${name} sent while he was in`);
      assert.is(await openedAsReceiver(held, fresh), 0, `Bob's keys open none of ${name}'s frames after the re-key`);
      assert.is(await openedByAny(await derivableMaterial(held), fresh), 0, `no ratchet step of Bob's keys opens ${name}'s frames after the re-key`);
    }
    const aliceFresh = after.get(aliceId) as ForwardedFrame[];
    assert.is(await openedAsReceiver(carolHeld.filter((k) => k.sender === aliceId), aliceFresh), aliceFresh.length, 'Carol\'s keys open every frame Alice sent after the re-key');
  } finally {
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
