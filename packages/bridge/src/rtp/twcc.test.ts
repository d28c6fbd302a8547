import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtcpPacketConverter, type RtcpTransportLayerFeedback, type TransportWideCC } from 'werift-rtp';
import { validateRtcpCompound } from './rtcp.ts';
import { bytes, randomPackets, truncations } from './test-bytes.ts';
import { newTwccFeedback, readTwccFeedback } from './twcc.ts';

const mixed = bytes`
  8f cd 00 07   # V=2 FMT=15 | PT=205 RTPFB | length 7: 32 bytes
  00 00 00 01   # SSRC of packet sender
  12 34 56 78   # SSRC of media source
  00 0a 00 05   # base sequence 10 | 5 statuses
  ff ff fe 03   # reference time 0xfffffe (× 64 ms) | feedback packet count 3
  20 02         # run length chunk: S=01 (small delta) × 2          → 10, 11
  e4 00         # status vector, 2-bit: 10 01 00 (large, small, none) → 12, 13, 14
  04 08         # small deltas: 4 × 250 µs, 8 × 250 µs              (10, 11)
  ff 38         # large delta: −200 × 250 µs                        (12)
  10            # small delta: 16 × 250 µs                           (13)
  00 00 00      # zero padding to 32 bits
`;

const wrapping = bytes`
  8f cd 00 06   # length 6: 28 bytes
  00 00 00 01
  12 34 56 78
  ff fe 00 10   # base sequence 65534 | 16 statuses
  00 00 00 00   # reference time 0 | count 0
  00 02         # run length: not received × 2                       → 65534, 65535
  b0 00         # status vector, 1-bit: 1 1 0 0 0 0 0 0 0 0 0 0 0 0  → 0, 1 received
  01 02         # small deltas
  00 00         # zero padding
`;

test('mixed chunk kinds: statuses and deltas per packet', () => {
  const fb = newTwccFeedback();
  assert.is(validateRtcpCompound(mixed, mixed.length), 1);
  assert.ok(readTwccFeedback(mixed, 0, fb));
  assert.equal(
    [fb.senderSsrc, fb.mediaSsrc, fb.baseSequence, fb.statusCount, fb.referenceTime64ms, fb.feedbackCount],
    [1, 0x12345678, 10, 5, 0xfffffe, 3],
  );
  assert.equal([...fb.status.subarray(0, 5)], [1, 1, 2, 1, 0]);
  assert.equal([...fb.deltaUs.subarray(0, 5)], [1000, 2000, -50000, 4000, 0]);
});

test('one-bit status vectors and sequence numbers across the wrap', () => {
  const fb = newTwccFeedback();
  assert.ok(readTwccFeedback(wrapping, 0, fb));
  assert.equal([fb.baseSequence, fb.statusCount], [65534, 16]);
  assert.equal([...fb.status.subarray(0, 16)], [0, 0, 1, 1, ...Array(12).fill(0)]);
  assert.equal([...fb.deltaUs.subarray(2, 4)], [250, 500]);
});

test('werift-rtp 0.8.9 drops status-vector chunks from its results (why this reader exists)', () => {
  const w = (RtcpPacketConverter.deSerialize(mixed)[0] as RtcpTransportLayerFeedback).feedback as TransportWideCC;
  assert.is(w.packetResults.length, 3, 'only the run length chunk (2 statuses, +1 off by one), not 5');
});

test('refused: reserved symbols, missing deltas or chunks, too many statuses, not TWCC', () => {
  const fb = newTwccFeedback(8);
  const rows: [string, Buffer][] = [
    ['run length of reserved symbol 3', bytes`8f cd 00 05  00 00 00 01  12 34 56 78  00 0a 00 01  00 00 00 00  60 01 00 00`],
    ['2-bit vector with symbol 3', bytes`8f cd 00 05  00 00 00 01  12 34 56 78  00 0a 00 01  00 00 00 00  f0 00 00 00`],
    ['deltas missing', bytes`8f cd 00 05  00 00 00 01  12 34 56 78  00 0a 00 03  00 00 00 00  20 03 04 05`],
    ['chunks missing', bytes`8f cd 00 04  00 00 00 01  12 34 56 78  00 0a 00 03  00 00 00 00`],
    ['more statuses than the record holds', bytes`8f cd 00 05  00 00 00 01  12 34 56 78  00 0a 00 09  00 00 00 00  00 09 00 00`],
    ['a NACK', bytes`81 cd 00 03  00 00 00 01  12 34 56 78  00 0a 00 00`],
    ['no statuses', bytes`8f cd 00 04  00 00 00 01  12 34 56 78  00 0a 00 00  00 00 00 00`],
    ['length past the buffer', bytes`8f cd 00 09  00 00 00 01  12 34 56 78  00 0a 00 01  00 00 00 00`],
  ];
  for (const [name, p] of rows) assert.not.ok(readTwccFeedback(p, 0, fb), name);
});

test('hostile input: truncations and random bytes never throw', () => {
  const fb = newTwccFeedback(64);
  const all = [mixed, wrapping].flatMap((f) => [...truncations(f), f]).concat(randomPackets(6, 5000, 80));
  for (const b of all) {
    if (b.length > 1) {
      b[0] = 0x8f | (b[0]! & 0x20);
      b[1] = 205;
    }
    readTwccFeedback(b, 0, fb);
    readTwccFeedback(b, 3, fb);
  }
});

test.run();
