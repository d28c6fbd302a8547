import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateRtcpCompound } from './rtcp.ts';
import { bytes, seededRandom } from './test-bytes.ts';
import { MAX_STATUSES_PER_FEEDBACK, TwccRecorder } from './twcc-feedback.ts';
import { newTwccFeedback, readTwccFeedback } from './twcc.ts';

const dst = Buffer.alloc(1500);

test('a small feedback, byte by byte', () => {
  const r = new TwccRecorder();
  r.record(10, 1_000_000); // 15 × 64 ms + 40 ms
  r.record(11, 1_001_000);
  r.record(13, 1_000_500); // 12 lost, 13 arrived before 11's time: a negative (large) delta
  const len = r.writeFeedback(dst, 0, 1, 0x12345678);
  assert.equal(dst.subarray(0, len), bytes`
    af cd 00 06   # P=1 FMT=15 | PT=205 RTPFB | length 6: 28 bytes
    00 00 00 01   # sender SSRC (the bridge)
    12 34 56 78   # media SSRC
    00 0a 00 04   # base 10 | 4 statuses
    00 00 0f 00   # reference time 15 × 64 ms = 960 ms | feedback count 0
    d4 80         # 2-bit vector: 01 01 00 10 (small small lost large) 00 00 00
    a0            # 10: 1 000 000 − 960 000 µs = 160 ticks
    04            # 11: +1000 µs
    ff fe         # 13: −500 µs = −2 ticks, arrived before 11
    00 02         # RTCP padding: 2 bytes, the last one its count
  `);
  // decoded back by our reader
  const fb = newTwccFeedback();
  assert.is(validateRtcpCompound(dst, len), 1);
  assert.ok(readTwccFeedback(dst, 0, fb));
  assert.equal([fb.baseSequence, fb.statusCount, fb.referenceTime64ms, fb.feedbackCount], [10, 4, 15, 0]);
  assert.equal([...fb.status.subarray(0, 4)], [1, 1, 0, 2]);
  assert.equal([...fb.deltaUs.subarray(0, 4)], [40_000, 1000, 0, -500]);
  assert.is(r.pending, 0);
  assert.is(r.writeFeedback(dst, 0, 1, 2), 0, 'nothing more to say');
});

test('round trip: every received packet reported once, with its arrival time to 250 µs', () => {
  const rnd = seededRandom(21);
  const r = new TwccRecorder(4096);
  const truth = new Map<number, number>();
  const reported = new Map<number, number>();
  const fb = newTwccFeedback(4096);
  let t = 5_000_000;
  let seq = 65000;
  for (let round = 0; round < 200; round++) {
    const batch: [number, number][] = [];
    for (let i = 0; i < 40; i++) {
      seq = (seq + 1) & 0xffff;
      t += Math.floor(rnd() * 3000);
      if (rnd() < 0.05) continue; // lost
      batch.push([seq, t + (rnd() < 0.02 ? 300_000 : 0)]); // a few very late in time
    }
    for (let i = batch.length - 1; i > 0; i--) if (rnd() < 0.1) [batch[i], batch[i - 1]] = [batch[i - 1]!, batch[i]!]; // reorder
    for (const [s, at] of batch) {
      r.record(s, at);
      truth.set(s, at);
    }
    for (let len = r.writeFeedback(dst, 0, 1, 2); len > 0; len = r.writeFeedback(dst, 0, 1, 2)) {
      assert.ok(readTwccFeedback(dst, 0, fb), 'our reader accepts it');
      let at = fb.referenceTime64ms * 64_000;
      for (let k = 0; k < fb.statusCount; k++) {
        const s = (fb.baseSequence + k) & 0xffff;
        if (fb.status[k] === 0) continue;
        at += fb.deltaUs[k]!;
        assert.not.ok(reported.has(s), `seq ${s} reported twice`);
        reported.set(s, at);
      }
    }
  }
  let checked = 0;
  for (const [s, at] of reported) {
    const real = truth.get(s);
    if (real === undefined) continue;
    assert.ok(Math.abs(real - at) <= 250, `seq ${s}: ${at} vs ${real}`);
    checked++;
  }
  assert.ok(checked > 7000, `checked ${checked}`);
});

test('long runs use run-length chunks; a gap over 8 s starts a new feedback', () => {
  const r = new TwccRecorder();
  for (let s = 0; s < 100; s++) r.record(s, 1_000_000 + s * 1000);
  const len = r.writeFeedback(dst, 0, 1, 2);
  assert.is(dst.readUInt16BE(20), 0x2000 | 100, 'one run-length chunk: 100 × small delta');
  assert.ok(len <= 20 + 2 + 100 + 3);
  const g = new TwccRecorder();
  g.record(1, 0);
  g.record(2, 9_000_000);
  const fb = newTwccFeedback();
  assert.ok(readTwccFeedback(dst.subarray(0, g.writeFeedback(dst, 0, 1, 2)), 0, fb));
  assert.is(fb.statusCount, 1);
  assert.ok(readTwccFeedback(dst.subarray(0, g.writeFeedback(dst, 0, 1, 2)), 0, fb));
  assert.equal([fb.baseSequence, fb.statusCount, fb.feedbackCount], [2, 1, 1]);
});

test('bounded: a flood of numbers keeps only the newest `capacity`, and a feedback stays under 1200 bytes', () => {
  const r = new TwccRecorder(1024);
  for (let s = 0; s < 5000; s++) r.record(s * 3, s * 100_000); // every third number: 2/3 lost, big deltas
  assert.is(r.pending, 1024);
  const len = r.writeFeedback(dst, 0, 1, 2);
  assert.ok(len > 0 && len <= 1200, `length ${len}`);
  assert.is(r.pending, 1024 - MAX_STATUSES_PER_FEEDBACK);
  assert.is(r.writeFeedback(Buffer.alloc(10), 0, 1, 2), -1, 'no room');
  r.record(1, Number.NaN);
});

test.run();
