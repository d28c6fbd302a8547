// L0: what the bridge learns about a sender's simulcast encodings from its packets (routing/
// simulcast-layers.ts, routing/vp8-frame-size.ts): heights from VP8 key frames (Jitsi's 180/360/720
// by SIM order until one is seen), bitrates per period, an encoding that stops is inactive, and the
// allocator is asked to look again only when something it uses changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorLayers, defaultLayerHeight, INACTIVE_AFTER_MS, layerIndexOf, measureLayers, newSimulcastLayers, noteLayerPacket } from '../../src/routing/simulcast-layers.ts';
import { readVp8KeyframeHeight } from '../../src/routing/vp8-frame-size.ts';

test('default heights follow SIM order, the top encoding 720', () => {
  assert.equal([0, 1, 2].map((i) => defaultLayerHeight(i, 3)), [180, 360, 720]);
  assert.equal([0, 1].map((i) => defaultLayerHeight(i, 2)), [360, 720]);
  assert.equal(defaultLayerHeight(0, 1), 720);
});

test('a VP8 key frame header gives the height; a delta frame or a short payload gives none', () => {
  const key = Uint8Array.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]); // 640 × 360
  assert.is(readVp8KeyframeHeight(key, 0, key.length), 360);
  const scaled = Uint8Array.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x42]); // 1280 × 720 with vertical scale bits set
  assert.is(readVp8KeyframeHeight(scaled, 0, scaled.length), 720);
  assert.is(readVp8KeyframeHeight(Uint8Array.from([0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]), 0, 10), -1, 'P=1: not a key frame');
  assert.is(readVp8KeyframeHeight(key, 0, 9), -1, 'truncated');
  assert.is(readVp8KeyframeHeight(Uint8Array.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2b, 0x80, 0x02, 0x68, 0x01]), 0, 10), -1, 'no start code');
});

test('bitrates per period; an encoding that stops becomes inactive; changes worth a reallocation are flagged', () => {
  const l = newSimulcastLayers([11, 22, 33]);
  assert.equal([layerIndexOf(l, 22), layerIndexOf(l, 99)], [1, -1]);
  assert.is(measureLayers(l, 0), false, 'the first call only starts the period');
  assert.equal(allocatorLayers(l).map((x) => [x.heightPx, x.bitrateBps]), [[180, 0], [360, 0], [720, 0]], 'nothing measured yet');
  const send = (fromMs: number, toMs: number, encodings: number[]): void => {
    for (let t = fromMs; t < toMs; t += 20) for (const e of encodings) noteLayerPacket(l, e, 125 * (e + 1), t, -1);
  };
  send(0, 500, [0, 1, 2]);
  assert.is(measureLayers(l, 500), true, 'three encodings started');
  assert.equal([...l.bitrateBps].map(Math.round), [50_000, 100_000, 150_000]);
  allocatorLayers(l);
  send(500, 1000, [0, 1, 2]);
  assert.is(measureLayers(l, 1000), false, 'same rates: nothing to reallocate');
  noteLayerPacket(l, 2, 100, 1000, 540); // a key frame says the top encoding is 540 high
  send(1000, 1500, [0, 1, 2]);
  assert.is(measureLayers(l, 1500), true, 'a height changed');
  assert.is(allocatorLayers(l)[2]!.heightPx, 540);
  send(1500, 1500 + INACTIVE_AFTER_MS + 100, [0, 1]);
  assert.is(measureLayers(l, 1500 + INACTIVE_AFTER_MS + 100), true, 'the top encoding stopped');
  assert.equal(allocatorLayers(l).map((x) => x.bitrateBps > 0), [true, true, false]);
});

test.run();
