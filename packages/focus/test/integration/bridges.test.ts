// Issue 3's proof, part 2: bridge selection through the whole stack. New conferences go to the
// least (corrected) stressed usable bridge and spread over equal bridges; a bridge that leaves the
// brewery, reports unhealthy or shuts down gets no new conferences; participants wait for a bridge
// and get one when it appears; a bridge that refuses an allocation is avoided.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Stack } from './stack.ts';
import { FakeBridge, Participant, startStack } from './stack.ts';

/** The bridge an offer points at (the fake bridges' ufrag is u-<id>). */
async function bridgeOf(stack: Stack, room: string, opts: { readonly region?: string } = {}): Promise<string> {
  const p = await Participant.join(stack, room, opts);
  const offer = await p.nextJingle('session-initiate');
  return (offer.contents[0]?.transport?.ufrag ?? '').replace(/^u-/, '');
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const usable = (stack: Stack, id: string): boolean => stack.focus.stats().bridges.some((b) => b.id === id && b.usable);

test('new conferences go to the least stressed bridge; a stress report moves the next one', async () => {
  const stack = await startStack();
  try {
    await FakeBridge.start(stack, 'jvb1', { stressLevel: 0.3 });
    const jvb2 = await FakeBridge.start(stack, 'jvb2', { stressLevel: 0.1 });
    await FakeBridge.start(stack, 'jvb3', { stressLevel: 0.2 });
    await until('three bridges', () => stack.focus.stats().bridges.length === 3);
    assert.is(await bridgeOf(stack, 'stress-a'), 'jvb2');
    jvb2.publish({ stressLevel: 0.9 });
    await until('jvb2 stress seen', () => stack.focus.stats().bridges.some((b) => b.id === 'jvb2' && b.stress === 0.9));
    assert.is(await bridgeOf(stack, 'stress-b'), 'jvb3');
  } finally {
    await stack.close();
  }
});

test('a burst of new conferences spreads over equally loaded bridges (recent endpoints count as stress)', async () => {
  const stack = await startStack();
  try {
    for (const id of ['jvb1', 'jvb2', 'jvb3']) await FakeBridge.start(stack, id, { stressLevel: 0.2, averageParticipantStress: 0.05 });
    await until('three bridges', () => stack.focus.stats().bridges.length === 3);
    const chosen: string[] = [];
    for (const room of ['burst-a', 'burst-b', 'burst-c']) chosen.push(await bridgeOf(stack, room));
    assert.equal([...chosen].sort(), ['jvb1', 'jvb2', 'jvb3']);
  } finally {
    await stack.close();
  }
});

test('the participant\'s region wins over lower stress elsewhere', async () => {
  const stack = await startStack();
  try {
    await FakeBridge.start(stack, 'jvb-us', { stressLevel: 0.1, region: 'us' });
    await FakeBridge.start(stack, 'jvb-eu', { stressLevel: 0.5, region: 'eu' });
    await until('two bridges', () => stack.focus.stats().bridges.length === 2);
    assert.is(await bridgeOf(stack, 'region-a', { region: 'eu' }), 'jvb-eu');
    assert.is(await bridgeOf(stack, 'region-b'), 'jvb-us');
  } finally {
    await stack.close();
  }
});

test('a bridge that leaves the brewery, turns unhealthy or shuts down gets no new conferences', async () => {
  const stack = await startStack();
  try {
    const jvb1 = await FakeBridge.start(stack, 'jvb1', { stressLevel: 0.0 });
    const jvb2 = await FakeBridge.start(stack, 'jvb2', { stressLevel: 0.5 });
    const jvb3 = await FakeBridge.start(stack, 'jvb3', { stressLevel: 0.7 });
    await until('three bridges', () => stack.focus.stats().bridges.length === 3);
    assert.is(await bridgeOf(stack, 'gone-a'), 'jvb1');
    jvb1.leave();
    await until('jvb1 forgotten', () => !stack.focus.stats().bridges.some((b) => b.id === 'jvb1'));
    assert.is(await bridgeOf(stack, 'gone-b'), 'jvb2');
    jvb2.publish({ healthy: false });
    await until('jvb2 unhealthy', () => !usable(stack, 'jvb2'));
    assert.is(await bridgeOf(stack, 'gone-c'), 'jvb3');
    jvb3.publish({ shuttingDown: true });
    await until('jvb3 shutting down', () => !usable(stack, 'jvb3'));
    jvb2.publish({ healthy: true });
    await until('jvb2 healthy again', () => usable(stack, 'jvb2'));
    assert.is(await bridgeOf(stack, 'gone-d'), 'jvb2');
    assert.is(jvb1.requestsFor('gone-d@conference.plenum.localhost').length + jvb3.requestsFor('gone-d@conference.plenum.localhost').length, 0);
  } finally {
    await stack.close();
  }
});

test('without a usable bridge participants wait; a bridge joining the brewery gets them', async () => {
  const stack = await startStack();
  try {
    const sick = await FakeBridge.start(stack, 'jvb-sick', { healthy: false });
    const p = await Participant.join(stack, 'waiting');
    const late = await FakeBridge.start(stack, 'jvb-late', { stressLevel: 0.4 });
    const offer = await p.nextJingle('session-initiate');
    assert.is(offer.contents[0]?.transport?.ufrag, 'u-jvb-late');
    assert.is(sick.requests.length, 0);
    assert.ok(late.requests.length >= 1);
  } finally {
    await stack.close();
  }
});

test('a bridge that refuses an allocation is avoided: the participant is placed on another one', async () => {
  const stack = await startStack();
  try {
    const flaky = await FakeBridge.start(stack, 'jvb-flaky', { stressLevel: 0.0 });
    await FakeBridge.start(stack, 'jvb-ok', { stressLevel: 0.6 });
    await until('two bridges', () => stack.focus.stats().bridges.length === 2);
    flaky.failNext = 'GRACEFUL_SHUTDOWN';
    assert.is(await bridgeOf(stack, 'refused'), 'jvb-ok');
    assert.is(flaky.requests.length, 1, 'one attempt on the refusing bridge');
  } finally {
    await stack.close();
  }
});

test.run();
