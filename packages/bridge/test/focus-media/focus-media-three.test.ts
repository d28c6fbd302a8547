// Issue 4 proofs signalled through the REAL focus (testkit startStack: our XMPP server, the focus and
// a bridge, all in this process on loopback). Each participant is a werift RTCPeerConnection whose
// offer came from the focus's session-initiate and whose answer went back as session-accept
// (testkit's MediaParticipant): nothing here talks COLIBRI2 to the bridge. Three of them meet and
// each receives the other two's Opus and VP8 intact; with last-N = 1 on its bridge channel, a
// receiver gets only the dominant speaker's video.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningStack } from '@plenum/testkit';
import { assertNoLeakedHandles, startStack, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ChannelClient } from '../channel/channel-client.ts';
import type { Received } from '../channel/channel-client.ts';
import { audioPayload, readVp8Frame, vp8Frame } from './vp8-test-frames.ts';

const ROOM = 'media-three';
const FRAME_MS = 20;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Ctx = { stack?: RunningStack; people: MediaParticipant[]; channels: ChannelClient[]; baseline: string[] };
const test = suite<Ctx>('media through the real focus', { people: [], channels: [], baseline: [] });

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startStack({ bridges: 1 });
  for (let i = 0; i < 3; i++) ctx.people.push(await MediaParticipant.join({ port: ctx.stack.server.tcpPort, room: ROOM }));
  await Promise.all(ctx.people.map((p) => p.connected()));
});

test.after(async (ctx) => {
  for (const c of ctx.channels) c.close();
  for (const p of ctx.people) await p.close();
  await ctx.stack?.close();
  await assertNoLeakedHandles(ctx.baseline, 5000);
});

/**
 * Sends from every participant, every FRAME_MS, one Opus packet (payload tagged with sender and
 * index; RFC 6464 level from `levelOf`) and one VP8 frame (a key frame every 10th), until `stop`.
 */
function sendLoop(people: readonly MediaParticipant[], levelOf: (sender: number, nowMs: number) => number): { stop: () => Promise<number> } {
  let isStopping = false;
  let k = 0;
  const running = (async () => {
    for (; !isStopping; k++) {
      for (const [i, p] of people.entries()) {
        p.sendAudio(audioPayload(i, k), levelOf(i, Date.now()));
        p.sendVideo(vp8Frame({ sender: i, layer: 0, k }, (1000 * (i + 1) + k) & 0x7fff, k % 10 === 0, 200));
      }
      await sleep(FRAME_MS);
    }
  })();
  return { stop: async () => { isStopping = true; await running; return k; } };
}

test('three participants receive each other\'s Opus and VP8, intact, under the senders\' signalled SSRCs', async (ctx) => {
  const people = ctx.people;
  const ssrcOwner = new Map<number, { sender: number; kind: 'audio' | 'video' }>();
  for (const [i, p] of people.entries()) {
    ssrcOwner.set(p.audioSsrc, { sender: i, kind: 'audio' });
    ssrcOwner.set(p.videoSsrcs[0]!, { sender: i, kind: 'video' });
  }
  const from = (r: MediaParticipant, sender: number, kind: 'audio' | 'video') =>
    r.received.filter((pkt) => ssrcOwner.get(pkt.header.ssrc)?.sender === sender && ssrcOwner.get(pkt.header.ssrc)?.kind === kind);
  const loop = sendLoop(people, () => 0x80 | 40);
  try {
    await waitUntil('everybody receives 30 packets of each of the other two\'s audio and video', () => people.every((r, ri) =>
      people.every((_, si) => si === ri || (from(r, si, 'audio').length >= 30 && from(r, si, 'video').length >= 30))), 20_000);
  } finally {
    await loop.stop();
  }

  for (const [ri, r] of people.entries()) {
    const own = new Set([people[ri]!.audioSsrc, ...people[ri]!.videoSsrcs]);
    assert.ok(r.received.every((pkt) => !own.has(pkt.header.ssrc)), `${r.id} never gets its own media back`);
    assert.ok(r.received.every((pkt) => ssrcOwner.has(pkt.header.ssrc)), `${r.id} gets only signalled SSRCs`);
    for (const [si] of people.entries()) {
      if (si === ri) continue;
      const audio = from(r, si, 'audio');
      const ks = audio.map((pkt) => pkt.payload.readUInt16BE(2));
      for (const [n, pkt] of audio.entries()) {
        assert.is(pkt.header.payloadType, r.negotiated.opusPayloadType, 'Opus under its negotiated payload type');
        assert.equal(pkt.payload, audioPayload(si, ks[n]!), `${r.id}: audio from ${si} intact`);
      }
      assert.equal(ks, Array.from({ length: ks.length }, (_, n) => ks[0]! + n), `${r.id}: audio from ${si}, every packet from the first on, in order`);
      const video = from(r, si, 'video');
      const frames = video.map((pkt) => readVp8Frame(pkt.payload));
      for (const [n, f] of frames.entries()) {
        assert.ok(f !== undefined && f.tag.sender === si, `${r.id}: a test frame of ${si}`);
        assert.is(video[n]!.header.payloadType, r.negotiated.vp8PayloadType, 'VP8 under its negotiated payload type');
        assert.equal(video[n]!.payload, vp8Frame(f.tag, f.pictureId, f.isKey, 200), `${r.id}: video from ${si} intact`);
      }
      const vks = frames.map((f) => f!.tag.k);
      assert.equal(vks, Array.from({ length: vks.length }, (_, n) => vks[0]! + n), `${r.id}: video from ${si}, every frame from the first on, in order`);
      assert.ok(frames[0]?.isKey, `${r.id}: video from ${si} starts with a key frame`);
    }
  }
});

/** RFC 6464 byte of speech (voice activity, −20…−35 dBov with a dip every 400 ms) or of silence. */
const speech = (nowMs: number): number => 0x80 | (nowMs % 400 < 40 ? 70 : 27 + Math.round(8 * Math.sin(nowMs / 70)));
const SILENCE = 0x7f;

test('last-N = 1 on the bridge channel: the receiver gets only the dominant speaker\'s video', async (ctx) => {
  const [a, b, c] = ctx.people as [MediaParticipant, MediaParticipant, MediaParticipant];
  const channel = await ChannelClient.open(c.bridgeChannelUrl);
  ctx.channels.push(channel);
  await channel.next((m) => m.colibriClass === 'ServerHello', 5000, 'ServerHello');
  channel.send({ colibriClass: 'ReceiverVideoConstraints', lastN: 1, assumedBandwidthBps: 10_000_000, constraints: {} });
  let speaker = 0;
  const loop = sendLoop([a, b], (i, nowMs) => (i === speaker ? speech(nowMs) : SILENCE));
  const dominant = (p: MediaParticipant) => (m: Received): boolean => m.colibriClass === 'DominantSpeakerEndpointChangeEvent' && m.dominantSpeakerEndpoint === p.id;
  const forwarded = (p: MediaParticipant) => (m: Received): boolean =>
    m.colibriClass === 'ForwardedSources' && JSON.stringify(m.forwardedSources) === JSON.stringify([p.videoSourceName]);
  const videoOf = (p: MediaParticipant, fromIndex: number): number => c.received.slice(fromIndex).filter((pkt) => pkt.header.ssrc === p.videoSsrcs[0]).length;
  try {
    for (const [now, other] of [[a, b], [b, a]] as const) {
      speaker = now === a ? 0 : 1;
      await channel.next(dominant(now), 20_000, `${now.id} dominant`);
      await channel.next(forwarded(now), 5000, `ForwardedSources [${now.videoSourceName}]`);
      // Packets already on their way when the set changed may still arrive: count from the first of the new set on.
      await waitUntil(`${now.id}'s video reaches ${c.id}`, () => videoOf(now, Math.max(0, c.received.length - 200)) > 0, 5000);
      const mark = c.received.length;
      await waitUntil(`${now.id}'s video keeps flowing`, () => videoOf(now, mark) >= 20, 10_000);
      assert.is(videoOf(other, mark), 0, `none of ${other.id}'s video while ${now.id} is the dominant speaker`);
      assert.ok(c.received.slice(mark).some((pkt) => pkt.header.ssrc === other.audioSsrc), `${other.id}'s audio still flows (last-N is about video)`);
    }
  } finally {
    await loop.stop();
  }
});

test.run();
