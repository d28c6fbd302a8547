import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPLAY_WINDOW_SIZE, ReplayWindow, guessRolloverCounter } from './replay-window.ts';

/** The RFC 3711 §3.3.2 rule written the slow, obvious way. */
class ReferenceWindow {
  highest = -1;
  readonly seen = new Set<number>();
  check(i: number): string {
    if (i > this.highest) return 'new';
    if (this.highest - i >= REPLAY_WINDOW_SIZE) return 'too-old';
    return this.seen.has(i) ? 'duplicate' : 'new';
  }
  accept(i: number): void {
    this.seen.add(i);
    this.highest = Math.max(this.highest, i);
  }
}

/** Feeds indices through both windows, accepting what the window calls new; returns the verdicts. */
function run(indices: readonly number[]): string[] {
  const w = new ReplayWindow();
  const ref = new ReferenceWindow();
  return indices.map((i) => {
    const v = w.check(i);
    assert.is(v, ref.check(i), `index ${i} after highest ${ref.highest}`);
    if (v === 'new') {
      w.accept(i);
      ref.accept(i);
    }
    assert.is(w.highest, ref.highest);
    return v;
  });
}

const test = suite('replay window');

test('in order: every packet is new', () => {
  assert.ok(run(Array.from({ length: 500 }, (_, i) => i)).every((v) => v === 'new'));
});

test('duplicates: the same index twice, immediately and later within the window', () => {
  assert.equal(run([10, 10]), ['new', 'duplicate']);
  assert.equal(run([10, 11, 12, 11, 10, 13, 10]), ['new', 'new', 'new', 'duplicate', 'duplicate', 'new', 'duplicate']);
});

test('out of order within the window is accepted once; at the window edge', () => {
  const highest = 1000;
  assert.equal(run([highest, highest - 1, highest - 63, highest - 64]), ['new', 'new', 'new', 'too-old']);
  assert.equal(run([highest, highest - 63, highest - 63]), ['new', 'new', 'duplicate']);
  // Bits 31, 32 and 33 straddle the two 32-bit halves of the bitmap.
  assert.equal(run([highest, highest - 31, highest - 32, highest - 33, highest - 31, highest - 32, highest - 33]),
    ['new', 'new', 'new', 'new', 'duplicate', 'duplicate', 'duplicate']);
});

test('too old: more than 64 behind the highest, also long after the start', () => {
  assert.equal(run([100, 36, 37]), ['new', 'too-old', 'new']);
  assert.equal(run([0, 64]), ['new', 'new']);
  assert.equal(run([64, 0]), ['new', 'too-old']);
});

test('jumps of every size keep the right bits (0..130 ahead, then every index behind)', () => {
  for (let jump = 1; jump <= 130; jump++) {
    const base = 5000;
    const fed = [base, base - 2, base - 40, base + jump];
    for (let back = 0; back <= 70; back++) fed.push(base + jump - back);
    run(fed);
  }
});

test('random streams with reordering and duplicates match the reference (seeded)', () => {
  let seed = 42;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let round = 0; round < 200; round++) {
    const fed: number[] = [];
    let next = rnd(1000);
    for (let k = 0; k < 400; k++) {
      const r = rnd(10);
      if (r < 6) fed.push(next++);
      else if (r < 8) fed.push(Math.max(0, next - 1 - rnd(80))); // late or duplicate
      else if (r < 9) fed.push((next += rnd(100))); // loss burst
      else fed.push(next + rnd(5));
    }
    run(fed);
  }
});

test('indices across the 16-bit sequence wrap and large rollover counters (48-bit indices)', () => {
  const roc = 0xfffffffe;
  const idx = (r: number, seq: number): number => r * 65536 + seq;
  assert.equal(run([idx(0, 65534), idx(0, 65535), idx(1, 0), idx(0, 65535), idx(1, 1), idx(0, 65533)]),
    ['new', 'new', 'new', 'duplicate', 'new', 'new']);
  assert.equal(run([idx(roc, 65535), idx(roc + 1, 0), idx(roc, 65535), idx(roc, 65500), idx(roc, 65471)]),
    ['new', 'new', 'duplicate', 'new', 'too-old']);
  assert.ok(idx(0xffffffff, 0xffff) < Number.MAX_SAFE_INTEGER);
});

test('rollover counter guess (RFC 3711 Appendix A): wrap, late packets from before the wrap, ordinary reordering', () => {
  assert.is(guessRolloverCounter(0, 100, 101), 0);
  assert.is(guessRolloverCounter(0, 100, 50), 0, 'late, same period');
  assert.is(guessRolloverCounter(0, 65535, 0), 1, 'wrap');
  assert.is(guessRolloverCounter(0, 65500, 10), 1, 'wrap with loss');
  assert.is(guessRolloverCounter(1, 3, 65530), 0, 'late packet from before the wrap');
  assert.is(guessRolloverCounter(0, 3, 65530), -1, 'before the stream began: no valid index');
  assert.is(guessRolloverCounter(5, 40000, 7233), 5, 'exactly half a period back is the same period');
  assert.is(guessRolloverCounter(5, 40000, 7231), 6);
  assert.is(guessRolloverCounter(5, 0x8000, 0), 5);
});

test.run();
