import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { BridgeStats } from '@plenum/xmpp/codec';
import { BridgeRegistry } from './bridge-registry.ts';

const stats = (over: Partial<BridgeStats> = {}): BridgeStats => ({
  stressLevel: 0.1, gracefulShutdown: false, shuttingDown: false, drain: false, healthy: true, raw: {}, ...over,
});
const registry = () => new BridgeRegistry({
  log: silentLogger,
  options: { healthTimeoutMs: 45_000, failureResetMs: 60_000, participantRampupMs: 20_000, defaultAverageParticipantStress: 0.01 },
});

test('join, report unhealthy, recover, leave: bridgeUp/bridgeDown in order', () => {
  const r = registry();
  const seen: string[] = [];
  r.events.on('bridgeUp', (id) => seen.push(`up:${id}`));
  r.events.on('bridgeDown', (id, reason) => seen.push(`down:${id}:${reason}`));
  r.update('jvb1', 'jvbbrewery@internal/jvb1', stats(), 0);
  r.update('jvb1', 'jvbbrewery@internal/jvb1', stats({ stressLevel: 0.3 }), 5_000);
  r.update('jvb1', 'jvbbrewery@internal/jvb1', stats({ healthy: false }), 10_000);
  assert.is(r.isUsable('jvb1', 10_000), false);
  r.update('jvb1', 'jvbbrewery@internal/jvb1', stats(), 15_000);
  r.remove('jvb1');
  r.remove('jvb1');
  assert.equal(seen, ['up:jvb1', 'down:jvb1:unhealthy', 'up:jvb1', 'down:jvb1:left']);
  assert.is(r.size, 0);
});

test('a silent bridge turns unhealthy on sweep; stats bring it back', () => {
  const r = registry();
  const seen: string[] = [];
  r.events.on('bridgeDown', (id, reason) => seen.push(`${id}:${reason}`));
  r.update('jvb1', 'j/jvb1', stats(), 0);
  r.sweep(45_000);
  assert.equal(seen, []);
  r.sweep(45_001);
  assert.equal(seen, ['jvb1:silent']);
  assert.is(r.candidates(45_001)[0]?.isHealthy, false);
  r.update('jvb1', 'j/jvb1', stats(), 50_000);
  assert.is(r.isUsable('jvb1', 50_000), true);
});

test('candidates carry corrected-stress inputs and failure state', () => {
  const r = registry();
  r.update('jvb1', 'j/jvb1', stats({ averageParticipantStress: 0.05, region: 'eu' }), 0);
  r.update('jvb2', 'j/jvb2', stats({ shuttingDown: true }), 0);
  r.endpointAdded('jvb1', 1_000);
  r.endpointAdded('jvb1', 30_000);
  r.markFailed('jvb2', 30_000);
  const [a, b] = r.candidates(30_000);
  assert.equal(a?.recentEndpointAddsMs, [30_000], 'adds older than the rampup are dropped');
  assert.is(a?.averageParticipantStress, 0.05);
  assert.is(a?.region, 'eu');
  assert.is(b?.averageParticipantStress, 0.01, 'the configured default until the bridge reports one');
  assert.is(b?.isOperational, false);
  assert.is(b?.isShuttingDown, true);
  assert.is(r.candidates(90_000)[1]?.isOperational, true, 'failures are forgiven after failureResetMs');
  assert.equal(r.address('jvb1'), { id: 'jvb1', jid: 'j/jvb1' });
});

test.run();
