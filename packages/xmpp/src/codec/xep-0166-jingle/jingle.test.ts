// Unit tests for decodeJingle/encodeJingle: hand-written expectations for the fields protocols.md
// §2 and §10 name (independent of the fixture sidecars), compat quirks, and hostile input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { El } from '../xml/index.ts';
import { el, firstEl, parseXml, serialize } from '../xml/index.ts';
import type { Jingle, JingleContent, MediaSource } from './index.ts';
import {
  NS_JINGLE, NS_JINGLE_RTP, NS_JINGLE_SSMA, NS_JITSI_MEET, decodeIceUdpTransport, decodeJingle, decodePayloadType, encodeJingle,
  encodePayloadType,
} from './index.ts';
import { canonicalXml } from './fixture-harness.test-helper.ts';

const xml = (s: string): El => {
  const r = parseXml(s.trim(), { maxElementBytes: 8 << 20, maxDepth: 64, maxAttributes: 64 });
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};
const fixture = (name: string): El => {
  const raw = readFileSync(new URL(`../../../test/fixtures/jingle/${name}.xml`, import.meta.url), 'utf8');
  const iq = xml(raw.slice(raw.indexOf('\n') + 1));
  const j = firstEl(iq);
  if (j === undefined) throw new Error('no payload');
  return j;
};
const decoded = (e: El, limits = {}): Jingle => {
  const r = decodeJingle(e, limits);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.text}`);
  return r.value;
};
const codeOf = (e: El, limits = {}): string => {
  const r = decodeJingle(e, limits);
  return r.ok ? 'ok' : r.error.code;
};
const content = (j: Jingle, name: string): JingleContent => {
  const c = j.contents.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no content ${name}`);
  return c;
};
const J = (action: string, inner = ''): El => xml(`<jingle xmlns="${NS_JINGLE}" action="${action}" sid="s1">${inner}</jingle>`);
const videoWith = (inner: string): El =>
  J('source-add', `<content name="video"><description xmlns="${NS_JINGLE_RTP}" media="video">${inner}</description></content>`);
const src = (ssrc: string, extra = ''): string => `<source xmlns="${NS_JINGLE_SSMA}" ssrc="${ssrc}"${extra}/>`;

const offer = suite('session-initiate from the focus (protocols.md §2.2)');

offer('audio: opus 111 minptime/useinbandfec + transport-cc, red 112 with unnamed 111/111, telephone-event 126', () => {
  const a = content(decoded(fixture('session-initiate-focus')), 'audio').description;
  assert.ok(a !== undefined);
  const byId = new Map(a.payloadTypes.map((p) => [p.id, p]));
  assert.equal(byId.get(111), {
    id: 111, name: 'opus', clockrate: 48000, channels: 2,
    parameters: [{ name: 'minptime', value: '10' }, { name: 'useinbandfec', value: '1' }],
    rtcpFeedback: [{ type: 'transport-cc' }],
  });
  assert.equal(byId.get(112)?.parameters, [{ name: '', value: '111/111' }]);
  assert.equal(byId.get(126), { id: 126, name: 'telephone-event', clockrate: 8000, parameters: [], rtcpFeedback: [] });
  assert.equal(a.headerExtensions.map((h) => h.id), [1, 10, 5]);
  assert.is(a.maxPtimeMs, 60);
  assert.ok(a.extmapAllowMixed && a.rtcpMux);
});

offer('video: AV1 41, VP8 100, H264 107, VP9 101 with ccm fir / nack / nack pli / transport-cc; rtx with apt', () => {
  const v = content(decoded(fixture('session-initiate-focus')), 'video').description;
  assert.ok(v !== undefined);
  const names = Object.fromEntries(v.payloadTypes.map((p) => [p.id, p.name]));
  assert.equal(names, { 41: 'AV1', 100: 'VP8', 107: 'H264', 101: 'VP9', 42: 'rtx', 96: 'rtx', 97: 'rtx', 99: 'rtx' });
  const vp8 = v.payloadTypes.find((p) => p.id === 100);
  assert.equal(vp8?.rtcpFeedback, [{ type: 'ccm', subtype: 'fir' }, { type: 'nack' }, { type: 'nack', subtype: 'pli' }, { type: 'transport-cc' }]);
  const apt = Object.fromEntries(v.payloadTypes.filter((p) => p.name === 'rtx').map((p) => [p.id, p.parameters[0]?.value]));
  assert.equal(apt, { 42: '41', 96: '100', 97: '101', 99: '107' });
  assert.equal(v.headerExtensions.map((h) => h.id).sort((x, y) => x - y), [3, 5, 10, 11]);
});

offer('transport: ufrag/pwd, actpass fingerprint, host + srflx candidates, rtcp-mux, web-socket; data has sctpmap 5000', () => {
  const j = decoded(fixture('session-initiate-focus'));
  const t = content(j, 'audio').transport;
  assert.is(t?.ufrag, '5ptn1gk3aadpkq');
  assert.is(t?.fingerprints[0]?.setup, 'actpass');
  assert.equal(t?.candidates.map((c) => [c.type, c.port]), [['host', 10000], ['srflx', 10000]]);
  assert.is(t?.candidates[1]?.relAddr, '10.0.0.5');
  assert.ok(t?.webSocketUrl?.startsWith('wss://meet.example.com/colibri-ws/'));
  const data = content(j, 'data');
  assert.equal(data.transport?.sctp, { number: 5000, protocol: 'webrtc-datachannel', streams: 1024 });
  assert.is(data.hasApplicationDescription, true);
  assert.is(data.description, undefined);
});

offer('BUNDLE group, bridge-session id + region, startmuted, json sources incl. jvb mixedmslabel', () => {
  const j = decoded(fixture('session-initiate-focus'));
  assert.equal(j.groups, [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }]);
  assert.equal(j.bridgeSession, { id: '5d0c2a77-4e1b-4f0e-9b8a-1c2d3e4f5a6b', region: 'eu-west' });
  assert.equal(j.startMuted, { audio: true, video: false });
  const jvb = j.jsonSources?.jvb;
  assert.equal(jvb?.audio.map((s) => [s.name, s.msid]), [['jvb-a0', 'mixedmslabel mixedlabelaudio0']]);
  assert.equal(jvb?.video.map((s) => [s.name, s.msid]), [['jvb-v0', 'mixedmslabel mixedlabelvideo0']]);
  assert.is(j.jsonSources?.['9f8e7d6c']?.video[2]?.videoType, 'desktop');
});

offer.run();

const accept = suite('session-accept from a client (protocols.md §2.2, §12)');

accept('simulcast: 3 SSRCs in SIM + 3 FID pairs, camera, msid, owner; setup active; initial-last-n', () => {
  const j = decoded(fixture('session-accept-client'));
  const v = content(j, 'video');
  assert.is(v.initialLastN, 25);
  assert.equal(v.description?.sourceGroups.map((g) => [g.semantics, g.ssrcs.length]), [['SIM', 3], ['FID', 2], ['FID', 2], ['FID', 2]]);
  const s = v.description?.sources[0];
  assert.equal(s, {
    ssrc: 3001, name: '1a2b3c4d-v0', msid: '1a2b3c4d-video-1 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', videoType: 'camera',
    owner: '1a2b3c4d', parameters: [],
  } satisfies MediaSource);
  assert.is(v.transport?.fingerprints[0]?.setup, 'active');
  assert.is(content(j, 'data').transport?.sctp?.streams, 0);
  assert.is(j.responder, 'standup@conference.meet.example.com/1a2b3c4d');
});

accept.run();

const wire = suite('encoding details');

wire('source-add / source-remove contents are written by name only; other actions carry creator and senders', () => {
  const c: JingleContent = {
    name: 'video', creator: 'responder', senders: 'both',
    description: { media: 'video', payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: false, sources: [{ ssrc: 7, parameters: [] }], sourceGroups: [] },
  };
  const add = encodeJingle({ action: 'source-add', sid: 's', contents: [c], groups: [] });
  assert.equal(firstEl(add)?.attrs, { name: 'video' });
  const ti = encodeJingle({ action: 'transport-info', sid: 's', contents: [c], groups: [] });
  assert.equal(firstEl(ti)?.attrs, { creator: 'responder', name: 'video', senders: 'both' });
});

wire('json-message text is jicofo-shaped and escapes nothing it does not need to', () => {
  const e = encodeJingle({
    action: 'source-add', sid: 's', contents: [], groups: [],
    jsonSources: { ab: { video: [], videoGroups: [], audio: [{ ssrc: 5, name: 'ab-a0', parameters: [] }], audioGroups: [] } },
  });
  assert.is(serialize(e), `<jingle xmlns="${NS_JINGLE}" action="source-add" sid="s"><json-message xmlns="${NS_JITSI_MEET}">{"sources":{"ab":[[],[],[{"s":5,"n":"ab-a0"}]]}}</json-message></jingle>`);
});

wire('a standalone payload-type carries its namespace and round-trips', () => {
  const p = decodePayloadType(encodePayloadType({ id: 96, name: 'rtx', clockrate: 90000, parameters: [{ name: 'apt', value: '100' }], rtcpFeedback: [] }));
  assert.ok(p.ok);
  assert.is(encodePayloadType({ id: 0, name: 'PCMU', clockrate: 8000, parameters: [], rtcpFeedback: [] }).attrs.xmlns, NS_JINGLE_RTP);
});

wire('transport ice-generation and fingerprint cryptex round-trip', () => {
  const t = fixture('transport-info-ice-restart');
  const j = decoded(t);
  assert.is(j.contents[0]?.transport?.iceGeneration, 1);
  assert.is(j.contents[0]?.transport?.fingerprints[0]?.cryptex, true);
  assert.is(canonicalXml(encodeJingle(j)), canonicalXml(t));
  assert.is(decodeIceUdpTransport(el('transport', { xmlns: 'urn:xmpp:jingle:transports:ice-udp:1', 'ice-generation': '-1' })).ok, false);
});

wire('canonicalXml notices a changed attribute, a missing child and a reordered payload-type', () => {
  const a = fixture('session-accept-client');
  const base = canonicalXml(a);
  assert.is.not(canonicalXml({ ...a, attrs: { ...a.attrs, sid: 'other' } }), base);
  const firstElement = a.children.findIndex((c) => typeof c !== 'string');
  assert.is.not(canonicalXml({ ...a, children: a.children.filter((_, i) => i !== firstElement) }), base);
  const desc = xml(`<description xmlns="${NS_JINGLE_RTP}" media="audio"><payload-type id="1" name="a" clockrate="1"/><payload-type id="2" name="b" clockrate="1"/></description>`);
  const swapped = { ...desc, children: [...desc.children].reverse() };
  assert.is.not(canonicalXml(swapped), canonicalXml(desc));
});

wire.run();

const compat = suite('compat and leniency');

compat('unknown extension elements anywhere are ignored', () => {
  const plain = decoded(videoWith(src('7', ' name="x-v0"')));
  const noisy = decoded(xml(`<jingle xmlns="${NS_JINGLE}" action="source-add" sid="s1"><x xmlns="urn:example:x"/>
    <content name="video"><y xmlns="urn:example:y"/><description xmlns="${NS_JINGLE_RTP}" media="video"><z xmlns="urn:example:z"/>
    <source xmlns="${NS_JINGLE_SSMA}" ssrc="7" name="x-v0"><w xmlns="urn:example:w"/></source></description>
    <transport xmlns="urn:xmpp:jingle:transports:raw-udp:1"/></content></jingle>`));
  assert.equal(noisy, plain);
});

compat('senders="rejected" (lib-jitsi-meet, port-0 m-line) reads as none; missing creator/senders take defaults', () => {
  const j = decoded(J('session-accept', '<content creator="responder" name="data" senders="rejected"/><content name="audio"/>'));
  assert.equal(j.contents.map((c) => [c.creator, c.senders]), [['responder', 'none'], ['initiator', 'both']]);
});

compat('unknown reason condition reads as general-error, text kept; group with legacy type attribute', () => {
  const j = decoded(J('session-terminate', '<reason><bored/><text>bye</text></reason><group xmlns="urn:xmpp:jingle:apps:grouping:0" type="BUNDLE"><content name="0"/></group>'));
  assert.equal(j.reason, { condition: 'general-error', text: 'bye' });
  assert.equal(j.groups, [{ semantics: 'BUNDLE', contents: ['0'] }]);
});

compat('RID-only sources (no ssrc) are skipped; an ssrc source keeps its rid', () => {
  const j = decoded(videoWith(`<source xmlns="${NS_JINGLE_SSMA}" rid="1"/>${src('7', ' rid="h"')}`));
  assert.equal(j.contents[0]?.description?.sources, [{ ssrc: 7, rid: 'h', parameters: [] }]);
});

compat('media="application" is accepted only in the data content (by name or by sctpmap)', () => {
  const app = `<description xmlns="${NS_JINGLE_RTP}" media="application"/>`;
  const sctp = '<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"><sctpmap xmlns="urn:xmpp:jingle:transports:dtls-sctp:1" number="5000" protocol="webrtc-datachannel"/></transport>';
  assert.is(codeOf(J('session-initiate', `<content creator="initiator" name="data" senders="both">${app}</content>`)), 'ok');
  assert.is(codeOf(J('session-initiate', `<content creator="initiator" name="1" senders="both">${app}${sctp}</content>`)), 'ok');
  assert.is(codeOf(J('session-initiate', `<content creator="initiator" name="video" senders="both">${app}</content>`)), 'jingle/bad-content');
});

compat.run();

const hostile = suite('hostile input');

hostile('missing sid / missing action / unknown action / wrong element', () => {
  assert.is(codeOf(xml(`<jingle xmlns="${NS_JINGLE}" action="session-accept"/>`)), 'jingle/missing-sid');
  assert.is(codeOf(xml(`<jingle xmlns="${NS_JINGLE}" action="session-accept" sid=""/>`)), 'jingle/missing-sid');
  assert.is(codeOf(xml(`<jingle xmlns="${NS_JINGLE}" sid="x"/>`)), 'jingle/unknown-action');
  assert.is(codeOf(xml(`<jingle xmlns="${NS_JINGLE}" action="__proto__" sid="x"/>`)), 'jingle/unknown-action');
  assert.is(codeOf(xml(`<jingle action="session-accept" sid="x"/>`)), 'jingle/unexpected-element');
  assert.is(codeOf(xml(`<iq xmlns="jabber:client"/>`)), 'jingle/unexpected-element');
});

const garbage = ['', ' 7', '7 ', '+7', '1e3', '0x10', '7.0', 'NaN', 'Infinity', '\u0661\u0662', '-1', '-4294967295',
  '4294967296', '99999999999', '12345678901234567890'];
for (const g of garbage) {
  hostile(`garbage SSRC ${JSON.stringify(g)} → jingle/bad-source (source, group member, JSON)`, () => {
    assert.is(codeOf(videoWith(src(g))), 'jingle/bad-source');
    assert.is(codeOf(videoWith(`${src('7')}<ssrc-group xmlns="${NS_JINGLE_SSMA}" semantics="FID"><source ssrc="7"/><source ssrc="${g}"/></ssrc-group>`)), 'jingle/bad-source');
    const json = JSON.stringify({ sources: { ab: [[{ s: g }]] } });
    assert.is(codeOf(J('source-add', `<json-message xmlns="${NS_JITSI_MEET}">${json}</json-message>`)), 'jingle/bad-source');
  });
}

hostile('SSRC edge values 0 and 4294967295 decode; "-0" reads as 0; leading zeros are accepted', () => {
  const ssrcs = (e: El): number[] => decoded(e).contents[0]?.description?.sources.map((s) => s.ssrc) ?? [];
  assert.equal(ssrcs(videoWith(src('0') + src('4294967295') + src('007'))), [0, 4294967295, 7]);
  assert.ok(Object.is(ssrcs(videoWith(src('-0')))[0], 0));
});

hostile('duplicate SSRC within one description → bad-source; the same SSRC in audio and video decodes (validated later)', () => {
  assert.is(codeOf(videoWith(src('7') + src('7'))), 'jingle/bad-source');
  assert.is(codeOf(J('source-add', `<content name="audio"><description xmlns="${NS_JINGLE_RTP}" media="audio">${src('7')}</description></content>
    <content name="video"><description xmlns="${NS_JINGLE_RTP}" media="video">${src('7')}</description></content>`)), 'ok');
});

const manySources = (n: number, perContent: number): El => {
  const contents: El[] = [];
  let ssrc = 1;
  for (let c = 0; c < n / perContent; c++) {
    const sources: El[] = [];
    for (let i = 0; i < perContent; i++) sources.push(el('source', { xmlns: NS_JINGLE_SSMA, ssrc: ssrc++, name: `ab-v${i}` }));
    contents.push(el('content', { name: 'video' }, el('description', { xmlns: NS_JINGLE_RTP, media: 'video' }, sources)));
  }
  return el('jingle', { xmlns: NS_JINGLE, action: 'source-add', sid: 's' }, contents);
};

hostile('10,000 sources in one description → too-many-sources, quickly', () => {
  const e = manySources(10_000, 10_000);
  const t0 = performance.now();
  assert.is(codeOf(e), 'jingle/too-many-sources');
  assert.ok(performance.now() - t0 < 50, 'fails fast');
});

hostile('10,000 sources spread over 10,000 contents, and parsed from XML text → too-many-sources', () => {
  assert.is(codeOf(manySources(10_000, 1)), 'jingle/too-many-sources');
  const text = serialize(manySources(10_000, 100));
  const t0 = performance.now();
  assert.is(codeOf(xml(text)), 'jingle/too-many-sources');
  assert.ok(performance.now() - t0 < 2000);
});

hostile('maxSources is a limit, not a fixed number: 256 pass by default, 257 fail, a raised limit admits more', () => {
  assert.is(codeOf(manySources(256, 256)), 'ok');
  assert.is(codeOf(manySources(257, 257)), 'jingle/too-many-sources');
  assert.is(codeOf(manySources(1000, 100), { maxSources: 1000 }), 'ok');
  assert.is(codeOf(manySources(10, 10), { maxSources: 5 }), 'jingle/too-many-sources');
});

hostile('XEP-0339 and JSON sources share one budget', () => {
  const json = JSON.stringify({ sources: { ab: [Array.from({ length: 3 }, (_, i) => ({ s: 100 + i }))] } });
  const e = el('jingle', { xmlns: NS_JINGLE, action: 'source-add', sid: 's' },
    firstEl(manySources(3, 3)), el('json-message', { xmlns: NS_JITSI_MEET }, json));
  assert.is(codeOf(e, { maxSources: 6 }), 'ok');
  assert.is(codeOf(e, { maxSources: 5 }), 'jingle/too-many-sources');
});

hostile('a group with 100,000 members → too-many-sources', () => {
  const members = Array.from({ length: 100_000 }, (_, i) => el('source', { ssrc: i }));
  const e = el('jingle', { xmlns: NS_JINGLE, action: 'source-add', sid: 's' }, el('content', { name: 'video' },
    el('description', { xmlns: NS_JINGLE_RTP, media: 'video' }, el('ssrc-group', { xmlns: NS_JINGLE_SSMA, semantics: 'SIM' }, members))));
  assert.is(codeOf(e), 'jingle/too-many-sources');
});

hostile('JSON bombs and huge JSON come back as jingle/bad-json-sources, never as an exception', () => {
  const msg = (text: string): El => el('jingle', { xmlns: NS_JINGLE, action: 'source-add', sid: 's' }, el('json-message', { xmlns: NS_JITSI_MEET }, text));
  const deep = '['.repeat(60_000) + ']'.repeat(60_000);
  assert.is(codeOf(msg(deep)), 'jingle/bad-json-sources');
  assert.is(codeOf(msg(`{"sources":{"a":${deep}}}`), { maxJsonChars: 1 << 20 }), 'jingle/bad-json-sources');
  const huge = `{"sources":{"a":[[${'{"s":1},'.repeat(2_000_000)}{"s":2}]]}}`;
  const t0 = performance.now();
  assert.is(codeOf(msg(huge)), 'jingle/bad-json-sources');
  assert.ok(performance.now() - t0 < 50, 'length is checked before parsing');
  assert.is(codeOf(msg('{"sources":')), 'jingle/bad-json-sources');
  assert.is(codeOf(msg('')), 'jingle/bad-json-sources');
});

hostile('payload-type, header extension and candidate garbage → their codes', () => {
  const audio = (inner: string): El =>
    J('session-accept', `<content creator="responder" name="audio" senders="both"><description xmlns="${NS_JINGLE_RTP}" media="audio">${inner}</description></content>`);
  assert.is(codeOf(audio('<payload-type id="-1" name="x" clockrate="1"/>')), 'jingle/bad-payload-type');
  assert.is(codeOf(audio('<payload-type id="111" clockrate="48000"/>')), 'jingle/bad-payload-type');
  assert.is(codeOf(audio('<payload-type id="111" name="opus" clockrate="48000" channels="0"/>')), 'jingle/bad-payload-type');
  assert.is(codeOf(audio('<payload-type id="1" name="a" clockrate="1"/><payload-type id="1" name="b" clockrate="1"/>')), 'jingle/bad-payload-type');
  assert.is(codeOf(audio('<payload-type id="1" name="a" clockrate="1"><rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0"/></payload-type>')), 'jingle/bad-payload-type');
  assert.is(codeOf(audio('<rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="256" uri="u"/>')), 'jingle/bad-header-extension');
  assert.is(codeOf(audio('<rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="1"/>')), 'jingle/bad-header-extension');
  const cand = (attrs: string): El => J('transport-info',
    `<content creator="initiator" name="0"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"><candidate ${attrs}/></transport></content>`);
  const good = 'component="1" foundation="1" generation="0" priority="1" protocol="udp" type="host" ip="192.0.2.1" port="9"';
  assert.is(codeOf(cand(good)), 'ok');
  assert.is(codeOf(cand(good.replace('protocol="udp"', 'protocol="UDP"'))), 'ok');
  for (const [from, to] of [['component="1"', 'component="0"'], ['priority="1"', 'priority="-1"'], ['protocol="udp"', 'protocol="sctp"'],
    ['ip="192.0.2.1"', 'ip=""'], ['generation="0"', 'generation="x"']] as const) {
    assert.is(codeOf(cand(good.replace(from, to))), 'jingle/bad-candidate', to);
  }
});

hostile('content-level garbage → bad-content', () => {
  assert.is(codeOf(J('session-accept', '<content creator="responder" senders="both"/>')), 'jingle/bad-content');
  assert.is(codeOf(J('session-accept', '<content creator="boss" name="a"/>')), 'jingle/bad-content');
  assert.is(codeOf(J('session-accept', '<content name="a" senders="sometimes"/>')), 'jingle/bad-content');
  assert.is(codeOf(J('session-accept', '<content name="audio"><description media="audio"/></content>')), 'jingle/bad-content');
  assert.is(codeOf(J('session-accept', `<content name="audio"><description xmlns="${NS_JINGLE_RTP}" media="audio"/><description xmlns="${NS_JINGLE_RTP}" media="audio"/></content>`)), 'jingle/bad-content');
  assert.is(codeOf(J('session-accept', '<content name="video"><initial-last-n xmlns="jitsi:colibri2" value="many"/></content>')), 'jingle/bad-content');
  assert.is(codeOf(J('session-info', '<bridge-session xmlns="http://jitsi.org/protocol/focus" id="x" ice-restart="maybe"/>')), 'jingle/bad-bridge-session');
});

hostile.run();
