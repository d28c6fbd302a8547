import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { levelOf } from './audio-level.ts';

const sine = (amplitude: number) => Float32Array.from({ length: 1024 }, (_, i) => amplitude * Math.sin(i / 5));

test('silence reads 0, a full-scale tone 1, a quiet voice in between', () => {
  assert.is(levelOf(new Float32Array(1024)), 0);
  assert.is(levelOf(sine(1)), 1);
  const quiet = levelOf(sine(0.01));
  assert.ok(quiet > 0.1 && quiet < 0.5, `quiet tone read ${quiet}`);
  assert.is(levelOf(new Float32Array(0)), 0);
});

test.run();
