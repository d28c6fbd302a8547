import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isAv1Keyframe, isH264Keyframe, isKeyframe, isVp8Keyframe, isVp9Keyframe, type VideoCodec } from './codec-keyframe.ts';
import { bytes, randomPackets, truncations } from './test-bytes.ts';
import { newVp8Descriptor, readVp8Descriptor, writeVp8PictureId, writeVp8Tl0PicIdx, type Vp8Descriptor } from './vp8.ts';

// VP8 payloads (RFC 7741 §4.2 descriptor + §4.3 payload header), shaped like libwebrtc's simulcast output.
const keyframe = bytes`
  90            # X=1 N=0 S=1 PID=0
  e0            # I=1 L=1 T=1 K=0
  81 2c         # M=1: 15-bit picture id 300
  05            # TL0PICIDX=5
  20            # TID=0 Y=1 KEYIDX (K=0, ignored)
  10 02 00      # payload header: P=0 (key frame) …
  9d 01 2a      # … key frame start code
  80 02 e0 01   # 640 × 480
`;
const interTl2 = bytes`
  b0            # X=1 N=1 S=1 PID=0
  a0            # I=1 L=0 T=1
  2a            # M=0: 7-bit picture id 42
  b0            # TID=2 Y=1
  31 55 00      # payload header: P=1 (inter frame)
`;
const middle = bytes`
  80            # X=1 S=0 PID=0: a later packet of the frame
  c0            # I=1 L=1
  81 2c 05      # picture id 300, TL0PICIDX 5
  aa bb cc
`;
const noExtension = bytes`
  10            # X=0 S=1 PID=0
  10 02 00 9d 01 2a 80 02
`;
const secondPartition = bytes`
  11            # S=1 PID=1: start of partition 1, not of the frame
  10 02 00 9d 01 2a
`;
const keyIdx = bytes`
  90            # X=1 S=1
  10            # K=1 only
  13            # TID=0 Y=0 KEYIDX=19
  31 00 00
`;

type Row = { name: string; p: Buffer; want: Partial<Vp8Descriptor> };
const rows: Row[] = [
  { name: 'key frame', p: keyframe, want: { descriptorBytes: 6, isStartOfFrame: true, isKeyframe: true, pictureId: 300, pictureIdBits: 15, pictureIdOffset: 2, tl0PicIdx: 5, tl0PicIdxOffset: 4, temporalId: 0, isLayerSync: true, keyIndex: -1, isNonReference: false } },
  { name: 'TL2 inter frame', p: interTl2, want: { descriptorBytes: 4, isStartOfFrame: true, isKeyframe: false, pictureId: 42, pictureIdBits: 7, pictureIdOffset: 2, tl0PicIdx: -1, temporalId: 2, isLayerSync: true, isNonReference: true } },
  { name: 'middle packet', p: middle, want: { descriptorBytes: 5, isStartOfFrame: false, isKeyframe: false, pictureId: 300, tl0PicIdx: 5, temporalId: -1 } },
  { name: 'no extension', p: noExtension, want: { descriptorBytes: 1, isStartOfFrame: true, isKeyframe: true, pictureId: -1, pictureIdOffset: -1, tl0PicIdx: -1, temporalId: -1 } },
  { name: 'partition 1', p: secondPartition, want: { isStartOfPartition: true, partitionIndex: 1, isStartOfFrame: false, isKeyframe: false } },
  { name: 'KEYIDX', p: keyIdx, want: { descriptorBytes: 3, keyIndex: 19, temporalId: -1, isKeyframe: false } },
];

test('VP8 descriptor table', () => {
  const d = newVp8Descriptor();
  for (const { name, p, want } of rows) {
    assert.ok(readVp8Descriptor(p, 0, p.length, d), name);
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, d[k as keyof Vp8Descriptor]]));
    assert.equal(got, want, name);
    assert.is(isVp8Keyframe(p, 0, p.length), want.isKeyframe ?? false, `${name}: short form agrees`);
  }
});

test('VP8 descriptor at an offset inside an RTP packet', () => {
  const pkt = Buffer.concat([Buffer.alloc(12), keyframe]);
  const d = newVp8Descriptor();
  assert.ok(readVp8Descriptor(pkt, 12, pkt.length, d));
  assert.equal([d.pictureIdOffset, d.tl0PicIdxOffset, d.isKeyframe], [14, 16, true]);
});

test('a key frame needs P=0 AND the start code', () => {
  const d = newVp8Descriptor();
  const noStartCode = bytes`10   10 02 00 00 00 00 80 02`;
  assert.ok(readVp8Descriptor(noStartCode, 0, noStartCode.length, d));
  assert.not.ok(d.isKeyframe);
  const shortKey = bytes`10   10 02 00 9d 01   # start code cut`;
  assert.ok(readVp8Descriptor(shortKey, 0, shortKey.length, d));
  assert.not.ok(d.isKeyframe);
});

test('truncated descriptors are refused', () => {
  const d = newVp8Descriptor();
  const bad: [string, Buffer][] = [
    ['empty', bytes``],
    ['X without extension byte', bytes`90`],
    ['I without picture id', bytes`90 80`],
    ['M without second byte', bytes`90 80 81`],
    ['L without TL0PICIDX', bytes`90 40`],
    ['T without TID byte', bytes`90 20`],
    ['descriptor without payload', bytes`90 80 2a`],
  ];
  for (const [name, p] of bad) assert.not.ok(readVp8Descriptor(p, 0, p.length, d), name);
  assert.not.ok(readVp8Descriptor(keyframe, 5, 3, d), 'off past end');
  assert.not.ok(readVp8Descriptor(keyframe, 0, keyframe.length + 1, d), 'end past the buffer');
});

test('rewriting picture id and TL0PICIDX in place', () => {
  const d = newVp8Descriptor();
  const p = Buffer.from(keyframe);
  readVp8Descriptor(p, 0, p.length, d);
  assert.ok(writeVp8PictureId(p, d, 0x7fff + 5)); // wraps at 2^15
  assert.ok(writeVp8Tl0PicIdx(p, d, 256 + 9)); // wraps at 2^8
  assert.equal(p.subarray(0, 6), bytes`90 e0  80 04  09  20   # M bit kept, picture id 4, TL0PICIDX 9`);
  assert.ok(readVp8Descriptor(p, 0, p.length, d));
  assert.equal([d.pictureId, d.tl0PicIdx, d.isKeyframe], [4, 9, true]);

  const q = Buffer.from(interTl2);
  readVp8Descriptor(q, 0, q.length, d);
  assert.ok(writeVp8PictureId(q, d, 200));
  assert.is(q[2], 200 & 0x7f, '7-bit field wraps at 128, M stays 0');
  assert.not.ok(writeVp8Tl0PicIdx(q, d, 1), 'no TL0PICIDX field to write');

  const r = Buffer.from(noExtension);
  readVp8Descriptor(r, 0, r.length, d);
  assert.not.ok(writeVp8PictureId(r, d, 1));
  assert.equal(r, noExtension);
});

type KeyRow = [string, VideoCodec, Buffer, boolean];
const keyRows: KeyRow[] = [
  // VP9 (RFC 9628 §4.2): |I|P|L|F|B|E|V|Z|
  ['vp9 key frame, layer byte SID=0', 'vp9', bytes`aa   80 05   00   01   # I L B V | pid 5 | TID0 SID0 | TL0PICIDX`, true],
  ['vp9 key picture, spatial layer 1', 'vp9', bytes`aa   80 05   02   01   # SID=1: not the base layer`, false],
  ['vp9 inter-layer dependent', 'vp9', bytes`aa   80 05   01   01   # D=1`, false],
  ['vp9 inter frame', 'vp9', bytes`ea   80 06   00   01     # P=1`, false],
  ['vp9 not start of frame', 'vp9', bytes`a2   80 05   00   01   # B=0`, false],
  ['vp9 no layer indices', 'vp9', bytes`88   00     # B=1 only`, true],
  ['vp9 picture id cut', 'vp9', bytes`aa 80`, false],
  // H.264 (RFC 6184)
  ['h264 IDR slice', 'h264', bytes`65 88 84 00`, true],
  ['h264 non-IDR slice', 'h264', bytes`41 9a 02 00`, false],
  ['h264 SPS', 'h264', bytes`67 42 c0 1f`, true],
  ['h264 STAP-A SPS+PPS', 'h264', bytes`78   00 04 67 42 c0 1f   00 02 68 ce`, true],
  ['h264 STAP-A IDR second', 'h264', bytes`78   00 02 41 9a   00 02 65 88`, true],
  ['h264 STAP-A non-IDR only', 'h264', bytes`78   00 02 41 9a`, false],
  ['h264 STAP-A size past the end', 'h264', bytes`78   00 09 67 42`, false],
  ['h264 STAP-A size 0', 'h264', bytes`78   00 00 67 42`, false],
  ['h264 FU-A IDR start', 'h264', bytes`7c 85 88 84`, true],
  ['h264 FU-A IDR middle', 'h264', bytes`7c 05 00 00`, false],
  ['h264 FU-A non-IDR start', 'h264', bytes`7c 81 9a 00`, false],
  ['h264 FU-A cut', 'h264', bytes`7c`, false],
  // AV1 aggregation header |Z|Y|W W|N|-|-|-|
  ['av1 N=1', 'av1', bytes`08 0a 0b`, true],
  ['av1 W=1 N=1', 'av1', bytes`18 0a`, true],
  ['av1 continuation Z=1', 'av1', bytes`88 0a`, false],
  ['av1 N=0', 'av1', bytes`10 32`, false],
  ['vp8 key frame', 'vp8', keyframe, true],
  ['vp8 inter frame', 'vp8', interTl2, false],
];

test('key frame detection table (VP9, H.264, AV1)', () => {
  for (const [name, codec, p, want] of keyRows) assert.is(isKeyframe(codec, p, 0, p.length), want, name);
  assert.not.ok(isVp9Keyframe(bytes``, 0, 0));
  assert.not.ok(isH264Keyframe(bytes`65`, 1, 1), 'empty range');
  assert.not.ok(isAv1Keyframe(bytes`08`, 0, 2), 'end past the buffer');
});

test('hostile input: truncations and random bytes never throw', () => {
  const d = newVp8Descriptor();
  const fixtures = [...rows.map((r) => r.p), ...keyRows.map((r) => r[2])];
  const all = fixtures.flatMap((f) => [...truncations(f), f]).concat(randomPackets(2, 3000, 40));
  for (const p of all) {
    for (const off of [0, 1, 3]) {
      if (readVp8Descriptor(p, off, p.length, d)) {
        writeVp8PictureId(p, d, 12345);
        writeVp8Tl0PicIdx(p, d, 77);
      }
      for (const c of ['vp8', 'vp9', 'h264', 'av1'] as const) isKeyframe(c, p, off, p.length);
    }
  }
});

test.run();
