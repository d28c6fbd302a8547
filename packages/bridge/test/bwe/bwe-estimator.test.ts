// The bandwidth estimator against a simulated path: the bridge sends 1,200-byte packets with its
// transport-wide numbers, a bottleneck (capacity, FIFO queue, propagation delay, random loss) decides
// when each arrives, and the receiver's side is the bridge's own TwccRecorder, whose transport-cc
// feedback (every 100 ms, on the wire format) goes back through readTwccFeedback into the estimator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BandwidthEstimator, DEFAULT_START_BPS } from '../../src/bwe/bandwidth-estimator.ts';
import { BandwidthUsage, TrendlineDetector } from '../../src/bwe/trendline.ts';
import { AimdRateControl } from '../../src/bwe/aimd-rate-control.ts';
import { SendHistory, UNKNOWN_SEND_TIME } from '../../src/bwe/send-history.ts';
import { TwccRecorder } from '../../src/rtp/twcc-feedback.ts';
import { newTwccFeedback, readTwccFeedback } from '../../src/rtp/twcc.ts';
import { seededRandom } from '../../src/rtp/test-bytes.ts';

const PACKET_BYTES = 1200;
const FEEDBACK_MS = 100;
const PROPAGATION_MS = 20;

type Path = {
  /** Bottleneck capacity at time t (ms). */
  capacityBps: (t: number) => number;
  /** What the bridge sends at time t, given the current estimate. */
  sendBps: (t: number, estimateBps: number) => number;
  lossRate?: number;
  /** Queueing delay beyond which the bottleneck drops (default 500 ms; a bufferbloated link holds seconds). */
  queueLimitMs?: number;
  seed?: number;
};

type Run = { estimates: { t: number; bps: number }[]; est: BandwidthEstimator; at: (t: number) => number };

/** Runs `durationMs` of traffic through the path; returns the estimate after each feedback. */
function simulate(durationMs: number, path: Path, est = new BandwidthEstimator()): Run {
  const rnd = seededRandom(path.seed ?? 7);
  const recorder = new TwccRecorder();
  const fb = newTwccFeedback();
  const wire = Buffer.alloc(1500);
  const inFlight: { seq: number; arrivalMs: number }[] = [];
  let queueFreeMs = 0;
  let seq = 0;
  let nextSendMs = 0;
  let nextFeedbackMs = FEEDBACK_MS;
  const estimates: Run['estimates'] = [];
  for (let t = 0; t < durationMs; t += 0.25) {
    while (nextSendMs <= t) {
      const s = seq;
      seq = (seq + 1) & 0xffff;
      est.onPacketSent(s, nextSendMs, PACKET_BYTES);
      const serviceMs = (PACKET_BYTES * 8 * 1000) / path.capacityBps(nextSendMs);
      const startMs = Math.max(nextSendMs, queueFreeMs);
      const queuedMs = startMs - nextSendMs;
      const lost = rnd() < (path.lossRate ?? 0) || queuedMs > (path.queueLimitMs ?? 500); // random loss, or a full queue (tail drop)
      if (!lost) {
        queueFreeMs = startMs + serviceMs;
        inFlight.push({ seq: s, arrivalMs: queueFreeMs + PROPAGATION_MS });
      }
      nextSendMs += (PACKET_BYTES * 8 * 1000) / Math.max(10_000, path.sendBps(nextSendMs, est.estimateBps));
    }
    while (inFlight.length > 0 && inFlight[0]!.arrivalMs <= t) recorder.record(inFlight.shift()!.seq, Math.round(t * 1000));
    if (t >= nextFeedbackMs) {
      nextFeedbackMs += FEEDBACK_MS;
      for (let len = recorder.writeFeedback(wire, 0, 1, 2); len > 0; len = recorder.writeFeedback(wire, 0, 1, 2)) {
        assert.ok(readTwccFeedback(wire, 0, fb), 'the recorder\'s feedback reads back');
        est.onFeedback(fb, t + PROPAGATION_MS);
      }
      estimates.push({ t, bps: est.estimateBps });
    }
  }
  const at = (time: number): number => [...estimates].reverse().find((e) => e.t <= time)?.bps ?? Number.NaN;
  return { estimates, est, at };
}

const mbps = (bps: number): string => `${(bps / 1e6).toFixed(2)} Mbit/s`;

test('a steady link with room to spare: no overuse, the estimate stays at least at the start rate', () => {
  const { estimates, est } = simulate(10_000, { capacityBps: () => 10e6, sendBps: () => 1e6 });
  assert.ok(est.feedbacks > 90, 'feedback was consumed');
  assert.ok(estimates.every((e) => e.bps >= DEFAULT_START_BPS), `never below ${mbps(DEFAULT_START_BPS)} (min ${mbps(Math.min(...estimates.map((e) => e.bps)))})`);
  assert.ok(Math.abs(est.ackedBps - 1e6) < 0.1e6, `acked ≈ 1 Mbit/s (${mbps(est.ackedBps)})`);
  assert.is(est.lossFraction, 0);
});

test('a bottleneck that builds queue delay: overuse, the estimate drops to at most the capacity', () => {
  const capacity = 1e6;
  // a deep buffer: nothing is dropped, so only the growing delay can tell
  const { at, est } = simulate(8000, { capacityBps: () => capacity, sendBps: () => 2e6, queueLimitMs: 60_000 });
  assert.is(est.lossFraction, 0);
  const after = at(8000);
  assert.ok(after <= capacity, `estimate ${mbps(after)} ≤ capacity ${mbps(capacity)}`);
  assert.ok(after >= 0.5 * capacity, `and not far below it (${mbps(after)})`);
  assert.ok(at(2000) < DEFAULT_START_BPS, `it reacted within 2 s (${mbps(at(2000))})`);
  assert.ok(Math.abs(est.ackedBps - capacity) < 0.15 * capacity, `acked ≈ capacity (${mbps(est.ackedBps)})`);
});

test('a sender that follows the estimate settles near the capacity instead of flooding it', () => {
  const capacity = 1.5e6;
  const { estimates } = simulate(30_000, { capacityBps: () => capacity, sendBps: (_t, e) => Math.min(e, 4e6) });
  const late = estimates.filter((e) => e.t >= 10_000).map((e) => e.bps);
  const mean = late.reduce((a, b) => a + b, 0) / late.length;
  assert.ok(mean > 0.5 * capacity && mean < 1.3 * capacity, `mean estimate over the last 20 s ${mbps(mean)} near ${mbps(capacity)}`);
});

test('a shallow buffer: the queue overflows, and the loss takes the estimate down too', () => {
  const { at, est } = simulate(6000, { capacityBps: () => 1e6, sendBps: () => 2e6, queueLimitMs: 200 });
  assert.ok(est.lossFraction > 0.3, `about half is dropped (${est.lossFraction})`);
  assert.ok(at(6000) < 1e6, `estimate ${mbps(at(6000))}`);
});

test('random loss above 10 % lowers the estimate; loss below 2 % does not', () => {
  const lossy = simulate(6000, { capacityBps: () => 20e6, sendBps: () => 1e6, lossRate: 0.2, seed: 3 });
  assert.ok(lossy.at(6000) < 0.5 * DEFAULT_START_BPS, `20 % loss: ${mbps(lossy.at(6000))}`);
  assert.ok(lossy.est.lossFraction > 0.1 && lossy.est.lossFraction < 0.3, `loss measured ≈ 20 % (${lossy.est.lossFraction})`);
  const clean = simulate(6000, { capacityBps: () => 20e6, sendBps: () => 1e6, lossRate: 0.01, seed: 3 });
  assert.ok(clean.at(6000) >= DEFAULT_START_BPS, `1 % loss: ${mbps(clean.at(6000))}`);
});

test('recovery: when the bottleneck goes away the estimate climbs back above what is sent', () => {
  const { at } = simulate(30_000, { capacityBps: (t) => (t < 5000 ? 1e6 : 20e6), sendBps: () => 2e6, queueLimitMs: 60_000 });
  assert.ok(at(5000) < 1e6, `congested: ${mbps(at(5000))}`);
  assert.ok(at(30_000) > 2e6, `recovered: ${mbps(at(30_000))}`);
});

test('a source suspended by a decrease is retried: after a quiet spell the estimate returns to the start value at once', () => {
  // After overuse only audio is sent (acked 50 kbit/s): growth bounded by the acked rate alone
  // would keep 1 Mbit/s video suspended for tens of seconds.
  const aimd = new AimdRateControl({ startBps: 2_000_000, minBps: 30_000, maxBps: 20_000_000, recoveryMs: 5000 });
  aimd.update(BandwidthUsage.overusing, 300_000, 1000);
  assert.ok(aimd.bps <= 300_000, `decreased to ${aimd.bps}`);
  let t = 1000;
  while (t < 5900) aimd.update(BandwidthUsage.normal, 50_000, (t += 100));
  assert.ok(aimd.bps < 1_000_000, `no jump before the quiet spell is over (${aimd.bps})`);
  aimd.update(BandwidthUsage.normal, 50_000, (t = 6000));
  assert.is(aimd.bps, 2_000_000, 'back at the start value');
  aimd.update(BandwidthUsage.overusing, 400_000, (t += 300));
  assert.ok(aimd.bps <= 400_000, 'a real bottleneck takes it down again');
});

test('a REMB from the receiver caps the estimate while it lasts', () => {
  const est = new BandwidthEstimator();
  est.onRemb(400_000);
  assert.is(est.estimateBps, 400_000);
  simulate(2000, { capacityBps: () => 10e6, sendBps: () => 300_000 }, est);
  assert.ok(est.estimateBps <= 400_000);
  est.onRemb(0);
  assert.ok(est.estimateBps > 400_000, 'cleared');
});

test('start, minimum and maximum are configurable', () => {
  const est = new BandwidthEstimator({ startBps: 800_000, minBps: 100_000, maxBps: 900_000 });
  assert.is(est.estimateBps, 800_000);
  assert.is(est.isKnown, false, 'a start value nobody confirmed');
  simulate(10_000, { capacityBps: () => 50_000, sendBps: () => 1e6 }, est);
  assert.ok(est.estimateBps >= 100_000, 'not below the minimum');
  assert.is(est.isKnown, true, 'feedback came');
  est.onRemb(5e6);
  assert.ok(est.estimateBps <= 900_000, 'never above the maximum');
});

test('feedback about numbers never sent (or overwritten) changes nothing', () => {
  const est = new BandwidthEstimator();
  const fb = newTwccFeedback();
  fb.baseSequence = 500;
  fb.statusCount = 50;
  fb.status.fill(0, 0, 50); // all "lost"
  est.onFeedback(fb, 1000);
  est.onFeedback(fb, 2000);
  assert.is(est.estimateBps, DEFAULT_START_BPS);
  assert.is(est.lossFraction, 0);
});

test('hostile feedback (random statuses, deltas, reference times) keeps the estimate finite and within bounds', () => {
  const rnd = seededRandom(99);
  const est = new BandwidthEstimator({ minBps: 50_000, maxBps: 5_000_000 });
  for (let seq = 0; seq < 3000; seq++) est.onPacketSent(seq & 0xffff, seq, 1200);
  const fb = newTwccFeedback();
  for (let i = 0; i < 2000; i++) {
    fb.baseSequence = Math.floor(rnd() * 0x10000);
    fb.statusCount = 1 + Math.floor(rnd() * 200);
    fb.referenceTime64ms = Math.floor(rnd() * 0x1000000);
    for (let k = 0; k < fb.statusCount; k++) {
      fb.status[k] = Math.floor(rnd() * 3);
      fb.deltaUs[k] = Math.round((rnd() - 0.5) * 16_000_000);
    }
    est.onFeedback(fb, i * 10);
    if (i % 100 === 0) est.onRemb(rnd() < 0.5 ? rnd() * 1e7 : Number.NaN);
    assert.ok(Number.isFinite(est.estimateBps) && est.estimateBps >= 50_000 && est.estimateBps <= 5_000_000, `estimate ${est.estimateBps} after ${i}`);
  }
});

test('send history: a slot is overwritten after `capacity` packets, and never mistaken for another', () => {
  const h = new SendHistory(16);
  h.record(65535, 10, 1000);
  h.record(0, 11, 1100);
  assert.equal([h.sendTimeMs(65535), h.bytes(65535), h.sendTimeMs(0)], [10, 1000, 11]);
  h.record(15, 12, 100); // same slot as 65535 (mod 16)
  assert.is(h.sendTimeMs(65535), UNKNOWN_SEND_TIME);
  assert.is(h.sendTimeMs(1), UNKNOWN_SEND_TIME);
});

test('trendline: constant delay is normal, growing delay is overuse, draining is underuse', () => {
  const steady = new TrendlineDetector();
  for (let i = 0; i < 100; i++) steady.update(10, 10, i * 10);
  assert.is(steady.state, BandwidthUsage.normal);
  const growing = new TrendlineDetector();
  for (let i = 0; i < 100; i++) growing.update(12, 10, i * 12);
  assert.is(growing.state, BandwidthUsage.overusing);
  const draining = new TrendlineDetector();
  for (let i = 0; i < 100; i++) draining.update(8, 10, i * 8);
  assert.is(draining.state, BandwidthUsage.underusing);
});

test.run();
