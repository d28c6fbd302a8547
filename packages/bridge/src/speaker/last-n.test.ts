// L0 table tests of last-N: which sources each receiver gets, and what changes are reported.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReceiverVideoSettings, BridgeVideoType } from '@plenum/xmpp/codec';
import { DEFAULT_RECEIVER_VIDEO_SETTINGS, applyReceiverVideoConstraints } from '@plenum/xmpp/codec';
import type { ForwardingEndpoint, ForwardingInput } from './last-n.ts';
import { EMPTY_FORWARDING, orderBySpeech, selectForwardedSources, stepForwarding } from './last-n.ts';

const camera = (name: string, videoType: BridgeVideoType = 'camera') => ({ name, videoType });
const with_ = (update: Parameters<typeof applyReceiverVideoConstraints>[1]): ReceiverVideoSettings =>
  applyReceiverVideoConstraints(DEFAULT_RECEIVER_VIDEO_SETTINGS, update);
const ep = (id: string, settings: ReceiverVideoSettings = DEFAULT_RECEIVER_VIDEO_SETTINGS, sources = [camera(`${id}-v0`)]): ForwardingEndpoint =>
  ({ id, videoSources: sources, settings });

/** a, b, c, d joined in that order; d spoke last, then b. */
const others = [ep('a'), ep('b'), ep('c'), ep('d')];
const conference = (receiver: ForwardingEndpoint): ForwardingInput => ({ endpoints: [receiver, ...others], speakerOrder: ['d', 'b'] });

const select = suite('selectForwardedSources');

type Row = { name: string; settings: ReceiverVideoSettings; expected: string[] };
const ROWS: Row[] = [
  { name: 'defaults (lastN -1): everyone, speakers first then join order', settings: DEFAULT_RECEIVER_VIDEO_SETTINGS, expected: ['d-v0', 'b-v0', 'a-v0', 'c-v0'] },
  { name: 'lastN 1: only the dominant speaker', settings: with_({ lastN: 1 }), expected: ['d-v0'] },
  { name: 'lastN 2: dominant, then the previous speaker', settings: with_({ lastN: 2 }), expected: ['d-v0', 'b-v0'] },
  { name: 'lastN 0: nothing', settings: with_({ lastN: 0 }), expected: [] },
  { name: 'on-stage first, then selected, then speech order', settings: with_({ lastN: 3, onStageSources: ['c-v0'], selectedSources: ['a-v0'] }), expected: ['c-v0', 'a-v0', 'd-v0'] },
  { name: 'on-stage counts against lastN', settings: with_({ lastN: 1, onStageSources: ['a-v0'] }), expected: ['a-v0'] },
  { name: 'unknown and own sources in the lists are ignored', settings: with_({ lastN: 2, onStageSources: ['zz-v0', 'me-v0'] }), expected: ['d-v0', 'b-v0'] },
  { name: 'maxHeight 0 by default: nothing but what has its own constraint', settings: with_({ defaultConstraints: { maxHeight: 0 }, constraints: { 'c-v0': { maxHeight: 720 } } }), expected: ['c-v0'] },
  { name: 'a source constrained to 0 is skipped and not counted', settings: with_({ lastN: 2, constraints: { 'd-v0': { maxHeight: 0 } } }), expected: ['b-v0', 'a-v0'] },
];
for (const row of ROWS) {
  select(row.name, () => {
    assert.equal(selectForwardedSources(ep('me', row.settings), conference(ep('me', row.settings))), row.expected);
  });
}

select('video type none (muted camera) is neither forwarded nor counted', () => {
  const input: ForwardingInput = {
    endpoints: [ep('me', with_({ lastN: 2 })), ep('a', DEFAULT_RECEIVER_VIDEO_SETTINGS, [camera('a-v0', 'none'), camera('a-v1', 'desktop')]), ep('b'), ep('c')],
    speakerOrder: ['a'],
  };
  assert.equal(selectForwardedSources(input.endpoints[0] as ForwardingEndpoint, input), ['a-v1', 'b-v0']);
});

select('orderBySpeech: speakers that left are dropped, the silent keep join order', () => {
  assert.equal(orderBySpeech(['a', 'b', 'c'], ['gone', 'c']), ['c', 'a', 'b']);
});

const step = suite('stepForwarding');

step('first step: every receiver and every source is reported', () => {
  const input: ForwardingInput = { endpoints: [ep('a', with_({ lastN: 1 })), ep('b'), ep('c')], speakerOrder: ['c'] };
  const out = stepForwarding(EMPTY_FORWARDING, input);
  assert.equal(out.forwardedChanged, [
    { receiver: 'a', sources: ['c-v0'] },
    { receiver: 'b', sources: ['c-v0', 'a-v0'] },
    { receiver: 'c', sources: ['a-v0', 'b-v0'] },
  ]);
  assert.equal(out.senderChanged, [
    { owner: 'a', sourceName: 'a-v0', maxHeight: 180 },
    { owner: 'b', sourceName: 'b-v0', maxHeight: 180 },
    { owner: 'c', sourceName: 'c-v0', maxHeight: 180 },
  ]);
});

step('a new dominant speaker changes only the lastN-limited receiver; a mere reorder is no change', () => {
  const endpoints = [ep('a', with_({ lastN: 1 })), ep('b'), ep('c')];
  const first = stepForwarding(EMPTY_FORWARDING, { endpoints, speakerOrder: ['c'] });
  const second = stepForwarding(first.state, { endpoints, speakerOrder: ['b', 'c'] });
  assert.equal(second.forwardedChanged, [{ receiver: 'a', sources: ['b-v0'] }]);
  assert.equal(second.senderChanged, [], 'c-v0 still reaches b, b-v0 still reaches c');
  assert.equal(second.state.forwarded.get('b'), ['c-v0', 'a-v0']);
});

step('sender constraints: the largest wanted height; unlimited wins; nobody → 0', () => {
  const endpoints = [
    ep('a', with_({ constraints: { 'c-v0': { maxHeight: 720 } } })),
    ep('b', with_({ constraints: { 'c-v0': { maxHeight: 360 } }, defaultConstraints: { maxHeight: 0 } })),
    ep('c', with_({ lastN: 0 })),
  ];
  const out = stepForwarding(EMPTY_FORWARDING, { endpoints, speakerOrder: [] });
  assert.equal(out.senderChanged.map((s) => [s.sourceName, s.maxHeight]), [['a-v0', 0], ['b-v0', 180], ['c-v0', 720]]);
  const unlimited = stepForwarding(out.state, { endpoints: [...endpoints.slice(0, 2), ep('c', with_({ lastN: 0, defaultConstraints: {} }))], speakerOrder: [] });
  assert.equal(unlimited.senderChanged, [], 'c receives nothing, so its unlimited default does not matter');
  const b2 = ep('b', with_({ constraints: { 'c-v0': { maxHeight: -1 } }, defaultConstraints: { maxHeight: 0 } }));
  const third = stepForwarding(out.state, { endpoints: [endpoints[0] as ForwardingEndpoint, b2, endpoints[2] as ForwardingEndpoint], speakerOrder: [] });
  assert.equal(third.senderChanged, [{ owner: 'c', sourceName: 'c-v0', maxHeight: -1 }]);
});

step('only: one receiver\'s new settings recompute that receiver alone', () => {
  const endpoints = [ep('a'), ep('b'), ep('c')];
  const first = stepForwarding(EMPTY_FORWARDING, { endpoints, speakerOrder: [] });
  const changed = [ep('a', with_({ lastN: 1 })), ep('b'), ep('c')];
  const second = stepForwarding(first.state, { endpoints: changed, speakerOrder: [] }, new Set(['a']));
  assert.equal(second.forwardedChanged, [{ receiver: 'a', sources: ['b-v0'] }]);
  assert.equal(second.senderChanged, [], 'c-v0 still reaches b at 180');
  assert.is(second.state.forwarded.get('b'), first.state.forwarded.get('b'), 'b reused as is');
});

step('an endpoint leaving: its sources vanish from everyone\'s list', () => {
  const first = stepForwarding(EMPTY_FORWARDING, { endpoints: [ep('a'), ep('b'), ep('c')], speakerOrder: ['b'] });
  const second = stepForwarding(first.state, { endpoints: [ep('a'), ep('c')], speakerOrder: ['b'] });
  assert.equal(second.forwardedChanged, [{ receiver: 'a', sources: ['c-v0'] }, { receiver: 'c', sources: ['a-v0'] }]);
  assert.equal([...second.state.forwarded.keys()], ['a', 'c']);
});

select.run();
step.run();
