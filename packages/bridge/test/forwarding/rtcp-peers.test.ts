// Issue 4 proof, RTCP part, through the real bridge with werift peers: a peer joining after the
// others started sending video gets each sender's video from a key frame on, because the bridge
// asked each sender for one (PLI, rate-limited); and a receiver that lost a packet gets it back, as
// RTX, when it NACKs it through its own SRTCP.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpTransportLayerFeedback, RtpHeader, RtpPacket } from 'werift';
import type { MediaStack } from '../transport/media-harness.ts';
import { stopMediaStack } from '../transport/media-harness.ts';
import type { CapturedLog, ConferencePeer, ExtensionIds } from './conference-peer.ts';
import { RTX_PT, VP8_PT, capturingLogger, connected, joinPeer, startForwardingStack } from './conference-peer.ts';

const MEETING = 'meet-rtcp';
const PEERS: readonly { id: string; ids: ExtensionIds }[] = [
  { id: 'ep-a', ids: { audioLevel: 1, twcc: 5, mid: 4 } },
  { id: 'ep-b', ids: { audioLevel: 3, twcc: 2, mid: 9 } },
  { id: 'ep-c', ids: { audioLevel: 10, twcc: 7, mid: 12 } },
];
const LATE: { id: string; ids: ExtensionIds } = { id: 'ep-d', ids: { audioLevel: 2, twcc: 6, mid: 8 } };

/** VP8 payload (RFC 7741): descriptor (X, S, 15-bit picture id), key frame header or not, marker bytes. */
function videoPayload(peer: number, k: number, key: boolean): Buffer {
  const pictureId = (1000 * (peer + 1) + k) & 0x7fff;
  const descriptor = [0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff];
  const header = key ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  const b = Buffer.alloc(descriptor.length + header.length + 100);
  Buffer.from([...descriptor, ...header]).copy(b);
  const at = descriptor.length + header.length;
  b.write('VI', at, 'latin1');
  b[at + 2] = peer;
  b[at + 3] = k & 0xff;
  for (let i = at + 4; i < b.length; i++) b[i] = (peer * 13 + k * 5 + i) & 0xff;
  return b;
}
const isKeyframe = (payload: Buffer): boolean => (payload[4]! & 0x01) === 0;

/** PLIs the peer received about its video SSRC. */
const plisFor = (p: ConferencePeer): number =>
  p.rtcp.filter((r) => r instanceof RtcpPayloadSpecificFeedback && r.feedback instanceof PictureLossIndication && r.feedback.mediaSsrc === p.videoSsrc).length;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Ctx = { stack: MediaStack; captured: CapturedLog; peers: ConferencePeer[]; baseline: string[] };
const test = suite<Ctx>('RTCP between werift peers: key frame requests and NACK');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.captured = capturingLogger();
  ctx.stack = await startForwardingStack(ctx.captured);
  ctx.peers = [];
});

test.after(async (ctx) => {
  for (const p of ctx.peers) await p.pc.close();
  await stopMediaStack(ctx.stack);
  await sleep(50);
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('a late joiner gets every sender\'s video from a key frame the bridge asked for; a NACKed packet comes back as RTX', async (ctx) => {
  const { stack } = ctx;
  for (const [i, p] of PEERS.entries()) ctx.peers.push(await joinPeer(stack, MEETING, p.id, p.ids, i === 0));
  const senders = [...ctx.peers];
  await Promise.all(senders.map((p) => connected(p.pc)));
  await sleep(50); // the bridge's side of DTLS too

  // Each sender: a key frame first, then delta frames, and a key frame right after each PLI it gets.
  const answered = senders.map(() => 0);
  const seqs = senders.map(() => 0);
  let stop = false;
  const sendOnce = (): void => {
    for (const [i, p] of senders.entries()) {
      const k = seqs[i]!++;
      const plis = plisFor(p);
      const key = k === 0 || plis > answered[i]!;
      answered[i] = plis;
      p.video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: VP8_PT, sequenceNumber: 7000 + k, timestamp: 3000 * k, marker: true }), videoPayload(i, k, key)));
    }
  };
  const sending = (async () => {
    while (!stop) {
      sendOnce();
      await sleep(10);
    }
  })();
  await sleep(150);
  assert.equal(senders.map(plisFor), [0, 0, 0], 'everyone got the first key frame: nobody was asked for another');

  const late = await joinPeer(stack, MEETING, LATE.id, LATE.ids, false);
  ctx.peers.push(late);
  await connected(late.pc);
  const joinedAt = Date.now();
  for (let i = 0; i < 200 && senders.some((s) => !late.received.some((p) => p.header.ssrc === s.videoSsrc)); i++) await sleep(10);
  await sleep(100);
  stop = true;
  await sending;
  const elapsedMs = Date.now() - joinedAt;

  for (const [i, s] of senders.entries()) {
    const video = late.received.filter((p) => p.header.ssrc === s.videoSsrc);
    assert.ok(video.length > 3, `${late.id} receives ${s.id}'s video`);
    assert.ok(isKeyframe(video[0]!.payload), `${late.id}'s first packet of ${s.id}'s video is a key frame`);
    assert.is(video[0]!.payload[4 + 10 + 2], i, 'from that sender');
    const plis = plisFor(s);
    assert.ok(plis >= 1, `${s.id} was asked for a key frame`);
    assert.ok(plis <= Math.ceil(elapsedMs / 1000) + 1, `at most one PLI a second (${plis} in ${elapsedMs} ms)`);
    // The others' streams went on without a gap: the key frame was just the next packet.
    for (const other of senders.filter((o) => o !== s)) {
      const got = other.received.filter((p) => p.header.ssrc === s.videoSsrc).map((p) => p.header.sequenceNumber);
      assert.equal(got, Array.from({ length: got.length }, (_, n) => 7000 + n), `${other.id} got all of ${s.id}'s video in order`);
    }
  }

  // The late joiner "lost" one of a's packets (taken out of what its tap saw) and NACKs it.
  const [a] = senders;
  assert.ok(a);
  const fromA = late.received.filter((p) => p.header.ssrc === a.videoSsrc);
  const lost = fromA[fromA.length - 2]!;
  late.received.splice(late.received.indexOf(lost), 1);
  const before = late.received.length;
  await late.dtls.sendRtcp([
    new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: late.videoSsrc, mediaSourceSsrc: a.videoSsrc, lost: [lost.header.sequenceNumber] }) }),
  ]);
  // Only what came on a's RTX SSRC: on a loaded machine, a's last original packets may still be arriving.
  const retransmitted = (): RtpPacket[] => late.received.slice(before).filter((p) => p.header.ssrc === a.videoRtxSsrc);
  for (let i = 0; i < 100 && retransmitted().length === 0; i++) await sleep(10);
  await sleep(50);
  const again = retransmitted();
  assert.is(again.length, 1, 'one retransmission');
  const rtx = again[0]!;
  assert.equal(
    [rtx.header.ssrc, rtx.header.payloadType, rtx.payload.readUInt16BE(0)], [a.videoRtxSsrc, RTX_PT, lost.header.sequenceNumber],
    'as RTX: a\'s signalled RTX SSRC, the RTX payload type, the original sequence number first',
  );
  assert.equal(rtx.payload.subarray(2), lost.payload, 'the payload intact');
  assert.is(rtx.header.timestamp, lost.header.timestamp);

  const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.forwarding_pli_sent ?? 0) >= 3, 'the bridge counted its PLIs');
  assert.is(stats.forwarding_nack_answered, 1);
  assert.is(stats.forwarding_nack_answered_rtx, 1);
  assert.is(stats.forwarding_nack_missed, 0);
  assert.is(stats.forwarding_dropped_rtcp_malformed, 0, 'werift\'s RTCP (SR, feedback) all valid');
  assert.equal(ctx.captured.problems, [], 'no warning or error inside the bridge');
});

test.run();
