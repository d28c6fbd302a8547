// L0: the partial-update semantics of ReceiverVideoConstraints (protocols.md §5), as a table of
// (settings before, message, settings after).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReceiverVideoConstraintsUpdate, ReceiverVideoSettings } from './index.ts';
import {
  DEFAULT_RECEIVER_VIDEO_SETTINGS as DEFAULTS, applyReceiverVideoConstraints, decodeBridgeMessage, effectiveVideoConstraints,
} from './index.ts';

const test = suite('applyReceiverVideoConstraints');

const settings = (s: Partial<ReceiverVideoSettings>): ReceiverVideoSettings => ({ ...DEFAULTS, ...s });
const STAGED = settings({
  lastN: 5, selectedSources: ['a-v0'], onStageSources: ['b-v0'], defaultConstraints: { maxHeight: 360, maxFrameRate: 30 },
  constraints: new Map([['b-v0', { maxHeight: 1080, maxFrameRate: -1 }]]), assumedBandwidthBps: 1_000_000,
});

type Row = { name: string; before: ReceiverVideoSettings; update: ReceiverVideoConstraintsUpdate; after: ReceiverVideoSettings };
const ROWS: Row[] = [
  { name: 'defaults: lastN -1, maxHeight 180, unlimited frame rate', before: DEFAULTS, update: {}, after: settings({ defaultConstraints: { maxHeight: 180, maxFrameRate: -1 } }) },
  { name: 'an empty message changes nothing', before: STAGED, update: {}, after: STAGED },
  { name: 'lastN alone (LastNChangedEvent) keeps everything else', before: STAGED, update: { lastN: 1 }, after: { ...STAGED, lastN: 1 } },
  { name: 'lastN 0: no video at all', before: STAGED, update: { lastN: 0 }, after: { ...STAGED, lastN: 0 } },
  { name: 'onStageSources replaced, not merged', before: STAGED, update: { onStageSources: ['c-v0'] }, after: { ...STAGED, onStageSources: ['c-v0'] } },
  { name: 'an empty list clears the selection', before: STAGED, update: { selectedSources: [] }, after: { ...STAGED, selectedSources: [] } },
  {
    name: 'defaultConstraints replaced whole: a missing maxFrameRate becomes unlimited',
    before: STAGED, update: { defaultConstraints: { maxHeight: 720 } }, after: { ...STAGED, defaultConstraints: { maxHeight: 720, maxFrameRate: -1 } },
  },
  {
    name: 'defaultConstraints {} = unlimited height and rate',
    before: STAGED, update: { defaultConstraints: {} }, after: { ...STAGED, defaultConstraints: { maxHeight: -1, maxFrameRate: -1 } },
  },
  {
    name: 'constraints map replaced whole (b-v0 is gone)',
    before: STAGED, update: { constraints: { 'c-v0': { maxHeight: 0 } } },
    after: { ...STAGED, constraints: new Map([['c-v0', { maxHeight: 0, maxFrameRate: -1 }]]) },
  },
  { name: 'constraints {} clears the per-source entries', before: STAGED, update: { constraints: {} }, after: { ...STAGED, constraints: new Map() } },
  { name: 'assumedBandwidthBps updated', before: STAGED, update: { assumedBandwidthBps: 250_000 }, after: { ...STAGED, assumedBandwidthBps: 250_000 } },
];

for (const row of ROWS) {
  test(row.name, () => {
    assert.equal(applyReceiverVideoConstraints(row.before, row.update), row.after);
  });
}

test('unchanged → the very same object (callers skip recomputing)', () => {
  assert.is(applyReceiverVideoConstraints(STAGED, {}), STAGED);
  assert.is(applyReceiverVideoConstraints(STAGED, { lastN: 5, onStageSources: ['b-v0'], constraints: { 'b-v0': { maxHeight: 1080 } } }), STAGED);
  assert.is.not(applyReceiverVideoConstraints(STAGED, { lastN: 4 }), STAGED);
});

test('the §5 example applied to a fresh receiver', () => {
  const m = decodeBridgeMessage('{"colibriClass":"ReceiverVideoConstraints","lastN":5,"onStageSources":["9f8e7d6c-v1"],"defaultConstraints":{"maxHeight":180},"constraints":{"9f8e7d6c-v1":{"maxHeight":1080}}}');
  assert.ok(m.ok && m.value.colibriClass === 'ReceiverVideoConstraints');
  const s = applyReceiverVideoConstraints(DEFAULTS, m.value);
  assert.is(s.lastN, 5);
  assert.equal(effectiveVideoConstraints(s, '9f8e7d6c-v1'), { maxHeight: 1080, maxFrameRate: -1 });
  assert.equal(effectiveVideoConstraints(s, '1a2b3c4d-v0'), { maxHeight: 180, maxFrameRate: -1 }, 'others get the default');
  assert.equal(effectiveVideoConstraints(s, 'constructor'), { maxHeight: 180, maxFrameRate: -1 }, 'no prototype lookups');
});

test('a sequence: lib-jitsi-meet first hides all video, then puts one source on stage', () => {
  let s = DEFAULTS;
  s = applyReceiverVideoConstraints(s, { lastN: -1, selectedSources: [], onStageSources: [], defaultConstraints: { maxHeight: 0 }, constraints: {} });
  assert.equal(effectiveVideoConstraints(s, 'a-v0').maxHeight, 0, '0 = do not send');
  s = applyReceiverVideoConstraints(s, { onStageSources: ['a-v0'], constraints: { 'a-v0': { maxHeight: 720 } } });
  assert.equal([s.lastN, s.onStageSources, effectiveVideoConstraints(s, 'a-v0').maxHeight, effectiveVideoConstraints(s, 'b-v0').maxHeight], [-1, ['a-v0'], 720, 0]);
});

test.run();
