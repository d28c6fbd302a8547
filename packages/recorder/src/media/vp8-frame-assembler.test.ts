// Whole VP8 frames from RTP packets as a network delivers them: in order, slightly reordered,
// duplicated, with a packet lost, across the sequence number wrap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AssembledVp8Frame } from './vp8-frame-assembler.ts';
import { Vp8FrameAssembler } from './vp8-frame-assembler.ts';

type Packet = { seq: number; ts: number; isMarker: boolean; payload: Uint8Array };

/** Frame `n` (3 packets: descriptor with a 7-bit picture id, then bytes n*10+k), starting at `seq`. */
function frame(n: number, seq: number): Packet[] {
  return [0, 1, 2].map((k) => ({
    seq: (seq + k) & 0xffff, ts: n * 3000, isMarker: k === 2,
    payload: Uint8Array.of(k === 0 ? 0x90 : 0x80, 0x80, n & 0x7f, ...(k === 0 ? [n % 2 === 0 ? 0x00 : 0x01] : []), n * 10 + k),
  }));
}

function run(packets: readonly Packet[]): { frames: AssembledVp8Frame[]; dropped: number } {
  const a = new Vp8FrameAssembler();
  const frames: AssembledVp8Frame[] = [];
  let dropped = 0;
  for (const p of packets) {
    const r = a.push(p.seq, p.ts, p.isMarker, 100, p.payload);
    if (r.frame !== undefined) frames.push(r.frame);
    dropped += r.dropped;
  }
  return { frames, dropped };
}

const bytesOf = (n: number): number[] => [...(n % 2 === 0 ? [0x00] : [0x01]), n * 10, n * 10 + 1, n * 10 + 2];

test('in order: each frame whole, descriptors removed, key frames told by the frame tag', () => {
  const { frames, dropped } = run([...frame(0, 100), ...frame(1, 103), ...frame(2, 106)]);
  assert.is(dropped, 0);
  assert.equal(frames.map((f) => [...f.data]), [bytesOf(0), bytesOf(1), bytesOf(2)]);
  assert.equal(frames.map((f) => f.isKeyFrame), [true, false, true]);
  assert.equal([...(frames[1]?.descriptor ?? [])], [0x90, 0x80, 1], 'the first packet\'s descriptor');
  assert.ok(frames.every((f) => !f.lossBefore));
});

test('reordered within and across frames, duplicated, across the wrap: the same frames, in order', () => {
  const [a0, a1, a2] = frame(0, 65_534);
  const [b0, b1, b2] = frame(1, 65_537);
  const packets = [a0, a2, b0, a1, a1, b2, b1, b1] as Packet[];
  const { frames, dropped } = run(packets);
  assert.is(dropped, 0);
  assert.equal(frames.map((f) => [...f.data]), [bytesOf(0), bytesOf(1)]);
});

test('a lost packet: that frame is dropped, the next one says there was a loss', () => {
  const packets = [...frame(0, 10), ...frame(1, 13).filter((p) => p.seq !== 14), ...frame(2, 16), ...frame(3, 19)];
  const { frames, dropped } = run(packets);
  assert.is(dropped, 1);
  assert.equal(frames.map((f) => f.data[1]), [0, 20, 30]);
  assert.equal(frames.map((f) => f.lossBefore), [false, true, false]);
});

test('a whole frame lost, and joining mid-frame: loss is reported, nothing half is given out', () => {
  const packets = [...frame(0, 10).slice(1), ...frame(1, 13), ...frame(3, 19)];
  const { frames, dropped } = run(packets);
  assert.is(dropped, 1, 'the frame joined in the middle');
  assert.equal(frames.map((f) => f.data[1]), [10, 30]);
  assert.is(frames[1]?.lossBefore, true, 'frame 2 never came');
});

test.run();
