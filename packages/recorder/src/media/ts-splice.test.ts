// The splice between two live stream layouts, on hand-made MPEG-TS packets (instant): the second
// segment's clock and counters start over, as a fresh ffmpeg's do; after the splice every stream's
// timestamps run on one frame after its last, the PCR moves with them, the continuity counters
// continue, across the 33-bit wrap too; and packets cut from arbitrary chunks come out whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TS_PACKET_BYTES, TsPacketCutter } from './ts-packets.ts';
import { TsSplicer } from './ts-splice.ts';

const VIDEO = 0x100;
const AUDIO = 0x101;
const WRAP = 2 ** 33;

function writeStamp(b: Buffer, at: number, prefix: number, stamp: number): void {
  b[at] = (prefix << 4) | ((Math.floor(stamp / 2 ** 30) & 0x07) << 1) | 1;
  b.writeUInt16BE(((Math.floor(stamp / 2 ** 15) & 0x7fff) << 1) | 1, at + 1);
  b.writeUInt16BE(((stamp & 0x7fff) << 1) | 1, at + 3);
}
const readStamp = (b: Buffer, at: number): number =>
  (((b[at] ?? 0) >> 1) & 0x07) * 2 ** 30 + (b.readUInt16BE(at + 1) >> 1) * 2 ** 15 + (b.readUInt16BE(at + 3) >> 1);

/** A packet starting a PES with PTS and DTS = `stamp` (and a PCR of `stamp` - 9000 on video), continuity counter `cc`. */
function pesStart(pid: number, cc: number, stamp: number): Buffer {
  const b = Buffer.alloc(TS_PACKET_BYTES, 0xff);
  b[0] = 0x47;
  b.writeUInt16BE(0x4000 | pid, 1);
  const withPcr = pid === VIDEO;
  b[3] = (withPcr ? 0x30 : 0x10) | cc;
  let at = 4;
  if (withPcr) {
    b[4] = 7;
    b[5] = 0x10;
    const base = (stamp - 9_000 + WRAP) % WRAP;
    b.writeUInt32BE(Math.floor(base / 2), 6);
    b[10] = ((base & 1) << 7) | 0x7e;
    b[11] = 0;
    at = 12;
  }
  Buffer.from([0, 0, 1, pid === VIDEO ? 0xe0 : 0xc0, 0, 0, 0x80, 0xc0, 10]).copy(b, at);
  writeStamp(b, at + 9, 3, stamp);
  writeStamp(b, at + 14, 1, stamp);
  return b;
}
/** A continuation packet (payload only). */
function payload(pid: number, cc: number): Buffer {
  const b = Buffer.alloc(TS_PACKET_BYTES, 0x11);
  b[0] = 0x47;
  b.writeUInt16BE(pid, 1);
  b[3] = 0x10 | cc;
  return b;
}

type Seen = { pid: number; cc: number; pts?: number; dts?: number; pcr?: number };
function parse(b: Buffer): Seen {
  const pid = b.readUInt16BE(1) & 0x1fff;
  const seen: Seen = { pid, cc: (b[3] ?? 0) & 0x0f };
  if (((b[1] ?? 0) & 0x40) === 0) return seen;
  let at = 4;
  if (((b[3] ?? 0) & 0x20) !== 0) {
    seen.pcr = (b.readUInt32BE(6) * 2) + ((b[10] ?? 0) >> 7);
    at = 5 + (b[4] ?? 0);
  }
  return { ...seen, pts: readStamp(b, at + 9), dts: readStamp(b, at + 14) };
}

/** A segment as ffmpeg writes it: counters from 0, video every 6000 ticks (two packets each), audio every 1920, from `start`. */
function segment(start: number, frames: number): Buffer[] {
  const out: Buffer[] = [];
  let vcc = 0;
  let acc = 0;
  for (let i = 0; i < frames; i++) {
    out.push(pesStart(VIDEO, vcc++ & 0x0f, (start + i * 6_000) % WRAP), payload(VIDEO, vcc++ & 0x0f));
    for (let k = 0; k < 3; k++) out.push(pesStart(AUDIO, acc++ & 0x0f, (start + i * 6_000 + k * 1_920) % WRAP));
  }
  return out;
}

function splice(segments: readonly Buffer[][]): Seen[] {
  const splicer = new TsSplicer();
  const out: Seen[] = [];
  segments.forEach((packets, n) => {
    for (const p of packets) splicer.splice(n, Buffer.from(p), (b) => {
      for (let at = 0; at < b.length; at += TS_PACKET_BYTES) out.push(parse(b.subarray(at, at + TS_PACKET_BYTES)));
    });
  });
  return out;
}

function assertRunsOn(out: readonly Seen[], from: number): void {
  for (const pid of [VIDEO, AUDIO]) {
    const mine = out.filter((s) => s.pid === pid);
    mine.forEach((s, i) => {
      if (i > 0) assert.is(s.cc, ((mine[i - 1]?.cc ?? 0) + 1) & 0x0f, `pid ${pid}: counters continue (packet ${i})`);
    });
    const stamps = mine.flatMap((s) => (s.dts === undefined ? [] : [s.dts]));
    const steps = stamps.slice(1).map((t, i) => (t - (stamps[i] ?? 0) + WRAP) % WRAP);
    const step = pid === VIDEO ? 6_000 : 1_920;
    // Inside a segment the spacing is the frame's; across the splice too (one frame after the last).
    for (const [i, d] of steps.entries()) assert.ok(d > 0 && d <= step * 2, `pid ${pid}: time runs on at ${i} (step ${d}) from ${from}`);
  }
  for (const s of out) if (s.pcr !== undefined) assert.is(((s.dts ?? 0) - s.pcr + WRAP) % WRAP, 9_000, 'the PCR moves with the timestamps');
}

test('a second segment starting its clock and counters over continues the first: every stream one frame on, counters on, PCR along', () => {
  const out = splice([segment(126_000, 20), segment(126_000, 10)]);
  assert.is(out.length, 30 * 5, 'every packet comes out');
  assertRunsOn(out, 126_000);
  const lastVideoOfFirst = 126_000 + 19 * 6_000;
  assert.is(out.filter((s) => s.pid === VIDEO && s.dts !== undefined)[20]?.dts, lastVideoOfFirst + 6_000, 'the first video frame after the splice is one frame on');
});

test('segments on either side of the 33-bit wrap still run on', () => {
  assertRunsOn(splice([segment(WRAP - 60_000, 20), segment(90_000, 10), segment(WRAP - 3_000, 10)]), WRAP - 60_000);
});

test('a later segment whose audio starts before its video: both streams still go forward', () => {
  const late = segment(126_000, 10);
  // Audio first in the byte stream, 30 ms before the video's first timestamp.
  const early = [pesStart(AUDIO, 15, 126_000 - 2_700), ...late];
  const out = splice([segment(126_000, 20), early]);
  const audio = out.filter((s) => s.pid === AUDIO).map((s) => s.dts ?? 0);
  assert.ok(audio.slice(1).every((t, i) => t > (audio[i] ?? 0)), 'audio only forward');
});

test('the cutter hands on whole packets only, whatever the chunk boundaries', () => {
  const packets = Buffer.concat(segment(126_000, 4));
  const cutter = new TsPacketCutter();
  const out: Buffer[] = [];
  for (let at = 0; at < packets.length; at += 100) cutter.cut(packets.subarray(at, Math.min(packets.length, at + 100)), (b) => out.push(Buffer.from(b)));
  const joined = Buffer.concat(out);
  assert.ok(out.every((b) => b.length % TS_PACKET_BYTES === 0 && b[0] === 0x47), 'each piece is whole packets');
  assert.ok(joined.equals(packets), 'nothing lost or changed');
  assert.is(cutter.skippedBytes, 0);
});

test.run();
