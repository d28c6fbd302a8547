// What a sender's simulcast source actually delivers, learnt from its packets (not from what it
// signalled): per encoding (SSRC, in SIM group order) bytes received, the bitrate measured over the
// last period, when its last packet came, and its frame height (from VP8 key frames; until one is
// seen, Jitsi's convention for SIM order: the top encoding 720, each lower one half of the next,
// so 180 / 360 / 720 for three). An encoding with no packet for `INACTIVE_AFTER_MS` is inactive
// (bitrate 0): the sender stopped it (SenderSourceConstraints, CPU or bandwidth adaptation).
//
// `noteLayerPacket` runs per packet (typed-array writes, no allocation); `measureLayers` runs on the
// forwarding loop's allocation tick and says whether anything the allocator cares about changed.

import type { SourceLayer } from './layer-selector.ts';

export const INACTIVE_AFTER_MS = 1000;
/** A bitrate change below this fraction is not worth a reallocation. */
const BITRATE_CHANGE = 0.25;

export type SimulcastLayers = {
  /** Media SSRCs, lowest encoding first (SIM order). */
  readonly ssrcs: readonly number[];
  readonly bytes: Float64Array;
  readonly bitrateBps: Float64Array;
  readonly lastPacketMs: Float64Array;
  readonly heightPx: Int32Array;
  /** Bitrates as last given to the allocator, to tell a change worth reallocating for. */
  readonly allocatedBps: Float64Array;
  /** NaN until the first measureLayers, which only starts the first period. */
  lastMeasureMs: number;
  /** Set when a height was learnt or changed, cleared by measureLayers. */
  heightChanged: boolean;
};

/** The height Jitsi assumes for encoding `index` of `count` before any key frame says otherwise. */
export const defaultLayerHeight = (index: number, count: number): number => Math.max(1, Math.round(720 / 2 ** (count - 1 - index)));

export function newSimulcastLayers(ssrcs: readonly number[]): SimulcastLayers {
  const n = ssrcs.length;
  const heightPx = new Int32Array(n);
  for (let i = 0; i < n; i++) heightPx[i] = defaultLayerHeight(i, n);
  return {
    ssrcs: [...ssrcs], bytes: new Float64Array(n), bitrateBps: new Float64Array(n), lastPacketMs: new Float64Array(n).fill(Number.NEGATIVE_INFINITY),
    heightPx, allocatedBps: new Float64Array(n), lastMeasureMs: Number.NaN, heightChanged: false,
  };
}

/** The encoding index of `ssrc`, or −1. */
export function layerIndexOf(l: SimulcastLayers, ssrc: number): number {
  const s = l.ssrcs;
  for (let i = 0; i < s.length; i++) if (s[i] === ssrc) return i;
  return -1;
}

/** One packet of encoding `index`: `bytes` long, at `nowMs`, declaring `heightPx` (−1: not a key frame header). */
export function noteLayerPacket(l: SimulcastLayers, index: number, bytes: number, nowMs: number, heightPx: number): void {
  l.bytes[index]! += bytes;
  l.lastPacketMs[index] = nowMs;
  if (heightPx > 0 && l.heightPx[index] !== heightPx) {
    l.heightPx[index] = heightPx;
    l.heightChanged = true;
  }
}

/**
 * Turns the bytes counted since the last call into bitrates (an encoding silent for INACTIVE_AFTER_MS
 * gets 0). True when the allocator should look again: an encoding started or stopped, a height
 * changed, or a bitrate moved by more than a quarter since the allocator last saw it.
 */
export function measureLayers(l: SimulcastLayers, nowMs: number): boolean {
  let changed = l.heightChanged;
  if (Number.isNaN(l.lastMeasureMs)) {
    l.lastMeasureMs = nowMs;
    l.bytes.fill(0);
    l.heightChanged = false;
    return changed;
  }
  const elapsedMs = nowMs - l.lastMeasureMs;
  if (elapsedMs <= 0) return false;
  l.heightChanged = false;
  for (let i = 0; i < l.ssrcs.length; i++) {
    const active = nowMs - l.lastPacketMs[i]! < INACTIVE_AFTER_MS;
    const measured = (l.bytes[i]! * 8 * 1000) / elapsedMs;
    // smoothed over two periods; a layer that just started counts at once
    const bps = !active ? 0 : l.bitrateBps[i]! > 0 ? 0.5 * l.bitrateBps[i]! + 0.5 * measured : measured;
    l.bitrateBps[i] = active && bps <= 0 ? 1 : bps; // active with nothing counted this period: still active
    l.bytes[i] = 0;
    const before = l.allocatedBps[i]!;
    const now = l.bitrateBps[i]!;
    if ((before > 0) !== (now > 0) || Math.abs(now - before) > BITRATE_CHANGE * before) changed = true;
  }
  l.lastMeasureMs = nowMs;
  return changed;
}

/** The layers as the allocator takes them (and records the bitrates it was given). */
export function allocatorLayers(l: SimulcastLayers): SourceLayer[] {
  const out: SourceLayer[] = [];
  for (let i = 0; i < l.ssrcs.length; i++) {
    l.allocatedBps[i] = l.bitrateBps[i]!;
    out.push({ encoding: i, temporalId: -1, heightPx: l.heightPx[i]!, frameRate: -1, bitrateBps: l.bitrateBps[i]! });
  }
  return out;
}
