// The bridge channel over the SCTP data channel from Chromium (protocols.md §5): with config.js
// bridgeChannel.preferSctp (docker-compose's setting) the conference core answers the focus's data content and
// opens 'JVB data channel' on the media connection, as lib-jitsi-meet does; with preferSctp false
// it answers without it and uses the bridge's WebSocket. Both kinds of participant meet in one room
// through the real focus and bridge, and the channel works both ways either way: the dominant
// speaker arrives (a werift participant in the room speaks with steady RFC 6464 levels while the
// browsers join muted: with three fake microphones beeping, the bridge often elects nobody within
// 20 s, over either transport), and video follows the receiver constraints sent on it (last-N 0 over
// SCTP: audio but no video).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { bridgeHttpStats } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { WebConfig } from '../../src/shared/web-config.ts';
import type { Harness } from './harness-entry.ts';
import type { BrowserStack } from './browser-stack.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const ROOM = 'sctp-channel';

const state = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.state());
const frames = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.videoFrames());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** An Opus frame of silence (RFC 6716 TOC 0xf8: CELT FB 20 ms); what matters is its RFC 6464 level. */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const audio = (p: Page) => p.evaluate(() => (globalThis as unknown as { harness: H }).harness.audioPackets());

async function join(stack: BrowserStack, name: string, config: WebConfig): Promise<{ page: Page; id: string }> {
  const page = await stack.newTab();
  const id = await page.evaluate(([c, room, displayName]) => (globalThis as unknown as { harness: H }).harness.join(c, room, displayName),
    [config, ROOM, name] as const);
  return { page, id };
}

test('two browsers on the SCTP data channel and one on the WebSocket get the dominant speaker; last-N 0 sent over SCTP stops video', async () => {
  const stack = await startBrowserStack();
  let speaker: MediaParticipant | undefined;
  let isSpeaking = true;
  let speaking: Promise<void> | undefined;
  try {
    const config: WebConfig = { ...stack.config, startWithAudioMuted: true, bridgeChannel: { preferSctp: true } };
    // Alice asks for no video at all (ReceiverVideoConstraints lastN 0 on her data channel).
    const alice = await join(stack, 'Alice', { ...config, channelLastN: 0 });
    const bob = await join(stack, 'Bob', config);
    const carol = await join(stack, 'Carol', { ...config, bridgeChannel: { preferSctp: false } });
    const people = [alice, bob, carol];
    const bridge = stack.plenum.bridges[0]!;
    const stats = await eventually(() => bridgeHttpStats(bridge),
      (s) => s.bridge_channels_opened_sctp === 2 && s.bridge_channels_opened_websocket === 1, 20_000, 'two SCTP channels and one WebSocket at the bridge');
    assert.is(stats.sctp_data_channels_refused, 0);
    // A fourth participant speaks (voice activity, about −30 dBov with short dips) until the end.
    const talker = await MediaParticipant.join({ port: stack.plenum.server.tcpPort, room: ROOM });
    speaker = talker;
    await talker.connected();
    speaking = (async () => {
      while (isSpeaking) {
        talker.sendAudio(OPUS_SILENCE, 0x80 | (Date.now() % 400 < 40 ? 70 : 30));
        await sleep(20);
      }
    })();
    for (const [i, p] of people.entries()) {
      await eventually(() => state(p.page), (v) => v.dominantSpeaker === talker.id, 20_000, `${['Alice', 'Bob', 'Carol'][i]} hears that the talker is the dominant speaker`);
      if (p === alice) continue;
      const others = people.filter((q) => q !== p).map((q) => q.id);
      // Cameras only: the talker sends no video.
      await eventually(() => frames(p.page), (f) => others.every((id) => (f[`${id}:camera`] ?? 0) > 5), 20_000, `${['Alice', 'Bob', 'Carol'][i]} sees both others' cameras`);
    }
    // Video flowed to Bob and Carol all along; Alice, with last-N 0, hears the talker but gets no video.
    await eventually(() => audio(alice.page), (a) => (a[speaker!.id] ?? 0) > 10, 20_000, 'Alice hears the talker');
    const aliceFrames = await frames(alice.page);
    assert.is((aliceFrames[`${bob.id}:camera`] ?? 0) + (aliceFrames[`${carol.id}:camera`] ?? 0), 0, 'no video frames at Alice');
  } finally {
    isSpeaking = false;
    await speaking;
    await speaker?.close();
    await stack.close();
  }
});

test.run();
