// Which layer of which source a receiver gets: a pure function of the sources' layers (with their
// measured bitrates), the receiver's ReceiverVideoConstraints (protocols.md §5) and its bandwidth
// estimate. It mirrors jitsi-videobridge's allocator (cc/allocation: Prioritize.kt, BandwidthAllocator.kt,
// SingleSourceAllocation.kt), with oversending switched off: the sum never exceeds the estimate.
//
// 1. Order: on-stage sources, then selected ones (in the order given), then the rest in the caller's
//    order (speech activity, most recent speaker first); sources with video type 'none' go last.
// 2. Effective constraints: a source's own constraint, else defaultConstraints; once lastN sources with
//    non-zero constraints have been counted, every further source gets 0 (not sent). 0 (maxHeight 0 or
//    maxFrameRate 0) means "don't send"; −1 means unlimited.
// 3. Layers considered per source (camera): those at most maxHeight and at least the preferred frame
//    rate (30) from the preferred height (360) up, every layer below the preferred height, and the
//    lowest height in any case; only layers with a measured bitrate, unless none has one yet. Screen
//    share: everything up to maxHeight (or the lowest height). maxFrameRate further excludes faster
//    layers (Jitsi ignores it for cameras; protocols.md lists it, so it is honoured here).
// 4. Allocation: repeat until nothing changes: for each source in order, "improve" it one layer if the
//    next layer's bitrate is below the remaining bandwidth (an on-stage source jumps straight to the
//    best layer up to the preferred one that fits, and the sources after it wait until it gets there).
//
// This runs when constraints, the estimate, the sources or their bitrates change (not per packet), so
// it is written for clarity and returns fresh objects.

export type VideoType = 'camera' | 'desktop' | 'desktop_high_fps' | 'none';

/** maxHeight / maxFrameRate: −1 unlimited, 0 don't send. */
export type VideoConstraints = { readonly maxHeight: number; readonly maxFrameRate: number };

/**
 * What one receiver asked for. Structurally the same as @plenum/xmpp/codec's ReceiverVideoSettings
 * (which the bridge channel keeps up to date with applyReceiverVideoConstraints), so that value is
 * passed as is; it is restated here so this pure module does not depend on the channel codec.
 */
export type AllocationSettings = {
  /** −1: no limit. */
  readonly lastN: number;
  readonly selectedSources: readonly string[];
  readonly onStageSources: readonly string[];
  readonly defaultConstraints: VideoConstraints;
  readonly constraints: ReadonlyMap<string, VideoConstraints>;
  /** Allocate as if this were the bandwidth (Jitsi's testing knob); undefined: use the estimate. */
  readonly assumedBandwidthBps: number | undefined;
};

/** One forwardable layer: a simulcast encoding (index in SIM group order) and a temporal layer of it. */
export type SourceLayer = {
  readonly encoding: number;
  /** −1 when the codec gives no temporal layers (the whole encoding). */
  readonly temporalId: number;
  readonly heightPx: number;
  /** −1 when unknown. */
  readonly frameRate: number;
  /** Measured bitrate of this layer together with the layers it depends on; 0 when not being received. */
  readonly bitrateBps: number;
};

export type VideoSource = {
  readonly sourceName: string;
  readonly videoType: VideoType;
  /** Ascending quality: encoding by encoding, temporal layers ascending within each (Jitsi's order). */
  readonly layers: readonly SourceLayer[];
};

export type SourceAllocation = {
  readonly sourceName: string;
  /** Index into the source's `layers`, −1 when nothing is forwarded. */
  readonly layerIndex: number;
  /** The chosen layer (undefined when nothing is forwarded). */
  readonly layer: SourceLayer | undefined;
  /** The layer it would get with unlimited bandwidth (−1 when none). */
  readonly idealLayerIndex: number;
  readonly isOnStage: boolean;
  readonly constraints: VideoConstraints;
};

export type Allocation = {
  /** Every source, in priority order. */
  readonly sources: readonly SourceAllocation[];
  /** Sources getting a layer, in priority order (the ForwardedSources message). */
  readonly forwardedSources: readonly string[];
  /** Sources in lastN and with active layers that got nothing because of bandwidth. */
  readonly suspendedSources: readonly string[];
  readonly targetBps: number;
  readonly idealBps: number;
};

export const ONSTAGE_PREFERRED_HEIGHT_PX = 360;
export const ONSTAGE_PREFERRED_FRAME_RATE = 30;
const NOTHING: VideoConstraints = { maxHeight: 0, maxFrameRate: -1 };

export const isDisabled = (c: VideoConstraints): boolean => c.maxHeight === 0 || c.maxFrameRate === 0;

/**
 * Chooses a layer per source. `sources` exclude the receiver's own and come in speech-activity order
 * (most recent speaker first). Steps 1–2 are the same rules as speaker/last-n.ts's
 * selectForwardedSources and are idempotent, so passing that function's output (the forwarded
 * sources, already ordered and cut to last-N) gives the same allocation as passing every source. `bandwidthBps` is the receiver's estimate (Infinity: not limited;
 * negative or NaN: nothing is known yet, so nothing fits).
 */
export function selectLayers(
  sources: readonly VideoSource[],
  rvc: AllocationSettings,
  bandwidthBps: number,
): Allocation {
  const ordered = prioritize(sources, rvc);
  const effective = effectiveConstraints(ordered, rvc);
  const onStage = new Set(rvc.onStageSources);
  const work = ordered.map((source, i) => {
    const constraints = effective[i]!;
    const isOnStage = onStage.has(source.sourceName);
    return { source, constraints, isOnStage, ...consideredLayers(source, constraints, isOnStage), target: -1 };
  });

  let remaining = rvc.assumedBandwidthBps !== undefined && rvc.assumedBandwidthBps >= 0 ? rvc.assumedBandwidthBps : bandwidthBps;
  if (!(remaining >= 0)) remaining = 0;
  // Each round that changes anything moves some source up a layer, so rounds are bounded by the
  // number of layers; the cap also guards against a NaN creeping in. Rounds go on while they spend
  // bandwidth: Jitsi's "while the remaining bandwidth changes", which with unlimited bandwidth
  // (Infinity minus anything is Infinity) would stop after the first step up.
  let rounds = work.reduce((n, w) => n + w.layers.length, 1);
  let spent = Number.NaN;
  while (spent !== 0 && rounds-- > 0) {
    spent = 0;
    for (const w of work) {
      if (isDisabled(w.constraints)) continue;
      const cost = improve(w, remaining);
      remaining -= cost;
      spent += cost;
      if (w.isOnStage && w.target < w.preferred) break;
    }
  }

  const out: SourceAllocation[] = [];
  const forwardedSources: string[] = [];
  const suspendedSources: string[] = [];
  let targetBps = 0;
  let idealBps = 0;
  for (const w of work) {
    const chosen = w.target >= 0 ? w.layers[w.target] : undefined;
    const ideal = w.layers.length > 0 ? w.layers[w.layers.length - 1] : undefined;
    const layerIndex = chosen === undefined ? -1 : w.source.layers.indexOf(chosen);
    out.push({
      sourceName: w.source.sourceName,
      layerIndex,
      layer: chosen,
      idealLayerIndex: ideal === undefined ? -1 : w.source.layers.indexOf(ideal),
      isOnStage: w.isOnStage,
      constraints: w.constraints,
    });
    if (chosen !== undefined) {
      forwardedSources.push(w.source.sourceName);
      targetBps += chosen.bitrateBps;
    } else if (w.layers.length > 0 && w.layers[0]!.bitrateBps > 0) {
      suspendedSources.push(w.source.sourceName);
    }
    idealBps += ideal?.bitrateBps ?? 0;
  }
  return { sources: out, forwardedSources, suspendedSources, targetBps, idealBps };
}

/** Step 1 (Prioritize.kt, with on-stage sources counting as selected ones ahead of the others). */
function prioritize(sources: readonly VideoSource[], rvc: AllocationSettings): VideoSource[] {
  const selected: string[] = [...rvc.onStageSources];
  for (const s of rvc.selectedSources) if (!selected.includes(s)) selected.push(s);
  const enabledSelected: VideoSource[] = [];
  const enabledOthers: VideoSource[] = [];
  const disabled: VideoSource[] = [];
  for (const s of sources) {
    if (s.videoType === 'none') disabled.push(s);
    else if (selected.includes(s.sourceName)) enabledSelected.push(s);
    else enabledOthers.push(s);
  }
  enabledSelected.sort((a, b) => selected.indexOf(a.sourceName) - selected.indexOf(b.sourceName));
  return [...enabledSelected, ...enabledOthers, ...disabled];
}

/** Step 2 (getEffectiveConstraints). */
function effectiveConstraints(ordered: readonly VideoSource[], rvc: AllocationSettings): VideoConstraints[] {
  const lastN = rvc.lastN < 0 ? Number.POSITIVE_INFINITY : rvc.lastN;
  let nonZero = 0;
  return ordered.map((s) => {
    if (s.videoType === 'none' || nonZero >= lastN) return NOTHING;
    const c = rvc.constraints.get(s.sourceName) ?? rvc.defaultConstraints;
    if (!isDisabled(c)) nonZero++;
    return c;
  });
}

/** Measured and sane: a NaN, infinite or negative bitrate makes a layer unusable. */
const isActive = (l: SourceLayer): boolean => l.bitrateBps > 0 && Number.isFinite(l.bitrateBps);

type Considered = { layers: SourceLayer[]; preferred: number };

/** Step 3 (selectLayersForCamera / selectLayersForScreensharing, without the oversend layer). */
function consideredLayers(source: VideoSource, c: VideoConstraints, isOnStage: boolean): Considered {
  if (isDisabled(c) || source.layers.length === 0) return { layers: [], preferred: -1 };
  const fpsLimited = c.maxFrameRate > 0;
  const fpsOk = (l: SourceLayer): boolean => !fpsLimited || l.frameRate < 0 || l.frameRate <= c.maxFrameRate;
  const heightOk = (l: SourceLayer): boolean => c.maxHeight < 0 || l.heightPx <= c.maxHeight;
  const anyActive = source.layers.some(isActive);
  const active = anyActive ? source.layers.filter(isActive) : source.layers.filter((l) => l.bitrateBps === 0);
  if (active.length === 0) return { layers: [], preferred: -1 };
  const minHeight = Math.min(...active.map((l) => l.heightPx));
  const lowest = (): SourceLayer[] => {
    const atMin = active.filter((l) => l.heightPx === minHeight);
    const fitting = atMin.filter(fpsOk);
    return fitting.length > 0 ? fitting : atMin.slice(0, 1);
  };

  if (source.videoType === 'desktop' || source.videoType === 'desktop_high_fps') {
    let layers = active.filter((l) => heightOk(l) && fpsOk(l));
    if (layers.length === 0) {
      layers = lowest();
      // VP9's shape (several encodings of one size, frame rate unknown): only the first unless on stage
      if (!isOnStage && layers[0]!.frameRate < 0) layers = layers.slice(0, 1);
    }
    return { layers, preferred: layers.length - 1 };
  }

  const limitedToThumbnail = c.maxHeight >= 0 && c.maxHeight <= 180;
  const preferredHeight = limitedToThumbnail ? -1 : ONSTAGE_PREFERRED_HEIGHT_PX;
  const maxFps = Math.max(...active.map((l) => l.frameRate));
  let preferredFps = limitedToThumbnail ? -1 : ONSTAGE_PREFERRED_FRAME_RATE;
  if (preferredFps > 0 && maxFps > 0) preferredFps = Math.min(preferredFps, maxFps);
  if (preferredFps > 0 && fpsLimited) preferredFps = Math.min(preferredFps, c.maxFrameRate);
  let layers = active.filter((l) => {
    if (!fpsOk(l)) return false;
    const belowPreferredHeight = l.heightPx < preferredHeight;
    const atLeastPreferredFps = l.frameRate < 0 || l.frameRate >= preferredFps;
    return belowPreferredHeight || (heightOk(l) && atLeastPreferredFps) || l.heightPx === minHeight;
  });
  if (layers.length === 0) layers = lowest();
  const effectivePreferredHeight = Math.max(preferredHeight, minHeight);
  let preferred = -1;
  layers.forEach((l, i) => {
    if (l.heightPx <= effectivePreferredHeight) preferred = i;
  });
  return { layers, preferred };
}

/** Step 4 (SingleSourceAllocation.improve without oversending): returns the extra bandwidth taken. */
function improve(w: Considered & { isOnStage: boolean; target: number }, remainingBps: number): number {
  const layers = w.layers;
  if (layers.length === 0) return 0;
  const initial = w.target >= 0 ? layers[w.target]!.bitrateBps : 0;
  const maxBps = remainingBps + initial;
  if (w.target === -1 && w.preferred > -1 && w.isOnStage) {
    for (let i = 0; i < layers.length; i++) {
      if (i > w.preferred || layers[i]!.bitrateBps > maxBps) break;
      w.target = i;
    }
  } else if (w.target + 1 < layers.length && layers[w.target + 1]!.bitrateBps < maxBps) {
    w.target++;
  }
  if (w.target > -1) {
    // Jump to a better layer that costs no more (measured bitrates need not grow with quality). As in
    // Jitsi the range is fixed before the loop and the comparison follows the moving target, so among
    // such layers the cheapest chain wins (with no bitrates measured yet: the layer just above).
    const from = w.target;
    for (let i = layers.length - 1; i > from; i--) {
      if (layers[i]!.bitrateBps <= layers[w.target]!.bitrateBps) w.target = i;
    }
  }
  return (w.target >= 0 ? layers[w.target]!.bitrateBps : 0) - initial;
}
