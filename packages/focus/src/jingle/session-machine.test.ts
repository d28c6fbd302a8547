import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionInput, SessionState } from './session-machine.ts';
import { mayRestart, newSession, stepSession } from './session-machine.ts';

const LIMITS = { minIntervalMs: 5_000, perMinute: 5 };
const run = (inputs: SessionInput[], from: SessionState = newSession()) => {
  let s = from;
  const log: string[] = [];
  for (const input of inputs) {
    const step = stepSession(s, input, LIMITS);
    s = step.state;
    log.push([step.state.phase, ...step.effects.map((e) => e.kind), ...(step.refusal !== undefined ? [`!${step.refusal}`] : [])].join(' '));
  }
  return { s, log };
};
const allocated = (generation: number, sid = `s${generation}`): SessionInput => ({ kind: 'allocated', generation, sid, bridgeSessionId: `b${generation}` });

const t = suite('session machine');

t('happy path: invite, allocate, offer, accept, sources, leave', () => {
  const { log } = run([{ kind: 'invite' }, allocated(1), { kind: 'accept', sid: 's1' }, { kind: 'sources', sid: 's1' }, { kind: 'left' }]);
  assert.equal(log, ['inviting allocate', 'offered send-initiate', 'active activate', 'active', 'ended remove-sources expire-endpoint']);
});

type Row = readonly [string, SessionInput[], string[]];
const rows: Row[] = [
  ['a second invite is ignored', [{ kind: 'invite' }, { kind: 'invite' }], ['inviting allocate', 'inviting']],
  ['an accept with the wrong sid is refused', [{ kind: 'invite' }, allocated(1), { kind: 'accept', sid: 'other' }], ['inviting allocate', 'offered send-initiate', 'offered !unknown-session']],
  ['an accept before the offer is refused', [{ kind: 'invite' }, { kind: 'accept', sid: 's1' }], ['inviting allocate', 'inviting !unknown-session']],
  ['source changes before the accept are refused', [{ kind: 'invite' }, allocated(1), { kind: 'sources', sid: 's1' }], ['inviting allocate', 'offered send-initiate', 'offered !unknown-session']],
  ['allocation failure returns to new for a later retry', [{ kind: 'invite' }, { kind: 'invite-failed', generation: 1 }, { kind: 'invite' }], ['inviting allocate', 'new expire-endpoint', 'inviting allocate']],
  ['a refused offer returns to new', [{ kind: 'invite' }, allocated(1), { kind: 'invite-failed', generation: 1 }], ['inviting allocate', 'offered send-initiate', 'new expire-endpoint']],
  ['leaving while inviting expires the endpoint; the late allocation is stale', [{ kind: 'invite' }, { kind: 'left' }, allocated(1)], ['inviting allocate', 'ended expire-endpoint', 'ended']],
  ['leaving before any invite does nothing on the bridge', [{ kind: 'left' }, { kind: 'left' }], ['ended', 'ended']],
  ['terminate without restart ends the session', [{ kind: 'invite' }, allocated(1), { kind: 'accept', sid: 's1' }, { kind: 'terminate', sid: 's1', isRestart: false, nowMs: 0 }],
    ['inviting allocate', 'offered send-initiate', 'active activate', 'ended remove-sources expire-endpoint']],
  ['restart: sources removed, endpoint expired, a new invite', [{ kind: 'invite' }, allocated(1), { kind: 'accept', sid: 's1' }, { kind: 'terminate', sid: 's1', isRestart: true, nowMs: 0 }, allocated(1, 'old'), allocated(2)],
    ['inviting allocate', 'offered send-initiate', 'active activate', 'inviting remove-sources expire-endpoint allocate', 'inviting', 'offered send-initiate']],
  ['a terminate for another sid is refused', [{ kind: 'invite' }, allocated(1), { kind: 'terminate', sid: 'x', isRestart: true, nowMs: 0 }], ['inviting allocate', 'offered send-initiate', 'offered !unknown-session']],
];
for (const [name, inputs, expected] of rows) t(name, () => assert.equal(run(inputs).log, expected));

t('restarts are rate limited: 5 s apart, 5 per minute', () => {
  let s: SessionState = newSession();
  const go = (input: SessionInput) => {
    const step = stepSession(s, input, LIMITS);
    s = step.state;
    return step;
  };
  go({ kind: 'invite' });
  let sid = 'x';
  const cycle = (nowMs: number) => {
    go({ kind: 'allocated', generation: s.generation, sid: `s${nowMs}`, bridgeSessionId: 'b' });
    sid = `s${nowMs}`;
    go({ kind: 'accept', sid });
    return go({ kind: 'terminate', sid, isRestart: true, nowMs });
  };
  assert.is(cycle(0).refusal, undefined);
  const early = cycle(4_999);
  assert.is(early.refusal, 'restart-rate', 'less than 5 s after the last one');
  assert.is(s.phase, 'ended');
  assert.equal(mayRestart([0, 5_000, 10_000, 15_000, 20_000], 25_000, LIMITS).isAllowed, false, 'five in the last minute');
  assert.equal(mayRestart([0, 5_000, 10_000, 15_000, 20_000], 60_000, LIMITS).isAllowed, true, 'the oldest fell out of the window');
});

t.run();
