// Issue 4 proof, simulcast part, through the real bridge with werift peers and bridge channels: a
// sender with three simulcast encodings (one SIM group, synthetic VP8 with 320×180 / 640×360 /
// 1280×720 key frames) and a receiver that asks for 180, then 720, then 180 again gets ONE continuous
// stream under the sender's primary SSRC (sequence numbers +1 throughout, timestamps increasing, VP8
// picture ids +1 per frame) whose encoding changes only at key frames, which the bridge asked the
// sender for; a receiver that says its bandwidth is short (assumedBandwidthBps) is moved down an
// encoding; and with last-N = 1 a receiver gets only the dominant speaker's video.
//
// Signalled through the same fake focus as the other forwarding tests (conference-peer.ts), not
// testkit's startStack: its ScriptedParticipant has no media, and the SIM group here is hand-made.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PictureLossIndication, RtcpPayloadSpecificFeedback, RtpHeader, RtpPacket } from 'werift';
import type { Colibri2MediaSource } from '@plenum/xmpp/codec';
import type { MediaStack } from '../transport/media-harness.ts';
import { FOCUS, stopMediaStack } from '../transport/media-harness.ts';
import { modify } from '../integration/harness.ts';
import { ChannelClient } from '../channel/channel-client.ts';
import type { CapturedLog, ConferencePeer, ExtensionIds } from './conference-peer.ts';
import { OPUS_PT, VP8_PT, capturingLogger, connected, joinPeer, startForwardingStack } from './conference-peer.ts';

const MEETING = 'meet-simulcast';
const SENDER: { id: string; ids: ExtensionIds } = { id: 'ep-s', ids: { audioLevel: 1, twcc: 5, mid: 4 } };
const OTHER: { id: string; ids: ExtensionIds } = { id: 'ep-t', ids: { audioLevel: 2, twcc: 6, mid: 8 } };
const RECEIVER: { id: string; ids: ExtensionIds } = { id: 'ep-r', ids: { audioLevel: 3, twcc: 7, mid: 9 } };
const HEIGHTS = [180, 360, 720] as const;
/** Payload bytes per frame and encoding: the measured bitrates grow with the encoding, like real ones. */
const FRAME_BYTES = [100, 300, 900] as const;
const FRAME_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** VP8 (RFC 7741): descriptor with a 15-bit picture id; a key frame header with the encoding's size; a marker. */
function vp8Frame(layer: number, k: number, pictureId: number, key: boolean, bytes: number): Buffer {
  const descriptor = [0x90, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
  const height = HEIGHTS[layer] ?? 180;
  const width = (height * 16) / 9;
  const header = key
    ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8]
    : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  const b = Buffer.alloc(descriptor.length + header.length + bytes);
  Buffer.from([...descriptor, ...header]).copy(b);
  const at = descriptor.length + header.length;
  b.write('L', at, 'latin1');
  b[at + 1] = layer;
  b.writeUInt16BE(k & 0xffff, at + 2);
  for (let i = at + 4; i < b.length; i++) b[i] = (layer * 31 + k * 7 + i) & 0xff;
  return b;
}

/** RFC 6464 byte (voice activity + −dBov) of speech: syllables around −20…−35 dBov with a dip every ~400 ms. */
const speechLevel = (t: number): number => 0x80 | (t % 400 < 40 ? 70 : 27 + Math.round(8 * Math.sin(t / 70)));

/** What a received VP8 packet of the test carries. */
type Frame = { layer: number; k: number; isKey: boolean; pictureId: number; seq: number; ts: number };
function frameOf(p: RtpPacket): Frame {
  const pl = p.payload;
  const isKey = (pl[4]! & 0x01) === 0;
  const at = 4 + (isKey ? 10 : 6);
  return { layer: pl[at + 1]!, k: pl.readUInt16BE(at + 2), isKey, pictureId: ((pl[2]! & 0x7f) << 8) | pl[3]!, seq: p.header.sequenceNumber, ts: p.header.timestamp };
}

/** PLIs the peer received about `ssrc`. */
const plisFor = (p: ConferencePeer, ssrc: number): number =>
  p.rtcp.filter((r) => r instanceof RtcpPayloadSpecificFeedback && r.feedback instanceof PictureLossIndication && r.feedback.mediaSsrc === ssrc).length;

/**
 * A sender of `ssrcs.length` simulcast encodings (each its own sequence numbers, timestamps and picture
 * ids), key frames on PLI. One per test file: stopping and starting again continues every encoding.
 */
class SimulcastSender {
  readonly frames: number[];
  readonly #answered: number[];
  #stop = false;
  #running: Promise<void> | undefined;
  keyframesSent = 0;

  constructor(readonly peer: ConferencePeer, readonly ssrcs: readonly number[]) {
    this.frames = ssrcs.map(() => 0);
    this.#answered = ssrcs.map(() => 0);
  }

  start(): void {
    this.#stop = false;
    this.#running = (async () => {
      while (!this.#stop) {
        for (const [layer, ssrc] of this.ssrcs.entries()) {
          const k = this.frames[layer]!++;
          const plis = plisFor(this.peer, ssrc);
          const key = k === 0 || plis > this.#answered[layer]!;
          this.#answered[layer] = plis;
          if (key) this.keyframesSent++;
          const header = new RtpHeader({
            payloadType: VP8_PT, ssrc, marker: true,
            sequenceNumber: (10_000 * (layer + 1) + k) & 0xffff, timestamp: (1_000_000 * (layer + 1) + 1800 * k) >>> 0,
          });
          await this.peer.dtls.sendRtp(vp8Frame(layer, k, (3000 * (layer + 1) + k) & 0x7fff, key, FRAME_BYTES[layer] ?? 100), header);
        }
        await sleep(FRAME_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
  }
}

/** The bridge channel of a joined peer (its URL carries the bridge's ICE pwd, from the offer the peer got). */
function openChannel(stack: MediaStack, peer: ConferencePeer): Promise<ChannelClient> {
  const pwd = /^a=ice-pwd:(.+)$/m.exec(peer.pc.remoteDescription?.sdp ?? '')?.[1]?.trim() ?? '';
  return ChannelClient.open(`ws://127.0.0.1:${stack.bridge.httpPort}/colibri-ws/${stack.bridge.id}/${MEETING}/${peer.id}?pwd=${pwd}`);
}

/** Waits until `cond` holds, within a deadline (not a timing assertion: a bound on a hang). */
async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

/** Asserts one continuous output stream; returns the runs of encodings it carried. */
function assertContinuous(frames: readonly Frame[], label: string, isFromStart: boolean): number[] {
  const runs: number[] = [];
  for (const [i, f] of frames.entries()) {
    if (i === 0) {
      if (isFromStart) assert.ok(f.isKey, `${label}: starts with a key frame`);
      runs.push(f.layer);
      continue;
    }
    const prev = frames[i - 1]!;
    assert.is(f.seq, (prev.seq + 1) & 0xffff, `${label}: sequence number ${i} follows the previous one (no gap, no jump)`);
    assert.ok(((f.ts - prev.ts) >>> 0) > 0 && ((f.ts - prev.ts) >>> 0) < 0x8000_0000, `${label}: timestamp ${i} increases`);
    assert.is(f.pictureId, (prev.pictureId + 1) & 0x7fff, `${label}: picture id ${i} follows the previous one`);
    if (f.layer !== prev.layer) {
      assert.ok(f.isKey, `${label}: the encoding changes (${prev.layer} → ${f.layer}) only at a key frame`);
      runs.push(f.layer);
    } else {
      assert.is(f.k, prev.k + 1, `${label}: within an encoding, frame after frame`);
    }
  }
  return runs;
}

type Ctx = {
  stack: MediaStack; captured: CapturedLog; baseline: string[]; peers: ConferencePeer[]; channels: ChannelClient[];
  sender: ConferencePeer; other: ConferencePeer; receiver: ConferencePeer; rx: ChannelClient; ssrcs: number[]; tx: SimulcastSender;
};
const test = suite<Ctx>('simulcast layer choice per receiver');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.captured = capturingLogger();
  ctx.stack = await startForwardingStack(ctx.captured);
  ctx.peers = [];
  ctx.channels = [];
  for (const [i, p] of [SENDER, OTHER, RECEIVER].entries()) ctx.peers.push(await joinPeer(ctx.stack, MEETING, p.id, p.ids, i === 0));
  [ctx.sender, ctx.other, ctx.receiver] = ctx.peers as [ConferencePeer, ConferencePeer, ConferencePeer];
  await Promise.all(ctx.peers.map((p) => connected(p.pc)));
  // The sender's video becomes a SIM group of three: its primary SSRC (with its RTX) and two more.
  const s = ctx.sender;
  ctx.ssrcs = [s.videoSsrc, (s.videoSsrc ^ 0x5a5a_0001) >>> 0, (s.videoSsrc ^ 0x5a5a_0002) >>> 0];
  const source: Colibri2MediaSource = {
    type: 'video', id: `${s.id}-v0`,
    sources: [...ctx.ssrcs.map((ssrc) => ({ ssrc, name: `${s.id}-v0`, videoType: 'camera' as const, parameters: [] })), { ssrc: s.videoRtxSsrc, name: `${s.id}-v0`, parameters: [] }],
    sourceGroups: [{ semantics: 'SIM', ssrcs: ctx.ssrcs }, { semantics: 'FID', ssrcs: [s.videoSsrc, s.videoRtxSsrc] }],
  };
  const audio: Colibri2MediaSource = { type: 'audio', id: `${s.id}-a0`, sources: [{ ssrc: s.audioSsrc, name: `${s.id}-a0`, parameters: [] }], sourceGroups: [] };
  const reply = await modify(ctx.stack.focus, FOCUS, ctx.stack.bridge.domain, { meetingId: MEETING, endpoints: [{ id: s.id, media: [], capabilities: [], sources: [audio, source] }] });
  assert.is(reply.attrs.type, 'result');
  ctx.tx = new SimulcastSender(s, ctx.ssrcs);
  ctx.rx = await openChannel(ctx.stack, ctx.receiver);
  ctx.channels.push(ctx.rx);
  await sleep(50); // the bridge's side of DTLS too
});

test.after(async (ctx) => {
  for (const c of ctx.channels) c.close();
  for (const p of ctx.peers) await p.pc.close();
  await stopMediaStack(ctx.stack);
  await sleep(50);
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

/** The receiver's packets of the sender's video (under any SSRC of the sender's source). */
const senderVideo = (ctx: Ctx): RtpPacket[] => ctx.receiver.received.filter((p) => ctx.ssrcs.includes(p.header.ssrc) && p.header.payloadType === VP8_PT);

test('180 → 720 → 180: one continuous stream on the primary SSRC, switching encodings only at key frames', async (ctx) => {
  const { rx, sender } = ctx;
  const name = `${sender.id}-v0`;
  rx.send({ colibriClass: 'ReceiverVideoConstraints', constraints: { [name]: { maxHeight: 180 } } });
  const { tx } = ctx;
  tx.start();
  try {
    const layerCount = (layer: number): number => senderVideo(ctx).filter((p) => frameOf(p).layer === layer).length;
    // on 180p long enough for the bridge to measure every encoding (two allocation ticks): until then
    // the allocator knows heights but no bitrates and steps up one encoding at a time
    await until(() => layerCount(0) >= 60, 'the 180p encoding arrives');
    rx.send({ colibriClass: 'ReceiverVideoConstraints', constraints: { [name]: { maxHeight: 720 } } });
    await until(() => layerCount(2) >= 20, 'the 720p encoding arrives');
    const before = layerCount(0);
    rx.send({ colibriClass: 'ReceiverVideoConstraints', constraints: { [name]: { maxHeight: 180 } } });
    await until(() => senderVideo(ctx).length > 0 && frameOf(senderVideo(ctx).at(-1)!).layer === 0 && layerCount(0) >= before + 20, 'back to 180p');
  } finally {
    await tx.stop();
  }
  const packets = senderVideo(ctx);
  assert.equal([...new Set(packets.map((p) => p.header.ssrc))], [sender.videoSsrc], 'every packet under the primary SSRC, none under the other encodings\' SSRCs');
  const frames = packets.map(frameOf);
  const runs = assertContinuous(frames, 'receiver', true);
  assert.equal(runs, [0, 2, 0], 'it got the 180p encoding, then the 720p one, then the 180p one');
  for (const [i, p] of packets.entries()) {
    const f = frames[i]!;
    assert.equal(p.payload.subarray(4), vp8Frame(f.layer, f.k, 0, f.isKey, FRAME_BYTES[f.layer]!).subarray(4), 'payload intact (after the picture id)');
  }
  assert.ok(plisFor(sender, ctx.ssrcs[2]!) >= 1, 'the bridge asked for a 720p key frame');
  assert.ok(plisFor(sender, ctx.ssrcs[0]!) >= 1, 'and, going back, for a 180p one');
  const fs = rx.received('ForwardedSources').at(-1);
  assert.ok(Array.isArray(fs?.forwardedSources) && fs.forwardedSources.includes(name), 'ForwardedSources names the sender\'s source');
  assert.equal(ctx.captured.problems, [], 'no warning or error inside the bridge');
});

test('a receiver whose bandwidth is short is moved down an encoding, continuously', async (ctx) => {
  const { rx, sender } = ctx;
  const name = `${sender.id}-v0`;
  const start = senderVideo(ctx).length;
  rx.send({ colibriClass: 'ReceiverVideoConstraints', constraints: { [name]: { maxHeight: 720 } } });
  const { tx } = ctx;
  tx.start();
  try {
    const recent = (): Frame[] => senderVideo(ctx).slice(start).map(frameOf);
    // long enough on 720p for the bridge to have measured every encoding's bitrate (two allocation ticks)
    await until(() => recent().filter((f) => f.layer === 2).length >= 60, 'on 720p for a while');
    // 720p here is ≈ 400 kbit/s, 360p ≈ 150 kbit/s, 180p ≈ 60 kbit/s: 250 kbit/s fits 360p, not 720p
    rx.send({ colibriClass: 'ReceiverVideoConstraints', assumedBandwidthBps: 250_000 });
    await until(() => recent().filter((f) => f.layer === 1).length >= 20, 'moved to 360p');
    const frames = recent();
    const runs = assertContinuous(frames, 'receiver', false);
    assert.equal(runs.slice(runs.indexOf(2)), [2, 1], 'from 720p down to 360p, not further');
  } finally {
    await tx.stop();
  }
  assert.equal(ctx.captured.problems, [], 'no warning or error inside the bridge');
});

test('last-N = 1: only the dominant speaker\'s video reaches the receiver', async (ctx) => {
  const { rx, sender, other } = ctx;
  rx.send({ colibriClass: 'ReceiverVideoConstraints', lastN: 1, assumedBandwidthBps: 10_000_000, constraints: {} });
  const { tx } = ctx;
  tx.start();
  let stopOther = false;
  let speaker = sender;
  let k = 0;
  const running = (async () => {
    for (; !stopOther; k++) {
      // the other endpoint's single-layer video, and everybody's audio with the speaker loud
      await other.dtls.sendRtp(vp8Frame(0, k, (9000 + k) & 0x7fff, k === 0 || k % 25 === 0, 100), new RtpHeader({ payloadType: VP8_PT, ssrc: other.videoSsrc, sequenceNumber: (50_000 + k) & 0xffff, timestamp: 1800 * k, marker: true }));
      for (const p of [sender, other]) {
        const h = new RtpHeader({ payloadType: OPUS_PT, sequenceNumber: (20_000 + k) & 0xffff, timestamp: 960 * k });
        h.extensions = [{ id: p.ids.audioLevel, payload: Buffer.from([p === speaker ? speechLevel(Date.now()) : 0x80 | 95]) }];
        h.extension = true;
        p.audio.writeRtp(new RtpPacket(h, Buffer.alloc(40, k & 0xff)));
      }
      await sleep(FRAME_MS);
    }
  })();
  try {
    const dominant = (id: string) => (m: { colibriClass?: string; [k: string]: unknown }): boolean =>
      m.colibriClass === 'DominantSpeakerEndpointChangeEvent' && m.dominantSpeakerEndpoint === id;
    const forwarded = (id: string) => (m: { colibriClass?: string; [k: string]: unknown }): boolean =>
      m.colibriClass === 'ForwardedSources' && JSON.stringify(m.forwardedSources) === JSON.stringify([`${id}-v0`]);
    await rx.next(dominant(sender.id), 15_000, `${sender.id} dominant`);
    await rx.next(forwarded(sender.id), 3000, `ForwardedSources [${sender.id}-v0]`);
    // packets already on their way when the set changed may still come: count from the first one of the new set
    const videoOf = (p: ConferencePeer, from: number): number => ctx.receiver.received.slice(from).filter((r) => r.header.ssrc === p.videoSsrc).length;
    await until(() => videoOf(sender, 0) > 0, `${sender.id}'s video flows`);
    const fromS = ctx.receiver.received.length;
    await until(() => videoOf(sender, fromS) >= 20, `${sender.id}'s video keeps flowing`);
    assert.is(videoOf(other, fromS), 0, `none of ${other.id}'s video while ${sender.id} is dominant`);

    speaker = other;
    await rx.next(dominant(other.id), 15_000, `${other.id} dominant`);
    await rx.next(forwarded(other.id), 3000, `ForwardedSources [${other.id}-v0]`);
    const switchedAt = ctx.receiver.received.length;
    await until(() => videoOf(other, switchedAt) > 0, `${other.id}'s video flows`);
    const fromT = ctx.receiver.received.length;
    await until(() => videoOf(other, fromT) >= 20, `${other.id}'s video keeps flowing`);
    assert.is(videoOf(sender, fromT), 0, `none of ${sender.id}'s video once ${other.id} is dominant`);
  } finally {
    stopOther = true;
    await running;
    await tx.stop();
  }
  const stats = (await (await fetch(`http://127.0.0.1:${ctx.stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.forwarding_dropped_last_n ?? 0) > 0, 'the other video was dropped for last-N');
  assert.equal(ctx.captured.problems, [], 'no warning or error inside the bridge');
});

test.run();
