import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSdpFixture } from '../../../test/fixtures/sdp/load-fixtures.ts';
import type { JingleContent, MediaSource } from '../xep-0166-jingle/jingle-types.ts';
import type { Sdp, SdpJingle, SdpMedia } from './index.ts';
import { firstSdpLine, jingleToSdp, parseSdp, sdpLinesOf, sdpMediaDirection, sdpMediaMid, sdpToJingle } from './index.ts';

const CHROME_ANSWER = readSdpFixture('chrome-156-answer-to-bridge.sdp').text;
const CHROME_OFFER = readSdpFixture('chrome-156-offer-p2p.sdp').text;
const FIREFOX_OFFER = readSdpFixture('firefox-128-offer-p2p.sdp').text;
const HEADER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

function toJingle(text: string, creator: 'initiator' | 'responder' = 'responder', owner: string | null = 'abcd1234'): SdpJingle {
  const r = sdpToJingle(text, owner === null ? { creator } : { creator, owner });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.text}`);
  return r.value;
}
const content = (j: SdpJingle, name: string): JingleContent => {
  const c = j.contents.find((x) => x.name === name);
  if (!c) throw new Error(`no content ${name}`);
  return c;
};
const sources = (c: JingleContent): readonly MediaSource[] => c.description?.sources ?? [];
const parsed = (text: string): Sdp => {
  const r = parseSdp(text);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

const chrome = suite('sdpToJingle: Chrome answer to the bridge');

chrome('contents audio, video, data in m-line order; recvonly receive slots fold away; BUNDLE', () => {
  const j = toJingle(CHROME_ANSWER);
  assert.equal(j.contents.map((c) => [c.name, c.creator, c.senders]), [['audio', 'responder', 'both'], ['video', 'responder', 'both'], ['data', 'responder', 'both']]);
  assert.equal(j.groups, [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }]);
});

chrome('sources named <owner>-a0 / <owner>-v0 on every SSRC of the track, section msid, camera, SIM and FID groups', () => {
  const j = toJingle(CHROME_ANSWER);
  // Chrome 156 writes only cname per SSRC; the msid comes from the section's a=msid.
  assert.equal(sources(content(j, 'audio')), [{
    ssrc: 3669692586, name: 'abcd1234-a0', msid: '70121c36-d03c-4df0-b680-8a8a2c892dcc d2d62a9b-78f9-4500-8cf9-7f5d02724004',
    parameters: [{ name: 'cname', value: 'sDiyzfZhq974I8Ew' }],
  }]);
  const video = sources(content(j, 'video'));
  assert.equal(video.map((s) => s.ssrc), [1983445245, 1184982272, 2710055038, 2588886265, 2208656577, 2745560968]);
  for (const s of video) {
    assert.equal([s.name, s.videoType, s.msid], ['abcd1234-v0', 'camera', '70121c36-d03c-4df0-b680-8a8a2c892dcc c05867db-ddef-4fda-9cef-86dcac3d2150']);
  }
  assert.equal(content(j, 'video').description?.sourceGroups.map((g) => [g.semantics, ...g.ssrcs]), [
    ['FID', 1983445245, 1184982272], ['SIM', 1983445245, 2710055038, 2208656577], ['FID', 2710055038, 2588886265], ['FID', 2208656577, 2745560968],
  ]);
});

chrome('payload types with fmtp parameters and rtcp-fb, header extensions, rtcp-mux, extmap-allow-mixed', () => {
  const j = toJingle(CHROME_ANSWER);
  const a = content(j, 'audio').description;
  assert.equal(a?.payloadTypes, [
    { id: 111, name: 'opus', clockrate: 48000, channels: 2, parameters: [{ name: 'minptime', value: '10' }, { name: 'useinbandfec', value: '1' }], rtcpFeedback: [{ type: 'transport-cc' }] },
    { id: 112, name: 'red', clockrate: 48000, channels: 2, parameters: [{ name: '', value: '111/111' }], rtcpFeedback: [] },
    { id: 126, name: 'telephone-event', clockrate: 8000, parameters: [], rtcpFeedback: [] },
  ]);
  assert.equal([a?.rtcpMux, a?.extmapAllowMixed], [true, true]);
  const v = content(j, 'video').description;
  assert.equal(v?.payloadTypes.map((p) => `${p.id} ${p.name}`), ['100 VP8', '96 rtx', '101 VP9', '97 rtx', '107 H264', '99 rtx', '41 AV1', '42 rtx']);
  assert.equal(v?.payloadTypes[6]?.rtcpFeedback, [{ type: 'transport-cc' }, { type: 'ccm', subtype: 'fir' }, { type: 'nack' }, { type: 'nack', subtype: 'pli' }]);
  assert.equal(v?.payloadTypes[6]?.parameters, [{ name: 'level-idx', value: '5' }, { name: 'profile', value: '0' }, { name: 'tier', value: '0' }]);
  assert.equal(v?.payloadTypes[1]?.parameters, [{ name: 'apt', value: '100' }]);
  assert.equal(v?.headerExtensions.map((h) => h.id), [3, 5, 10, 11]);
  assert.is(v?.headerExtensions[1]?.uri, 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01');
  assert.is(v?.headerExtensions[3]?.uri, 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension');
});

chrome('transport: ufrag, pwd, fingerprint with setup=active, candidates; data gets sctpmap', () => {
  const j = toJingle(CHROME_ANSWER);
  const t = content(j, 'audio').transport;
  assert.equal([t?.ufrag, t?.pwd, t?.rtcpMux], ['bUQy', 'OoY0oS0Q1H/vR2zIQ58kq98A', true]);
  assert.equal(t?.fingerprints, [{ hash: 'sha-256', setup: 'active', value: '0B:19:A3:9E:7B:F0:4F:68:D5:42:98:F6:3D:DA:D0:8F:D7:4D:AE:4D:63:63:5B:89:F2:CD:C3:2D:DC:F8:B3:D2' }]);
  assert.equal(t?.candidates, [
    { foundation: '4274611253', component: 1, protocol: 'udp', priority: 2113937151, ip: '127.0.0.1', port: 45692, type: 'host', generation: 0 },
    { foundation: '4189784197', component: 1, protocol: 'udp', priority: 2113942271, ip: '::1', port: 36074, type: 'host', generation: 0 },
  ]);
  assert.equal(content(j, 'video').transport?.candidates, [], 'bundled sections carry no candidates');
  assert.equal(content(j, 'data').transport?.sctp, { number: 5000, protocol: 'webrtc-datachannel', streams: 0 });
  assert.is(content(j, 'data').description, undefined);
});

chrome('Chrome P2P offer: ssrc-level msid, one content per mid, the initiator sends', () => {
  const j = toJingle(CHROME_OFFER, 'initiator');
  assert.equal(j.contents.map((c) => [c.name, c.creator, c.senders]), [['0', 'initiator', 'both'], ['1', 'initiator', 'both'], ['2', 'initiator', 'both']]);
  assert.equal(sources(content(j, '1')).map((s) => [s.ssrc, s.name]), [[2681478142, 'abcd1234-v0'], [722352239, 'abcd1234-v0']]);
  assert.equal(content(j, '1').description?.payloadTypes.length, 23);
  assert.equal(content(j, '2').transport?.candidates.length, 2);
});

chrome.run();

const firefox = suite('sdpToJingle: Firefox offer');

firefox('session-level fingerprint, media-level {uuid} msid for cname-only SSRCs, extmap direction as senders', () => {
  const j = toJingle(FIREFOX_OFFER, 'initiator');
  assert.equal(j.contents.map((c) => c.name), ['0', '1', '2']);
  for (const c of j.contents) assert.equal(c.transport?.fingerprints.map((f) => [f.hash, f.setup]), [['sha-256', 'actpass']]);
  assert.equal(sources(content(j, '0')), [{
    ssrc: 2267715794, name: 'abcd1234-a0', msid: '{0b4a7cde-5f6e-4d3c-9b2a-1f0e9d8c7b6a} {6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}',
    parameters: [{ name: 'cname', value: '{5c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f}' }],
  }]);
  assert.equal(sources(content(j, '1')).map((s) => [s.ssrc, s.name, s.msid]), [
    [3229105930, 'abcd1234-v0', '{0b4a7cde-5f6e-4d3c-9b2a-1f0e9d8c7b6a} {a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d}'],
    [2588886266, 'abcd1234-v0', '{0b4a7cde-5f6e-4d3c-9b2a-1f0e9d8c7b6a} {a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d}'],
  ]);
  // recvonly written by the initiator: only the responder sends that extension.
  assert.equal(content(j, '0').description?.headerExtensions[1], { id: 2, uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level', senders: 'responder' });
  assert.equal(content(j, '0').description?.payloadTypes.find((p) => p.id === 101)?.parameters, [{ name: '', value: '0-15' }]);
  assert.equal(content(j, '0').transport?.candidates.map((c) => [c.protocol, c.tcpType]), [['udp', undefined], ['tcp', 'active']]);
  assert.is(content(j, '2').transport?.sctp?.number, 5000);
});

firefox.run();

// Case 2: SDP → Jingle → SDP keeps every fact a peer connection negotiates.
type Facts = Record<string, unknown>;
function facts(sdp: Sdp, m: SdpMedia): Facts {
  const s = sdp.session;
  const pts = m.formats.map((f) => {
    const id = Number(f);
    const fb = sdpLinesOf(m.lines, 'rtcp-fb').filter((l) => l.payloadType === id || l.payloadType === '*').map((l) => `${l.type} ${l.subtype ?? ''}`);
    const rtpmap = sdpLinesOf(m.lines, 'rtpmap').find((l) => l.payloadType === id);
    // "G722/8000/1" and "G722/8000" mean the same (RFC 4566 §6: one channel by default).
    return { id, rtpmap: rtpmap && `${rtpmap.encoding}/${rtpmap.clockRate}/${rtpmap.channels ?? 1}`, fmtp: sdpLinesOf(m.lines, 'fmtp').find((l) => l.payloadType === id)?.parameters ?? [], fb: fb.sort() };
  });
  // An SSRC's msid is its own a=ssrc msid or else the section's a=msid (RFC 8830), which is how Firefox writes it.
  const msidLine = firstSdpLine(m.lines, 'msid');
  const sectionMsid = msidLine && `${msidLine.streamId} ${msidLine.trackId ?? ''}`.trim();
  const ssrcLines = sdpLinesOf(m.lines, 'ssrc');
  const ssrcs = [...new Set(ssrcLines.map((l) => l.ssrc))].map((ssrc) => {
    const attr = (a: string): string | undefined => ssrcLines.find((l) => l.ssrc === ssrc && l.attribute === a)?.value;
    return `${ssrc} cname:${attr('cname') ?? ''} msid:${attr('msid') ?? sectionMsid ?? ''}`;
  }).sort();
  return {
    mid: sdpMediaMid(m), media: m.media, port: m.port, proto: m.proto, direction: sdpMediaDirection(m, sdp), pts,
    extmaps: sdpLinesOf(m.lines, 'extmap').map((l) => `${l.id} ${l.uri} ${l.direction ?? ''}`).sort(),
    // Session-level a=extmap-allow-mixed comes back per RTP section (RFC 8285 §6 allows both); SCTP has no RTP.
    allowMixed: m.media !== 'application' && (firstSdpLine(m.lines, 'extmap-allow-mixed') !== undefined || firstSdpLine(s, 'extmap-allow-mixed') !== undefined),
    rtcpMux: firstSdpLine(m.lines, 'rtcp-mux') !== undefined,
    msid: sectionMsid, ssrcs,
    groups: sdpLinesOf(m.lines, 'ssrc-group').map((g) => `${g.semantics} ${g.ssrcs.join(' ')}`).sort(),
    ufrag: firstSdpLine(m.lines, 'ice-ufrag')?.value, pwd: firstSdpLine(m.lines, 'ice-pwd')?.value,
    fingerprints: (sdpLinesOf(m.lines, 'fingerprint').length > 0 ? sdpLinesOf(m.lines, 'fingerprint') : sdpLinesOf(s, 'fingerprint')).map((f) => `${f.hash} ${f.value}`),
    setup: firstSdpLine(m.lines, 'setup')?.role,
    candidates: sdpLinesOf(m.lines, 'candidate').map(({ candidate: c }) =>
      [c.foundation, c.component, c.transport.toLowerCase(), c.priority, c.address, c.port, c.type, 
        // network-cost has no Jingle form; generation 0 is the default (Firefox omits it, Jitsi writes it).
        c.extensions.filter((e) => e.name !== 'network-cost' && !(e.name === 'generation' && e.value === '0'))]),
    sctpPort: firstSdpLine(m.lines, 'sctp-port')?.port,
  };
}

const roundTrip = suite('SDP → sdpToJingle → jingleToSdp → parse (case 2)');

for (const [name, text, creator, role] of [
  ['Chrome answer to the bridge', CHROME_ANSWER, 'responder', 'answer'],
  ['Chrome P2P offer', CHROME_OFFER, 'initiator', 'offer'],
  ['Firefox P2P offer', FIREFOX_OFFER, 'initiator', 'offer'],
] as const) {
  roundTrip(`${name}: payloads, fmtp, rtcp-fb, extmaps, ssrcs, groups, ICE, fingerprint are equal`, () => {
    const before = parsed(text);
    const j = toJingle(text, creator);
    const out = jingleToSdp(j, { sessionId: '42', sessionVersion: 1, role });
    assert.ok(out.ok, out.ok ? '' : out.error.text);
    if (!out.ok) return;
    const after = parsed(out.value);
    // Receive slots (recvonly, no local sources) fold away; every content m-line comes back in order.
    const kept = before.media.filter((m) => !/^s\d+$/.test(sdpMediaMid(m) ?? ''));
    assert.equal(after.media.map((m) => sdpMediaMid(m)), kept.map((m) => sdpMediaMid(m)));
    kept.forEach((m, i) => assert.equal(facts(after, after.media[i] as SdpMedia), facts(before, m), `m-line ${sdpMediaMid(m)}`));
    assert.equal(firstSdpLine(after.session, 'group'), firstSdpLine(before.session, 'group') && {
      ...firstSdpLine(before.session, 'group'), mids: firstSdpLine(before.session, 'group')?.mids.filter((x) => !/^s\d+$/.test(x)),
    });
  });
}

roundTrip.run();

const rules = suite('sdpToJingle: rules and hostile input');

const video = (mid: string, direction: string, ssrcLines: string): string =>
  `m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:${mid}\r\na=${direction}\r\na=rtpmap:96 VP8/90000\r\n${ssrcLines}`;

rules('a sending receive slot folds into the first video content as <owner>-v1; explicit names and desktop win', () => {
  const text = `${HEADER}a=group:BUNDLE video s1 s2\r\n`
    + video('video', 'sendrecv', 'a=ssrc:1 msid:cam t\r\n')
    + video('s1', 'sendonly', 'a=ssrc:2 msid:screen t2\r\na=ssrc:2 videoType:desktop\r\n')
    + video('s2', 'sendonly', 'a=ssrc:3 msid:other t3\r\na=ssrc:3 name:abcd1234-v1\r\n');
  const j = toJingle(text);
  assert.equal(j.contents.map((c) => c.name), ['video']);
  assert.equal(sources(content(j, 'video')).map((s) => [s.ssrc, s.name, s.videoType]), [
    [1, 'abcd1234-v0', 'camera'], [2, 'abcd1234-v2', 'desktop'], [3, 'abcd1234-v1', 'camera'],
  ]);
  assert.equal(j.groups, [{ semantics: 'BUNDLE', contents: ['video'] }]);
});

rules('no owner: sources stay unnamed; recvonly SSRCs (Firefox) are not local sources', () => {
  const j = toJingle(`${HEADER}${video('v', 'recvonly', 'a=ssrc:9 cname:x\r\n')}`, 'responder', null);
  assert.equal(sources(content(j, 'v')), []);
  assert.is(content(j, 'v').senders, 'initiator');
  const k = toJingle(`${HEADER}${video('v', 'sendonly', 'a=ssrc:9 cname:x\r\n')}`, 'responder', null);
  assert.equal(sources(content(k, 'v')), [{ ssrc: 9, videoType: 'camera', parameters: [{ name: 'cname', value: 'x' }] }]);
  assert.is(content(k, 'v').senders, 'responder');
});

rules('a=rtcp-fb:* applies to every payload type; static payload types need no rtpmap; no a=setup means active', () => {
  const j = toJingle(`${HEADER}m=audio 9 RTP/AVP 0 8 96\r\na=mid:a\r\na=rtcp-fb:* nack\r\na=fingerprint:sha-256 AA\r\n`);
  const d = content(j, 'a').description;
  assert.equal(d?.payloadTypes.map((p) => [p.id, p.name, p.clockrate, p.rtcpFeedback]), [[0, 'PCMU', 8000, [{ type: 'nack' }]], [8, 'PCMA', 8000, [{ type: 'nack' }]]]);
  assert.is(content(j, 'a').transport?.fingerprints[0]?.setup, 'active');
});

rules('rejected m-lines give no content; other media are skipped', () => {
  const j = toJingle(`${HEADER}a=group:BUNDLE a t\r\nm=audio 0 RTP/AVP 0\r\na=mid:a\r\nm=text 9 RTP/AVP 98\r\na=mid:t\r\n`);
  assert.equal([j.contents, j.groups], [[], []]);
});

rules('typed errors: missing mid, holdconn, and every parse error', () => {
  const fail = (text: string, code: string): void => {
    const r = sdpToJingle(text, { creator: 'responder' });
    assert.is(r.ok, false);
    if (!r.ok) assert.is(r.error.code, code);
  };
  fail(`${HEADER}m=audio 9 RTP/AVP 0\r\n`, 'sdp/missing-mid');
  fail(`${HEADER}m=audio 9 RTP/AVP 0\r\na=mid:a\r\na=setup:holdconn\r\n`, 'sdp/unsupported');
  fail(`${HEADER}m=audio 9 RTP/AVP 0\r\na=mid:a\r\na=ssrc:x cname:y\r\n`, 'sdp/bad-attribute');
  fail('x'.repeat(10 * 1024 * 1024), 'sdp/too-large');
});

rules('every fixture truncated at every length never throws', () => {
  for (const text of [CHROME_ANSWER, FIREFOX_OFFER]) {
    for (let n = 0; n <= text.length; n += 3) assert.type(sdpToJingle(text.slice(0, n), { creator: 'responder', owner: 'o' }).ok, 'boolean');
  }
});

rules.run();
