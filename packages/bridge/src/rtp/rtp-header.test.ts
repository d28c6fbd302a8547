import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpPacket } from 'werift-rtp';
import {
  EXT_NOT_FOUND,
  RTP_INVALID,
  extDataLength,
  extDataOffset,
  findRtpExtension,
  identityExtensionIdMap,
  readRtpAudioLevel,
  readRtpHeaderLength,
  readRtpTransportSequence,
  rewriteRtpExtensionIds,
  rtpCsrcCount,
  rtpHasExtension,
  rtpHasPadding,
  rtpMarker,
  rtpPayloadLength,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpSsrc,
  rtpTimestamp,
  rtpVersion,
  seqDiff,
  writeRtpMarker,
  writeRtpPayloadType,
  writeRtpSequenceNumber,
  writeRtpSsrc,
  writeRtpTimestamp,
  writeRtpTransportSequence,
} from './rtp-header.ts';
import { bytes, randomPackets, truncations } from './test-bytes.ts';

// Shaped like Chrome's video packets (ids as Jitsi's offer numbers them); hand-assembled.
const video = bytes`
  90 60 1f 40   # V=2 P=0 X=1 CC=0 | M=0 PT=96 | seq=8000
  00 00 75 30   # timestamp=30000
  12 34 56 78   # ssrc=0x12345678
  be de 00 03   # RFC 8285 one-byte profile, 3 words of elements
  32 01 02 03   # id=3 L=2: abs-send-time 01 02 03
  51 ab cd      # id=5 L=1: transport-wide seq 0xabcd
  00            # padding
  b0 7f 00 00   # id=11 L=0: 7f | padding padding
  90 80 81 2c   # payload (a VP8 descriptor: X S | I | picture id 300)
  10 02 00 9d 01 2a
`;

const audio = bytes`
  90 ef 00 01   # X=1 | M=1 PT=111 | seq=1
  00 00 03 c0   # timestamp=960
  aa bb cc dd   # ssrc
  be de 00 01   # one word of elements
  10 ba 00 00   # id=1 L=0: ssrc-audio-level V=1 level=58 | padding padding
  fc ff fe      # Opus payload
`;

const twoByte = bytes`
  90 60 00 05   # X=1 PT=96 seq=5
  00 00 00 00   # timestamp=0
  00 00 00 01   # ssrc=1
  10 07 00 02   # RFC 8285 two-byte profile (appbits 7), 2 words
  03 02 12 34   # id=3 len=2: 12 34
  00 10 00 00   # padding | id=16 len=0 | padding padding
  de ad         # payload
`;

const csrcPadded = bytes`
  b2 60 00 09   # V=2 P=1 X=1 CC=2 | PT=96 seq=9
  00 00 00 10   # timestamp=16
  00 00 00 02   # ssrc=2
  00 00 00 0a   # csrc 10
  00 00 00 0b   # csrc 11
  be de 00 01   # one word of elements
  10 ff 00 00   # id=1 L=0: ff | padding
  01 02 03      # payload
  00 00 03      # 3 bytes of padding, the last one its count
`;

test('fixed header fields', () => {
  const rows: [string, Buffer, Record<string, unknown>][] = [
    ['video', video, { v: 2, p: false, x: true, cc: 0, m: false, pt: 96, seq: 8000, ts: 30000, ssrc: 0x12345678, off: 28, plen: 10 }],
    ['audio', audio, { v: 2, p: false, x: true, cc: 0, m: true, pt: 111, seq: 1, ts: 960, ssrc: 0xaabbccdd, off: 20, plen: 3 }],
    ['two-byte', twoByte, { v: 2, p: false, x: true, cc: 0, m: false, pt: 96, seq: 5, ts: 0, ssrc: 1, off: 24, plen: 2 }],
    ['csrc+padding', csrcPadded, { v: 2, p: true, x: true, cc: 2, m: false, pt: 96, seq: 9, ts: 16, ssrc: 2, off: 28, plen: 3 }],
  ];
  for (const [name, p, want] of rows) {
    const off = readRtpHeaderLength(p, p.length);
    const got = {
      v: rtpVersion(p), p: rtpHasPadding(p), x: rtpHasExtension(p), cc: rtpCsrcCount(p), m: rtpMarker(p),
      pt: rtpPayloadType(p), seq: rtpSequenceNumber(p), ts: rtpTimestamp(p), ssrc: rtpSsrc(p), off,
      plen: rtpPayloadLength(p, p.length, off),
    };
    assert.equal(got, want, name);
    // werift agrees on the fields it parses
    const w = RtpPacket.deSerialize(p);
    assert.equal([w.header.sequenceNumber, w.header.timestamp, w.header.ssrc, w.header.payloadType, w.header.marker], [want.seq, want.ts, want.ssrc, want.pt, want.m], `${name} vs werift`);
  }
});

test('a pooled buffer longer than the packet: only `len` counts', () => {
  const pool = Buffer.alloc(1500, 0xee);
  audio.copy(pool);
  assert.is(readRtpHeaderLength(pool, audio.length), 20);
  assert.is(readRtpAudioLevel(pool, audio.length, 1), 0xba);
  assert.is(readRtpHeaderLength(pool, 1501), RTP_INVALID, 'len beyond the buffer');
});

test('invalid headers → RTP_INVALID', () => {
  const rows: [string, Buffer][] = [
    ['version 1', bytes`50 60 00 01  00 00 00 00  00 00 00 01`],
    ['version 0 (STUN-like)', bytes`00 01 00 00  21 12 a4 42  00 00 00 00`],
    ['11 bytes', bytes`80 60 00 01  00 00 00 00  00 00 00`],
    ['CSRC count past the end', bytes`8f 60 00 01  00 00 00 00  00 00 00 01  00 00 00 02`],
    ['extension header cut', bytes`90 60 00 01  00 00 00 00  00 00 00 01  be de`],
    ['extension length past the end', bytes`90 60 00 01  00 00 00 00  00 00 00 01  be de 00 02  10 01 00 00`],
    ['padding count 0', bytes`a0 60 00 01  00 00 00 00  00 00 00 01  01 02 00`],
    ['padding longer than payload', bytes`a0 60 00 01  00 00 00 00  00 00 00 01  01 02 04`],
  ];
  for (const [name, p] of rows) assert.is(readRtpHeaderLength(p, p.length), RTP_INVALID, name);
  assert.is(readRtpHeaderLength(bytes`a0 60 00 01  00 00 00 00  00 00 00 01  01 02 03`, 15), 12, 'padding exactly the payload');
});

test('finding extensions: one-byte and two-byte forms, padding skipped', () => {
  const rows: [string, Buffer, number, number, number][] = [
    // fixture, id, data offset, data length
    ['video abs-send-time', video, 3, 17, 3],
    ['video transport-cc', video, 5, 21, 2],
    ['video id 11 after padding', video, 11, 25, 1],
    ['audio level', audio, 1, 17, 1],
    ['two-byte id 3', twoByte, 3, 18, 2],
    ['two-byte id 16, zero length', twoByte, 16, 23, 0],
  ];
  for (const [name, p, id, off, len] of rows) {
    const f = findRtpExtension(p, p.length, id);
    assert.equal([extDataOffset(f), extDataLength(f)], [off, len], name);
  }
  assert.is(findRtpExtension(video, video.length, 4), EXT_NOT_FOUND, 'absent id');
  assert.is(findRtpExtension(video, video.length, 0), EXT_NOT_FOUND, 'id 0 is padding, never found');
  assert.is(findRtpExtension(bytes`80 60 00 01 00 00 00 00 00 00 00 01 00`, 13, 1), EXT_NOT_FOUND, 'no X bit');
});

test('malformed extension blocks are not followed past their end', () => {
  const overflow = bytes`
    90 60 00 01  00 00 00 00  00 00 00 01
    be de 00 01   # one word
    13 aa bb cc   # id=1 L=3: 4 bytes of data, only 3 left in the block
    dd            # payload
  `;
  assert.is(findRtpExtension(overflow, overflow.length, 1), EXT_NOT_FOUND);
  assert.is(rewriteRtpExtensionIds(overflow, overflow.length, identityExtensionIdMap()), false);
  const stop = bytes`
    90 60 00 01  00 00 00 00  00 00 00 01
    be de 00 01
    f0 20 aa 00   # id=15: stop here | (id=2 L=0 aa would follow)
  `;
  assert.is(findRtpExtension(stop, stop.length, 2), EXT_NOT_FOUND, 'nothing after id 15');
  const otherProfile = bytes`90 60 00 01  00 00 00 00  00 00 00 01  ab cd 00 01  10 aa 00 00`;
  assert.is(findRtpExtension(otherProfile, otherProfile.length, 1), EXT_NOT_FOUND, 'non-RFC 8285 profile');
  assert.is(rewriteRtpExtensionIds(otherProfile, otherProfile.length, new Uint8Array(256)), true, 'left alone');
  assert.is(otherProfile[16], 0x10);
});

test('audio level and transport-wide sequence numbers', () => {
  assert.is(readRtpAudioLevel(audio, audio.length, 1), 0xba, 'V=1, level 58 −dBov');
  assert.is(readRtpAudioLevel(audio, audio.length, 2), RTP_INVALID);
  assert.is(readRtpTransportSequence(video, video.length, 5), 0xabcd);
  assert.is(readRtpTransportSequence(video, video.length, 11), RTP_INVALID, '1-byte element is too short');
  const p = Buffer.from(video);
  assert.ok(writeRtpTransportSequence(p, p.length, 5, 0x0102));
  assert.equal([...p.subarray(20, 24)], [0x51, 0x01, 0x02, 0x00]);
  assert.not.ok(writeRtpTransportSequence(p, p.length, 6, 1));
  assert.equal(p.subarray(0, 20), video.subarray(0, 20), 'nothing else moved');
});

test('rewriting extension ids in place', () => {
  const map = new Uint8Array(256);
  map[3] = 2; // abs-send-time: sender 3 → receiver 2
  map[5] = 9; // transport-cc: 5 → 9
  map[11] = 15; // 15 cannot be a one-byte id → dropped
  const p = Buffer.from(video);
  assert.ok(rewriteRtpExtensionIds(p, p.length, map));
  assert.equal(p.subarray(16, 28), bytes`
    22 01 02 03   # id 3 → 2, L and data kept
    91 ab cd 00   # id 5 → 9
    00 00 00 00   # id 11 dropped: element zeroed into padding
  `);
  assert.is(readRtpTransportSequence(p, p.length, 9), 0xabcd);
  assert.equal(p.subarray(28), video.subarray(28), 'payload untouched');

  const q = Buffer.from(twoByte);
  const m2 = new Uint8Array(256);
  m2[3] = 200;
  assert.ok(rewriteRtpExtensionIds(q, q.length, m2));
  assert.equal(q.subarray(16, 24), bytes`c8 02 12 34   00 00 00 00   # id 3 → 200; id 16 unmapped → padding`);

  const r = Buffer.from(audio);
  assert.ok(rewriteRtpExtensionIds(r, r.length, identityExtensionIdMap()));
  assert.equal(r, audio, 'identity map changes nothing');
});

test('field writers', () => {
  const p = Buffer.from(video);
  writeRtpSequenceNumber(p, 0xfffe);
  writeRtpTimestamp(p, 0xfedcba98);
  writeRtpSsrc(p, 0x01020304);
  writeRtpPayloadType(p, 100);
  writeRtpMarker(p, true);
  assert.equal(p.subarray(0, 12), bytes`90 e4 ff fe  fe dc ba 98  01 02 03 04`);
  writeRtpMarker(p, false);
  assert.is(p[1], 0x64);
});

test('seqDiff wraps', () => {
  const rows: [number, number, number][] = [
    [5, 3, 2],
    [3, 5, -2],
    [0, 65535, 1],
    [65535, 0, -1],
    [32767, 0, 32767],
    [32768, 0, -32768],
  ];
  for (const [a, b, d] of rows) assert.is(seqDiff(a, b), d, `${a} − ${b}`);
});

test('hostile input: every truncation and random bytes never throw', () => {
  const map = identityExtensionIdMap();
  const all = [video, audio, twoByte, csrcPadded].flatMap((f) => [...truncations(f), f]).concat(randomPackets(1, 3000, 80));
  for (const b of all) {
    const len = b.length;
    const off = readRtpHeaderLength(b, len);
    if (off >= 0) assert.ok(off <= len && rtpPayloadLength(b, len, off) >= 0);
    findRtpExtension(b, len, 1);
    readRtpAudioLevel(b, len, 1);
    readRtpTransportSequence(b, len, 5);
    writeRtpTransportSequence(b, len, 5, 7);
    rewriteRtpExtensionIds(b, len, map);
  }
  for (const [i, t] of truncations(video).entries()) {
    assert.is(readRtpHeaderLength(t, t.length), i < 28 ? RTP_INVALID : 28, `video cut at ${i}`);
  }
});

test.run();
