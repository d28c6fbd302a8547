// Issue 4 proof, first part: three werift RTCPeerConnection endpoints in one conference, each sending
// Opus-like audio (with an RFC 6464 level) and VP8-like video (key frame first), each receive the
// other two's packets intact, through the real bridge (ICE-lite, DTLS-SRTP, the forwarding loop),
// under their own negotiated extension ids, and nobody receives its own media.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpHeader, RtpPacket } from 'werift';
import type { MediaStack } from '../transport/media-harness.ts';
import { stopMediaStack } from '../transport/media-harness.ts';
import type { CapturedLog, ConferencePeer, ExtensionIds } from './conference-peer.ts';
import { capturingLogger, connected, joinPeer, startForwardingStack } from './conference-peer.ts';

const MEETING = 'meet-fwd';
const PACKETS = 30;
/** Different extension ids per peer: what arrives must carry the receiver's ids, not the sender's. */
const PEERS: readonly { id: string; ids: ExtensionIds }[] = [
  { id: 'ep-a', ids: { audioLevel: 1, twcc: 5, mid: 4 } },
  { id: 'ep-b', ids: { audioLevel: 3, twcc: 2, mid: 9 } },
  { id: 'ep-c', ids: { audioLevel: 10, twcc: 7, mid: 12 } },
];

/** Audio payload: a marker, the sender's index, the packet's index, then filler derived from both. */
function audioPayload(peer: number, k: number): Buffer {
  const b = Buffer.alloc(60);
  b.write('AU', 0, 'latin1');
  b[2] = peer;
  b[3] = k;
  for (let i = 4; i < b.length; i++) b[i] = (peer * 31 + k * 7 + i) & 0xff;
  return b;
}

/**
 * VP8 payload (RFC 7741): descriptor with X, S and a 15-bit picture id, then a VP8 payload header
 * (a key frame's P=0 and start code 9d 01 2a on the first packet, P=1 after), then the marker.
 */
function videoPayload(peer: number, k: number): Buffer {
  const pictureId = 1000 * (peer + 1) + k;
  const descriptor = [0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff];
  const header = k === 0 ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  const b = Buffer.alloc(descriptor.length + header.length + 120);
  Buffer.from([...descriptor, ...header]).copy(b);
  const at = descriptor.length + header.length;
  b.write('VI', at, 'latin1');
  b[at + 2] = peer;
  b[at + 3] = k;
  for (let i = at + 4; i < b.length; i++) b[i] = (peer * 13 + k * 5 + i) & 0xff;
  return b;
}

const levelOf = (peer: number): number => 0x80 | (20 + peer); // voice activity, −(20+peer) dBov

type Ctx = { stack: MediaStack; captured: CapturedLog; peers: ConferencePeer[]; baseline: string[] };
const test = suite<Ctx>('forwarding between three werift peers');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.captured = capturingLogger();
  ctx.stack = await startForwardingStack(ctx.captured);
  ctx.peers = [];
});

test.after(async (ctx) => {
  for (const p of ctx.peers) await p.pc.close();
  await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('each peer receives the other two peers\' audio and video, intact, under its own extension ids; nobody gets its own', async (ctx) => {
  const { stack } = ctx;
  let bridgeConnected = 0;
  const allConnected = new Promise<void>((resolve, reject) => {
    // A deadline, as generous as connected()'s: on a loaded 2-core machine three handshakes take seconds.
    const timer = setTimeout(() => reject(new Error(`only ${bridgeConnected} transports connected`)), 20_000);
    const off = stack.bridge.transports.events.on('transportConnected', () => {
      if (++bridgeConnected < PEERS.length) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
  for (const [i, p] of PEERS.entries()) ctx.peers.push(await joinPeer(stack, MEETING, p.id, p.ids, i === 0));
  const peers = ctx.peers;
  await Promise.all([allConnected, ...peers.map((p) => connected(p.pc))]);

  for (let k = 0; k < PACKETS; k++) {
    for (const [i, p] of peers.entries()) {
      const audioHeader = new RtpHeader({ payloadType: 111, sequenceNumber: 5000 + k, timestamp: 960 * k, marker: k === 0 });
      audioHeader.extensions = [{ id: p.ids.audioLevel, payload: Buffer.from([levelOf(i)]) }];
      audioHeader.extension = true;
      p.audio.writeRtp(new RtpPacket(audioHeader, audioPayload(i, k)));
      p.video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: 7000 + k, timestamp: 3000 * k, marker: true }), videoPayload(i, k)));
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  const expected = 2 * 2 * PACKETS; // two other peers × (audio + video)
  for (let i = 0; i < 300 && peers.some((p) => p.received.length < expected); i++) await new Promise((r) => setTimeout(r, 10));

  for (const [r, receiver] of peers.entries()) {
    const bySsrc = new Map<number, number>();
    for (const pkt of receiver.received) bySsrc.set(pkt.header.ssrc, (bySsrc.get(pkt.header.ssrc) ?? 0) + 1);
    const others = peers.filter((p) => p !== receiver);
    const want = new Map(others.flatMap((o) => [[o.audioSsrc, PACKETS], [o.videoSsrc, PACKETS]] as const));
    assert.equal(
      [...bySsrc].sort((a, b) => a[0] - b[0]), [...want].sort((a, b) => a[0] - b[0]),
      `${receiver.id}: every packet of the other two, under their signalled SSRCs, and none of its own`,
    );

    const transportSeqs: number[] = [];
    for (const pkt of receiver.received) {
      const s = peers.findIndex((p) => p.audioSsrc === pkt.header.ssrc || p.videoSsrc === pkt.header.ssrc);
      assert.ok(s >= 0 && s !== r);
      const sender = peers[s]!;
      const isAudio = sender.audioSsrc === pkt.header.ssrc;
      const k = isAudio ? pkt.payload[3]! : pkt.payload[4 + (pkt.payload[4] === 0x10 ? 10 : 6) + 3]!;
      assert.equal(pkt.payload, isAudio ? audioPayload(s, k) : videoPayload(s, k), `${receiver.id}: payload from ${sender.id} intact`);
      assert.is(pkt.header.payloadType, isAudio ? 111 : 96);
      // Extensions: the receiver's ids only; the sender's MID is gone (zeroed into padding).
      const ids = pkt.header.extensions.map((e) => e.id).sort((a, b) => a - b);
      const allowed = isAudio ? [receiver.ids.audioLevel, receiver.ids.twcc] : [receiver.ids.twcc];
      assert.equal(ids, [...allowed].sort((a, b) => a - b), `${receiver.id}: extensions under its own ids`);
      if (isAudio) assert.equal([...(pkt.header.extensions.find((e) => e.id === receiver.ids.audioLevel)?.payload ?? [])], [levelOf(s)], 'audio level kept');
      const twcc = pkt.header.extensions.find((e) => e.id === receiver.ids.twcc)?.payload;
      assert.ok(twcc !== undefined && twcc.length >= 2);
      transportSeqs.push(twcc.readUInt16BE(0));
    }
    assert.equal(
      [...transportSeqs].sort((a, b) => a - b), Array.from({ length: expected }, (_, n) => n),
      `${receiver.id}: transport-wide sequence numbers are the bridge's own per receiver, 0…${expected - 1} with no gap`,
    );
    // Per SSRC, sequence numbers as sent (no switch happened): continuous.
    for (const ssrc of want.keys()) {
      const seqs = receiver.received.filter((p) => p.header.ssrc === ssrc).map((p) => p.header.sequenceNumber).sort((a, b) => a - b);
      assert.ok(seqs.every((q, n) => n === 0 || q === ((seqs[n - 1]! + 1) & 0xffff)), 'continuous sequence numbers');
    }
  }

  const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.is(stats.forwarding_rtp_packets_received, 3 * 2 * PACKETS, 'every packet sent reached the loop');
  assert.is(stats.forwarding_rtp_packets_forwarded, 3 * expected, 'and went to both other peers');
  assert.is(stats.forwarding_audio_levels, 3 * PACKETS, 'every audio level fed to dominant-speaker detection');
  assert.is(stats.forwarding_dropped_unknown_ssrc, 0);
  assert.is(stats.forwarding_dropped_foreign_ssrc, 0);
  assert.is(stats.forwarding_dropped_malformed, 0);
  assert.is(stats.forwarding_dropped_stream, 0);
  assert.is(stats.transport_dropped_send_invalid, 0);
  assert.equal(ctx.captured.problems, [], 'no warning or error inside the bridge (a throwing packet listener logs one)');
});

test('the loudest sender becomes the dominant speaker (audio levels reach the speaker detection)', async (ctx) => {
  const { stack, peers } = ctx;
  const [a] = peers;
  assert.ok(a);
  // a speaks loudly (level 0 with voice activity); the others stay silent. Keep talking until the
  // bridge reports a dominant speaker, within a deadline (the detector needs ≈ 1.5 s of speech).
  const changes = async (): Promise<number> =>
    ((await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>).total_dominant_speaker_changes ?? 0;
  const deadline = Date.now() + 15_000;
  let k = 0;
  while ((await changes()) < 1) {
    assert.ok(Date.now() < deadline, 'a dominant speaker was chosen');
    for (let burst = 0; burst < 10; burst++, k++) {
      for (const [i, p] of peers.entries()) {
        const h = new RtpHeader({ payloadType: 111, sequenceNumber: 6000 + k, timestamp: 960 * (100 + k) });
        h.extensions = [{ id: p.ids.audioLevel, payload: Buffer.from([i === 0 ? 0x80 : 0x7f]) }];
        h.extension = true;
        p.audio.writeRtp(new RtpPacket(h, audioPayload(i, k & 0xff)));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  assert.equal(ctx.captured.problems, []);
});

test.run();
