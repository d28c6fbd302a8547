import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonFixture, readSdpFixture } from '../../../test/fixtures/sdp/load-fixtures.ts';
import type { EndpointSources, JingleContent, MediaSource } from '../xep-0166-jingle/jingle-types.ts';
import type { JingleSdpSession, JingleToSdpOptions, Sdp, SdpMedia } from './index.ts';
import { firstSdpLine, jingleToSdp, parseSdp, sdpLinesOf, sdpMediaDirection, sdpMediaMid } from './index.ts';

const BRIDGE = jsonFixture('jicofo-session-initiate.json') as JingleSdpSession;
const OFFER: JingleToSdpOptions = { sessionId: '1730000000000', sessionVersion: 2, role: 'offer' };

function build(session: JingleSdpSession, opts: JingleToSdpOptions = OFFER): { text: string; sdp: Sdp } {
  const r = jingleToSdp(session, opts);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.text}`);
  const p = parseSdp(r.value);
  if (!p.ok) throw new Error(`own output does not parse: ${p.error.text}`);
  return { text: r.value, sdp: p.value };
}
const failsWith = (session: JingleSdpSession, code: string, opts: JingleToSdpOptions = OFFER): void => {
  const r = jingleToSdp(session, opts);
  assert.is(r.ok, false);
  if (!r.ok) assert.is(r.error.code, code, r.error.text);
};
const mids = (sdp: Sdp): string[] => sdp.media.map((m) => sdpMediaMid(m) ?? '?');
const ssrcsOf = (m: SdpMedia): number[] => [...new Set(sdpLinesOf(m.lines, 'ssrc').map((l) => l.ssrc))];
const bundle = (sdp: Sdp): readonly string[] => firstSdpLine(sdp.session, 'group')?.mids ?? [];
const section = (sdp: Sdp, mid: string): SdpMedia => {
  const m = sdp.media.find((x) => sdpMediaMid(x) === mid);
  if (!m) throw new Error(`no m-line ${mid}`);
  return m;
};
const withContent = (s: JingleSdpSession, name: string, f: (c: JingleContent) => JingleContent): JingleSdpSession =>
  ({ ...s, contents: s.contents.map((c) => (c.name === name ? f(c) : c)) });
const withSources = (s: JingleSdpSession, sources: Record<string, EndpointSources>): JingleSdpSession => ({ ...s, sources });
const source = (ssrc: number, msid: string, owner: string): MediaSource => ({ ssrc, msid, owner, parameters: [] });
const endpoint = (audio: number, video: number, id: string): EndpointSources => ({
  audio: [source(audio, `${id}-audio-0-1 ${id}-a`, id)], audioGroups: [],
  video: [source(video, `${id}-video-0-1 ${id}-v`, id)], videoGroups: [],
});

const offer = suite('jingleToSdp: bridge offer (case 1)');

offer('matches the reviewed expected SDP', () => {
  assert.is(build(BRIDGE).text, readSdpFixture('jicofo-session-initiate.expected.sdp').text);
});

offer('content m-lines first, in Jingle order, mid = content name; then one receive slot per remote track', () => {
  const { sdp } = build(BRIDGE);
  assert.equal(mids(sdp), ['audio', 'video', 'data', 's1', 's2', 's3', 's4']);
  assert.equal(sdp.media.map((m) => m.media), ['audio', 'video', 'application', 'audio', 'audio', 'video', 'video']);
  assert.equal(sdp.media.map((m) => sdpMediaDirection(m)), ['sendrecv', 'sendrecv', 'sendrecv', 'sendonly', 'sendonly', 'sendonly', 'sendonly']);
  assert.equal(bundle(sdp), mids(sdp));
  assert.equal(sdp.origin.sessionId, '1730000000000');
  assert.equal(sdp.origin.sessionVersion, '2');
});

offer('every remote source rides in exactly one m-line with its msid; at most one track per m-line', () => {
  const { sdp } = build(BRIDGE);
  const all = [
    ...BRIDGE.contents.flatMap((c) => c.description?.sources ?? []),
    ...Object.values(BRIDGE.sources ?? {}).flatMap((e) => [...e.audio, ...e.video]),
  ];
  const msidOf = new Map(all.filter((s) => s.msid).map((s) => [s.ssrc, s.msid]));
  msidOf.set(1520397012, msidOf.get(1520397011)); // the RTX SSRC inherits its FID partner's msid
  for (const s of all) {
    const holders = sdp.media.filter((m) => ssrcsOf(m).includes(s.ssrc));
    assert.is(holders.length, 1, `ssrc ${s.ssrc}`);
    const msidLine = sdpLinesOf(holders[0]?.lines ?? [], 'ssrc').find((l) => l.ssrc === s.ssrc && l.attribute === 'msid');
    assert.is(msidLine?.value, msidOf.get(s.ssrc), `msid of ${s.ssrc}`);
  }
  for (const m of sdp.media) {
    const msids = new Set(sdpLinesOf(m.lines, 'ssrc').filter((l) => l.attribute === 'msid').map((l) => l.value));
    assert.ok(msids.size <= 1, `${sdpMediaMid(m)} carries ${msids.size} tracks`);
    const media = firstSdpLine(m.lines, 'msid');
    if (msids.size === 1) assert.is(`${media?.streamId} ${media?.trackId}`, [...msids][0]);
  }
});

offer('the bridge mixedmslabel sources sit in the content m-lines, never in a slot', () => {
  const { sdp } = build(BRIDGE);
  assert.equal(ssrcsOf(section(sdp, 'audio')), [1011236281]);
  assert.equal(ssrcsOf(section(sdp, 'video')), [3458219840]);
  assert.is(firstSdpLine(section(sdp, 'audio').lines, 'msid')?.streamId, 'mixedmslabel');
  for (const mid of ['s1', 's2', 's3', 's4']) assert.not.ok(firstSdpLine(section(sdp, mid).lines, 'msid')?.streamId.startsWith('mixedmslabel'));
});

offer('simulcast: one slot holds all SIM layers, their RTX and the groups', () => {
  const s3 = section(build(BRIDGE).sdp, 's3');
  assert.equal(ssrcsOf(s3), [1830429331, 1830429332, 1830429333, 2450876101, 2450876102, 2450876103]);
  assert.equal(sdpLinesOf(s3.lines, 'ssrc-group').map((g) => `${g.semantics} ${g.ssrcs.join(' ')}`), [
    'SIM 1830429331 1830429332 1830429333', 'FID 1830429331 2450876101', 'FID 1830429332 2450876102', 'FID 1830429333 2450876103',
  ]);
});

offer('ICE and DTLS in every m-line, candidates only in content m-lines, SCTP for data', () => {
  const { sdp } = build(BRIDGE);
  for (const m of sdp.media) {
    assert.is(firstSdpLine(m.lines, 'ice-ufrag')?.value, '9n1n91e4pbdc9m');
    assert.is(firstSdpLine(m.lines, 'ice-pwd')?.value, '1h9kkq3vd2e8gsqbt5mdgmhdl');
    assert.is(firstSdpLine(m.lines, 'fingerprint')?.hash, 'sha-256');
    assert.is(firstSdpLine(m.lines, 'setup')?.role, 'actpass');
    const isSlot = (sdpMediaMid(m) ?? '').startsWith('s');
    assert.is(sdpLinesOf(m.lines, 'candidate').length, isSlot ? 0 : 2);
    assert.equal([m.port, firstSdpLine(m.lines, 'connection')?.address], isSlot ? [9, '0.0.0.0'] : [10000, '127.0.0.1']);
  }
  const data = section(sdp, 'data');
  assert.equal([data.proto, data.formats], ['UDP/DTLS/SCTP', ['webrtc-datachannel']]);
  assert.is(firstSdpLine(data.lines, 'sctp-port')?.port, 5000);
  assert.equal(sdpLinesOf(section(sdp, 'audio').lines, 'candidate')[1]?.candidate.extensions.slice(0, 2),
    [{ name: 'raddr', value: '127.0.0.1' }, { name: 'rport', value: '10000' }]);
});

offer('without candidates: port 9 and c=IN IP4 0.0.0.0', () => {
  const bare = { ...BRIDGE, contents: BRIDGE.contents.map((c) => (c.transport ? { ...c, transport: { ...c.transport, candidates: [] } } : c)) };
  for (const m of build(bare).sdp.media) assert.equal([m.port, firstSdpLine(m.lines, 'connection')?.address], [9, '0.0.0.0']);
});

offer('an offer from an ICE-lite bridge says a=ice-lite once, at session level, so the browser nominates (Firefox needs it)', () => {
  const lite = build(BRIDGE, { ...OFFER, iceLite: true });
  assert.equal(lite.sdp.session.filter((l) => l.kind === 'raw' && l.name === 'ice-lite').length, 1);
  assert.ok(lite.text.indexOf('a=ice-lite\r\n') < lite.text.indexOf('m='), 'before the first m-line');
  assert.equal(lite.sdp.media.flatMap((m) => m.lines.filter((l) => l.kind === 'raw' && l.name === 'ice-lite')), []);
  assert.not.ok(build(BRIDGE).text.includes('ice-lite'), 'a peer-to-peer (full ICE) offer has none');
});

offer.run();

const rules = suite('jingleToSdp: mapping rules');

rules('senders → direction depends on who wrote the SDP (offer: initiator, answer: responder)', () => {
  const audioOnly: JingleSdpSession = { contents: [BRIDGE.contents[0] as JingleContent], groups: [] };
  const dir = (senders: JingleContent['senders'], role: 'offer' | 'answer'): string => {
    const s = withContent({ ...audioOnly, contents: [{ ...(audioOnly.contents[0] as JingleContent), description: { ...(audioOnly.contents[0]?.description as NonNullable<JingleContent['description']>), sources: [] } }] }, 'audio', (c) => ({ ...c, senders }));
    return sdpMediaDirection(build(s, { ...OFFER, role }).sdp.media[0] as SdpMedia);
  };
  assert.equal(['both', 'initiator', 'responder', 'none'].map((x) => dir(x as JingleContent['senders'], 'offer')), ['sendrecv', 'sendonly', 'recvonly', 'inactive']);
  assert.equal(['both', 'initiator', 'responder', 'none'].map((x) => dir(x as JingleContent['senders'], 'answer')), ['sendrecv', 'recvonly', 'sendonly', 'inactive']);
});

rules('rtp-hdrext senders become extmap directions; cryptex turns on a=cryptex', () => {
  const s = withContent(BRIDGE, 'audio', (c) => ({
    ...c,
    description: { ...(c.description as NonNullable<JingleContent['description']>), headerExtensions: [{ id: 2, uri: 'urn:x', senders: 'responder' }] },
    transport: { ...(c.transport as NonNullable<JingleContent['transport']>), fingerprints: [{ hash: 'sha-256', value: 'AA:BB', setup: 'actpass', cryptex: true }] },
  }));
  const { sdp } = build(s);
  assert.equal(sdpLinesOf(section(sdp, 'audio').lines, 'extmap'), [{ kind: 'extmap', id: 2, uri: 'urn:x', direction: 'recvonly' }]);
  assert.ok(sdp.session.some((l) => l.kind === 'raw' && l.name === 'cryptex'));
});

rules('COMPAT(lib-jitsi-meet): a BUNDLE group naming a missing content drops that name', () => {
  const noData: JingleSdpSession = { ...BRIDGE, contents: BRIDGE.contents.filter((c) => c.name !== 'data') };
  assert.equal(bundle(build(noData).sdp), ['audio', 'video', 's1', 's2', 's3', 's4']);
  assert.equal(firstSdpLine(build({ ...noData, groups: [{ semantics: 'BUNDLE', contents: ['data'] }] }).sdp.session, 'group'), undefined);
});

rules('a second mixedmslabel track is dropped; a group naming an unknown SSRC is dropped; duplicate SSRCs kept once', () => {
  const s = withContent(BRIDGE, 'audio', (c) => {
    const d = c.description as NonNullable<JingleContent['description']>;
    return {
      ...c,
      description: {
        ...d,
        sources: [...d.sources, source(77, 'mixedmslabel other', 'jvb'), source(3021559487, 'dup dup', 'x')],
        sourceGroups: [{ semantics: 'FID', ssrcs: [3021559487, 424242] }],
      },
    };
  });
  const { sdp } = build(s);
  assert.not.ok(sdp.media.some((m) => ssrcsOf(m).includes(77)));
  assert.not.ok(sdp.media.some((m) => sdpLinesOf(m.lines, 'ssrc-group').length > 0 && m.media === 'audio'));
  assert.is(sdp.media.filter((m) => ssrcsOf(m).includes(3021559487)).length, 1);
});

rules('an answer cannot add m-lines: one track per content, more is sdp/too-many-tracks', () => {
  failsWith(BRIDGE, 'sdp/too-many-tracks', { ...OFFER, role: 'answer' });
  const p2p: JingleSdpSession = { contents: BRIDGE.contents.map((c) => (c.description ? { ...c, description: { ...c.description, sources: c.description.sources.slice(0, 1), sourceGroups: [] } } : c)), groups: BRIDGE.groups };
  const { sdp } = build(p2p, { ...OFFER, role: 'answer' });
  assert.equal(mids(sdp), ['audio', 'video', 'data']);
  assert.equal(ssrcsOf(section(sdp, 'video')), [3458219840]);
});

rules.run();

const renegotiation = suite('jingleToSdp: renegotiation keeps the m-line layout (JSEP §5.2.2)');

renegotiation('source-add appends a slot; existing tracks keep their m-lines', () => {
  const first = build(BRIDGE).sdp;
  const added = withSources(BRIDGE, { ...BRIDGE.sources, e0e0e0e0: endpoint(11, 12, 'e0e0e0e0') });
  const { sdp } = build(added, { ...OFFER, sessionVersion: 3, previous: first });
  assert.equal(mids(sdp), [...mids(first), 's5', 's6']);
  for (const mid of mids(first)) assert.equal(ssrcsOf(section(sdp, mid)), ssrcsOf(section(first, mid)), mid);
  assert.equal([ssrcsOf(section(sdp, 's5')), ssrcsOf(section(sdp, 's6'))], [[11], [12]]);
  assert.equal(bundle(sdp), mids(sdp));
});

renegotiation('source-remove rejects the slot in place (port 0, inactive, out of BUNDLE); later tracks get new slots', () => {
  const first = build(BRIDGE).sdp;
  const removed = withSources(BRIDGE, {});
  const second = build(removed, { ...OFFER, sessionVersion: 3, previous: first }).sdp;
  assert.equal(mids(second), mids(first));
  for (const mid of ['s2', 's4']) {
    const m = section(second, mid);
    assert.equal([m.port, sdpMediaDirection(m), ssrcsOf(m)], [0, 'inactive', []], mid);
  }
  assert.equal(bundle(second), ['audio', 'video', 'data', 's1', 's3']);
  const third = build(withSources(BRIDGE, { e0e0e0e0: endpoint(11, 12, 'e0e0e0e0') }), { ...OFFER, sessionVersion: 4, previous: second }).sdp;
  assert.equal(mids(third), [...mids(first), 's5', 's6']);
  assert.is(section(third, 's2').port, 0);
});

renegotiation('a track keeps its m-line even when the Jingle order of sources changes', () => {
  const first = build(BRIDGE).sdp;
  const reordered = withContent(BRIDGE, 'video', (c) => {
    const d = c.description as NonNullable<JingleContent['description']>;
    return { ...c, description: { ...d, sources: [...d.sources].reverse() } };
  });
  const { sdp } = build(reordered, { ...OFFER, previous: first });
  for (const mid of mids(first)) assert.equal(ssrcsOf(section(sdp, mid)).sort(), ssrcsOf(section(first, mid)).sort(), mid);
});

renegotiation('a content m-line is refilled only after a description in which it was empty (P2P reuse)', () => {
  const audio = BRIDGE.contents[0] as JingleContent;
  const d = audio.description as NonNullable<JingleContent['description']>;
  const withAudio = (...ssrcs: number[]): JingleSdpSession => ({
    contents: [{ ...audio, description: { ...d, sources: ssrcs.map((x) => source(x, `peer t${x}`, 'peer')) } }], groups: [],
  });
  const first = build(withAudio(1)).sdp;
  assert.equal([mids(first), ssrcsOf(section(first, 'audio'))], [['audio'], [1]]);
  const replaced = build(withAudio(2), { ...OFFER, previous: first }).sdp;
  assert.equal([mids(replaced), ssrcsOf(section(replaced, 'audio')), ssrcsOf(section(replaced, 's1'))], [['audio', 's1'], [], [2]]);
  const emptied = build(withAudio(), { ...OFFER, previous: first }).sdp;
  const refilled = build(withAudio(3), { ...OFFER, previous: emptied }).sdp;
  assert.equal([mids(refilled), ssrcsOf(section(refilled, 'audio'))], [['audio'], [3]]);
});

renegotiation('a previous description with other contents is sdp/layout-mismatch', () => {
  const first = build(BRIDGE).sdp;
  failsWith({ ...BRIDGE, contents: [...BRIDGE.contents].reverse() }, 'sdp/layout-mismatch', { ...OFFER, previous: first });
});

renegotiation.run();

const hostile = suite('jingleToSdp: values from the network cannot inject SDP');

hostile('bad strings and numbers are sdp/invalid-input, never written', () => {
  const t = (f: (c: JingleContent) => JingleContent): JingleSdpSession => withContent(BRIDGE, 'audio', f);
  const tr = (c: JingleContent): NonNullable<JingleContent['transport']> => c.transport as NonNullable<JingleContent['transport']>;
  const ds = (c: JingleContent): NonNullable<JingleContent['description']> => c.description as NonNullable<JingleContent['description']>;
  const bads: JingleSdpSession[] = [
    t((c) => ({ ...c, transport: { ...tr(c), ufrag: 'x\r\na=ice-lite' } })),
    t((c) => ({ ...c, transport: { ...tr(c), pwd: 'has space' } })),
    t((c) => ({ ...c, transport: { ...tr(c), candidates: [{ ...(tr(c).candidates[0] as NonNullable<JingleContent['transport']>['candidates'][0]), ip: '1.2.3.4\na=x' }] } })),
    t((c) => ({ ...c, transport: { ...tr(c), candidates: [{ ...(tr(c).candidates[0] as NonNullable<JingleContent['transport']>['candidates'][0]), port: 70000 }] } })),
    t((c) => ({ ...c, description: { ...ds(c), payloadTypes: [{ id: 300, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }] } })),
    t((c) => ({ ...c, description: { ...ds(c), payloadTypes: [{ id: 111, name: 'op/us', clockrate: 48000, parameters: [], rtcpFeedback: [] }] } })),
    t((c) => ({ ...c, description: { ...ds(c), payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [{ name: 'a', value: '1;b=2' }], rtcpFeedback: [] }] } })),
    t((c) => ({ ...c, description: { ...ds(c), payloadTypes: [] } })),
    t((c) => ({ ...c, description: { ...ds(c), headerExtensions: [{ id: 0, uri: 'urn:x' }] } })),
    t((c) => ({ ...c, description: { ...ds(c), sources: [source(1, 'a b c', 'x')] } })),
    t((c) => ({ ...c, description: { ...ds(c), sources: [source(2 ** 32, 'a b', 'x')] } })),
    t((c) => ({ ...c, description: { ...ds(c), sources: [{ ssrc: 5, parameters: [{ name: 'cname', value: 'x\r\nm=audio' }] }] } })),
    t((c) => ({ ...c, name: 'has space' })),
    t((c) => ({ ...c, name: 's7' })),
    { ...BRIDGE, contents: [...BRIDGE.contents, BRIDGE.contents[0] as JingleContent] },
    { ...BRIDGE, contents: [{ name: 'x', creator: 'initiator', senders: 'both' }] },
  ];
  for (const bad of bads) failsWith(bad, 'sdp/invalid-input');
  failsWith(BRIDGE, 'sdp/invalid-input', { ...OFFER, sessionId: '12a' });
  failsWith(BRIDGE, 'sdp/invalid-input', { ...OFFER, sessionVersion: -1 });
});

hostile('an enormous source list is refused as sdp/too-large instead of producing an unparseable description', () => {
  const many: Record<string, EndpointSources> = {};
  for (let i = 0; i < 2000; i++) many[`ep${i}`] = endpoint(100000 + 2 * i, 100001 + 2 * i, `ep${i}`);
  failsWith(withSources(BRIDGE, many), 'sdp/too-large');
});

hostile.run();
