import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtcpPacketConverter, RtpPacket, type GenericNack, type RtcpTransportLayerFeedback } from 'werift-rtp';
import { nackMediaSsrc, readNackSequences, unwrapRtxInPlace, wrapRtxInPlace, writeNack, writeRtxPacket } from './nack.ts';
import { readRtpHeaderLength } from './rtp-header.ts';
import { bytes, randomPackets, seededRandom, truncations } from './test-bytes.ts';

const nack = bytes`
  81 cd 00 04   # V=2 FMT=1 (generic NACK) | PT=205 RTPFB | length 4: 20 bytes
  00 00 00 01   # SSRC of packet sender
  12 34 56 78   # SSRC of media source
  ff fe 80 01   # PID=65534 | BLP bits 0 and 15: 65535 and 65534+16 = 14 (wrapped)
  00 0a 00 00   # PID=10 | BLP=0
`;

test('generic NACK FCI → sequence numbers, wrapping at 2^16', () => {
  const out = new Uint16Array(64);
  const n = readNackSequences(nack, 0, nack.length, out);
  assert.equal([...out.subarray(0, n)], [65534, 65535, 14, 10]);
  assert.is(nackMediaSsrc(nack, 0), 0x12345678);
  // werift's GenericNack agrees on everything but the wrap
  const w = (RtcpPacketConverter.deSerialize(nack)[0] as RtcpTransportLayerFeedback).feedback as GenericNack;
  assert.equal(w.lost.map((s) => s & 0xffff), [65534, 65535, 14, 10]);
});

test('NACK output is capped by the caller-owned array', () => {
  const small = new Uint16Array(2);
  assert.is(readNackSequences(nack, 0, nack.length, small), 2);
  assert.equal([...small], [65534, 65535]);
});

test('malformed NACKs → −1', () => {
  const out = new Uint16Array(64);
  const rows: [string, Buffer][] = [
    ['no FCI', bytes`81 cd 00 02  00 00 00 01  12 34 56 78`],
    ['PLI, not NACK', bytes`81 ce 00 03  00 00 00 01  12 34 56 78  00 01 00 00`],
    ['FMT 15 (TWCC)', bytes`8f cd 00 03  00 00 00 01  12 34 56 78  00 01 00 00`],
    ['version 1', bytes`41 cd 00 03  00 00 00 01  12 34 56 78  00 01 00 00`],
    ['padding count not a multiple of 4', bytes`a1 cd 00 04  00 00 00 01  12 34 56 78  00 01 00 00  00 00 00 03`],
  ];
  for (const [name, p] of rows) assert.is(readNackSequences(p, 0, p.length, out), -1, name);
  const padded = bytes`a1 cd 00 04  00 00 00 01  12 34 56 78  00 07 00 00  00 00 00 04   # one FCI + 4 bytes padding`;
  assert.is(readNackSequences(padded, 0, padded.length, out), 1);
  assert.is(out[0], 7);
});

test('writing a NACK packs runs of 17 into one FCI', () => {
  const dst = Buffer.alloc(100);
  const n = writeNack(dst, 0, 1, 0x12345678, [10, 10, 11, 13, 26, 27, 65535, 3], 8);
  assert.equal(dst.subarray(0, n), bytes`
    81 cd 00 05   # FMT=1 RTPFB, length 5
    00 00 00 01   # sender
    12 34 56 78   # media
    00 0a 80 05   # PID=10 | 11 (bit 0), 13 (bit 2), 26 (bit 15); the duplicate 10 is skipped
    00 1b 00 00   # PID=27
    ff ff 00 08   # PID=65535 | 3 = 65535+4 (bit 3), across the wrap
  `);
  assert.is(writeNack(Buffer.alloc(20), 0, 1, 2, [1, 100, 200], 3), -1, 'does not fit');
  assert.is(writeNack(dst, 0, 1, 2, [], 0), -1);
});

test('NACK write → read round trip on random loss lists', () => {
  const rnd = seededRandom(11);
  const dst = Buffer.alloc(1500);
  const out = new Uint16Array(4096);
  for (let t = 0; t < 200; t++) {
    const seqs: number[] = [];
    let seq = Math.floor(rnd() * 65536);
    const count = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < count; i++) {
      seqs.push(seq & 0xffff);
      seq += 1 + Math.floor(rnd() * (rnd() < 0.5 ? 3 : 40));
    }
    const len = writeNack(dst, 0, 1, 2, seqs, seqs.length);
    assert.ok(len > 0);
    const n = readNackSequences(dst, 0, len, out);
    assert.equal([...out.subarray(0, n)], seqs);
  }
});

const original = bytes`
  90 60 1f 40   # X=1 | M=0 PT=96 | seq=8000
  00 00 75 30   # timestamp
  12 34 56 78   # media SSRC
  be de 00 01   # one-byte extensions, 1 word
  51 ab cd 00   # transport-cc 0xabcd | padding
  01 02 03      # payload
`;

test('RTX wrap in place (RFC 4588 §4): OSN first, RTX payload type, SSRC and sequence number', () => {
  const p = Buffer.alloc(100);
  original.copy(p);
  const len = wrapRtxInPlace(p, original.length, 97, 0x9999, 5);
  assert.is(len, original.length + 2);
  assert.equal(p.subarray(0, len), bytes`
    90 61 00 05   # PT=97 | RTX seq 5
    00 00 75 30   # timestamp kept
    00 00 99 99   # RTX SSRC
    be de 00 01   # extensions kept
    51 ab cd 00
    1f 40         # OSN = 8000
    01 02 03      # original payload
  `);
  const w = RtpPacket.deSerialize(p.subarray(0, len));
  assert.equal([w.header.payloadType, w.header.ssrc, w.payload.readUInt16BE(0)], [97, 0x9999, 8000], 'werift reads it the same');

  const copy = Buffer.alloc(100);
  assert.is(writeRtxPacket(original, original.length, copy, 97, 0x9999, 5), len);
  assert.equal(copy.subarray(0, len), p.subarray(0, len), 'copying form is identical');

  assert.is(unwrapRtxInPlace(p, len, 96, 0x12345678), original.length);
  assert.equal(p.subarray(0, original.length), original, 'unwrap restores the original');
});

test('RTX keeps padding at the end; padding-only RTX (probes) does not unwrap', () => {
  const padded = bytes`a0 60 00 07  00 00 00 01  00 00 00 02  aa bb   00 02   # P=1, payload aa bb, 2 bytes padding`;
  const p = Buffer.alloc(64);
  padded.copy(p);
  const len = wrapRtxInPlace(p, padded.length, 97, 3, 9);
  assert.equal(p.subarray(12, len), bytes`00 07  aa bb  00 02   # OSN | payload | padding`);
  assert.is(readRtpHeaderLength(p, len), 12, 'still valid RTP');
  const probe = bytes`a0 61 00 08  00 00 00 01  00 00 00 03  00 00 00 04   # P=1: only 4 bytes of padding`;
  assert.is(unwrapRtxInPlace(Buffer.from(probe), probe.length, 96, 2), -1);
  assert.is(wrapRtxInPlace(Buffer.from(original), original.length, 97, 1, 1), -1, 'no room for the OSN');
});

test('hostile input: truncations and random bytes never throw', () => {
  const out = new Uint16Array(64);
  const all = [nack, original].flatMap((f) => [...truncations(f), f]).concat(randomPackets(4, 3000, 64));
  for (const b of all) {
    readNackSequences(b, 0, b.length, out);
    readNackSequences(b, 4, b.length - 4, out);
    const room = Buffer.alloc(b.length + 2);
    b.copy(room);
    const w = wrapRtxInPlace(room, b.length, 97, 1, 1);
    if (w > 0) assert.is(unwrapRtxInPlace(room, w, 96, 2), b.length);
    unwrapRtxInPlace(Buffer.from(b), b.length, 96, 2);
    writeRtxPacket(b, b.length, Buffer.alloc(2000), 97, 1, 1);
  }
});

test.run();
