// Tables mirror jitsi-videobridge's allocation tests (jvb/src/test/kotlin/org/jitsi/videobridge/cc/
// allocation/BitrateControllerTest.kt, SingleSourceAllocationTest.kt): the same layers and bitrates,
// the same bandwidth sweep, and the allocation changes Jitsi expects, minus its oversending cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectLayers, type AllocationSettings, type SourceLayer, type VideoConstraints, type VideoSource, type VideoType } from './layer-selector.ts';

const LD = 150_000;
const SD = 500_000;
const HD = 2_000_000;
const layer = (encoding: number, temporalId: number, heightPx: number, frameRate: number, bitrateBps: number): SourceLayer =>
  ({ encoding, temporalId, heightPx, frameRate, bitrateBps });
// Jitsi's mock layers: bitrates include the lower temporal layers
const LAYERS: Record<string, SourceLayer> = {
  ld7_5: layer(0, 0, 180, 7.5, LD * 0.33),
  ld15: layer(0, 1, 180, 15, LD * 0.66),
  ld30: layer(0, 2, 180, 30, LD),
  sd7_5: layer(1, 0, 360, 7.5, SD * 0.33),
  sd15: layer(1, 1, 360, 15, SD * 0.66),
  sd30: layer(1, 2, 360, 30, SD),
  hd7_5: layer(2, 0, 720, 7.5, HD * 0.33),
  hd15: layer(2, 1, 720, 15, HD * 0.66),
  hd30: layer(2, 2, 720, 30, HD),
};
const NAMES = Object.keys(LAYERS);

function source(sourceName: string, videoType: VideoType = 'camera', override: Partial<Record<string, number>> = {}): VideoSource {
  return {
    sourceName,
    videoType,
    layers: NAMES.map((n) => (override[n] === undefined ? LAYERS[n]! : { ...LAYERS[n]!, bitrateBps: override[n]! })),
  };
}

function settings(o: Partial<Omit<AllocationSettings, 'constraints'>> & { constraints?: Record<string, number> } = {}): AllocationSettings {
  return {
    lastN: o.lastN ?? -1,
    selectedSources: o.selectedSources ?? [],
    onStageSources: o.onStageSources ?? [],
    defaultConstraints: o.defaultConstraints ?? { maxHeight: 180, maxFrameRate: -1 },
    constraints: new Map(Object.entries(o.constraints ?? {}).map(([k, h]): [string, VideoConstraints] => [k, { maxHeight: h, maxFrameRate: -1 }])),
    assumedBandwidthBps: o.assumedBandwidthBps,
  };
}

const ABCD = ['A-v0', 'B-v0', 'C-v0', 'D-v0'].map((n) => source(n));

/** Layer name per source, e.g. "A=sd30 B=ld7_5 C=- D=-". */
function describe(sources: readonly VideoSource[], rvc: AllocationSettings, bwe: number): string {
  const a = selectLayers(sources, rvc, bwe);
  return a.sources
    .map((s) => `${s.sourceName[0]}=${s.layer === undefined ? '-' : NAMES.find((n) => LAYERS[n]!.encoding === s.layer!.encoding && LAYERS[n]!.temporalId === s.layer!.temporalId)}`)
    .join(' ');
}

/** Jitsi's runBweLoop: 0 → 2.5 Mbit/s in 10 kbit/s steps, recording each change of allocation. */
function sweep(sources: readonly VideoSource[], rvc: AllocationSettings): [number, string][] {
  const events: [number, string][] = [];
  let last = '';
  for (let kbps = 0; kbps <= 2500; kbps += 10) {
    const d = describe(sources, rvc, kbps * 1000);
    if (d !== last) events.push([kbps, d]);
    last = d;
  }
  return events;
}

test('stage view, camera: on-stage source up to its preferred 360p/30 first, then thumbnails step by step (verifyStageViewCamera)', () => {
  const rvc = settings({ onStageSources: ['A-v0'], constraints: { 'A-v0': 720 } });
  assert.equal(sweep(ABCD, rvc), [
    [0, 'A=- B=- C=- D=-'],
    [50, 'A=ld7_5 B=- C=- D=-'],
    [100, 'A=ld15 B=- C=- D=-'],
    [150, 'A=ld30 B=- C=- D=-'],
    [500, 'A=sd30 B=- C=- D=-'],
    [550, 'A=sd30 B=ld7_5 C=- D=-'],
    [600, 'A=sd30 B=ld7_5 C=ld7_5 D=-'],
    [650, 'A=sd30 B=ld7_5 C=ld7_5 D=ld7_5'],
    [700, 'A=sd30 B=ld15 C=ld7_5 D=ld7_5'],
    [750, 'A=sd30 B=ld15 C=ld15 D=ld7_5'],
    [800, 'A=sd30 B=ld15 C=ld15 D=ld15'],
    [850, 'A=sd30 B=ld30 C=ld15 D=ld15'],
    [900, 'A=sd30 B=ld30 C=ld30 D=ld15'],
    [960, 'A=sd30 B=ld30 C=ld30 D=ld30'],
    [2150, 'A=hd30 B=ld7_5 C=ld7_5 D=ld7_5'],
    [2200, 'A=hd30 B=ld15 C=ld7_5 D=ld7_5'],
    [2250, 'A=hd30 B=ld15 C=ld15 D=ld7_5'],
    [2300, 'A=hd30 B=ld15 C=ld15 D=ld15'],
    [2350, 'A=hd30 B=ld30 C=ld15 D=ld15'],
    [2400, 'A=hd30 B=ld30 C=ld30 D=ld15'],
    [2460, 'A=hd30 B=ld30 C=ld30 D=ld30'],
  ]);
});

test('stage view, lastN=1: only the on-stage source (verifyStageViewLastN1)', () => {
  const rvc = settings({ lastN: 1, onStageSources: ['A-v0'], constraints: { 'A-v0': 720 } });
  assert.equal(sweep(ABCD, rvc), [
    [0, 'A=- B=- C=- D=-'],
    [50, 'A=ld7_5 B=- C=- D=-'],
    [100, 'A=ld15 B=- C=- D=-'],
    [150, 'A=ld30 B=- C=- D=-'],
    [500, 'A=sd30 B=- C=- D=-'],
    [2010, 'A=hd30 B=- C=- D=-'],
  ]);
  const a = selectLayers(ABCD, rvc, 10_000_000);
  assert.equal(a.sources.map((s) => s.constraints.maxHeight), [720, 0, 0, 0], 'effective constraints: 0 outside last-N');
  assert.equal(a.forwardedSources, ['A-v0']);
});

test('tile view (all selected, 180p): one step per source per round (verifyTileView)', () => {
  const rvc = settings({ selectedSources: ['A-v0', 'B-v0', 'C-v0', 'D-v0'] });
  assert.equal(sweep(ABCD, rvc), [
    [0, 'A=- B=- C=- D=-'],
    [50, 'A=ld7_5 B=- C=- D=-'],
    [100, 'A=ld7_5 B=ld7_5 C=- D=-'],
    [150, 'A=ld7_5 B=ld7_5 C=ld7_5 D=-'],
    [200, 'A=ld7_5 B=ld7_5 C=ld7_5 D=ld7_5'],
    [250, 'A=ld15 B=ld7_5 C=ld7_5 D=ld7_5'],
    [300, 'A=ld15 B=ld15 C=ld7_5 D=ld7_5'],
    [350, 'A=ld15 B=ld15 C=ld15 D=ld7_5'],
    [400, 'A=ld15 B=ld15 C=ld15 D=ld15'],
    [450, 'A=ld30 B=ld15 C=ld15 D=ld15'],
    [500, 'A=ld30 B=ld30 C=ld15 D=ld15'],
    [550, 'A=ld30 B=ld30 C=ld30 D=ld15'],
    [610, 'A=ld30 B=ld30 C=ld30 D=ld30'],
  ]);
});

test('lastN=0 forwards nothing at any bandwidth (verifyLastN0)', () => {
  const a = selectLayers(ABCD, settings({ lastN: 0, selectedSources: ['A-v0'] }), 100_000_000);
  assert.equal(a.forwardedSources, []);
  assert.equal(a.suspendedSources, [], 'outside last-N is not "suspended"');
  assert.equal(a.sources.map((s) => s.layerIndex), [-1, -1, -1, -1]);
});

test('never more than the estimate, whatever the constraints', () => {
  for (const rvc of [
    settings({ onStageSources: ['A-v0'], constraints: { 'A-v0': -1 } }),
    settings({ selectedSources: ['C-v0'], defaultConstraints: { maxHeight: -1, maxFrameRate: -1 } }),
    settings({ lastN: 2 }),
  ]) {
    for (let bps = 0; bps <= 6_000_000; bps += 37_000) {
      const a = selectLayers(ABCD, rvc, bps);
      assert.ok(a.targetBps <= bps, `${a.targetBps} > ${bps}`);
    }
  }
  assert.is(selectLayers(ABCD, settings(), Number.NaN).targetBps, 0, 'no estimate: nothing');
  assert.is(selectLayers(ABCD, settings(), -5).targetBps, 0);
  assert.is(selectLayers(ABCD, settings({ assumedBandwidthBps: 200_000 }), 0).forwardedSources.length, 4, 'assumedBandwidthBps overrides the estimate');
});

test('ordering: on-stage, then selected in selection order, then speech order; video type none last (Prioritize.kt)', () => {
  const six = ['s6', 's5', 's4', 's3', 's2', 's1'].map((n) => source(n));
  const order = (rvc: AllocationSettings, sources = six) => selectLayers(sources, rvc, 0).sources.map((s) => s.sourceName);
  assert.equal(order(settings()), ['s6', 's5', 's4', 's3', 's2', 's1']);
  assert.equal(order(settings({ selectedSources: ['s2'] })), ['s2', 's6', 's5', 's4', 's3', 's1']);
  assert.equal(order(settings({ selectedSources: ['s2', 's1', 's5'] })), ['s2', 's1', 's5', 's6', 's4', 's3']);
  assert.equal(order(settings({ selectedSources: ['s2', 's1'], onStageSources: ['s3'] })), ['s3', 's2', 's1', 's6', 's5', 's4']);
  const muted = [source('s6', 'none'), ...six.slice(1)];
  assert.equal(order(settings({ selectedSources: ['s6'] }), muted), ['s5', 's4', 's3', 's2', 's1', 's6'], 'a selected source without video goes last');
});

test('effective constraints and last-N: zero constraints and no-video sources do not use a last-N slot', () => {
  const sources = [source('A-v0'), source('B-v0', 'none'), source('C-v0'), source('D-v0')];
  const a = selectLayers(sources, settings({ lastN: 2, constraints: { 'A-v0': 0 } }), 100_000_000);
  assert.equal(a.sources.map((s) => [s.sourceName, s.constraints.maxHeight]), [['A-v0', 0], ['C-v0', 180], ['D-v0', 180], ['B-v0', 0]]);
  assert.equal(a.forwardedSources, ['C-v0', 'D-v0']);
  const fps0 = selectLayers([source('A-v0')], { ...settings(), defaultConstraints: { maxHeight: 720, maxFrameRate: 0 } }, 1e9);
  assert.equal(fps0.forwardedSources, [], 'maxFrameRate 0 also means "don\'t send"');
});

test('layers considered (SingleSourceAllocationTest): ideal layer per constraint and activity', () => {
  const ideal = (s: VideoSource, maxHeight: number, onStage = false): string => {
    const rvc = settings({ onStageSources: onStage ? [s.sourceName] : [], constraints: { [s.sourceName]: maxHeight } });
    const i = selectLayers([s], rvc, 1e9).sources[0]!.idealLayerIndex;
    return i < 0 ? '-' : NAMES[NAMES.findIndex((n) => LAYERS[n] === s.layers[i] || (LAYERS[n]!.encoding === s.layers[i]!.encoding && LAYERS[n]!.temporalId === s.layers[i]!.temporalId))]!;
  };
  assert.is(ideal(source('A'), 720), 'hd30', 'camera 720');
  assert.is(ideal(source('A'), 360), 'sd30', 'camera 360');
  assert.is(ideal(source('A'), 180), 'ld30', 'camera 180');
  assert.is(ideal(source('A'), 0), '-', 'maxHeight 0');
  const hdOnly: VideoSource = { sourceName: 'A', videoType: 'camera', layers: [LAYERS.hd7_5!, LAYERS.hd15!, LAYERS.hd30!] };
  assert.is(ideal(hdOnly, 360), 'hd30', '360 asked, only 720 sent: the lowest height is always allowed');
  const upTo360p15 = source('A', 'camera', { sd30: 0, hd7_5: 0, hd15: 0, hd30: 0 });
  assert.is(ideal(upTo360p15, 720), 'ld30', 'inactive layers are skipped; 360p below 30 fps is not considered');
  assert.is(ideal(source('A', 'desktop'), 720, true), 'hd30', 'screen share: everything up to maxHeight');
  assert.is(ideal(source('A', 'desktop'), 360, true), 'sd30');
  const noneMeasured = source('A', 'camera', Object.fromEntries(NAMES.map((n) => [n, 0])));
  assert.is(selectLayers([noneMeasured], settings(), 1_000_000).sources[0]!.layerIndex, 1, 'nothing measured yet: all layers considered, Jitsi lands on the second');
});

test('on-stage camera at 720p: the 360p 7.5/15 fps layers are skipped on the way up', () => {
  const rvc = settings({ onStageSources: ['A-v0'], constraints: { 'A-v0': 720 } });
  const seen = new Set(sweep([source('A-v0')], rvc).map(([, d]) => d));
  assert.equal([...seen], ['A=-', 'A=ld7_5', 'A=ld15', 'A=ld30', 'A=sd30', 'A=hd30']);
});

test('maxFrameRate limits the temporal layer', () => {
  const rvc = { ...settings(), defaultConstraints: { maxHeight: 180, maxFrameRate: 15 } };
  const a = selectLayers([source('A')], rvc, 1e9);
  assert.equal([a.sources[0]!.layer?.heightPx, a.sources[0]!.layer?.frameRate], [180, 15]);
  const slow = { ...settings(), defaultConstraints: { maxHeight: 180, maxFrameRate: 5 } };
  assert.is(selectLayers([source('A')], slow, 1e9).sources[0]!.layer?.frameRate, 7.5, 'below every layer: the slowest still goes');
});

test('a higher layer measured cheaper than the current one is jumped to', () => {
  // 360p measured below 180p/30 (e.g. the 180p encoder is overshooting)
  const s = source('A', 'camera', { sd30: 120_000 });
  const rvc = settings({ constraints: { A: 360 } });
  assert.equal(selectLayers([s], rvc, 160_000).sources[0]!.layer?.heightPx, 360);
});

test('unlimited bandwidth (Infinity: no estimate yet) gives every source the best layer its constraints allow', () => {
  const a = selectLayers(ABCD, settings({ constraints: { 'A-v0': 720, 'B-v0': 360 } }), Number.POSITIVE_INFINITY);
  assert.equal(a.sources.map((x) => x.layer?.heightPx), [720, 360, 180, 180]);
  assert.equal(a.sources.map((x) => x.layerIndex), a.sources.map((x) => x.idealLayerIndex));
});

test('hostile input: empty and degenerate sources never throw', () => {
  const odd: VideoSource[] = [
    { sourceName: 'empty', videoType: 'camera', layers: [] },
    { sourceName: 'neg', videoType: 'desktop', layers: [layer(0, -1, -5, -1, -100)] },
    { sourceName: 'nan', videoType: 'camera', layers: [layer(0, 0, Number.NaN, Number.NaN, Number.NaN)] },
  ];
  for (const bwe of [0, 1, 1e6, Number.POSITIVE_INFINITY, Number.NaN, -1]) {
    const a = selectLayers([...odd, ...ABCD], settings({ lastN: 3, onStageSources: ['nan'], selectedSources: ['missing'] }), bwe);
    assert.is(a.sources.length, odd.length + ABCD.length);
  }
});

test.run();
