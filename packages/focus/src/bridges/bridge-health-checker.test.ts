// The focus's active bridge health checks, with a manual clock and a scripted channel standing in
// for the XMPP connection (the real path, a frozen bridge process, is measured by
// `npm run bench:failover:bridge -- --freeze`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, PlenumError, silentLogger } from '@plenum/kit';
import type { BridgeStats, El } from '@plenum/xmpp/codec';
import { NS_HEALTHCHECK, child } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';
import { BridgeHealthChecker } from './bridge-health-checker.ts';
import { BridgeRegistry } from './bridge-registry.ts';

const stats: BridgeStats = { stressLevel: 0.1, gracefulShutdown: false, shuttingDown: false, drain: false, healthy: true, raw: {} };
const OPTIONS = { intervalMs: 1000, timeoutMs: 1200, retries: 1 };

/** How each bridge answers: 'ok', 'error' (its own check failed), 'silent' (times out), 'late' (our timer fired 2 s late). */
type Behaviour = 'ok' | 'error' | 'silent' | 'late';

function setup(behaviours: Record<string, Behaviour>) {
  const clock = new FakeClock();
  const registry = new BridgeRegistry({ log: silentLogger, options: { healthTimeoutMs: 45_000, failureResetMs: 60_000, participantRampupMs: 0, defaultAverageParticipantStress: 0.01 } });
  const events: string[] = [];
  registry.events.on('bridgeDown', (id, reason) => events.push(`down:${id}:${reason}`));
  registry.events.on('bridgeUp', (id) => events.push(`up:${id}`));
  const asked: El[] = [];
  const channel: StanzaChannel = {
    send: () => undefined,
    request: (iq, opts) => {
      asked.push(iq);
      const id = (iq.attrs.to ?? '').split('/')[1] ?? '';
      switch (behaviours[id]) {
        case 'ok': return Promise.resolve({ name: 'iq', attrs: { type: 'result' }, children: [] });
        case 'error': return Promise.reject(new PlenumError('remote-error', 'remote error internal-server-error'));
        case 'late': return new Promise((_, reject) => clock.setTimeout(() => reject(new PlenumError('timeout', 'timed out')), opts.timeoutMs + 2000));
        default: return new Promise((_, reject) => clock.setTimeout(() => reject(new PlenumError('timeout', 'timed out')), opts.timeoutMs));
      }
    },
  };
  for (const id of Object.keys(behaviours)) registry.update(id, `jvbbrewery@internal.plenum.localhost/${id}`, stats, clock.now());
  events.length = 0;
  const checker = new BridgeHealthChecker({ registry, channel, clock, log: silentLogger, from: 'focus.plenum.localhost/focus', options: OPTIONS });
  return { clock, registry, events, asked, checker };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

async function run(s: ReturnType<typeof setup>, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    s.clock.advance(100);
    await settle();
  }
}

test('every bridge gets a healthcheck IQ get each interval; answering ones stay up', async () => {
  const s = setup({ jvb1: 'ok', jvb2: 'ok' });
  s.checker.start();
  await run(s, 3000);
  assert.is(s.asked.length, 6, 'two bridges, three rounds');
  assert.is(s.asked[0]?.attrs.type, 'get');
  assert.ok(child(s.asked[0] as El, 'healthcheck', NS_HEALTHCHECK), 'the Jitsi healthcheck element');
  assert.equal(s.events, []);
  s.checker.stop();
});

test('a bridge that stops answering is down after the retry times out too; the others are untouched', async () => {
  const s = setup({ jvb1: 'silent', jvb2: 'ok' });
  s.checker.start();
  await run(s, 1000 + 1200);
  assert.equal(s.events, [], 'one timeout is retried, not counted');
  await run(s, 1200);
  assert.equal(s.events, ['down:jvb1:unresponsive']);
  assert.is(s.registry.isUsable('jvb1', s.clock.now()), false);
  assert.is(s.registry.isUsable('jvb2', s.clock.now()), true);
  assert.is(s.registry.candidates(s.clock.now()).find((c) => c.id === 'jvb1')?.isHealthy, false, 'the selector skips it');
  s.checker.stop();
});

test('an error answer takes the bridge down at once; a later pass brings it back', async () => {
  const behaviours: Record<string, Behaviour> = { jvb1: 'error' };
  const s = setup(behaviours);
  s.checker.start();
  await run(s, 1000);
  assert.equal(s.events, ['down:jvb1:unresponsive']);
  behaviours.jvb1 = 'ok';
  await run(s, 1000);
  assert.equal(s.events, ['down:jvb1:unresponsive', 'up:jvb1']);
  s.checker.stop();
});

test('a timeout that fired long after it was due (this process stalled) does not count against the bridge', async () => {
  const s = setup({ jvb1: 'late' });
  s.checker.start();
  await run(s, 10_000);
  assert.equal(s.events, []);
  assert.ok(s.asked.length >= 2, 'checks go on');
  s.checker.stop();
});

test('every bridge silent at once (the path to them is congested) takes none down; one hung among answering ones still goes', async () => {
  const behaviours: Record<string, Behaviour> = { jvb1: 'silent', jvb2: 'silent' };
  const s = setup(behaviours);
  s.checker.start();
  await run(s, 10_000);
  assert.equal(s.events, [], 'no bridge answered: nothing to tell a hung bridge from a congested path');
  assert.ok(s.asked.length >= 8, 'checks go on');
  behaviours.jvb2 = 'ok';
  await run(s, 1000 + 2 * 1200 + 1000);
  assert.equal(s.events, ['down:jvb1:unresponsive'], 'once another answers, the silent one is hung');
  s.checker.stop();
});

test('a lone bridge that stops answering is still taken down', async () => {
  const s = setup({ jvb1: 'silent' });
  s.checker.start();
  await run(s, 1000 + 2 * 1200);
  assert.equal(s.events, ['down:jvb1:unresponsive']);
  s.checker.stop();
});

test('interval 0 turns active checks off', async () => {
  const s = setup({ jvb1: 'silent' });
  const off = new BridgeHealthChecker({ registry: s.registry, channel: { send: () => undefined, request: () => Promise.reject(new Error('unused')) }, clock: s.clock, log: silentLogger, from: 'f', options: { ...OPTIONS, intervalMs: 0 } });
  off.start();
  await run(s, 5000);
  assert.equal(s.events, []);
});

test.run();
