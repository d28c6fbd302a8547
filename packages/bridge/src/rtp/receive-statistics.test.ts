import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_DROPOUT, ReceiveStatistics, newReceiveReport } from './receive-statistics.ts';

const SSRC = 0x1234_5678;
const report = (s: ReceiveStatistics, nowMs = 0) => {
  const r = newReceiveReport();
  s.report(s.indexOf(SSRC), nowMs, r);
  return r;
};

test('in-order packets: nothing lost, extended highest = last sequence number', () => {
  const s = new ReceiveStatistics();
  for (let k = 0; k < 10; k++) s.record(SSRC, 100 + k, 960 * k, 48000, 50, 20 * k);
  const r = report(s);
  assert.equal([r.ssrc, r.extendedHighestSequence, r.cumulativeLost, r.fractionLost], [SSRC, 109, 0, 0]);
});

test('loss (RFC 3550 A.3): 2 of 10 missing → cumulative 2, fraction floor(2·256/10) = 51; the next interval starts fresh', () => {
  const s = new ReceiveStatistics();
  for (const seq of [0, 1, 2, 4, 5, 6, 7, 8, 9].filter((q) => q !== 5)) s.record(SSRC, seq, 0, 90000, 100, 0);
  let r = report(s);
  assert.is(r.extendedHighestSequence, 9);
  assert.is(r.cumulativeLost, 2);
  assert.is(r.fractionLost, 51);
  assert.equal([r.intervalExpected, r.intervalLost], [10, 2]);
  for (let seq = 10; seq < 20; seq++) s.record(SSRC, seq, 0, 90000, 100, 0);
  r = report(s);
  assert.is(r.cumulativeLost, 2, 'cumulative stays');
  assert.is(r.fractionLost, 0, 'nothing lost in the second interval');
});

test('sequence wrap: cycles counted in the extended highest sequence number', () => {
  const s = new ReceiveStatistics();
  for (let k = 0; k < 6; k++) s.record(SSRC, (65533 + k) & 0xffff, 0, 90000, 100, 0);
  const r = report(s);
  assert.is(r.extendedHighestSequence, 0x10000 + 2, '65533, 65534, 65535, 0, 1, 2 → cycle 1, seq 2');
  assert.is(r.cumulativeLost, 0);
});

test('reordering and a late packet from before the wrap: counted, highest unchanged, no loss; a duplicate makes loss negative', () => {
  const s = new ReceiveStatistics();
  for (const seq of [65534, 0, 65535, 1, 2]) s.record(SSRC, seq, 0, 90000, 100, 0);
  let r = report(s);
  assert.is(r.extendedHighestSequence, 0x10000 + 2);
  assert.is(r.cumulativeLost, 0);
  s.record(SSRC, 2, 0, 90000, 100, 0);
  r = report(s);
  assert.is(r.cumulativeLost, -1, 'RFC 3550 §6.4.1: duplicates count as received');
  assert.is(r.fractionLost, 0, 'negative interval loss reports 0');
});

test('a jump beyond MAX_DROPOUT is ignored until the next packet confirms it (the sender restarted)', () => {
  const s = new ReceiveStatistics();
  for (let k = 0; k < 5; k++) s.record(SSRC, 1000 + k, 0, 90000, 100, 0);
  s.record(SSRC, 1004 + MAX_DROPOUT + 10, 0, 90000, 100, 0);
  assert.is(report(s).extendedHighestSequence, 1004, 'one stray packet moves nothing');
  s.record(SSRC, 30000, 0, 90000, 100, 0);
  s.record(SSRC, 30001, 0, 90000, 100, 0);
  const r = report(s);
  assert.is(r.extendedHighestSequence, 30001, 'resynchronised at the confirmed sequence');
  assert.is(r.cumulativeLost, 0);
});

test('jitter (RFC 3550 A.8): constant spacing gives 0; one packet 10 ms late gives |D|/16 in timestamp units, then decays', () => {
  const s = new ReceiveStatistics();
  // Audio, 48 kHz, 20 ms packets.
  for (let k = 0; k < 5; k++) s.record(SSRC, k, 960 * k, 48000, 100, 1000 + 20 * k);
  assert.is(report(s).jitter, 0);
  s.record(SSRC, 5, 960 * 5, 48000, 100, 1000 + 20 * 5 + 10); // 10 ms late = 480 units
  assert.is(report(s).jitter, 30, '480 / 16');
  s.record(SSRC, 6, 960 * 6, 48000, 100, 1000 + 20 * 6); // on time again: D = 480, J = 30 + (480 − 30)/16
  assert.is(report(s).jitter, Math.round(30 + 450 / 16));
});

test('jitter ignores reordered packets and survives an RTP timestamp wrap', () => {
  const s = new ReceiveStatistics();
  const base = 0xffff_ffff - 3000;
  for (let k = 0; k < 5; k++) s.record(SSRC, k, (base + 3000 * k) >>> 0, 90000, 100, 33.3333 * k);
  s.record(SSRC, 2, 0, 90000, 100, 500); // late, absurd timestamp: not used
  assert.ok(report(s).jitter <= 1, `steady across the wrap (${report(s).jitter})`);
});

test('LSR / DLSR: middle 32 bits of the SR\'s NTP time, delay in 1/65536 s since it arrived', () => {
  const s = new ReceiveStatistics();
  s.record(SSRC, 1, 0, 90000, 100, 0);
  assert.equal([report(s).lastSr, report(s).delaySinceLastSr], [0, 0], 'no SR yet');
  s.senderReport(SSRC, 0xaabb_ccdd, 0x1122_3344, 1000);
  const r = report(s, 1500);
  assert.is(r.lastSr, 0xccdd_1122);
  assert.is(r.delaySinceLastSr, 32768, '0.5 s');
});

test('bounded: SSRCs beyond maxStreams are not tracked', () => {
  const s = new ReceiveStatistics(2);
  assert.ok(s.record(1, 0, 0, 90000, 1, 0));
  assert.ok(s.record(2, 0, 0, 90000, 1, 0));
  assert.not.ok(s.record(3, 0, 0, 90000, 1, 0));
  assert.is(s.size, 2);
  assert.is(s.indexOf(3), -1);
});

test('retain frees the slots of SSRCs no longer signalled and keeps the others\' records', () => {
  const s = new ReceiveStatistics(2);
  for (let k = 0; k < 3; k++) {
    s.record(1, 10 + k, 0, 90000, 1, 0);
    if (k !== 1) s.record(2, 50 + k, 0, 90000, 1, 0);
  }
  s.retain((ssrc) => ssrc === 2);
  assert.is(s.size, 1);
  assert.ok(s.record(3, 0, 0, 90000, 1, 0), 'a new SSRC fits again');
  const r = newReceiveReport();
  s.report(s.indexOf(2), 0, r);
  assert.equal([r.ssrc, r.extendedHighestSequence, r.cumulativeLost], [2, 52, 1], 'SSRC 2 kept its numbers');
});

test.run();
