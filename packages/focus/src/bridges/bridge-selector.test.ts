import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BridgeCandidate, SelectionRequest } from './bridge-selector.ts';
import { correctedStress, selectBridge } from './bridge-selector.ts';

const NOW = 1_000_000;
const OPTS = { nowMs: NOW, participantRampupMs: 20_000, maxParticipantsPerBridge: 3 };

const bridge = (id: string, over: Partial<BridgeCandidate> = {}): BridgeCandidate => ({
  id, stressLevel: 0.1, averageParticipantStress: 0.01, recentEndpointAddsMs: [], isHealthy: true,
  isShuttingDown: false, isDraining: false, isInGracefulShutdown: false, isOperational: true, ...over,
});
const fresh: SelectionRequest = { conferenceBridges: new Map(), allowCascade: false };

const stress = suite('corrected stress');
stress('adds endpoints placed within the rampup window × average participant stress', () => {
  const b = bridge('a', { stressLevel: 0.2, averageParticipantStress: 0.05, recentEndpointAddsMs: [NOW - 25_000, NOW - 19_000, NOW - 1] });
  assert.ok(Math.abs(correctedStress(b, NOW, 20_000) - 0.3) < 1e-9, 'two of three adds still count');
  assert.ok(Math.abs(correctedStress(b, NOW + 30_000, 20_000) - 0.2) < 1e-9, 'after the rampup only the reported stress');
});
stress.run();

type Row = readonly [name: string, bridges: BridgeCandidate[], req: SelectionRequest, expected: string];
const rows: Row[] = [
  ['least stress wins', [bridge('a', { stressLevel: 0.5 }), bridge('b', { stressLevel: 0.2 }), bridge('c', { stressLevel: 0.3 })], fresh, 'b'],
  ['ties broken by id', [bridge('b'), bridge('a')], fresh, 'a'],
  ['recent placements count against a bridge', [bridge('a', { stressLevel: 0.1, recentEndpointAddsMs: Array(20).fill(NOW - 1000) }), bridge('b', { stressLevel: 0.2 })], fresh, 'b'],
  ['unhealthy bridges are never used', [bridge('a', { isHealthy: false, stressLevel: 0 }), bridge('b', { stressLevel: 0.9 })], fresh, 'b'],
  ['shutting down bridges are never used', [bridge('a', { isShuttingDown: true, stressLevel: 0 }), bridge('b', { stressLevel: 0.9 })], fresh, 'b'],
  ['draining bridges only when nothing else', [bridge('a', { isDraining: true, stressLevel: 0 }), bridge('b', { stressLevel: 0.9 })], fresh, 'b'],
  ['draining bridge as last resort', [bridge('a', { isDraining: true })], fresh, 'a'],
  ['graceful shutdown after draining preference', [bridge('a', { isInGracefulShutdown: true, stressLevel: 0 }), bridge('b', { stressLevel: 0.9 })], fresh, 'b'],
  ['a non-draining bridge in graceful shutdown beats a draining one', [bridge('a', { isDraining: true }), bridge('b', { isInGracefulShutdown: true })], fresh, 'b'],
  ['recently failed bridges come after working ones', [bridge('a', { isOperational: false, stressLevel: 0 }), bridge('b', { stressLevel: 0.8 })], fresh, 'b'],
  ['region match beats lower stress elsewhere', [bridge('a', { region: 'us', stressLevel: 0.1 }), bridge('b', { region: 'eu', stressLevel: 0.6 })], { ...fresh, participantRegion: 'eu' }, 'b'],
  ['unknown region: stress decides', [bridge('a', { region: 'us', stressLevel: 0.1 }), bridge('b', { region: 'eu', stressLevel: 0.6 })], fresh, 'a'],
  ['no bridge in the region: least stress anywhere', [bridge('a', { region: 'us', stressLevel: 0.4 }), bridge('b', { region: 'eu', stressLevel: 0.3 })], { ...fresh, participantRegion: 'ap' }, 'b'],
  ['a conference stays on its bridge', [bridge('a', { stressLevel: 0.7 }), bridge('b', { stressLevel: 0.1 })], { ...fresh, conferenceBridges: new Map([['a', 2]]) }, 'a'],
  ['a conference whose bridge left moves to the best other', [bridge('b', { stressLevel: 0.3 }), bridge('c', { stressLevel: 0.2 })], { ...fresh, conferenceBridges: new Map([['a', 2]]) }, 'c'],
  ['a conference whose bridge became unhealthy moves', [bridge('a', { isHealthy: false }), bridge('b')], { ...fresh, conferenceBridges: new Map([['a', 1]]) }, 'b'],
  ['a full bridge means a full conference without cascading', [bridge('a'), bridge('b')], { ...fresh, conferenceBridges: new Map([['a', 3]]) }, 'none:conference-full'],
  ['with cascading a full bridge gets company', [bridge('a'), bridge('b', { stressLevel: 0.5 })], { conferenceBridges: new Map([['a', 3]]), allowCascade: true }, 'b'],
  ['with cascading a bridge in the region is added', [bridge('a', { region: 'us' }), bridge('b', { region: 'eu', stressLevel: 0.5 })], { conferenceBridges: new Map([['a', 1]]), allowCascade: true, participantRegion: 'eu' }, 'b'],
  ['no bridges at all', [], fresh, 'none:no-bridge'],
  ['only unusable bridges', [bridge('a', { isHealthy: false }), bridge('b', { isShuttingDown: true })], fresh, 'none:no-bridge'],
];

const select = suite('selectBridge');
for (const [name, bridges, req, expected] of rows) {
  select(name, () => {
    const s = selectBridge(bridges, req, OPTS);
    assert.is(s.kind === 'selected' ? s.bridge.id : `none:${s.reason}`, expected);
  });
}
select('spreads a burst of new conferences over equal bridges', () => {
  const adds = new Map<string, number[]>([['a', []], ['b', []], ['c', []]]);
  const picks: string[] = [];
  for (let i = 0; i < 6; i++) {
    const bridges = [...adds].map(([id, at]) => bridge(id, { stressLevel: 0.2, recentEndpointAddsMs: at }));
    const s = selectBridge(bridges, fresh, OPTS);
    assert.is(s.kind, 'selected');
    if (s.kind !== 'selected') return;
    picks.push(s.bridge.id);
    adds.get(s.bridge.id)?.push(NOW);
  }
  assert.equal(picks, ['a', 'b', 'c', 'a', 'b', 'c']);
});
select.run();
