// The pure parts of moving conferences between bridges: the registry tells when a working bridge
// asks to be left (drain, graceful shutdown) and why conferences should leave a bridge; the session
// machine's `move` re-invites without counting against the participant's restart limit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { BridgeStats } from '@plenum/xmpp/codec';
import { BridgeRegistry } from '../src/bridges/bridge-registry.ts';
import { newSession, stepSession } from '../src/jingle/session-machine.ts';

const stats = (over: Partial<BridgeStats> = {}): BridgeStats => ({
  stressLevel: 0.1, gracefulShutdown: false, shuttingDown: false, drain: false, healthy: true, raw: {}, ...over,
});
const registry = (): BridgeRegistry => new BridgeRegistry({
  log: silentLogger,
  options: { healthTimeoutMs: 45_000, failureResetMs: 60_000, participantRampupMs: 20_000, defaultAverageParticipantStress: 0.01 },
});

test('drain and graceful shutdown emit bridgeLeaving once each time they start; shutting down is bridgeDown', () => {
  const r = registry();
  const seen: string[] = [];
  r.events.on('bridgeLeaving', (id, reason) => seen.push(`leaving:${id}:${reason}`));
  r.events.on('bridgeDown', (id, reason) => seen.push(`down:${id}:${reason}`));
  r.update('jvb-a', 'b/jvb-a', stats(), 0);
  assert.is(r.leaveReason('jvb-a', 0), undefined);
  r.update('jvb-a', 'b/jvb-a', stats({ drain: true }), 1_000);
  r.update('jvb-a', 'b/jvb-a', stats({ drain: true }), 2_000);
  assert.is(r.leaveReason('jvb-a', 2_000), 'drain');
  r.update('jvb-a', 'b/jvb-a', stats(), 3_000);
  r.update('jvb-a', 'b/jvb-a', stats({ gracefulShutdown: true }), 4_000);
  assert.is(r.leaveReason('jvb-a', 4_000), 'graceful-shutdown');
  r.update('jvb-a', 'b/jvb-a', stats({ gracefulShutdown: true, shuttingDown: true }), 5_000);
  assert.is(r.leaveReason('jvb-a', 5_000), 'shutting-down');
  assert.equal(seen, ['leaving:jvb-a:drain', 'leaving:jvb-a:graceful-shutdown', 'down:jvb-a:shutting-down']);
  r.remove('jvb-a');
  assert.is(r.leaveReason('jvb-a', 6_000), 'left', 'an unknown bridge is one to leave');
});

test('snapshot reports drain, graceful shutdown and the bridge\'s own counts', () => {
  const r = registry();
  r.update('jvb-a', 'b/jvb-a', stats({ drain: true, conferences: 2, endpoints: 7, region: 'eu' }), 0);
  assert.equal(r.snapshot(0), [{
    id: 'jvb-a', endpoints: 0, usable: true, stress: 0.1, region: 'eu', draining: true, gracefulShutdown: false, healthy: true, conferences: 2, reportedEndpoints: 7,
  }]);
});

test('move re-invites from inviting, offered and active, and never counts as a restart', () => {
  const limits = { minIntervalMs: 5_000, perMinute: 1 };
  let s = stepSession(newSession(), { kind: 'invite' }, limits).state;
  const fromInviting = stepSession(s, { kind: 'move' }, limits);
  assert.equal(fromInviting.effects.map((e) => e.kind), ['expire-endpoint', 'allocate']);
  s = stepSession(s, { kind: 'allocated', generation: s.generation, sid: 's1', bridgeSessionId: 'b1' }, limits).state;
  s = stepSession(s, { kind: 'accept', sid: 's1' }, limits).state;
  const moved = stepSession(s, { kind: 'move' }, limits);
  assert.is(moved.state.phase, 'inviting');
  assert.is(moved.state.generation, s.generation + 1, 'results of the old invite are stale');
  assert.equal(moved.effects.map((e) => e.kind), ['remove-sources', 'expire-endpoint', 'allocate']);
  assert.equal(moved.state.restartsMs, [], 'not a restart');
  assert.equal(stepSession(newSession(), { kind: 'move' }, limits).effects, [], 'nothing to move before an invite');
});

test.run();
