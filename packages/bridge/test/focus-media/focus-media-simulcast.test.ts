// Issue 4 proof, simulcast, signalled through the REAL focus: a werift participant announces its
// video as a SIM group of three encodings in its session-accept (testkit MediaParticipant), the focus
// relays it to the bridge, and sends synthetic VP8 at 320×180, 640×360 and 1280×720 (key frames when
// the bridge asks with a PLI). A receiver that asks on its bridge channel for 180, then 720 lines
// (ReceiverVideoConstraints) gets ONE continuous stream under the sender's primary SSRC: sequence
// numbers +1 throughout, timestamps increasing, VP8 picture ids +1 per frame, the encoding changing
// only at a key frame, payloads intact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PictureLossIndication, RtcpPayloadSpecificFeedback, RtpHeader } from 'werift';
import type { RtpPacket } from 'werift';
import { assertNoLeakedHandles, startStack, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ChannelClient } from '../channel/channel-client.ts';
import { readVp8Frame, vp8Frame } from './vp8-test-frames.ts';

const ROOM = 'media-simulcast';
const HEIGHTS = [180, 360, 720] as const;
/** Filler per frame and encoding: the measured bitrates grow with the encoding, like real ones. */
const FRAME_BYTES = [100, 300, 900] as const;
const FRAME_MS = 20;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const plisFor = (p: MediaParticipant, ssrc: number): number =>
  p.rtcp.filter((r) => r instanceof RtcpPayloadSpecificFeedback && r.feedback instanceof PictureLossIndication && r.feedback.mediaSsrc === ssrc).length;

/** Sends every encoding each FRAME_MS (own sequence numbers, timestamps, picture ids), a key frame first and after each PLI for it. */
function simulcastLoop(sender: MediaParticipant): { stop: () => Promise<void> } {
  const ssrcs = sender.videoSsrcs;
  const answered = ssrcs.map(() => 0);
  let isStopping = false;
  const running = (async () => {
    for (let k = 0; !isStopping; k++) {
      for (const [layer, ssrc] of ssrcs.entries()) {
        const plis = plisFor(sender, ssrc);
        const isKey = k === 0 || plis > answered[layer]!;
        answered[layer] = plis;
        const header = new RtpHeader({
          payloadType: sender.negotiated.vp8PayloadType, ssrc, marker: true,
          sequenceNumber: (10_000 * (layer + 1) + k) & 0xffff, timestamp: (1_000_000 * (layer + 1) + 1800 * k) >>> 0,
        });
        await sender.sendRtp(header, vp8Frame({ sender: 0, layer, k }, (3000 * (layer + 1) + k) & 0x7fff, isKey, FRAME_BYTES[layer]!, HEIGHTS[layer]));
      }
      await sleep(FRAME_MS);
    }
  })();
  return { stop: async () => { isStopping = true; await running; } };
}

test('a layer switch 180 → 720 reaches the receiver as one continuous stream, switching at a key frame', async () => {
  const baseline = process.getActiveResourcesInfo();
  const stack = await startStack({ bridges: 1 });
  const people: MediaParticipant[] = [];
  let channel: ChannelClient | undefined;
  try {
    const sender = await MediaParticipant.join({ port: stack.server.tcpPort, room: ROOM, simulcastEncodings: 3 });
    people.push(sender);
    const receiver = await MediaParticipant.join({ port: stack.server.tcpPort, room: ROOM });
    people.push(receiver);
    await Promise.all(people.map((p) => p.connected()));
    assert.is(sender.videoSsrcs.length, 3);
    channel = await ChannelClient.open(receiver.bridgeChannelUrl);
    await channel.next((m) => m.colibriClass === 'ServerHello', 5000, 'ServerHello');
    const name = sender.videoSourceName;
    channel.send({ colibriClass: 'ReceiverVideoConstraints', assumedBandwidthBps: 10_000_000, constraints: { [name]: { maxHeight: 180 } } });

    const senderVideo = (): RtpPacket[] => receiver.received.filter((p) => sender.videoSsrcs.includes(p.header.ssrc));
    const layerCount = (layer: number): number => senderVideo().filter((p) => readVp8Frame(p.payload)?.tag.layer === layer).length;
    const loop = simulcastLoop(sender);
    try {
      // Long enough on 180 for the bridge to have measured every encoding's bitrate.
      await waitUntil('the 180-line encoding arrives', () => layerCount(0) >= 60, 20_000);
      channel.send({ colibriClass: 'ReceiverVideoConstraints', assumedBandwidthBps: 10_000_000, constraints: { [name]: { maxHeight: 720 } } });
      await waitUntil('the 720-line encoding arrives', () => layerCount(2) >= 20, 20_000);
    } finally {
      await loop.stop();
    }

    const packets = senderVideo();
    assert.equal([...new Set(packets.map((p) => p.header.ssrc))], [sender.videoSsrcs[0]], 'every packet under the primary SSRC');
    const runs: number[] = [];
    for (const [i, p] of packets.entries()) {
      const f = readVp8Frame(p.payload);
      assert.ok(f !== undefined, 'a test frame');
      assert.equal(p.payload.subarray(4), vp8Frame(f.tag, 0, f.isKey, FRAME_BYTES[f.tag.layer]!, HEIGHTS[f.tag.layer]).subarray(4), 'payload intact after the picture id');
      assert.is(p.header.payloadType, receiver.negotiated.vp8PayloadType);
      if (i === 0) {
        assert.ok(f.isKey, 'the stream starts with a key frame');
        runs.push(f.tag.layer);
        continue;
      }
      const prev = packets[i - 1]!;
      const pf = readVp8Frame(prev.payload)!;
      assert.is(p.header.sequenceNumber, (prev.header.sequenceNumber + 1) & 0xffff, `sequence number ${i} follows the previous one`);
      const dt = (p.header.timestamp - prev.header.timestamp) >>> 0;
      assert.ok(dt > 0 && dt < 0x8000_0000, `timestamp ${i} increases`);
      assert.is(f.pictureId, (pf.pictureId + 1) & 0x7fff, `picture id ${i} follows the previous one`);
      if (f.tag.layer !== pf.tag.layer) {
        assert.ok(f.isKey, `the encoding changes (${pf.tag.layer} → ${f.tag.layer}) only at a key frame`);
        runs.push(f.tag.layer);
      } else {
        assert.is(f.tag.k, pf.tag.k + 1, 'within an encoding, frame after frame');
      }
    }
    assert.equal(runs, [0, 2], 'the 180-line encoding, then the 720-line one');
    assert.ok(plisFor(sender, sender.videoSsrcs[2]!) >= 1, 'the bridge asked the sender for a 720-line key frame');
  } finally {
    channel?.close();
    for (const p of people) await p.close();
    await stack.close();
  }
  await assertNoLeakedHandles(baseline, 5000);
});

test.run();
