// The pure pieces wired the way the forwarding loop is meant to use them (no sockets, no SRTP):
// ingress → cache → per-receiver rewrite, then a receiver's NACK answered with RTX from the cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '@plenum/kit';
import { copyBytes } from '../rtp/copy-bytes.ts';
import { buildExtensionIdMap } from '../rtp/extension-id-map.ts';
import { newInboundPacket, readInboundPacket } from '../rtp/inbound-packet.ts';
import { readNackSequences, writeNack, wrapRtxInPlace, nackMediaSsrc } from '../rtp/nack.ts';
import { PacketCache } from '../rtp/packet-cache.ts';
import { isPli, rtcpMediaSsrc, writePli } from '../rtp/rtcp.ts';
import { readRtpHeaderLength, readRtpTransportSequence, rewriteRtpExtensionIds, rtpPayloadType, rtpSequenceNumber, rtpSsrc, writeRtpTransportSequence } from '../rtp/rtp-header.ts';
import { KeyframeLimiter } from './keyframe-limiter.ts';
import {
  Verdict,
  findSegmentByOutput,
  isForwarded,
  mapRetransmission,
  newOutboundStream,
  nextRtxSequence,
  segmentInputSequence,
  segmentInputSsrc,
  setStreamTarget,
  stepOutboundStream,
  writeOutbound,
} from './stream-rewriter.ts';

const TWCC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const SENDER_SSRC = 0x1000;

/** A VP8 packet from the sender: mid (id 4) and transport-cc (id 5) extensions. */
function senderPacket(seq: number, key: boolean): Buffer {
  const b = Buffer.from([
    0x90, 0x60, seq >> 8, seq & 0xff, 0, 0, (seq * 30) >> 8, (seq * 30) & 0xff, 0, 0, 0x10, 0x00,
    0xbe, 0xde, 0x00, 0x02, 0x40, 0x30, 0x51, 0x00, seq & 0xff, 0x00, 0x00, 0x00, // mid "0" | twcc | padding
    0x90, 0x80, 0x80, seq & 0xff, // VP8: S | I | picture id
    key ? 0x10 : 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xaa, 0xbb,
  ]);
  return b;
}

test('ingress → cache → rewrite per receiver → NACK → RTX from the cache', () => {
  const clock = new FakeClock(0);
  const cache = new PacketCache();
  const stream = cache.addStream(SENDER_SSRC);
  const idMap = buildExtensionIdMap([{ id: 4, uri: MID }, { id: 5, uri: TWCC }], [{ id: 3, uri: TWCC }, { id: 1, uri: MID }]);
  const out = newOutboundStream({ outSsrc: 0xa1, outRtxSsrc: 0xa2, clockRateHz: 90000, initialRtxSeq: 700 });
  setStreamTarget(out, SENDER_SSRC);
  const limiter = new KeyframeLimiter({ clock });
  const pkt = newInboundPacket();
  const send = Buffer.alloc(1500); // the reusable per-loop send buffer
  let receiverTwcc = 0;
  const sent: Buffer[] = [];
  const pli = Buffer.alloc(12);

  for (const [seq, key] of [[1, false], [2, true], [3, false], [5, false], [6, false]] as const) {
    const p = senderPacket(seq, key);
    // ingress: parse once, cache once
    assert.ok(readInboundPacket(p, p.length, 'vp8', pkt));
    cache.insert(stream, pkt.sequenceNumber, p, p.length, clock.now());
    // per receiver
    const v = stepOutboundStream(out, pkt, clock.now());
    if (v === Verdict.dropAwaitingKeyframe && limiter.tryRequest(pkt.ssrc)) {
      assert.is(writePli(pli, 0, 0xb0b, pkt.ssrc), 12); // to the sender
    }
    if (!isForwarded(v)) continue;
    const len = copyBytes(p, 0, p.length, send, 0);
    assert.ok(rewriteRtpExtensionIds(send, len, idMap));
    writeRtpTransportSequence(send, len, 3, receiverTwcc++);
    writeOutbound(out, pkt, send);
    sent.push(Buffer.from(send.subarray(0, len))); // (SRTP protect + sendto here)
    clock.advance(33);
  }
  assert.ok(isPli(pli, 0) && rtcpMediaSsrc(pli, 0) === SENDER_SSRC, 'the first packet asked the sender for a key frame');
  assert.equal(sent.map((b) => [rtpSsrc(b), rtpSequenceNumber(b)]), [[0xa1, 2], [0xa1, 3], [0xa1, 5], [0xa1, 6]], 'the real loss of 4 stays a gap');
  assert.equal([...sent[0]!.subarray(16, 24)], [0, 0, 0x31, 0, 0, 0, 0, 0], 'mid dropped (zeroed into padding); transport-cc as receiver id 3 (0x31) with the receiver\'s own number 0');
  assert.is(readRtpTransportSequence(sent[1]!, sent[1]!.length, 3), 1);

  // the receiver lost 3 (and 4, which never arrived): NACK 3, 4
  const nack = Buffer.alloc(64);
  const nackLen = writeNack(nack, 0, 0xbeef, 0xa1, [3, 4], 2);
  const lost = new Uint16Array(64);
  const n = readNackSequences(nack, 0, nackLen, lost);
  assert.is(nackMediaSsrc(nack, 0), 0xa1);
  const answered: Buffer[] = [];
  const retransmitted = newInboundPacket();
  for (let k = 0; k < n; k++) {
    const outSeq = lost[k]!;
    const seg = findSegmentByOutput(out, outSeq);
    if (seg < 0) continue;
    const cached = cache.copyOut(cache.streamIndex(segmentInputSsrc(out, seg)), segmentInputSequence(out, seg, outSeq), clock.now(), send, 0);
    if (cached < 0) continue; // 4: never arrived, nothing to send
    readInboundPacket(send, cached, 'vp8', retransmitted);
    assert.ok(mapRetransmission(out, seg, retransmitted));
    rewriteRtpExtensionIds(send, cached, idMap);
    writeRtpTransportSequence(send, cached, 3, receiverTwcc++);
    writeOutbound(out, retransmitted, send);
    const rtxLen = wrapRtxInPlace(send, cached, 97, out.outRtxSsrc, nextRtxSequence(out));
    answered.push(Buffer.from(send.subarray(0, rtxLen)));
  }
  assert.is(answered.length, 1);
  const rtx = answered[0]!;
  const off = readRtpHeaderLength(rtx, rtx.length);
  assert.equal([rtpPayloadType(rtx), rtpSsrc(rtx), rtpSequenceNumber(rtx), rtx.readUInt16BE(off)], [97, 0xa2, 700, 3], 'RTX: own SSRC and numbering, OSN = the output sequence number');
  assert.equal(rtx.subarray(off + 2), sent[1]!.subarray(off), 'payload exactly as first sent (picture id rewritten the same way)');
});

test.run();
