import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_STRESS_TERM, StressMeter } from './stress-meter.ts';

const limits = { capacityPacketsPerSecond: 10_000, cpuThreshold: 0.8, windowMs: 3000, maxEndpoints: 100 };

/** Feeds one sample a second: `pps` packets and `cpu` (fraction of a core) during each second. */
function feed(m: StressMeter, from: { t: number; packets: number; cpu: number }, seconds: number, pps: number, cpu: number): { t: number; packets: number; cpu: number } {
  let { t, packets, cpu: cpuMicros } = from;
  for (let s = 0; s < seconds; s++) {
    t += 1000;
    packets += pps;
    cpuMicros += cpu * 1_000_000;
    m.sample(t, packets, cpuMicros);
  }
  return { t, packets, cpu: cpuMicros };
}

test('idle: only the endpoint term, and an endpoint costs 1 / maxEndpoints', () => {
  const m = new StressMeter(limits);
  assert.equal(m.read(0), { packetRate: 0, cpuUsage: 0, packetRateStress: 0, cpuStress: 0, endpointStress: 0, stressLevel: 0, averageParticipantStress: 0.01 });
  m.sample(0, 0, 0);
  assert.is(m.read(5).stressLevel, 0.05, 'one sample is no rate yet');
  feed(m, { t: 0, packets: 0, cpu: 0 }, 4, 0, 0);
  assert.equal([m.read(5).stressLevel, m.read(5).averageParticipantStress], [0.05, 0.01]);
});

test('packet rate in + out over capacity drives stress when it is the largest term', () => {
  const m = new StressMeter(limits);
  m.sample(0, 0, 0);
  feed(m, { t: 0, packets: 0, cpu: 0 }, 3, 6000, 0.1);
  const r = m.read(10);
  assert.equal([r.packetRate, r.packetRateStress, r.cpuUsage, r.cpuStress, r.endpointStress, r.stressLevel], [6000, 0.6, 0.1, 0.125, 0.1, 0.6]);
  assert.is(r.averageParticipantStress, 0.06, 'what each of the 10 endpoints costs now');
});

test('CPU over its threshold drives stress when it is the largest term', () => {
  const m = new StressMeter(limits);
  m.sample(0, 0, 0);
  feed(m, { t: 0, packets: 0, cpu: 0 }, 3, 1000, 0.6);
  const r = m.read(2);
  assert.equal([r.cpuUsage, r.cpuStress, r.stressLevel], [0.6, 0.75, 0.75]);
});

test('the window forgets: a burst that ended more than a window ago no longer counts', () => {
  const m = new StressMeter(limits);
  m.sample(0, 0, 0);
  let at = feed(m, { t: 0, packets: 0, cpu: 0 }, 3, 9000, 0);
  assert.is(m.read(0).stressLevel, 0.9);
  at = feed(m, at, 1, 0, 0);
  assert.is(m.read(0).packetRate, 6000, 'two busy seconds and one quiet one in the 3 s window');
  feed(m, at, 3, 0, 0);
  assert.is(m.read(0).stressLevel, 0, 'quiet for a whole window');
});

test('each term is bounded, never negative, never NaN; a counter going backwards restarts the history', () => {
  const m = new StressMeter(limits);
  m.sample(0, 0, 0);
  m.sample(1000, 1_000_000, 50_000_000);
  const r = m.read(1000);
  assert.equal([r.packetRateStress, r.cpuStress, r.endpointStress, r.stressLevel], [MAX_STRESS_TERM, MAX_STRESS_TERM, MAX_STRESS_TERM, MAX_STRESS_TERM]);
  m.sample(2000, 10, 0);
  assert.equal([m.read(0).packetRate, m.read(0).cpuUsage, m.read(0).stressLevel], [0, 0, 0], 'reset totals: no rate until the next sample');
  m.sample(2000, 20, 0);
  assert.is(m.read(0).stressLevel, 0, 'the same instant twice is no interval (and restarts the history)');
  m.sample(3000, 2020, 0);
  assert.is(m.read(0).packetRate, 2000, 'measured from the restart on');
  assert.ok(Number.isFinite(new StressMeter({ ...limits, maxEndpoints: 1 }).read(0).averageParticipantStress));
});

test('the ring keeps only its slots: old samples are overwritten, the rate uses what is left', () => {
  const m = new StressMeter({ ...limits, windowMs: 60_000 }, 3);
  m.sample(0, 0, 0);
  feed(m, { t: 0, packets: 0, cpu: 0 }, 2, 1000, 0);
  feed(m, { t: 2000, packets: 2000, cpu: 0 }, 2, 5000, 0);
  assert.is(m.read(0).packetRate, 5000, 'only the last two intervals are kept in 3 slots');
});

test.run();
