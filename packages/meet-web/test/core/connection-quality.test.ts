// The tile's connection-quality indicator from packet loss (client/conference/connection-quality.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qualityBetween, qualityOfLoss } from '../../src/client/conference/connection-quality.ts';

test('loss over an interval: under 2 % good, under 8 % fair, else poor', () => {
  assert.is(qualityBetween({ received: 1000, lost: 0 }, { received: 1990, lost: 10 }), 'good');
  assert.is(qualityBetween({ received: 1000, lost: 0 }, { received: 1950, lost: 50 }), 'fair');
  assert.is(qualityBetween({ received: 1000, lost: 0 }, { received: 1800, lost: 200 }), 'poor');
});

test('no earlier sample, nothing expected, or counters going backwards tell nothing', () => {
  assert.is(qualityBetween(undefined, { received: 10, lost: 0 }), 'unknown');
  assert.is(qualityBetween({ received: 10, lost: 1 }, { received: 10, lost: 1 }), 'unknown');
  assert.is(qualityBetween({ received: 10, lost: 5 }, { received: 5, lost: 0 }), 'unknown');
});

test('a reported loss fraction maps the same way; nonsense is unknown', () => {
  assert.is(qualityOfLoss(0), 'good');
  assert.is(qualityOfLoss(0.05), 'fair');
  assert.is(qualityOfLoss(0.5), 'poor');
  assert.is(qualityOfLoss(Number.NaN), 'unknown');
  assert.is(qualityOfLoss(-1), 'unknown');
});

test.run();
