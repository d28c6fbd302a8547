import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyBytes } from './copy-bytes.ts';

test('copies between plain Uint8Arrays and Buffers, clipped to both ends', () => {
  const src = new Uint8Array([1, 2, 3, 4, 5]);
  const dst = new Uint8Array(3);
  assert.is(copyBytes(src, 1, 5, dst, 0), 3);
  assert.equal([...dst], [2, 3, 4]);
  const buf = Buffer.alloc(4);
  assert.is(copyBytes(src, 0, 2, buf, 2), 2);
  assert.equal([...buf], [0, 0, 1, 2]);
});

test('out-of-range arguments copy nothing instead of throwing (Buffer#copy would throw)', () => {
  const src = new Uint8Array(5);
  const dst = new Uint8Array(3);
  const rows: [number, number, number][] = [
    [-1, 2, 0],
    [0, 2, -1],
    [9, 12, 0],
    [4, 2, 0],
    [0, 5, 3],
    [0, Number.NaN, 0],
    [Number.NaN, 3, 0],
  ];
  for (const [a, b, at] of rows) assert.is(copyBytes(src, a, b, dst, at), 0, `${a}..${b} → ${at}`);
});

test.run();
