import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBridgeStats, statsJson } from './bridge-load.ts';
import { StressMeter } from './stress-meter.ts';

const limits = { capacityPacketsPerSecond: 40_000, cpuThreshold: 0.9, windowMs: 5000, maxEndpoints: 200 };
const idleMeter = new StressMeter(limits);
const inputs = {
  conferences: 2, endpoints: 30, largestConference: 20, conferencesCreated: 5, endpointsCreated: 44, stress: idleMeter.read(30),
  version: '0.1.0', region: 'eu', relayId: undefined, drain: false, gracefulShutdown: true, shuttingDown: false, healthy: true,
};

test('without traffic, stress is endpoints / maxEndpoints and one endpoint adds 1 / maxEndpoints', () => {
  const s = computeBridgeStats(inputs);
  assert.is(s.stressLevel, 0.15);
  assert.is(s.averageParticipantStress, 0.005);
  assert.is(computeBridgeStats({ ...inputs, endpoints: 300, stress: idleMeter.read(300) }).stressLevel, 1.5, 'may exceed 1, as JVB’s does');
  assert.equal([s.conferences, s.participants, s.endpoints, s.region, s.gracefulShutdown], [2, 30, 30, 'eu', true]);
  assert.not.ok('relayId' in s, 'relay_id only when configured');
});

test('JSON for GET /colibri/stats: JVB’s flat names and typed values', () => {
  assert.equal(statsJson(computeBridgeStats(inputs)), {
    stress_level: 0.15, average_participant_stress: 0.005, conferences: 2, participants: 30, endpoints: 30, region: 'eu',
    version: '0.1.0', drain: false, graceful_shutdown: true, shutting_down: false, healthy: true,
    largest_conference: 20, total_conferences_created: 5, total_participants: 44,
    packet_rate: 0, cpu_usage: 0, stress_packet_rate: 0, stress_cpu: 0, stress_endpoints: 0.15,
  });
});

test('JSON carries the measured terms as numbers', () => {
  const m = new StressMeter(limits);
  m.sample(0, 0, 0);
  m.sample(1000, 30_000, 450_000);
  const json = statsJson(computeBridgeStats({ ...inputs, stress: m.read(30) }));
  assert.equal(
    [json.stress_level, json.packet_rate, json.cpu_usage, json.stress_packet_rate, json.stress_cpu, json.stress_endpoints],
    [0.75, 30_000, 0.45, 0.75, 0.5, 0.15],
  );
});

test.run();
