// Source helpers for the focus: collecting, validating as jicofo does (protocols.md §2.2: ≤ 20
// SSRCs and ≤ 20 groups per endpoint), and writing sources back into contents.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { firstEl, parseXml } from '../xml/index.ts';
import type { EndpointSources, JingleContent, MediaSource, OwnSourceLimits, SourceGroup } from './index.ts';
import {
  EMPTY_ENDPOINT_SOURCES, addSourcesToContents, decodeJingle, encodeJingle, sourcesOfContent, ssrcsOf, toEndpointSources,
  validateOwnSources,
} from './index.ts';

const JICOFO = { maxSsrcs: 20, maxGroups: 20 } as const;

function acceptContents(): readonly JingleContent[] {
  const raw = readFileSync(new URL('../../../test/fixtures/jingle/session-accept-client.xml', import.meta.url), 'utf8');
  const iq = parseXml(raw.slice(raw.indexOf('\n') + 1).trim());
  if (!iq.ok) throw new Error(iq.error.text);
  const j = firstEl(iq.value);
  const r = j === undefined ? undefined : decodeJingle(j);
  if (r === undefined || !r.ok) throw new Error('fixture does not decode');
  return r.value.contents;
}

const src = (ssrc: number, extra: Partial<MediaSource> = {}): MediaSource => ({ ssrc, parameters: [], ...extra });
const camera = (ssrc: number, extra: Partial<MediaSource> = {}): MediaSource => src(ssrc, { name: 'ab-v0', msid: 'ab-video-1 t', ...extra });
const sources = (p: Partial<EndpointSources>): EndpointSources => ({ ...EMPTY_ENDPOINT_SOURCES, ...p });
const codeOf = (s: EndpointSources, owner = 'ab', opts: OwnSourceLimits = JICOFO): string => {
  const r = validateOwnSources(s, owner, opts);
  return r.ok ? 'ok' : r.error.code;
};

const collect = suite('collecting sources');

collect('toEndpointSources / ssrcsOf / sourcesOfContent over a session-accept', () => {
  const contents = acceptContents();
  const e = toEndpointSources(contents);
  assert.equal(ssrcsOf(e), [3001, 3002, 3003, 3011, 3012, 3013, 2874120001]);
  assert.equal(e.videoGroups.map((g) => g.semantics), ['SIM', 'FID', 'FID', 'FID']);
  assert.equal(e.audioGroups, []);
  const video = contents.find((c) => c.name === 'video');
  assert.is(sourcesOfContent(video?.description).sources.length, 6);
  assert.equal(sourcesOfContent(undefined), { sources: [], groups: [] });
});

collect.run();

const validate = suite('validateOwnSources (jicofo ValidatingConferenceSourceMap rules)');

validate('a lib-jitsi-meet session-accept (simulcast 3 + 3 RTX, audio) is valid; owner is stamped', () => {
  const e = toEndpointSources(acceptContents());
  const r = validateOwnSources(e, '1a2b3c4d', JICOFO);
  assert.ok(r.ok);
  if (r.ok) assert.ok([...r.value.video, ...r.value.audio].every((s) => s.owner === '1a2b3c4d'));
  const unowned = sources({ video: [camera(1)], audio: [src(2, { name: 'ab-a0' })] });
  const v = validateOwnSources(unowned, 'ab', JICOFO);
  assert.equal(v.ok && v.value.video[0], { ssrc: 1, parameters: [], name: 'ab-v0', msid: 'ab-video-1 t', owner: 'ab' });
});

const refusals: ReadonlyArray<readonly [string, EndpointSources, string]> = [
  ['owner set to someone else', sources({ video: [camera(1, { owner: 'cd' })] }), 'jingle/foreign-source'],
  ['name of another endpoint', sources({ audio: [src(1, { name: 'cd-a0' })] }), 'jingle/bad-source-name'],
  ['name without the dash', sources({ audio: [src(1, { name: 'aba0' })] }), 'jingle/bad-source-name'],
  ['SSRC 0', sources({ audio: [src(0)] }), 'jingle/bad-source'],
  ['SSRC above 2^32-1', sources({ audio: [src(2 ** 32)] }), 'jingle/bad-source'],
  ['fractional SSRC', sources({ audio: [src(1.5)] }), 'jingle/bad-source'],
  ['same SSRC in audio and video', sources({ video: [camera(1)], audio: [src(1)] }), 'jingle/bad-source'],
  ['group over an unknown SSRC', sources({ video: [camera(1)], videoGroups: [{ semantics: 'FID', ssrcs: [1, 2] }] }), 'jingle/bad-group'],
  ['video group over an audio SSRC', sources({ video: [camera(1)], audio: [src(2, { msid: 'ab-video-1 t' })], videoGroups: [{ semantics: 'FID', ssrcs: [1, 2] }] }), 'jingle/bad-group'],
  ['FID with 3 SSRCs', sources({ video: [camera(1), camera(2), camera(3)], videoGroups: [{ semantics: 'FID', ssrcs: [1, 2, 3] }] }), 'jingle/bad-group'],
  ['grouped source without msid', sources({ video: [camera(1), src(2)], videoGroups: [{ semantics: 'FID', ssrcs: [1, 2] }] }), 'jingle/bad-group'],
  ['group mixing msids', sources({ video: [camera(1), camera(2, { msid: 'other' })], videoGroups: [{ semantics: 'SIM', ssrcs: [1, 2] }] }), 'jingle/bad-group'],
  ['21 SSRCs', sources({ video: Array.from({ length: 21 }, (_, i) => camera(i + 1)) }), 'jingle/too-many-sources'],
];
for (const [name, s, code] of refusals) {
  validate(`refuses ${name} → ${code}`, () => assert.is(codeOf(s), code));
}

validate('groups: 20 pass, 21 fail; empty and repeated groups are dropped, not counted', () => {
  const video = Array.from({ length: 20 }, (_, i) => camera(i + 1));
  const groups = (n: number): SourceGroup[] =>
    Array.from({ length: n }, (_, i) => ({ semantics: 'SIM', ssrcs: [1 + (i % 20), 1 + ((i + 1 + Math.floor(i / 20)) % 20)] }));
  assert.is(codeOf(sources({ video, videoGroups: groups(20) })), 'ok');
  assert.is(codeOf(sources({ video, videoGroups: groups(21) })), 'jingle/too-many-groups');
  const r = validateOwnSources(sources({
    video: [camera(1), camera(2)],
    videoGroups: [{ semantics: 'FID', ssrcs: [1, 2] }, { semantics: 'FID', ssrcs: [1, 2] }, { semantics: 'SIM', ssrcs: [] }],
  }), 'ab', { maxSsrcs: 20, maxGroups: 1 });
  assert.equal(r.ok && r.value.videoGroups, [{ semantics: 'FID', ssrcs: [1, 2] }]);
  assert.is(codeOf(sources({ video: [camera(1), camera(2)] }), 'ab', { maxSsrcs: 1, maxGroups: 20 }), 'jingle/too-many-sources');
});

validate.run();

const write = suite('addSourcesToContents');

write('adds owners\' sources to existing audio/video descriptions and keeps the data content', () => {
  const offer: JingleContent[] = [
    { name: 'audio', creator: 'initiator', senders: 'both', description: { media: 'audio', payloadTypes: [], headerExtensions: [], extmapAllowMixed: true, rtcpMux: true, sources: [], sourceGroups: [] } },
    { name: 'video', creator: 'initiator', senders: 'both', description: { media: 'video', payloadTypes: [], headerExtensions: [], extmapAllowMixed: true, rtcpMux: true, sources: [], sourceGroups: [] } },
    { name: 'data', creator: 'initiator', senders: 'both', hasApplicationDescription: true },
  ];
  const out = addSourcesToContents(offer, {
    ab: sources({ video: [camera(1), camera(2)], videoGroups: [{ semantics: 'FID', ssrcs: [1, 2] }], audio: [src(3)] }),
    jvb: sources({ audio: [src(9, { name: 'jvb-a0', msid: 'mixedmslabel mixedlabelaudio0' })] }),
  });
  assert.equal(out.map((c) => c.name), ['audio', 'video', 'data']);
  assert.equal(out[0]?.description?.sources.map((s) => [s.ssrc, s.owner]), [[3, 'ab'], [9, 'jvb']]);
  assert.equal(out[1]?.description?.sourceGroups, [{ semantics: 'FID', ssrcs: [1, 2] }]);
  assert.is(out[2], offer[2]);
  assert.equal(offer[0]?.description?.sources, [], 'input untouched');
});

write('creates name-only contents for a source-add that round-trip through the codec', () => {
  const contents = addSourcesToContents([], { ab: sources({ video: [camera(1)] }) });
  assert.equal(contents.map((c) => c.name), ['video']);
  const j = { action: 'source-add' as const, sid: 's', contents, groups: [] };
  const back = decodeJingle(encodeJingle(j));
  assert.equal(back.ok && toEndpointSources(back.value.contents).video, [camera(1, { owner: 'ab' })]);
});

write.run();
