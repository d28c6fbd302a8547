import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSources, IceUdpTransport } from '@plenum/xmpp/codec';
import { decodeJingle, encodeJingle, serialize } from '@plenum/xmpp/codec';
import { clientFeaturesFrom, FEATURE } from './client-features.ts';
import type { OfferInput } from './offer.ts';
import { buildSessionInitiate, buildSourceUpdate } from './offer.ts';
import { EMPTY_SOURCES } from './source-map.ts';

const transport: IceUdpTransport = {
  ufrag: 'bu', pwd: 'bridgepassword01234567', rtcpMux: false, webSocketUrl: 'wss://x/colibri-ws/jvb1/c/e?pwd=p', sctp: { number: 1, protocol: 'x' },
  fingerprints: [{ hash: 'sha-256', setup: 'actpass', value: 'AA:BB' }],
  candidates: [{ foundation: '1', component: 1, protocol: 'udp', priority: 1, ip: '192.0.2.1', port: 10000, type: 'host', generation: 0 }],
};
const alice: EndpointSources = { ...EMPTY_SOURCES, audio: [{ ssrc: 11, name: 'aaaa-a0', owner: 'aaaa', parameters: [] }] };
const jvb: EndpointSources = { ...EMPTY_SOURCES, audio: [{ ssrc: 9, name: 'jvb-a0', msid: 'mixedmslabel mixedlabelaudio0', parameters: [] }] };
const base = (over: Partial<OfferInput> = {}): OfferInput => ({
  sid: 's1', initiator: 'focus.plenum.localhost/focus', roomJid: 'r@conference.x', features: clientFeaturesFrom(undefined), transport,
  hasBridgeSctp: true, sources: new Map([['jvb', jvb], ['aaaa', alice]]), bridgeSessionId: 'b1', offerOpusRed: false, ...over,
});

const t = suite('offer');
t('XEP-0339 sources with occupant-JID owners, jvb as jvb; survives encode/decode', () => {
  const j = buildSessionInitiate(base({ region: 'eu' }));
  const decoded = decodeJingle(encodeJingle(j));
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  const audio = decoded.value.contents.find((c) => c.name === 'audio');
  assert.equal(audio?.description?.sources.map((s) => [s.ssrc, s.owner]), [[9, 'jvb'], [11, 'r@conference.x/aaaa']]);
  assert.is(audio?.transport?.rtcpMux, true);
  assert.is(audio?.transport?.sctp, undefined, 'SCTP only on the data content');
  assert.is(decoded.value.contents.find((c) => c.name === 'data')?.transport?.sctp?.number, 5000);
  assert.equal(decoded.value.bridgeSession, { id: 'b1', region: 'eu' });
  assert.is(decoded.value.startMuted, undefined);
  assert.match(serialize(encodeJingle(j)), /<description xmlns="urn:xmpp:jingle:apps:rtp:1" media="application"\/>/);
});
t('json-encoded-sources clients get one json-message and no XEP-0339 sources', () => {
  const j = buildSessionInitiate(base({ features: clientFeaturesFrom([FEATURE.audio, FEATURE.video, FEATURE.sctp, FEATURE.jsonSources]) }));
  assert.equal(Object.keys(j.jsonSources ?? {}), ['jvb', 'aaaa']);
  assert.ok(j.contents.every((c) => (c.description?.sources.length ?? 0) === 0));
  assert.equal(j.contents[1]?.description?.payloadTypes.some((p) => p.name === 'rtx'), false, 'no RTX without urn:ietf:rfc:4588');
});
t('start muted, no data content without SCTP, audio-only clients', () => {
  const j = buildSessionInitiate(base({ startMuted: { audio: true, video: false }, features: clientFeaturesFrom([FEATURE.audio]) }));
  assert.equal(j.startMuted, { audio: true, video: false });
  assert.equal(j.contents.map((c) => c.name), ['audio']);
  assert.equal(j.groups, [{ semantics: 'BUNDLE', contents: ['audio'] }]);
});
t('opus RED only when offered and supported', () => {
  const red = clientFeaturesFrom([FEATURE.audio, FEATURE.opusRed]);
  assert.equal(buildSessionInitiate(base({ features: red, offerOpusRed: true })).contents[0]?.description?.payloadTypes.map((p) => p.id), [112, 111, 126]);
  assert.equal(buildSessionInitiate(base({ features: red })).contents[0]?.description?.payloadTypes.map((p) => p.id), [111, 126]);
});
t('source updates: contents by name for XEP-0339, json-message otherwise', () => {
  const ssma = buildSourceUpdate('source-add', 's1', 'r@c', new Map([['aaaa', alice]]), false);
  assert.equal(ssma.contents.map((c) => c.name), ['audio']);
  assert.is(ssma.contents[0]?.description?.sources[0]?.owner, 'r@c/aaaa');
  const json = buildSourceUpdate('source-remove', 's1', 'r@c', new Map([['aaaa', alice]]), true);
  assert.equal(json.contents, []);
  assert.equal(Object.keys(json.jsonSources ?? {}), ['aaaa']);
  assert.ok(decodeJingle(encodeJingle(json)).ok);
});
t.run();
