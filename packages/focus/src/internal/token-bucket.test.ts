import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket } from './token-bucket.ts';

test('a burst passes, the next is refused, tokens refill at the rate', () => {
  const b = new TokenBucket({ ratePerSecond: 2, burst: 3, nowMs: 0 });
  assert.equal([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.is(b.take(499), false, 'not quite one token after 499 ms at 2/s');
  assert.is(b.take(500), true);
  assert.is(b.take(10_000), true);
  assert.equal([b.take(10_000), b.take(10_000), b.take(10_000)], [true, true, false], 'refill is capped at the burst');
});

test('time going backwards never mints tokens', () => {
  const b = new TokenBucket({ ratePerSecond: 1, burst: 1, nowMs: 1000 });
  assert.is(b.take(1000), true);
  assert.is(b.take(0), false);
  assert.is(b.take(1500), false);
  assert.is(b.take(2000), true);
});

test.run();
