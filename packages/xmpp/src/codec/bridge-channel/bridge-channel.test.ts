// L0/L1 table tests of the bridge-channel codec. Inputs are written from protocols.md §5 and from
// what lib-jitsi-meet's BridgeChannel sends (§12: SourceVideoTypeMessage, ReceiverVideoConstraints
// with lastN -1, EndpointStats every 10 s) and what JVB sends; then hostile and malformed cases.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BridgeMessage, BridgeChannelErrorCode, ColibriClass } from './index.ts';
import { BRIDGE_CHANNEL_LIMITS, COLIBRI_CLASSES, decodeBridgeMessage, encodeBridgeMessage } from './index.ts';

type Row = { readonly name: string; readonly wire: string; readonly expected: BridgeMessage; readonly canonical?: string };

/** Messages as they appear on the wire, with the model they decode to. */
const VALID: readonly Row[] = [
  { name: '§5 ClientHello', wire: '{"colibriClass":"ClientHello"}', expected: { colibriClass: 'ClientHello' } },
  { name: 'JVB ServerHello without version', wire: '{"colibriClass":"ServerHello"}', expected: { colibriClass: 'ServerHello' } },
  { name: 'JVB ServerHello with version', wire: '{"colibriClass":"ServerHello","version":"2.3.1"}', expected: { colibriClass: 'ServerHello', version: '2.3.1' } },
  {
    name: '§5 example: EndpointMessage broadcast (lib-jitsi-meet sendMessage)',
    wire: '{"colibriClass":"EndpointMessage","to":"","msgPayload":{"type":"e2e-ping-request","id":3}}',
    expected: { colibriClass: 'EndpointMessage', to: '', msgPayload: { type: 'e2e-ping-request', id: 3 } },
  },
  {
    name: 'EndpointMessage as relayed by the bridge, with from',
    wire: '{"colibriClass":"EndpointMessage","to":"9f8e7d6c","from":"1a2b3c4d","msgPayload":{"type":"reaction","n":[1,2,{"x":null}]}}',
    expected: { colibriClass: 'EndpointMessage', to: '9f8e7d6c', from: '1a2b3c4d', msgPayload: { type: 'reaction', n: [1, 2, { x: null }] } },
  },
  {
    name: 'lib-jitsi-meet EndpointStats (fields beside colibriClass)',
    wire: '{"colibriClass":"EndpointStats","bitrate":{"audio":{"upload":32,"download":64}},"packetLoss":{"total":0},"connectionQuality":100,"jvbRTT":12}',
    expected: {
      colibriClass: 'EndpointStats',
      stats: { bitrate: { audio: { upload: 32, download: 64 } }, packetLoss: { total: 0 }, connectionQuality: 100, jvbRTT: 12 },
    },
  },
  {
    name: 'EndpointStats relayed with from',
    wire: '{"colibriClass":"EndpointStats","connectionQuality":80,"from":"1a2b3c4d"}',
    expected: { colibriClass: 'EndpointStats', from: '1a2b3c4d', stats: { connectionQuality: 80 } },
  },
  { name: 'lib-jitsi-meet sendSetLastNMessage', wire: '{"colibriClass":"LastNChangedEvent","lastN":-1}', expected: { colibriClass: 'LastNChangedEvent', lastN: -1 } },
  {
    name: '§5 example: ReceiverVideoConstraints',
    wire: '{"colibriClass":"ReceiverVideoConstraints","lastN":5,"onStageSources":["9f8e7d6c-v1"],"defaultConstraints":{"maxHeight":180},"constraints":{"9f8e7d6c-v1":{"maxHeight":1080}}}',
    expected: {
      colibriClass: 'ReceiverVideoConstraints', lastN: 5, onStageSources: ['9f8e7d6c-v1'], defaultConstraints: { maxHeight: 180 },
      constraints: { '9f8e7d6c-v1': { maxHeight: 1080 } },
    },
  },
  {
    name: '§12: what lib-jitsi-meet sends first (lastN -1, everything else)',
    wire: '{"colibriClass":"ReceiverVideoConstraints","constraints":{},"defaultConstraints":{"maxHeight":0},"lastN":-1,"onStageSources":[],"selectedSources":[]}',
    expected: {
      colibriClass: 'ReceiverVideoConstraints', lastN: -1, selectedSources: [], onStageSources: [], defaultConstraints: { maxHeight: 0 }, constraints: {},
    },
    canonical: '{"colibriClass":"ReceiverVideoConstraints","lastN":-1,"selectedSources":[],"onStageSources":[],"defaultConstraints":{"maxHeight":0},"constraints":{}}',
  },
  {
    name: 'ReceiverVideoConstraints: frame rate, bandwidth, selected sources',
    wire: '{"colibriClass":"ReceiverVideoConstraints","selectedSources":["a-v0","b-v0"],"constraints":{"a-v0":{"maxHeight":720,"maxFrameRate":15.5},"b-v0":{}},"assumedBandwidthBps":2500000}',
    expected: {
      colibriClass: 'ReceiverVideoConstraints', selectedSources: ['a-v0', 'b-v0'], constraints: { 'a-v0': { maxHeight: 720, maxFrameRate: 15.5 }, 'b-v0': {} },
      assumedBandwidthBps: 2_500_000,
    },
  },
  { name: 'ReceiverVideoConstraints: empty (changes nothing)', wire: '{"colibriClass":"ReceiverVideoConstraints"}', expected: { colibriClass: 'ReceiverVideoConstraints' } },
  {
    name: 'ReceiverAudioSubscription: all but one',
    wire: '{"colibriClass":"ReceiverAudioSubscription","all":true,"exclude":["a-a0"]}',
    expected: { colibriClass: 'ReceiverAudioSubscription', all: true, exclude: ['a-a0'] },
  },
  {
    name: 'ReceiverAudioSubscription: include only',
    wire: '{"colibriClass":"ReceiverAudioSubscription","include":["a-a0","b-a0"]}',
    expected: { colibriClass: 'ReceiverAudioSubscription', include: ['a-a0', 'b-a0'] },
  },
  {
    name: 'ReceiverAudioSubscription: legacy mode Exclude + list',
    wire: '{"colibriClass":"ReceiverAudioSubscription","mode":"Exclude","list":["a-a0"]}',
    expected: { colibriClass: 'ReceiverAudioSubscription', all: true, exclude: ['a-a0'] },
    canonical: '{"colibriClass":"ReceiverAudioSubscription","all":true,"exclude":["a-a0"]}',
  },
  {
    name: 'ReceiverAudioSubscription: legacy mode Custom (JVB)',
    wire: '{"colibriClass":"ReceiverAudioSubscription","mode":"Custom","include":["a-a0"],"exclude":["b-a0"]}',
    expected: { colibriClass: 'ReceiverAudioSubscription', all: false, include: ['a-a0'], exclude: ['b-a0'] },
    canonical: '{"colibriClass":"ReceiverAudioSubscription","all":false,"include":["a-a0"],"exclude":["b-a0"]}',
  },
  {
    name: 'ReceiverAudioSubscription: legacy mode None',
    wire: '{"colibriClass":"ReceiverAudioSubscription","mode":"None"}',
    expected: { colibriClass: 'ReceiverAudioSubscription', all: false, include: [] },
    canonical: '{"colibriClass":"ReceiverAudioSubscription","all":false,"include":[]}',
  },
  {
    name: 'lib-jitsi-meet sendSourceVideoTypeMessage',
    wire: '{"colibriClass":"SourceVideoTypeMessage","sourceName":"1a2b3c4d-v1","videoType":"desktop"}',
    expected: { colibriClass: 'SourceVideoTypeMessage', sourceName: '1a2b3c4d-v1', videoType: 'desktop' },
  },
  {
    name: 'SourceVideoTypeMessage: JVB reads enum names case-insensitively',
    wire: '{"colibriClass":"SourceVideoTypeMessage","sourceName":"1a2b3c4d-v0","videoType":"DESKTOP_HIGH_FPS"}',
    expected: { colibriClass: 'SourceVideoTypeMessage', sourceName: '1a2b3c4d-v0', videoType: 'desktop_high_fps' },
    canonical: '{"colibriClass":"SourceVideoTypeMessage","sourceName":"1a2b3c4d-v0","videoType":"desktop_high_fps"}',
  },
  { name: 'deprecated VideoTypeMessage', wire: '{"colibriClass":"VideoTypeMessage","videoType":"none"}', expected: { colibriClass: 'VideoTypeMessage', videoType: 'none' } },
  {
    name: 'SenderSourceConstraints',
    wire: '{"colibriClass":"SenderSourceConstraints","sourceName":"1a2b3c4d-v0","maxHeight":360}',
    expected: { colibriClass: 'SenderSourceConstraints', sourceName: '1a2b3c4d-v0', maxHeight: 360 },
  },
  {
    name: 'DominantSpeakerEndpointChangeEvent',
    wire: '{"colibriClass":"DominantSpeakerEndpointChangeEvent","dominantSpeakerEndpoint":"1a2b3c4d","previousSpeakers":["9f8e7d6c"],"silence":false}',
    expected: { colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: '1a2b3c4d', previousSpeakers: ['9f8e7d6c'], silence: false },
  },
  {
    name: 'DominantSpeakerEndpointChangeEvent from an old JVB: no list, no silence',
    wire: '{"colibriClass":"DominantSpeakerEndpointChangeEvent","dominantSpeakerEndpoint":"1a2b3c4d"}',
    expected: { colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: '1a2b3c4d', previousSpeakers: [], silence: false },
    canonical: '{"colibriClass":"DominantSpeakerEndpointChangeEvent","dominantSpeakerEndpoint":"1a2b3c4d","previousSpeakers":[],"silence":false}',
  },
  {
    name: 'ForwardedSources',
    wire: '{"colibriClass":"ForwardedSources","forwardedSources":["1a2b3c4d-v0","9f8e7d6c-v1"]}',
    expected: { colibriClass: 'ForwardedSources', forwardedSources: ['1a2b3c4d-v0', '9f8e7d6c-v1'] },
  },
  {
    name: 'EndpointConnectivityStatusChangeEvent: active is a string',
    wire: '{"colibriClass":"EndpointConnectivityStatusChangeEvent","endpoint":"1a2b3c4d","active":"false"}',
    expected: { colibriClass: 'EndpointConnectivityStatusChangeEvent', endpoint: '1a2b3c4d', active: false },
  },
  {
    name: 'EndpointConnectivityStatusChangeEvent: a boolean is read too, written back as a string',
    wire: '{"colibriClass":"EndpointConnectivityStatusChangeEvent","endpoint":"1a2b3c4d","active":true}',
    expected: { colibriClass: 'EndpointConnectivityStatusChangeEvent', endpoint: '1a2b3c4d', active: true },
    canonical: '{"colibriClass":"EndpointConnectivityStatusChangeEvent","endpoint":"1a2b3c4d","active":"true"}',
  },
  {
    name: 'VideoSourcesMap (owner null = nobody)',
    wire: '{"colibriClass":"VideoSourcesMap","mappedSources":[{"source":"1a2b3c4d-v0","owner":"1a2b3c4d","ssrc":4294967295,"rtx":2,"videoType":"CAMERA","mid":"1"},{"source":"x","owner":null,"ssrc":3,"rtx":4,"videoType":"none"}]}',
    expected: {
      colibriClass: 'VideoSourcesMap',
      mappedSources: [
        { source: '1a2b3c4d-v0', owner: '1a2b3c4d', ssrc: 4294967295, rtx: 2, videoType: 'camera', mid: '1' },
        { source: 'x', ssrc: 3, rtx: 4, videoType: 'none' },
      ],
    },
    canonical: '{"colibriClass":"VideoSourcesMap","mappedSources":[{"source":"1a2b3c4d-v0","owner":"1a2b3c4d","ssrc":4294967295,"rtx":2,"videoType":"camera","mid":"1"},{"source":"x","ssrc":3,"rtx":4,"videoType":"none"}]}',
  },
  {
    name: 'AudioSourcesMap',
    wire: '{"colibriClass":"AudioSourcesMap","mappedSources":[{"source":"1a2b3c4d-a0","owner":"1a2b3c4d","ssrc":11}]}',
    expected: { colibriClass: 'AudioSourcesMap', mappedSources: [{ source: '1a2b3c4d-a0', owner: '1a2b3c4d', ssrc: 11 }] },
  },
  { name: 'ConnectionStats', wire: '{"colibriClass":"ConnectionStats","estimatedDownlinkBandwidth":1500000}', expected: { colibriClass: 'ConnectionStats', estimatedDownlinkBandwidth: 1_500_000 } },
  {
    name: 'SyntheticSourceSendingChangeEvent',
    wire: '{"colibriClass":"SyntheticSourceSendingChangeEvent","sourceName":"tr-a0","sending":true,"timestamp":1700000000000}',
    expected: { colibriClass: 'SyntheticSourceSendingChangeEvent', sourceName: 'tr-a0', sending: true, timestamp: 1_700_000_000_000 },
  },
  {
    name: 'AddReceiver (relays)',
    wire: '{"colibriClass":"AddReceiver","bridgeId":"jvb-2","sourceName":"1a2b3c4d-v0","videoConstraints":{"maxHeight":360,"maxFrameRate":30}}',
    expected: { colibriClass: 'AddReceiver', bridgeId: 'jvb-2', sourceName: '1a2b3c4d-v0', videoConstraints: { maxHeight: 360, maxFrameRate: 30 } },
  },
  {
    name: 'RemoveReceiver (relays)',
    wire: '{"colibriClass":"RemoveReceiver","bridgeId":"jvb-2","endpointId":"1a2b3c4d"}',
    expected: { colibriClass: 'RemoveReceiver', bridgeId: 'jvb-2', endpointId: '1a2b3c4d' },
  },
];

const valid = suite('bridge-channel: valid messages');

for (const row of VALID) {
  valid(row.name, () => {
    const decoded = decodeBridgeMessage(row.wire);
    assert.ok(decoded.ok, JSON.stringify(decoded));
    assert.equal(decoded.value, row.expected);
    assert.is(encodeBridgeMessage(decoded.value), row.canonical ?? row.wire, 'encodes back to the wire form');
    assert.equal(decodeBridgeMessage(encodeBridgeMessage(decoded.value)), decoded, 'round trip');
  });
}

valid('every colibriClass of §5 has a decoding row', () => {
  const covered = new Set(VALID.map((r) => r.expected.colibriClass));
  for (const c of Object.keys(COLIBRI_CLASSES) as ColibriClass[]) assert.ok(covered.has(c), `${c} untested`);
});

valid('unknown fields are ignored (forward compatibility)', () => {
  const d = decodeBridgeMessage('{"colibriClass":"LastNChangedEvent","lastN":3,"newField":{"x":1}}');
  assert.equal(d, { ok: true, value: { colibriClass: 'LastNChangedEvent', lastN: 3 } });
});

valid('EndpointMessage payloads of any JSON type pass through unchanged', () => {
  for (const payload of ['"text"', '42', 'null', 'true', '[1,"a"]', '{}']) {
    const wire = `{"colibriClass":"EndpointMessage","to":"x","msgPayload":${payload}}`;
    const d = decodeBridgeMessage(wire);
    assert.ok(d.ok, payload);
    assert.is(encodeBridgeMessage(d.value), wire);
  }
});

valid('"__proto__" and "constructor" are plain keys, never prototypes', () => {
  const d = decodeBridgeMessage('{"colibriClass":"ReceiverVideoConstraints","constraints":{"__proto__":{"maxHeight":1},"constructor":{"maxHeight":2}}}');
  assert.ok(d.ok && d.value.colibriClass === 'ReceiverVideoConstraints');
  const c = d.value.constraints ?? {};
  assert.equal(Object.keys(c).sort(), ['__proto__', 'constructor']);
  assert.is(Object.getPrototypeOf(c), Object.prototype, 'prototype untouched');
  const stats = decodeBridgeMessage('{"colibriClass":"EndpointStats","__proto__":{"polluted":true}}');
  assert.ok(stats.ok);
  assert.is(({} as { polluted?: boolean }).polluted, undefined);
  assert.is(encodeBridgeMessage(stats.value), '{"colibriClass":"EndpointStats","__proto__":{"polluted":true}}');
});

valid('encoder: a client\'s from in EndpointStats is replaced by the given one', () => {
  const m: BridgeMessage = { colibriClass: 'EndpointStats', from: 'real', stats: { from: 'forged', colibriClass: 'X', q: 1 } };
  assert.is(encodeBridgeMessage(m), '{"colibriClass":"EndpointStats","q":1,"from":"real"}');
});

type BadRow = { readonly name: string; readonly wire: string; readonly code: BridgeChannelErrorCode };

const INVALID: readonly BadRow[] = [
  { name: 'empty text', wire: '', code: 'bridge-channel/bad-json' },
  { name: 'not JSON', wire: 'hello', code: 'bridge-channel/bad-json' },
  { name: 'truncated JSON', wire: '{"colibriClass":"ClientHello"', code: 'bridge-channel/bad-json' },
  { name: 'JSON null', wire: 'null', code: 'bridge-channel/not-object' },
  { name: 'JSON array', wire: '[{"colibriClass":"ClientHello"}]', code: 'bridge-channel/not-object' },
  { name: 'JSON string', wire: '"ClientHello"', code: 'bridge-channel/not-object' },
  { name: 'no colibriClass', wire: '{"to":""}', code: 'bridge-channel/missing-class' },
  { name: 'colibriClass not a string', wire: '{"colibriClass":7}', code: 'bridge-channel/missing-class' },
  { name: 'unknown colibriClass', wire: '{"colibriClass":"SelectedEndpointsChangedEvent"}', code: 'bridge-channel/unknown-class' },
  { name: 'colibriClass is a prototype key', wire: '{"colibriClass":"toString"}', code: 'bridge-channel/unknown-class' },
  { name: 'colibriClass with other case', wire: '{"colibriClass":"clienthello"}', code: 'bridge-channel/unknown-class' },
  { name: 'EndpointMessage without to', wire: '{"colibriClass":"EndpointMessage","msgPayload":{}}', code: 'bridge-channel/missing-field' },
  { name: 'EndpointMessage with numeric to', wire: '{"colibriClass":"EndpointMessage","to":5,"msgPayload":{}}', code: 'bridge-channel/bad-field' },
  { name: 'EndpointMessage without msgPayload', wire: '{"colibriClass":"EndpointMessage","to":""}', code: 'bridge-channel/missing-field' },
  { name: 'EndpointMessage with object from', wire: '{"colibriClass":"EndpointMessage","to":"","from":{},"msgPayload":1}', code: 'bridge-channel/bad-field' },
  { name: 'LastNChangedEvent without lastN', wire: '{"colibriClass":"LastNChangedEvent"}', code: 'bridge-channel/missing-field' },
  { name: 'LastNChangedEvent lastN -2', wire: '{"colibriClass":"LastNChangedEvent","lastN":-2}', code: 'bridge-channel/bad-field' },
  { name: 'LastNChangedEvent lastN 1.5', wire: '{"colibriClass":"LastNChangedEvent","lastN":1.5}', code: 'bridge-channel/bad-field' },
  { name: 'LastNChangedEvent lastN string', wire: '{"colibriClass":"LastNChangedEvent","lastN":"5"}', code: 'bridge-channel/bad-field' },
  { name: 'LastNChangedEvent lastN 1e999 (Infinity)', wire: '{"colibriClass":"LastNChangedEvent","lastN":1e999}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints lastN as string', wire: '{"colibriClass":"ReceiverVideoConstraints","lastN":"-1"}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints selectedSources not a list', wire: '{"colibriClass":"ReceiverVideoConstraints","selectedSources":"a-v0"}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints onStageSources with a number', wire: '{"colibriClass":"ReceiverVideoConstraints","onStageSources":["a",1]}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints constraints a list', wire: '{"colibriClass":"ReceiverVideoConstraints","constraints":[]}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints constraint a number', wire: '{"colibriClass":"ReceiverVideoConstraints","constraints":{"a":180}}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints maxHeight -5', wire: '{"colibriClass":"ReceiverVideoConstraints","defaultConstraints":{"maxHeight":-5}}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints maxHeight fractional', wire: '{"colibriClass":"ReceiverVideoConstraints","defaultConstraints":{"maxHeight":180.5}}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverVideoConstraints maxFrameRate string', wire: '{"colibriClass":"ReceiverVideoConstraints","defaultConstraints":{"maxFrameRate":"30"}}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverAudioSubscription unknown mode', wire: '{"colibriClass":"ReceiverAudioSubscription","mode":"Some"}', code: 'bridge-channel/bad-field' },
  { name: 'ReceiverAudioSubscription all as string', wire: '{"colibriClass":"ReceiverAudioSubscription","all":"true"}', code: 'bridge-channel/bad-field' },
  { name: 'SourceVideoTypeMessage unknown video type', wire: '{"colibriClass":"SourceVideoTypeMessage","sourceName":"a-v0","videoType":"hologram"}', code: 'bridge-channel/bad-field' },
  { name: 'SourceVideoTypeMessage without sourceName', wire: '{"colibriClass":"SourceVideoTypeMessage","videoType":"camera"}', code: 'bridge-channel/missing-field' },
  { name: 'DominantSpeakerEndpointChangeEvent without endpoint', wire: '{"colibriClass":"DominantSpeakerEndpointChangeEvent","silence":true}', code: 'bridge-channel/missing-field' },
  { name: 'ForwardedSources without the list', wire: '{"colibriClass":"ForwardedSources"}', code: 'bridge-channel/missing-field' },
  { name: 'EndpointConnectivityStatusChangeEvent active "yes"', wire: '{"colibriClass":"EndpointConnectivityStatusChangeEvent","endpoint":"a","active":"yes"}', code: 'bridge-channel/bad-field' },
  { name: 'VideoSourcesMap ssrc above 32 bits', wire: '{"colibriClass":"VideoSourcesMap","mappedSources":[{"source":"a","ssrc":4294967296,"rtx":1,"videoType":"camera"}]}', code: 'bridge-channel/bad-field' },
  { name: 'VideoSourcesMap entry not an object', wire: '{"colibriClass":"VideoSourcesMap","mappedSources":[1]}', code: 'bridge-channel/bad-field' },
  { name: 'AudioSourcesMap without ssrc', wire: '{"colibriClass":"AudioSourcesMap","mappedSources":[{"source":"a"}]}', code: 'bridge-channel/missing-field' },
  { name: 'SyntheticSourceSendingChangeEvent sending as string', wire: '{"colibriClass":"SyntheticSourceSendingChangeEvent","sourceName":"a","sending":"yes","timestamp":1}', code: 'bridge-channel/bad-field' },
  { name: 'AddReceiver without constraints', wire: '{"colibriClass":"AddReceiver","bridgeId":"b"}', code: 'bridge-channel/missing-field' },
];

const invalid = suite('bridge-channel: malformed and hostile messages');

for (const row of INVALID) {
  invalid(row.name, () => {
    const decoded = decodeBridgeMessage(row.wire);
    assert.not.ok(decoded.ok, `accepted: ${row.wire}`);
    if (!decoded.ok) assert.is(decoded.error.code, row.code, decoded.error.text);
  });
}

invalid('the error names the class and the field', () => {
  const d = decodeBridgeMessage('{"colibriClass":"LastNChangedEvent","lastN":"x"}');
  assert.equal(d, { ok: false, error: { code: 'bridge-channel/bad-field', text: 'lastN must be an integer ≥ -1', colibriClass: 'LastNChangedEvent' } });
  const u = decodeBridgeMessage('{"colibriClass":"Nope"}');
  assert.equal(u, { ok: false, error: { code: 'bridge-channel/unknown-class', text: 'unknown colibriClass', colibriClass: 'Nope' } });
});

invalid('too large: refused by length before parsing', () => {
  const big = `{"colibriClass":"EndpointMessage","to":"","msgPayload":"${'x'.repeat(BRIDGE_CHANNEL_LIMITS.maxChars)}"}`;
  assert.equal(decodeBridgeMessage(big), { ok: false, error: { code: 'bridge-channel/too-large', text: `longer than ${BRIDGE_CHANNEL_LIMITS.maxChars} characters` } });
  const small = { maxChars: 40, maxDepth: 8 };
  assert.ok(decodeBridgeMessage('{"colibriClass":"ClientHello"}', small).ok, '30 characters pass a 40 limit');
  assert.is(decodeBridgeMessage('{"colibriClass":"ClientHello","pad":"xxxxxx"}', small).ok, false);
});

invalid('too deep: 100,000 nested arrays are refused before JSON.parse (and could not be re-encoded)', () => {
  const deep = `{"colibriClass":"EndpointMessage","to":"","msgPayload":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const d = decodeBridgeMessage(deep, { maxChars: 1_000_000, maxDepth: 32 });
  assert.is(d.ok ? 'ok' : d.error.code, 'bridge-channel/too-deep');
  const limit = `{"colibriClass":"EndpointMessage","to":"","msgPayload":${'['.repeat(31)}${']'.repeat(31)}}`;
  assert.ok(decodeBridgeMessage(limit).ok, 'depth 32 (the object plus 31 arrays) is fine');
  assert.is(decodeBridgeMessage(limit.replace('[', '[[').replace(']', ']]')).ok, false, 'depth 33 is not');
});

invalid('brackets inside strings (and escaped quotes) do not count as nesting', () => {
  const wire = `{"colibriClass":"EndpointMessage","to":"","msgPayload":"${'[{'.repeat(100)}\\"${'[{'.repeat(100)}"}`;
  assert.ok(decodeBridgeMessage(wire).ok);
});

invalid('every prefix of every valid message is refused without throwing', () => {
  for (const row of VALID) {
    for (let n = 0; n < row.wire.length; n++) {
      const d = decodeBridgeMessage(row.wire.slice(0, n));
      assert.not.ok(d.ok, `prefix ${n} of ${row.name} accepted`);
    }
  }
});

invalid('random bytes never throw', () => {
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = '{}[]":,\\ 0123456789-.eEtrufalsn colibriClassEndpointMessage';
  for (let i = 0; i < 2000; i++) {
    const text = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    decodeBridgeMessage(text);
  }
});

valid.run();
invalid.run();
