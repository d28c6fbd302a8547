import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '@plenum/kit';
import { KeyframeLimiter } from './keyframe-limiter.ts';

test('one request per second per SSRC, whoever asks', () => {
  const clock = new FakeClock(0);
  const limiter = new KeyframeLimiter({ clock });
  const rows: [number, number, boolean][] = [
    // time ms, ssrc, allowed
    [0, 1, true],
    [0, 1, false],
    [0, 2, true],
    [999, 1, false],
    [1000, 1, true],
    [1500, 2, true],
    [1999, 1, false],
    [2000, 1, true],
  ];
  for (const [at, ssrc, allowed] of rows) {
    clock.advance(at - clock.now());
    assert.is(limiter.tryRequest(ssrc), allowed, `t=${at} ssrc=${ssrc}`);
  }
});

test('a clock that goes backwards does not block requests forever', () => {
  let now = 10_000;
  const limiter = new KeyframeLimiter({ clock: { now: () => now } });
  assert.ok(limiter.tryRequest(7));
  now = 5_000;
  assert.ok(limiter.tryRequest(7));
});

test('FIR sequence numbers count per SSRC and wrap at 256', () => {
  const limiter = new KeyframeLimiter({ clock: new FakeClock() });
  assert.equal([limiter.nextFirSequence(1), limiter.nextFirSequence(1), limiter.nextFirSequence(2)], [0, 1, 0]);
  for (let i = 2; i < 256; i++) limiter.nextFirSequence(1);
  assert.is(limiter.nextFirSequence(1), 0);
  limiter.forget(1);
  assert.is(limiter.nextFirSequence(1), 0);
});

test('memory stays bounded: stale entries are pruned, and when all are fresh new SSRCs wait', () => {
  const clock = new FakeClock(0);
  const limiter = new KeyframeLimiter({ clock, maxEntries: 3 });
  assert.ok(limiter.tryRequest(1) && limiter.tryRequest(2) && limiter.tryRequest(3));
  assert.not.ok(limiter.tryRequest(4), 'table full of entries still in their interval');
  clock.advance(1000);
  assert.ok(limiter.tryRequest(4), 'stale entries pruned');
  assert.is(limiter.size, 1);
  limiter.forget(4);
  assert.is(limiter.size, 0);
});

test.run();
