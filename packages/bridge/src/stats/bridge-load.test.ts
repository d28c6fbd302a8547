import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBridgeStats, statsJson } from './bridge-load.ts';

const inputs = {
  conferences: 2, endpoints: 30, largestConference: 20, conferencesCreated: 5, endpointsCreated: 44, maxEndpoints: 200,
  version: '0.1.0', region: 'eu', relayId: undefined, drain: false, gracefulShutdown: true, shuttingDown: false, healthy: true,
};

test('stress is endpoints / maxEndpoints; one endpoint adds 1 / maxEndpoints', () => {
  const s = computeBridgeStats(inputs);
  assert.is(s.stressLevel, 0.15);
  assert.is(s.averageParticipantStress, 0.005);
  assert.is(computeBridgeStats({ ...inputs, endpoints: 300 }).stressLevel, 1.5, 'may exceed 1, as JVB’s does');
  assert.equal([s.conferences, s.participants, s.endpoints, s.region, s.gracefulShutdown], [2, 30, 30, 'eu', true]);
  assert.not.ok('relayId' in s, 'relay_id only when configured');
});

test('JSON for GET /colibri/stats: JVB’s flat names and typed values', () => {
  assert.equal(statsJson(computeBridgeStats(inputs)), {
    stress_level: 0.15, average_participant_stress: 0.005, conferences: 2, participants: 30, endpoints: 30, region: 'eu',
    version: '0.1.0', drain: false, graceful_shutdown: true, shutting_down: false, healthy: true,
    largest_conference: 20, total_conferences_created: 5, total_participants: 44,
  });
});

test.run();
