import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newInboundPacket, readInboundPacket, type PayloadKind } from '../rtp/inbound-packet.ts';
import { rtpSequenceNumber, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.ts';
import { seededRandom } from '../rtp/test-bytes.ts';
import { newVp8Descriptor, readVp8Descriptor } from '../rtp/vp8.ts';
import {
  NO_SSRC,
  Verdict,
  findSegmentByOutput,
  isForwarded,
  mapRetransmission,
  mapSenderReportTimestamp,
  newOutboundStream,
  nextRtxSequence,
  segmentInputSequence,
  segmentInputSsrc,
  setStreamTarget,
  stepOutboundStream,
  writeOutbound,
  type OutboundStream,
} from './stream-rewriter.ts';

const LOW = 0x1111;
const HIGH = 0x2222;
const OUT = 0xabcdef01;

type Vp8Opts = { ssrc: number; seq: number; ts: number; pic?: number; tl0?: number; tid?: number; sync?: boolean; key?: boolean; start?: boolean };

/** An RTP packet with a VP8 payload descriptor (I, L and T present unless left out). */
function vp8(o: Vp8Opts): Buffer {
  const start = o.start ?? true;
  const head = Buffer.alloc(12);
  head[0] = 0x80;
  head[1] = 96;
  head.writeUInt16BE(o.seq & 0xffff, 2);
  head.writeUInt32BE(o.ts >>> 0, 4);
  head.writeUInt32BE(o.ssrc >>> 0, 8);
  const x = 0x80 | (o.tl0 !== undefined ? 0x40 : 0) | (o.tid !== undefined ? 0x20 : 0);
  const desc = [0x80 | (start ? 0x10 : 0), x, 0x80 | (((o.pic ?? 0) >> 8) & 0x7f), (o.pic ?? 0) & 0xff];
  if (o.tl0 !== undefined) desc.push(o.tl0 & 0xff);
  if (o.tid !== undefined) desc.push((o.tid << 6) | (o.sync ? 0x20 : 0));
  const payload = o.key && start ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0, 0] : [0x11, 0, 0, 0, 0, 0, 0, 0];
  return Buffer.concat([head, Buffer.from(desc), Buffer.from(payload)]);
}

function opus(ssrc: number, seq: number, ts: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

type Out = { v: Verdict; seq?: number; ts?: number; ssrc?: number; pic?: number; tl0?: number };

/** Runs one packet through the stream like the forwarding loop does, returning what the receiver gets. */
function send(s: OutboundStream, p: Buffer, nowMs: number, kind: PayloadKind = 'vp8'): Out {
  const pkt = newInboundPacket();
  assert.ok(readInboundPacket(p, p.length, kind, pkt), 'test packet parses');
  const v = stepOutboundStream(s, pkt, nowMs);
  if (!isForwarded(v)) return { v };
  const copy = Buffer.from(p);
  writeOutbound(s, pkt, copy);
  const out: Out = { v, seq: rtpSequenceNumber(copy), ts: rtpTimestamp(copy), ssrc: rtpSsrc(copy) };
  if (kind === 'vp8') {
    const d = newVp8Descriptor();
    readVp8Descriptor(copy, 12, copy.length, d);
    out.pic = d.pictureId;
    if (d.tl0PicIdx >= 0) out.tl0 = d.tl0PicIdx;
  }
  return out;
}

const stream = (): OutboundStream => newOutboundStream({ outSsrc: OUT, outRtxSsrc: 0x5555, clockRateHz: 90000, initialRtxSeq: 65535 });

test('first packets wait for a key frame; then output starts as the input and keeps real gaps', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 99, ts: 900, pic: 9, tl0: 1, tid: 0 }), 0), { v: Verdict.dropAwaitingKeyframe });
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 100, ts: 3000, pic: 10, tl0: 2, tid: 0, key: true }), 10), { v: Verdict.forwardSwitched, seq: 100, ts: 3000, ssrc: OUT, pic: 10, tl0: 2 });
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 101, ts: 3000, pic: 10, tl0: 2, tid: 0, start: false }), 11), { v: Verdict.forward, seq: 101, ts: 3000, ssrc: OUT, pic: 10, tl0: 2 });
  // 102 lost upstream: the receiver must see the gap to NACK it
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 103, ts: 6000, pic: 11, tl0: 3, tid: 0 }), 44), { v: Verdict.forward, seq: 103, ts: 6000, ssrc: OUT, pic: 11, tl0: 3 });
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 7000, ts: 1, pic: 500, tl0: 50, tid: 0, key: true }), 45), { v: Verdict.dropOtherLayer });
});

test('simulcast switch: continuous sequence numbers, timestamps advanced by wall time, picture ids and TL0PICIDX continued', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  send(s, vp8({ ssrc: LOW, seq: 100, ts: 3000, pic: 10, tl0: 2, tid: 0, key: true }), 1000);
  send(s, vp8({ ssrc: LOW, seq: 101, ts: 6000, pic: 11, tl0: 3, tid: 0 }), 1033);
  setStreamTarget(s, HIGH);
  // until HIGH has a key frame, LOW keeps flowing and HIGH's packets ask for one
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 7000, ts: 500_000, pic: 800, tl0: 90, tid: 0 }), 1040), { v: Verdict.dropAwaitingKeyframe });
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 102, ts: 9000, pic: 12, tl0: 4, tid: 0 }), 1066).seq, 102);
  // HIGH's key frame 34 ms after the last forwarded packet: ts 9000 + 34 × 90
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 7001, ts: 503_000, pic: 801, tl0: 91, tid: 0, key: true }), 1100), { v: Verdict.forwardSwitched, seq: 103, ts: 9000 + 34 * 90, ssrc: OUT, pic: 13, tl0: 5 });
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 7002, ts: 503_000, pic: 801, tl0: 91, tid: 0, start: false }), 1101), { v: Verdict.forward, seq: 104, ts: 9000 + 34 * 90, ssrc: OUT, pic: 13, tl0: 5 });
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 7003, ts: 506_000, pic: 802, tl0: 92, tid: 0 }), 1133), { v: Verdict.forward, seq: 105, ts: 9000 + 34 * 90 + 3000, ssrc: OUT, pic: 14, tl0: 6 });
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 103, ts: 12000, pic: 13, tl0: 5, tid: 0 }), 1134), { v: Verdict.dropOtherLayer }, 'the old layer stops at once');
  assert.is(s.switches, 2);
});

test('switching in the same millisecond still advances the timestamp by one tick; 16-bit and 32-bit wraps', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  send(s, vp8({ ssrc: LOW, seq: 65535, ts: 0xffffffff, pic: 0x7fff, tl0: 255, tid: 0, key: true }), 5);
  setStreamTarget(s, HIGH);
  assert.equal(send(s, vp8({ ssrc: HIGH, seq: 10, ts: 77, pic: 3, tl0: 7, tid: 0, key: true }), 5), { v: Verdict.forwardSwitched, seq: 0, ts: 0, ssrc: OUT, pic: 0, tl0: 0 });
});

test('suspend and resume: nothing while suspended, then a key frame continues the numbering', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  send(s, vp8({ ssrc: LOW, seq: 1, ts: 100, pic: 1, tl0: 1, tid: 0, key: true }), 0);
  setStreamTarget(s, NO_SSRC);
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 2, ts: 3100, pic: 2, tl0: 2, tid: 0 }), 33), { v: Verdict.dropSuspended });
  setStreamTarget(s, LOW);
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 50, ts: 150_100, pic: 50, tl0: 50, tid: 0 }), 2000), { v: Verdict.dropAwaitingKeyframe }, 'resuming needs a key frame');
  assert.equal(send(s, vp8({ ssrc: LOW, seq: 51, ts: 153_100, pic: 51, tl0: 51, tid: 0, key: true }), 2000), { v: Verdict.forwardSwitched, seq: 2, ts: 100 + 2000 * 90, ssrc: OUT, pic: 2, tl0: 2 });
});

// L1T3 as libwebrtc sends it: TIDs 0 2 1 2 0 2 1 2 …, TL0PICIDX counting TL0 frames, Y on TL1/TL2 after TL0
const PATTERN = [0, 2, 1, 2];
function l1t3Frame(i: number, extra: Partial<Vp8Opts> = {}): Buffer {
  const tid = PATTERN[i % 4]!;
  return vp8({ ssrc: LOW, seq: 1000 + i, ts: i * 3000, pic: 100 + i, tl0: Math.floor(i / 4), tid, sync: tid > 0 && i % 4 !== 3, key: i === 0, ...extra });
}

test('temporal layers: dropped frames leave no sequence gap; upward switch waits for a layer sync frame', () => {
  const s = stream();
  setStreamTarget(s, LOW, 0);
  const got: (number | undefined)[] = [];
  for (let i = 0; i < 11; i++) got.push(send(s, l1t3Frame(i), i * 33).seq);
  const _ = undefined;
  assert.equal(got, [1000, _, _, _, 1001, _, _, _, 1002, _, _], 'TL0 only, renumbered without gaps');

  setStreamTarget(s, LOW, 2);
  const up: [Verdict, number | undefined, number | undefined][] = [];
  for (let i = 11; i < 16; i++) {
    const o = send(s, l1t3Frame(i), i * 33);
    up.push([o.v, o.seq, o.pic]);
  }
  assert.equal(up, [
    [Verdict.dropTemporalLayer, undefined, undefined], // 11: TID2 without Y depends on TL1 frame 10, never sent
    [Verdict.forward, 1003, 112], // 12: TID0
    [Verdict.forward, 1004, 113], // 13: TID2 with Y: depends on TL0 only, the switching-up point
    [Verdict.forward, 1005, 114], // 14: TID1
    [Verdict.forward, 1006, 115], // 15: TID2; picture ids keep their gaps (the VP8 reference finder expects them)
  ]);
});

test('temporal down-switch happens at the next frame start, never inside a frame', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  send(s, vp8({ ssrc: LOW, seq: 1, ts: 0, pic: 1, tl0: 0, tid: 0, key: true }), 0);
  assert.is(send(s, vp8({ ssrc: LOW, seq: 2, ts: 3000, pic: 2, tl0: 0, tid: 2, sync: true }), 33).seq, 2);
  setStreamTarget(s, LOW, 0);
  assert.is(send(s, vp8({ ssrc: LOW, seq: 3, ts: 3000, pic: 2, tl0: 0, tid: 2, start: false }), 34).seq, 3, 'rest of the TL2 frame');
  assert.is(send(s, vp8({ ssrc: LOW, seq: 4, ts: 6000, pic: 3, tl0: 0, tid: 1, sync: true }), 66).v, Verdict.dropTemporalLayer);
  assert.is(send(s, vp8({ ssrc: LOW, seq: 5, ts: 6000, pic: 3, tl0: 0, tid: 1, start: false }), 67).v, Verdict.dropTemporalLayer);
  assert.is(send(s, vp8({ ssrc: LOW, seq: 6, ts: 9000, pic: 4, tl0: 1, tid: 0 }), 99).seq, 4);
});

test('reordering: late packets map with the segment they belong to, or are dropped when their number is taken', () => {
  const s = stream();
  setStreamTarget(s, LOW, 0);
  const f = (seq: number, tid: number, pic: number) => vp8({ ssrc: LOW, seq, ts: pic * 3000, pic, tl0: 0, tid });
  send(s, vp8({ ssrc: LOW, seq: 10, ts: 0, pic: 0, tl0: 0, tid: 0, key: true }), 0); // out 10
  assert.is(send(s, f(11, 0, 1), 1).seq, 11);
  assert.is(send(s, f(14, 2, 4), 2).v, Verdict.dropTemporalLayer); // 12, 13 not seen yet (maybe lost); 14 skipped: 15 → 14
  assert.is(send(s, f(15, 0, 5), 3).seq, 14);
  assert.is(send(s, f(13, 0, 3), 4).seq, 13, 'late 13 in the old segment, below the new one: kept');
  assert.is(send(s, f(12, 0, 2), 5).seq, 12);
  assert.is(send(s, f(15, 0, 5), 6).seq, 14, 'a duplicate maps to the same number');
  assert.is(send(s, f(3, 0, 0), 7).v, Verdict.dropTooOld, 'before the first segment');
  // consecutive skips extend one segment; late packets find their own
  assert.is(send(s, f(17, 2, 7), 8).v, Verdict.dropTemporalLayer); // 16 unseen; 18 → 16
  assert.is(send(s, f(18, 2, 8), 9).v, Verdict.dropTemporalLayer); // the new segment is still empty: 19 → 16
  assert.is(send(s, f(19, 0, 9), 10).seq, 16);
  assert.is(send(s, f(16, 0, 6), 11).seq, 15, 'late 16 fits below');
  const k = findSegmentByOutput(s, 15);
  assert.equal([segmentInputSsrc(s, k), segmentInputSequence(s, k, 15)], [LOW, 16], 'and a NACK for it maps back');
  // a late packet whose number the next segment has taken is refused
  const t = stream();
  setStreamTarget(t, LOW, 0);
  send(t, vp8({ ssrc: LOW, seq: 10, ts: 0, pic: 0, tl0: 0, tid: 0, key: true }), 0);
  assert.is(send(t, f(11, 2, 1), 1).v, Verdict.dropTemporalLayer); // 12 → 11
  assert.is(send(t, f(12, 0, 2), 2).seq, 11);
  assert.is(send(t, f(11, 2, 1), 3).v, Verdict.dropTemporalLayer, 'the skipped packet again (a retransmission) stays skipped');
  assert.is(send(t, f(11, 0, 1), 4).v, Verdict.dropTooOld, 'out 11 is taken by input 12');
});

test('NACK mapping: an output number leads back to the input packet, and the retransmission is rewritten the same way', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  const low = vp8({ ssrc: LOW, seq: 500, ts: 1000, pic: 20, tl0: 2, tid: 0, key: true });
  send(s, low, 0);
  send(s, vp8({ ssrc: LOW, seq: 501, ts: 4000, pic: 21, tl0: 3, tid: 0 }), 33);
  setStreamTarget(s, HIGH);
  const high = vp8({ ssrc: HIGH, seq: 9000, ts: 70_000, pic: 300, tl0: 30, tid: 0, key: true });
  const sent = send(s, high, 66);
  send(s, vp8({ ssrc: HIGH, seq: 9001, ts: 73_000, pic: 301, tl0: 31, tid: 0 }), 99);
  assert.is(sent.seq, 502);

  const rows: [number, number, number][] = [
    [500, LOW, 500],
    [501, LOW, 501],
    [502, HIGH, 9000],
    [503, HIGH, 9001],
  ];
  for (const [outSeq, ssrc, inSeq] of rows) {
    const k = findSegmentByOutput(s, outSeq);
    assert.ok(k >= 0, `segment for ${outSeq}`);
    assert.equal([segmentInputSsrc(s, k), segmentInputSequence(s, k, outSeq)], [ssrc, inSeq], `out ${outSeq}`);
  }
  assert.is(findSegmentByOutput(s, 504), -1, 'not sent yet');
  assert.is(findSegmentByOutput(s, 499), -1, 'before anything was sent');

  // the cached HIGH key frame, re-sent: same numbers as the first time
  const pkt = newInboundPacket();
  readInboundPacket(high, high.length, 'vp8', pkt);
  const k = findSegmentByOutput(s, 502);
  assert.ok(mapRetransmission(s, k, pkt));
  const copy = Buffer.from(high);
  writeOutbound(s, pkt, copy);
  assert.equal([rtpSequenceNumber(copy), rtpTimestamp(copy), rtpSsrc(copy)], [502, sent.ts, OUT]);
  readInboundPacket(low, low.length, 'vp8', pkt);
  assert.not.ok(mapRetransmission(s, k, pkt), 'a packet of another SSRC than the segment');
  assert.equal([nextRtxSequence(s), nextRtxSequence(s)], [65535, 0], 'RTX numbering wraps');
});

test('sender report timestamps follow the forwarded layer only', () => {
  const s = stream();
  setStreamTarget(s, LOW);
  send(s, vp8({ ssrc: LOW, seq: 1, ts: 1000, pic: 1, tl0: 1, tid: 0, key: true }), 0);
  setStreamTarget(s, HIGH);
  send(s, vp8({ ssrc: HIGH, seq: 1, ts: 50_000, pic: 1, tl0: 1, tid: 0, key: true }), 100);
  assert.is(mapSenderReportTimestamp(s, HIGH, 50_000 + 90), 1000 + 100 * 90 + 90);
  assert.is(mapSenderReportTimestamp(s, LOW, 1000), -1);
});

test('audio: every packet may start the stream; the mapping is the identity', () => {
  const s = newOutboundStream({ outSsrc: 7, clockRateHz: 48000 });
  setStreamTarget(s, 0xa0d10);
  const outs = [send(s, opus(0xa0d10, 40, 960), 0, 'audio'), send(s, opus(0xa0d10, 42, 2880), 40, 'audio')];
  assert.equal(outs, [
    { v: Verdict.forwardSwitched, seq: 40, ts: 960, ssrc: 7 },
    { v: Verdict.forward, seq: 42, ts: 2880, ssrc: 7 },
  ]);
  assert.is(s.outRtxSsrc, NO_SSRC);
});

test('property: random layers, order, loss and temporal targets never break the output stream', () => {
  const rnd = seededRandom(7);
  const s = newOutboundStream({ outSsrc: OUT, clockRateHz: 90000, historySize: 16 });
  const ssrcs = [LOW, HIGH, 0x3333];
  const seqs = [0, 30000, 65500];
  const pkt = newInboundPacket();
  const given = new Map<number, { input: string; at: number }>(); // out seq → the input it was given to
  const counts = new Map<Verdict, number>();
  for (let i = 0; i < 30000; i++) {
    if (rnd() < 0.01) setStreamTarget(s, rnd() < 0.1 ? NO_SSRC : ssrcs[Math.floor(rnd() * 3)]!, rnd() < 0.5 ? 255 : Math.floor(rnd() * 3));
    const layer = Math.floor(rnd() * 3);
    if (rnd() < 0.9) seqs[layer] = (seqs[layer]! + 1) & 0xffff; // else: a loss
    const seq = (seqs[layer]! - (rnd() < 0.1 ? Math.floor(rnd() * 20) : 0)) & 0xffff; // some reordering
    const p = vp8({ ssrc: ssrcs[layer]!, seq, ts: i * 1000, pic: i & 0x7fff, tl0: i & 0xff, tid: Math.floor(rnd() * 3), sync: rnd() < 0.5, key: rnd() < 0.02, start: rnd() < 0.7 });
    readInboundPacket(p, p.length, 'vp8', pkt);
    const lastOut = s.lastOutSeq;
    const hadOutput = s.hasOutput;
    const v = stepOutboundStream(s, pkt, i);
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (!isForwarded(v)) continue;
    const input = `${pkt.ssrc}:${seq}`;
    if (v === Verdict.forwardSwitched && hadOutput) assert.is(s.outSeq, (lastOut + 1) & 0xffff, 'no gap at a switch');
    const prior = given.get(s.outSeq);
    if (prior !== undefined && i - prior.at < 2000) assert.is(input, prior.input, `out ${s.outSeq} given to two inputs`);
    given.set(s.outSeq, { input, at: i });
    const k = findSegmentByOutput(s, s.outSeq);
    assert.ok(k >= 0, 'a forwarded number maps back');
    assert.is(`${segmentInputSsrc(s, k)}:${segmentInputSequence(s, k, s.outSeq)}`, input, 'NACK mapping inverts the forward mapping');
  }
  assert.ok(s.switches > 50, `switches: ${s.switches}`);
  for (const v of Object.values(Verdict)) assert.ok((counts.get(v) ?? 0) > 0, `verdict ${v} exercised`);
});

test.run();
