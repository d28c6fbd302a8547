// Jitsi's compact JSON sources (protocols.md §2.2): the example from the brief, the trailing-array
// rule, jicofo's output shape, and hostile JSON.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSources } from './index.ts';
import { decodeJsonSources, encodeJsonSources } from './index.ts';

const codeOf = (json: string, limits = {}): string => {
  const r = decodeJsonSources(json, limits);
  return r.ok ? 'ok' : r.error.code;
};

const json = suite('compact JSON sources');

// protocols.md §2.2, the json-message of the session-initiate example, verbatim.
const EXAMPLE = '{"sources":{"9f8e7d6c":[[{"s":111,"n":"9f8e7d6c-v0"},{"s":112}],[["f",111,112]],[{"s":222,"n":"9f8e7d6c-a0"}]],'
  + '"jvb":[[{"s":9,"n":"jvb-v0","m":"mixedmslabel mixedlabelvideo0"}],[],[{"s":8,"n":"jvb-a0","m":"mixedmslabel mixedlabelaudio0"}]]}}';

json('protocols.md §2.2 example: decoded by hand, and encoded back byte for byte', () => {
  const r = decodeJsonSources(EXAMPLE);
  assert.equal(r, {
    ok: true,
    value: {
      '9f8e7d6c': {
        video: [{ ssrc: 111, name: '9f8e7d6c-v0', owner: '9f8e7d6c', parameters: [] }, { ssrc: 112, owner: '9f8e7d6c', parameters: [] }],
        videoGroups: [{ semantics: 'FID', ssrcs: [111, 112] }],
        audio: [{ ssrc: 222, name: '9f8e7d6c-a0', owner: '9f8e7d6c', parameters: [] }],
        audioGroups: [],
      },
      jvb: {
        video: [{ ssrc: 9, name: 'jvb-v0', msid: 'mixedmslabel mixedlabelvideo0', owner: 'jvb', parameters: [] }],
        videoGroups: [],
        audio: [{ ssrc: 8, name: 'jvb-a0', msid: 'mixedmslabel mixedlabelaudio0', owner: 'jvb', parameters: [] }],
        audioGroups: [],
      },
    },
  });
  if (r.ok) assert.is(encodeJsonSources(r.value), EXAMPLE);
});

json('trailing empty arrays may be omitted; the encoder writes three arrays, the fourth only when non-empty', () => {
  const r = decodeJsonSources('{"sources":{"ab":[[{"s":1,"v":"d"}]],"cd":[],"ef":[[],[],[{"s":3}],[["f",3,4]]]}}');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.ab?.video, [{ ssrc: 1, videoType: 'desktop', owner: 'ab', parameters: [] }]);
  assert.equal(r.value.cd, { video: [], videoGroups: [], audio: [], audioGroups: [] });
  assert.is(encodeJsonSources(r.value),
    '{"sources":{"ab":[[{"s":1,"v":"d"}],[],[]],"cd":[[],[],[]],"ef":[[],[],[{"s":3}],[["f",3,4]]]}}');
});

json('SIM groups are "s"; FEC-FR has no compact form and is left out; camera is implied', () => {
  const e: EndpointSources = {
    video: [{ ssrc: 1, videoType: 'camera', parameters: [] }, { ssrc: 2, parameters: [] }],
    videoGroups: [{ semantics: 'SIM', ssrcs: [1, 2] }, { semantics: 'FEC-FR', ssrcs: [1, 2] }],
    audio: [], audioGroups: [],
  };
  assert.is(encodeJsonSources({ x: e }), '{"sources":{"x":[[{"s":1},{"s":2}],[["s",1,2]],[]]}}');
});

json('strings are JSON-escaped; SSRCs given as decimal strings (lib-jitsi-meet\'s typing) are accepted', () => {
  const text = encodeJsonSources({ 'a"b': { video: [], videoGroups: [], audio: [{ ssrc: 5, name: 'n"</x>\\', msid: '\u2028', parameters: [] }], audioGroups: [] } });
  const back = decodeJsonSources(text);
  assert.ok(back.ok && back.value['a"b']?.audio[0]?.name === 'n"</x>\\' && back.value['a"b']?.audio[0]?.msid === '\u2028');
  const r = decodeJsonSources('{"sources":{"ab":[[{"s":"4294967295"}],[["f","4294967295"]]]}}');
  assert.ok(r.ok && r.value.ab?.video[0]?.ssrc === 4294967295 && r.value.ab.videoGroups[0]?.ssrcs[0] === 4294967295);
});

json('an owner called "__proto__" is an ordinary key and pollutes nothing', () => {
  const r = decodeJsonSources('{"sources":{"__proto__":[[{"s":1}]],"constructor":[]}}');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(Object.keys(r.value), ['__proto__', 'constructor']);
  assert.is(Object.getPrototypeOf(r.value), Object.prototype);
  assert.is(({} as Record<string, unknown>).video, undefined);
  assert.ok(encodeJsonSources(r.value).startsWith('{"sources":{"__proto__":[[{"s":1}]'));
});

const invalid: ReadonlyArray<readonly [string, string, string]> = [
  ['not JSON', '{"sources":', 'jingle/bad-json-sources'],
  ['empty text', '', 'jingle/bad-json-sources'],
  ['an array', '[1,2]', 'jingle/bad-json-sources'],
  ['null', 'null', 'jingle/bad-json-sources'],
  ['no sources', '{"type":"lobby-notify"}', 'jingle/bad-json-sources'],
  ['sources is an array', '{"sources":[]}', 'jingle/bad-json-sources'],
  ['sources is null', '{"sources":null}', 'jingle/bad-json-sources'],
  ['owner is an object', '{"sources":{"ab":{"video":[]}}}', 'jingle/bad-json-sources'],
  ['five arrays', '{"sources":{"ab":[[],[],[],[],[]]}}', 'jingle/bad-json-sources'],
  ['a list is null', '{"sources":{"ab":[null]}}', 'jingle/bad-json-sources'],
  ['a source is a number', '{"sources":{"ab":[[1]]}}', 'jingle/bad-json-sources'],
  ['empty owner', '{"sources":{"":[]}}', 'jingle/bad-json-sources'],
  ['name is a number', '{"sources":{"ab":[[{"s":1,"n":5}]]}}', 'jingle/bad-json-sources'],
  ['unknown v', '{"sources":{"ab":[[{"s":1,"v":"camera"}]]}}', 'jingle/bad-json-sources'],
  ['v on audio', '{"sources":{"ab":[[],[],[{"s":1,"v":"d"}]]}}', 'jingle/bad-json-sources'],
  ['group kind', '{"sources":{"ab":[[],[["x",1,2]]]}}', 'jingle/bad-json-sources'],
  ['empty group', '{"sources":{"ab":[[],[[]]]}}', 'jingle/bad-json-sources'],
  ['no s', '{"sources":{"ab":[[{"n":"ab-v0"}]]}}', 'jingle/bad-source'],
  ['s fraction', '{"sources":{"ab":[[{"s":1.5}]]}}', 'jingle/bad-source'],
  ['s negative', '{"sources":{"ab":[[{"s":-1}]]}}', 'jingle/bad-source'],
  ['s too big', '{"sources":{"ab":[[{"s":4294967296}]]}}', 'jingle/bad-source'],
  ['s 1e20', '{"sources":{"ab":[[{"s":1e20}]]}}', 'jingle/bad-source'],
  ['s hex string', '{"sources":{"ab":[[{"s":"0x10"}]]}}', 'jingle/bad-source'],
  ['s boolean', '{"sources":{"ab":[[{"s":true}]]}}', 'jingle/bad-source'],
  ['duplicate ssrc across audio/video', '{"sources":{"ab":[[{"s":1}],[],[{"s":1}]]}}', 'jingle/bad-source'],
  ['garbage group member', '{"sources":{"ab":[[],[["f",1,"x"]]]}}', 'jingle/bad-source'],
];
for (const [name, text, code] of invalid) {
  json(`invalid: ${name} → ${code}`, () => assert.is(codeOf(text), code));
}

json('size: longer than maxJsonChars is refused before parsing; too many sources or group members → too-many-sources', () => {
  const many = (n: number): string => `{"sources":{"ab":[[${Array.from({ length: n }, (_, i) => `{"s":${i}}`).join(',')}]]}}`;
  assert.is(codeOf(many(256)), 'ok');
  assert.is(codeOf(many(257)), 'jingle/too-many-sources');
  assert.is(codeOf(many(10_000)), 'jingle/bad-json-sources');
  assert.is(codeOf(many(10_000), { maxJsonChars: 1 << 20 }), 'jingle/too-many-sources');
  const bigGroup = `{"sources":{"ab":[[],[["s",${Array.from({ length: 600 }, (_, i) => i).join(',')}]]]}}`;
  assert.is(codeOf(bigGroup), 'jingle/too-many-sources');
  const tenMb = `{"sources":{"ab":[[],[],[],[]],"pad":"${'x'.repeat(10 << 20)}"}}`;
  const t0 = performance.now();
  assert.is(codeOf(tenMb), 'jingle/bad-json-sources');
  assert.ok(performance.now() - t0 < 20);
});

json('deeply nested JSON never throws out', () => {
  for (const depth of [1_000, 50_000, 500_000]) {
    const bomb = `{"sources":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    assert.is(codeOf(bomb, { maxJsonChars: 4 << 20 }), 'jingle/bad-json-sources', `depth ${depth}`);
  }
});

json.run();
