import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtcpPacketConverter, RtcpRrPacket, RtcpSrPacket, type RtcpPayloadSpecificFeedback } from 'werift-rtp';
import {
  RTCP_BYE,
  RTCP_INVALID,
  RTCP_PSFB,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
  buildReceiverReport,
  firEntryCount,
  firEntrySequence,
  firEntrySsrc,
  isFir,
  isPli,
  isRtcp,
  isRtcpRelayAllowed,
  newReportBlock,
  newSenderInfo,
  readByeSsrc,
  readRembBitrate,
  readReportBlock,
  readSenderInfo,
  rembSsrc,
  rembSsrcCount,
  rtcpCount,
  rtcpMediaSsrc,
  rtcpPacketBytes,
  rtcpPacketType,
  rtcpSenderSsrc,
  validateRtcpCompound,
  writeFir,
  writePli,
  writeRelayedSenderReport,
} from './rtcp.ts';
import { bytes, randomPackets, truncations } from './test-bytes.ts';

const srSdes = bytes`
  81 c8 00 0c   # V=2 RC=1 | PT=200 SR | length 12: 52 bytes
  aa bb cc dd   # SSRC of sender
  e9 4f 6b 1c   # NTP seconds
  80 00 00 00   # NTP fraction (½ s)
  00 01 e2 40   # RTP timestamp 123456
  00 00 00 64   # sender's packet count 100
  00 00 4e 20   # sender's octet count 20000
  11 22 33 44   # report block 1: SSRC
  05 ff ff fe   # fraction lost 5/256 | cumulative lost −2 (24-bit two's complement)
  00 01 00 10   # extended highest sequence number (1 cycle, 16)
  00 00 00 20   # jitter 32
  4f 6b 1c 80   # LSR
  00 00 10 00   # DLSR
  81 ca 00 04   # V=2 SC=1 | PT=202 SDES | length 4: 20 bytes
  aa bb cc dd   # chunk SSRC
  01 07 61 62 63 64 65 66 67   # CNAME, 7 bytes "abcdefg"
  00 00 00      # end of items + padding to 32 bits
`;

const feedback = bytes`
  81 ce 00 02   # FMT=1 PLI | PT=206 PSFB | length 2
  00 00 00 01   # sender SSRC
  12 34 56 78   # media SSRC
  84 ce 00 04   # FMT=4 FIR | PT=206 | length 4
  00 00 00 01   # sender SSRC
  00 00 00 00   # media SSRC (unused, 0)
  12 34 56 78   # FCI: target SSRC
  07 00 00 00   # seq nr 7 | reserved
  8f ce 00 05   # FMT=15 AFB | PT=206 | length 5
  00 00 00 01   # sender SSRC
  00 00 00 00   # media SSRC 0
  52 45 4d 42   # "REMB"
  01 0a 8b 58   # 1 SSRC | exp 2, mantissa 2·65536 + 0x8b58 = 166744 → 666976 bps
  12 34 56 78   # SSRC
  81 cb 00 01   # SC=1 | PT=203 BYE | length 1
  aa bb cc dd   # SSRC leaving
`;

function walk(p: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 0; off < p.length; off += rtcpPacketBytes(p, off)) out.push([rtcpPacketType(p, off), rtcpCount(p, off)]);
  return out;
}

test('compound validation and walk', () => {
  assert.is(validateRtcpCompound(srSdes, srSdes.length), 2);
  assert.equal(walk(srSdes), [[RTCP_SR, 1], [RTCP_SDES, 1]]);
  assert.is(validateRtcpCompound(feedback, feedback.length), 4);
  assert.equal(walk(feedback), [[RTCP_PSFB, 1], [RTCP_PSFB, 4], [RTCP_PSFB, 15], [RTCP_BYE, 1]]);
  assert.ok(isRtcp(srSdes, srSdes.length));
  assert.not.ok(isRtcp(bytes`80 60 00 01`, 4), 'RTP PT 96');
  assert.not.ok(isRtcp(bytes`00 01 00 00`, 4), 'STUN');
});

test('invalid compounds → RTCP_INVALID', () => {
  const pli = bytes`81 ce 00 02  00 00 00 01  12 34 56 78`;
  const rows: [string, Buffer][] = [
    ['empty', bytes``],
    ['length past the end', bytes`81 ce 00 03  00 00 00 01  12 34 56 78`],
    ['trailing bytes', Buffer.concat([pli, bytes`81 ce`])],
    ['not a multiple of 4', Buffer.concat([pli, bytes`00`])],
    ['version 1', bytes`41 ce 00 02  00 00 00 01  12 34 56 78`],
    ['padding on a packet that is not the last', Buffer.concat([bytes`a1 ce 00 03  00 00 00 01  12 34 56 78  00 00 00 04`, pli])],
    ['padding count 0', bytes`a1 ce 00 03  00 00 00 01  12 34 56 78  00 00 00 00`],
    ['padding longer than the packet', bytes`a1 ce 00 02  00 00 00 01  12 34 56 ff`],
    ['SR whose RC claims a missing block', bytes`82 c8 00 06  aa bb cc dd  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00`],
    ['feedback too short for its SSRCs', bytes`81 cd 00 01  00 00 00 01`],
    ['33 packets (a loop or an attack)', Buffer.concat(Array.from({ length: 33 }, () => bytes`80 cb 00 00`))],
    ['over one MTU', Buffer.concat(Array.from({ length: 126 }, () => pli))],
  ];
  for (const [name, p] of rows) assert.is(validateRtcpCompound(p, p.length), RTCP_INVALID, name);
  assert.is(validateRtcpCompound(Buffer.concat(Array.from({ length: 32 }, () => bytes`80 cb 00 00`)), 128), 32, '32 is fine');
});

test('SR sender info and report blocks, checked against werift', () => {
  const si = newSenderInfo();
  assert.ok(readSenderInfo(srSdes, 0, si));
  assert.equal(si, { ssrc: 0xaabbccdd, ntpSeconds: 0xe94f6b1c, ntpFraction: 0x80000000, rtpTimestamp: 123456, packetCount: 100, octetCount: 20000 });
  const rb = newReportBlock();
  assert.ok(readReportBlock(srSdes, 0, 0, rb));
  assert.equal(rb, { ssrc: 0x11223344, fractionLost: 5, cumulativeLost: -2, highestSequence: 0x10010, jitter: 32, lastSr: 0x4f6b1c80, delaySinceLastSr: 4096 });
  assert.not.ok(readReportBlock(srSdes, 0, 1, rb), 'only one block');
  assert.not.ok(readReportBlock(srSdes, 52, 0, rb), 'SDES has no report blocks');
  const w = RtcpPacketConverter.deSerialize(srSdes)[0] as RtcpSrPacket;
  assert.equal([w.ssrc, w.senderInfo.rtpTimestamp, w.senderInfo.packetCount, w.reports[0]!.ssrc, w.reports[0]!.jitter], [si.ssrc, si.rtpTimestamp, si.packetCount, rb.ssrc, rb.jitter]);
  assert.is(rtcpSenderSsrc(srSdes, 52), 0xaabbccdd, 'SDES first chunk');
});

test('feedback readers: PLI, FIR, REMB, BYE', () => {
  assert.ok(isPli(feedback, 0));
  assert.is(rtcpMediaSsrc(feedback, 0), 0x12345678);
  assert.not.ok(isPli(feedback, 12));
  assert.ok(isFir(feedback, 12));
  assert.is(firEntryCount(feedback, 12), 1);
  assert.equal([firEntrySsrc(feedback, 12, 0), firEntrySequence(feedback, 12, 0)], [0x12345678, 7]);
  assert.is(readRembBitrate(feedback, 32), 666976);
  assert.equal([rembSsrcCount(feedback, 32), rembSsrc(feedback, 32, 0)], [1, 0x12345678]);
  assert.is(readRembBitrate(feedback, 0), RTCP_INVALID, 'a PLI is not a REMB');
  const w = RtcpPacketConverter.deSerialize(feedback)[2] as RtcpPayloadSpecificFeedback;
  assert.is(Number((w.feedback as { bitrate: bigint }).bitrate), 666976, 'werift agrees on REMB');
  assert.is(readByeSsrc(feedback, 56, 0), 0xaabbccdd);
  assert.is(readByeSsrc(feedback, 56, 1), RTCP_INVALID);
  const notRemb = bytes`8f ce 00 04  00 00 00 01  00 00 00 00  52 45 4d 43  00 0a 8b 58   # "REMC"`;
  assert.is(readRembBitrate(notRemb, 0), RTCP_INVALID);
  const lying = bytes`8f ce 00 04  00 00 00 01  00 00 00 00  52 45 4d 42  05 0a 8b 58   # claims 5 SSRCs, has none`;
  assert.is(readRembBitrate(lying, 0), RTCP_INVALID);
});

test('builders: PLI, FIR, RR (werift), relayed SR', () => {
  const dst = Buffer.alloc(64);
  assert.is(writePli(dst, 0, 1, 0x12345678), 12);
  assert.equal(dst.subarray(0, 12), feedback.subarray(0, 12));
  assert.is(writeFir(dst, 0, 1, 0x12345678, 7), 20);
  assert.equal(dst.subarray(0, 20), feedback.subarray(12, 32));
  assert.is(writePli(dst, 60, 1, 2), -1, 'does not fit');

  const rr = buildReceiverReport(0xaabbccdd, [{ ssrc: 0x11223344, fractionLost: 5, cumulativeLost: -2, highestSequence: 0x10010, jitter: 32, lastSr: 0x4f6b1c80, delaySinceLastSr: 4096 }]);
  assert.equal(rr, bytes`
    81 c9 00 07   # RC=1 | PT=201 RR | length 7
    aa bb cc dd   # SSRC of sender (the bridge)
    11 22 33 44   # report block: the same fields as the SR above
    05 ff ff fe   # cumulative lost −2, as two's complement
    00 01 00 10
    00 00 00 20
    4f 6b 1c 80
    00 00 10 00
  `);
  assert.is(validateRtcpCompound(rr, rr.length), 1);
  const rb = newReportBlock();
  assert.ok(readReportBlock(rr, 0, 0, rb));
  assert.is(rb.cumulativeLost, -2);
  assert.is(rtcpPacketType(rr, 0), RTCP_RR);
  const many = buildReceiverReport(1, Array.from({ length: 40 }, (_, i) => ({ ...newReportBlock(), ssrc: i })));
  assert.is(rtcpCount(many, 0), 31, 'RC is 5 bits');
  assert.is((RtcpPacketConverter.deSerialize(many)[0] as RtcpRrPacket).reports.length, 31);

  assert.is(writeRelayedSenderReport(srSdes, 0, dst, 0, 0xabcdef01, 999, 10, 2000), 28);
  assert.equal(dst.subarray(0, 28), bytes`
    80 c8 00 06   # RC=0: the sender's report blocks are the bridge's business
    ab cd ef 01   # output SSRC
    e9 4f 6b 1c   # NTP time unchanged
    80 00 00 00
    00 00 03 e7   # RTP timestamp in output terms (999)
    00 00 00 0a   # packets sent on the output stream
    00 00 07 d0   # octets
  `);
  assert.is(writeRelayedSenderReport(feedback, 0, dst, 0, 1, 1, 1, 1), -1, 'not an SR');
});

test('loop guard', () => {
  const ours = new Set([0x5151, 0xabcdef01]);
  const rows: [string, string, number, boolean][] = [
    ['alice', 'bob', 0x1234, true],
    ['alice', 'alice', 0x1234, false], // back to where it came from
    ['alice', 'bob', 0x5151, false], // our own RTCP SSRC coming back
    ['alice', 'bob', 0xabcdef01, false], // an SSRC we rewrite to
  ];
  for (const [from, to, ssrc, ok] of rows) assert.is(isRtcpRelayAllowed(from, to, ssrc, ours), ok, `${from}→${to} ${ssrc}`);
});

test('werift-rtp 0.8.9 findings that keep its parsers off the bridge (re-check on upgrade)', () => {
  // 1. each parser gets the rest of the compound: an SR claiming a block it lacks eats the next packet
  const sr = bytes`81 c8 00 06  00 00 00 01  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00`;
  const pli = bytes`81 ce 00 02  00 00 00 01  00 00 00 02`;
  const parsed = RtcpPacketConverter.deSerialize(Buffer.concat([sr, pli, pli]));
  assert.is((parsed[0] as RtcpSrPacket).reports[0]!.ssrc, 0x81ce0002, 'the PLI header read as a report block SSRC');
  assert.is(validateRtcpCompound(Buffer.concat([sr, pli, pli]), 36), RTCP_INVALID, 'we refuse it');
  // 2. a truncated trailing header throws out of deSerialize
  assert.throws(() => RtcpPacketConverter.deSerialize(Buffer.concat([pli, bytes`81 ce`])));
  // 3. the FIR serializer's length is one word short
  const fir = (RtcpPacketConverter.deSerialize(feedback.subarray(12, 32))[0] as RtcpPayloadSpecificFeedback).serialize();
  assert.is(fir.readUInt16BE(2), 3, 'werift writes 3 for a 20-byte FIR (should be 4)');
});

test('hostile input: truncations and random bytes never throw', () => {
  const si = newSenderInfo();
  const rb = newReportBlock();
  const all = [srSdes, feedback].flatMap((f) => [...truncations(f), f]).concat(randomPackets(5, 5000, 120));
  for (const b of all) {
    isRtcp(b, b.length);
    const n = validateRtcpCompound(b, b.length);
    for (let off = 0, k = 0; k < Math.max(n, 0); k++, off += rtcpPacketBytes(b, off)) {
      readSenderInfo(b, off, si);
      for (let i = 0; i < 32; i++) readReportBlock(b, off, i, rb);
      readByeSsrc(b, off, 0);
      isPli(b, off);
      for (let i = 0; i < firEntryCount(b, off); i++) firEntrySsrc(b, off, i);
      readRembBitrate(b, off);
      writeRelayedSenderReport(b, off, Buffer.alloc(28), 0, 1, 2, 3, 4);
    }
    // readers used without validation (misuse) still do not throw
    readSenderInfo(b, 0, si);
    readReportBlock(b, 0, 0, rb);
    readRembBitrate(b, 0);
    firEntryCount(b, 0);
  }
});

test.run();
