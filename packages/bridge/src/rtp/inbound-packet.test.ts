import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newInboundPacket, readInboundPacket, type PayloadKind } from './inbound-packet.ts';
import { bytes, randomPackets, truncations } from './test-bytes.ts';

const vp8Key = bytes`
  90 e0 1f 40   # X=1 | M=1 PT=96 | seq=8000
  00 00 75 30   # timestamp=30000
  12 34 56 78   # ssrc
  be de 00 01   # one-byte extensions
  51 ab cd 00   # transport-cc | padding
  90 e0 81 2c 05 20   # VP8: S | I L T | picture id 300 | TL0PICIDX 5 | TID 0 Y
  10 02 00 9d 01 2a   # key frame
`;
const h264Idr = bytes`80 66 00 01  00 00 00 00  00 00 00 07   7c 85 88 84   # FU-A start of an IDR`;
const paddingOnly = bytes`a0 60 00 02  00 00 00 00  00 00 00 01  00 00 00 04   # P=1, all padding (a probe)`;

test('one parse per incoming packet: header, codec and layer fields', () => {
  const pkt = newInboundPacket();
  assert.ok(readInboundPacket(vp8Key, vp8Key.length, 'vp8', pkt));
  const { vp8, ...rest } = pkt;
  assert.equal(rest, {
    ssrc: 0x12345678, sequenceNumber: 8000, timestamp: 30000, payloadType: 96, marker: true, payloadOffset: 20,
    payloadLength: 12, isKeyframe: true, isStartOfFrame: true, temporalId: 0, isLayerSync: true,
  });
  assert.equal([vp8.pictureId, vp8.pictureIdOffset, vp8.tl0PicIdx, vp8.tl0PicIdxOffset], [300, 22, 5, 24]);

  assert.ok(readInboundPacket(h264Idr, h264Idr.length, 'h264', pkt));
  assert.equal([pkt.isKeyframe, pkt.temporalId, pkt.vp8.pictureIdOffset], [true, -1, -1], 'VP8 fields of the previous packet are cleared');

  assert.ok(readInboundPacket(paddingOnly, paddingOnly.length, 'vp8', pkt));
  assert.equal([pkt.payloadLength, pkt.isKeyframe, pkt.isStartOfFrame], [0, false, false], 'probe: forwardable, never a switching point');

  assert.ok(readInboundPacket(h264Idr, h264Idr.length, 'audio', pkt));
  assert.equal([pkt.isKeyframe, pkt.isStartOfFrame], [true, true], 'audio can always start a stream');
});

test('invalid RTP or a truncated VP8 descriptor → false', () => {
  const pkt = newInboundPacket();
  assert.not.ok(readInboundPacket(bytes`00 01 00 00`, 4, 'vp8', pkt));
  const cut = bytes`80 60 00 01  00 00 00 00  00 00 00 01  90 80   # descriptor promises a picture id`;
  assert.not.ok(readInboundPacket(cut, cut.length, 'vp8', pkt));
  assert.ok(readInboundPacket(cut, cut.length, 'other', pkt), 'the same bytes are fine as an opaque payload');
});

test('hostile input: truncations and random bytes never throw', () => {
  const pkt = newInboundPacket();
  const kinds: PayloadKind[] = ['vp8', 'vp9', 'h264', 'av1', 'audio', 'other'];
  for (const b of [vp8Key, h264Idr, paddingOnly].flatMap((f) => [...truncations(f), f]).concat(randomPackets(8, 3000, 60))) {
    for (const k of kinds) readInboundPacket(b, b.length, k, pkt);
  }
});

test.run();
