// Two, then three Chromium tabs meet through Plenum's real focus and bridge using the conference
// core: each sees the others' camera video with decoded frames advancing and receives their audio;
// group chat reaches everyone and a private message only its addressee; a mute and a raised hand
// show in the others' roster; a screen share arrives as a second video; leaving removes the
// participant from the others' roster.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Harness } from './harness-entry.ts';
import type { BrowserStack } from './browser-stack.ts';
import { speechWav } from '../speech-wav.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const ROOM = 'core-meeting';
const MEDIA_TIMEOUT_MS = 20_000;

const state = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.state());
const frames = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.videoFrames());
const audio = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.audioPackets());
const outbound = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.outboundVideo());
const chats = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.chats());

async function join(stack: BrowserStack, name: string): Promise<{ page: Page; id: string }> {
  const page = await stack.newTab();
  const id = await page.evaluate(([config, room, displayName]) => (globalThis as unknown as { harness: H }).harness.join(config, room, displayName),
    [stack.config, ROOM, name] as const);
  return { page, id };
}

/** Every id in `others` shows camera frames that keep advancing, and audio packets that keep arriving, on `page`. */
async function receivesMediaFrom(page: Page, others: readonly string[], who: string): Promise<void> {
  const first = await eventually(async () => ({ f: await frames(page), a: await audio(page) }),
    (v) => others.every((id) => (v.f[`${id}:camera`] ?? 0) > 0 && (v.a[id] ?? 0) > 0), MEDIA_TIMEOUT_MS, `${who} gets video and audio from ${others.join(', ')}`);
  await eventually(async () => ({ f: await frames(page), a: await audio(page) }),
    (v) => others.every((id) => (v.f[`${id}:camera`] ?? 0) > (first.f[`${id}:camera`] ?? 0) + 5 && (v.a[id] ?? 0) > (first.a[id] ?? 0) + 5),
    MEDIA_TIMEOUT_MS, `${who}'s frames and audio packets from ${others.join(', ')} keep advancing`);
}

test('two then three browsers meet through the focus and bridge: video, audio, chat, mute (held at the bridge), hand, screen share, leave', async () => {
  // Everyone's microphone speaks (espeak-ng), so the bridge has someone to name dominant speaker.
  const stack = await startBrowserStack({}, { fakeAudioFile: speechWav() });
  try {
    const alice = await join(stack, 'Alice');
    const bob = await join(stack, 'Bob');
    assert.match(alice.id, /^[0-9a-f]{8}$/);
    assert.is.not(alice.id, bob.id);

    // Two people: each lists the other by name and gets their media.
    const aliceView = await eventually(() => state(alice.page), (s) => s.participants.some((p) => p.id === bob.id && p.displayName === 'Bob'), 10_000, 'Alice sees Bob');
    assert.is(aliceView.state, 'joined');
    assert.is(aliceView.participants[0]?.isLocal, true);
    await receivesMediaFrom(alice.page, [bob.id], 'Alice');
    await receivesMediaFrom(bob.page, [alice.id], 'Bob');

    // The camera goes to the bridge as 3 simulcast layers (SIM group + RTX pairs, like Jitsi's client).
    const groups = await alice.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.localSsrcGroups());
    assert.is(groups.filter((g) => g.startsWith('SIM ')).length, 1, groups.join(' | '));
    assert.is(groups.find((g) => g.startsWith('SIM '))?.split(' ').length, 4, 'SIM names 3 SSRCs');
    assert.is(groups.filter((g) => g.startsWith('FID ')).length, 3, groups.join(' | '));
    const layers = await eventually(() => outbound(alice.page), (o) => o.length === 3 && o.some((l) => l.packetsSent > 0), 10_000, 'Alice sends simulcast');
    assert.is(new Set(layers.map((l) => l.ssrc)).size, 3);
    // Loopback loses nothing: Bob's tile at Alice reads a good connection.
    await eventually(() => state(alice.page), (s) => s.participants.find((p) => p.id === bob.id)?.connectionQuality === 'good', 15_000, 'Bob\'s connection shows good');

    // A third joins: everyone gets both others.
    const carol = await join(stack, 'Carol');
    await receivesMediaFrom(carol.page, [alice.id, bob.id], 'Carol');
    await receivesMediaFrom(alice.page, [bob.id, carol.id], 'Alice');
    await receivesMediaFrom(bob.page, [alice.id, carol.id], 'Bob');
    for (const page of [alice.page, bob.page, carol.page]) {
      const s = await state(page);
      assert.is(s.participants.length, 3);
      assert.equal(s.participants.map((p) => p.displayName).sort(), ['Alice', 'Bob', 'Carol']);
    }
    // The bridge names a dominant speaker among the three (everyone's fake microphone speaks).
    const speaker = (await eventually(() => state(alice.page), (s) => s.dominantSpeaker !== undefined, 20_000, 'a dominant speaker')).dominantSpeaker;
    assert.ok([alice.id, bob.id, carol.id].includes(speaker ?? ''), `dominant speaker ${speaker}`);

    // Group chat reaches everyone (the sender sees it as its own); a private message only its addressee.
    await alice.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.sendChat('hello all'));
    await bob.page.evaluate((to) => (globalThis as unknown as { harness: H }).harness.sendChat('psst carol', to), carol.id);
    for (const [page, who] of [[alice.page, 'Alice'], [bob.page, 'Bob'], [carol.page, 'Carol']] as const) {
      const got = await eventually(() => chats(page), (c) => c.some((m) => m.text === 'hello all'), 5000, `${who} gets the group message`);
      const m = got.find((x) => x.text === 'hello all');
      assert.is(m?.from, alice.id);
      assert.is(m?.fromName, 'Alice');
      assert.is(m?.isLocal, page === alice.page);
      assert.is(m?.privateWith, undefined);
    }
    const carolChats = await eventually(() => chats(carol.page), (c) => c.some((m) => m.text === 'psst carol'), 5000, 'Carol gets the private message');
    assert.is(carolChats.find((m) => m.text === 'psst carol')?.privateWith, bob.id);
    assert.not.ok((await chats(alice.page)).some((m) => m.text === 'psst carol'), 'Alice must not see a private message to Carol');

    // Bob mutes and raises his hand: the others' rosters show it.
    await bob.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.setAudioMuted(true));
    await bob.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.setHandRaised(true));
    for (const page of [alice.page, carol.page]) {
      await eventually(() => state(page), (s) => s.participants.some((p) => p.id === bob.id && p.audioMuted && p.handRaised), 5000, 'Bob shows muted with a raised hand');
    }

    // Alice, the first in the room, is its moderator: her mute reaches Carol, whose own view and the others' show it.
    assert.is((await state(alice.page)).participants[0]?.role, 'moderator');
    assert.is((await state(carol.page)).participants[0]?.role, 'participant');
    await alice.page.evaluate((id) => (globalThis as unknown as { harness: H }).harness.muteParticipant(id, 'audio'), carol.id);
    await eventually(() => state(carol.page), (s) => s.participants[0]?.audioMuted === true, 5000, 'Carol is muted by the moderator');
    await eventually(() => state(bob.page), (s) => s.participants.some((p) => p.id === carol.id && p.audioMuted), 5000, 'Bob sees Carol muted');
    // The bridge holds the moderator's mute: a muted track still sends 50 silent Opus packets a
    // second, and none of Carol's reach Bob (a packet or two may still be in flight).
    await new Promise((r) => setTimeout(r, 1000));
    const heldFrom = (await audio(bob.page))[carol.id] ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    const heldTo = (await audio(bob.page))[carol.id] ?? 0;
    assert.ok(heldTo - heldFrom <= 2, `no audio of Carol's passes the bridge while a moderator has her muted (${heldTo - heldFrom} packets)`);
    // Carol unmutes herself: the focus lifts the bridge's force-mute and Bob hears her again.
    await carol.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.setAudioMuted(false));
    await eventually(() => state(bob.page), (s) => s.participants.some((p) => p.id === carol.id && !p.audioMuted), 5000, 'Bob sees Carol unmuted');
    await eventually(() => audio(bob.page), (a) => (a[carol.id] ?? 0) > heldTo + 25, MEDIA_TIMEOUT_MS, "Carol's audio reaches Bob again");

    // Bob shares his screen: the others get it as a second video of his, then it goes away again.
    await bob.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.startScreenShare());
    for (const page of [alice.page, carol.page]) {
      const first = await eventually(() => frames(page), (f) => (f[`${bob.id}:screen`] ?? 0) > 0, MEDIA_TIMEOUT_MS, 'the screen share arrives');
      await eventually(() => frames(page), (f) => (f[`${bob.id}:screen`] ?? 0) > (first[`${bob.id}:screen`] ?? 0) + 3, MEDIA_TIMEOUT_MS, 'screen frames advance');
      const s = await state(page);
      assert.ok(s.participants.find((p) => p.id === bob.id)?.screenSharing, 'Bob shows as sharing');
      assert.ok(s.participants.find((p) => p.id === bob.id)?.hasCamera, 'Bob keeps his camera');
    }
    await bob.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.stopScreenShare());
    for (const page of [alice.page, carol.page]) {
      await eventually(() => state(page), (s) => s.participants.some((p) => p.id === bob.id && !p.screenSharing && !p.hasScreen), 5000, 'the share ends');
    }

    // Carol leaves: the others no longer list her.
    await carol.page.evaluate(() => (globalThis as unknown as { harness: H }).harness.leave());
    assert.is((await state(carol.page)).state, 'ended');
    for (const page of [alice.page, bob.page]) {
      await eventually(() => state(page), (s) => s.participants.length === 2 && !s.participants.some((p) => p.id === carol.id), 5000, 'Carol is gone');
    }
    // The remaining two still get each other's video.
    await receivesMediaFrom(alice.page, [bob.id], 'Alice after Carol left');

    const dir = mkdtempSync(pathJoin(tmpdir(), 'plenum-core-'));
    await alice.page.screenshot({ path: pathJoin(dir, 'alice.png') });
  } finally {
    await stack.close();
  }
});

test.run();
