// L0 tests of the COLIBRI2 codecs that need no fixture files: size caps, the error element, and
// encoder details. The fixture table lives in packages/xmpp/test/fixtures/colibri2/.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../xml/element.ts';
import { el, child } from '../xml/element.ts';
import { serialize } from '../xml/serialize.ts';
import { encodeStanzaError } from '../stanza/stanza.ts';
import {
  COLIBRI2_LIMITS, NS_COLIBRI2, NS_COLIBRI_STATS, decodeBridgeStats, decodeColibri2ErrorEndpointId, decodeColibri2ErrorReason,
  decodeConferenceModified, decodeConferenceModify, encodeBridgeStats, encodeColibri2Error, encodeColibri2ErrorEndpoint,
  encodeConferenceModified, encodeConferenceModify,
} from './index.ts';
import type { Colibri2ErrorReason } from './index.ts';

const SSMA = 'urn:xmpp:jingle:apps:rtp:ssma:0';
const MEETING = 'm-1';
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const modify = (...endpoints: El[]): El => el('conference-modify', { xmlns: NS_COLIBRI2, 'meeting-id': MEETING }, endpoints);
const codeOf = (r: { ok: boolean; error?: { code: string } }): string | undefined => (r.ok ? undefined : r.error?.code);

const caps = suite('colibri2 caps');

caps('10,000 endpoints in one request: too-many, before any endpoint is decoded', () => {
  // Each endpoint is invalid (no id): the count check must come first.
  assert.is(codeOf(decodeConferenceModify(modify(...many(10_000, () => el('endpoint'))))), 'colibri2/too-many');
  assert.is(codeOf(decodeConferenceModified(el('conference-modified', { xmlns: NS_COLIBRI2 }, many(10_000, (i) => el('endpoint', { id: `e${i}` }))))), 'colibri2/too-many');
  assert.ok(decodeConferenceModify(modify(...many(COLIBRI2_LIMITS.endpoints, (i) => el('endpoint', { id: `e${i}` })))).ok, 'the limit itself is fine');
});

caps('10,000 sources in one media-source, or spread over media-sources: too-many', () => {
  const source = (i: number): El => el('source', { xmlns: SSMA, ssrc: i + 1 });
  const one = modify(el('endpoint', { id: 'a' }, el('sources', {}, el('media-source', { type: 'video', id: 'a-v0' }, many(10_000, source)))));
  assert.is(codeOf(decodeConferenceModify(one)), 'colibri2/too-many');
  const spread = modify(el('endpoint', { id: 'a' }, el('sources', {}, many(40, (m) => el('media-source', { type: 'video', id: `a-v${m}` }, many(250, (i) => source(m * 250 + i)))))));
  assert.is(codeOf(decodeConferenceModify(spread)), 'colibri2/too-many');
  const conferenceLevel = el('conference-modified', { xmlns: NS_COLIBRI2 }, el('sources', {}, el('media-source', { type: 'audio', id: 'x' }, many(10_000, source))));
  assert.is(codeOf(decodeConferenceModified(conferenceLevel)), 'colibri2/too-many');
});

caps('10,000 of anything else countable: too-many', () => {
  const ep = (...c: El[]): El => modify(el('endpoint', { id: 'a' }, c));
  const pt = (i: number): El => el('payload-type', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', id: i % 128, name: 'x', clockrate: 90000 });
  assert.is(codeOf(decodeConferenceModify(ep(el('media', { type: 'video' }, many(10_000, pt))))), 'colibri2/too-many');
  assert.is(codeOf(decodeConferenceModify(ep(...many(10_000, (i) => el('capability', { name: `c${i}` }))))), 'colibri2/too-many');
  assert.is(codeOf(decodeConferenceModify(ep(...many(10_000, () => el('media', { type: 'audio' }))))), 'colibri2/too-many');
  const candidates = el('transport', {}, el('transport', { xmlns: 'urn:xmpp:jingle:transports:ice-udp:1' }, many(10_000, () => el('candidate'))));
  assert.is(codeOf(decodeConferenceModify(ep(candidates))), 'colibri2/too-many');
  const stats = el('stats', { xmlns: NS_COLIBRI_STATS }, many(10_000, (i) => el('stat', { name: `k${i}`, value: '1' })));
  assert.is(codeOf(decodeBridgeStats(stats)), 'colibri2/too-many');
});

const errors = suite('colibri2 error element');

errors('every reason: lower case on the wire like JVB, read back case-insensitively', () => {
  const reasons: Colibri2ErrorReason[] = ['CONFERENCE_NOT_FOUND', 'CONFERENCE_ALREADY_EXISTS', 'UNKNOWN_ENDPOINT', 'GRACEFUL_SHUTDOWN', 'FEATURE_NOT_IMPLEMENTED', 'UNKNOWN_ERROR'];
  for (const reason of reasons) {
    const e = encodeColibri2Error(reason);
    assert.is(e.attrs.xmlns, NS_COLIBRI2);
    assert.is(e.attrs.reason, reason === 'UNKNOWN_ERROR' ? 'unspecified' : reason.toLowerCase());
    const iq = el('iq', { type: 'error', id: '1' }, encodeStanzaError({ type: 'cancel', condition: 'item-not-found' }, [e]));
    assert.is(decodeColibri2ErrorReason(iq), reason, 'from the IQ');
    assert.is(decodeColibri2ErrorReason(child(iq, 'error') as El), reason, 'from the stanza error');
    assert.is(decodeColibri2ErrorReason(e), reason, 'from the colibri2 error itself');
  }
  assert.is(decodeColibri2ErrorReason(el('error', { xmlns: NS_COLIBRI2, reason: 'something_new' })), 'UNKNOWN_ERROR');
  assert.is(decodeColibri2ErrorReason(el('error', { xmlns: NS_COLIBRI2 })), 'UNKNOWN_ERROR', 'no reason = Jitsi UNSPECIFIED');
  assert.is(decodeColibri2ErrorReason(el('iq', { type: 'result' })), undefined);
  assert.is(decodeColibri2ErrorReason(el('message')), undefined);
});

errors('UNKNOWN_ENDPOINT carries the endpoint beside the colibri2 error, where jicofo looks', () => {
  const stanzaError = encodeStanzaError({ type: 'cancel', condition: 'item-not-found' }, [encodeColibri2Error('UNKNOWN_ENDPOINT'), encodeColibri2ErrorEndpoint('1a2b3c4d')]);
  assert.is(serialize(stanzaError).includes(`<endpoint xmlns="${NS_COLIBRI2}" id="1a2b3c4d"/>`), true, serialize(stanzaError));
  assert.is(decodeColibri2ErrorEndpointId(el('iq', { type: 'error' }, stanzaError)), '1a2b3c4d');
  assert.is(decodeColibri2ErrorEndpointId(el('iq', { type: 'error' }, encodeStanzaError({ type: 'cancel', condition: 'conflict' }))), undefined);
});

const encoders = suite('colibri2 encoders');

encoders('encode then decode is the identity on a built model', () => {
  const m = {
    meetingId: MEETING, name: 'r@conference.plenum.localhost', create: true,
    endpoints: [{
      id: 'a', create: true, media: [], capabilities: ['source-names'], forceMute: { audio: true, video: false },
      transport: { iceControlling: true, sctp: {} }, initialLastN: 3,
    }],
  };
  const back = decodeConferenceModify(encodeConferenceModify(m));
  assert.ok(back.ok);
  assert.equal(back.value, m);
  const modified = { endpoints: [{ id: 'a', expire: true, media: [], capabilities: [] }] };
  const again = decodeConferenceModified(encodeConferenceModified(modified));
  assert.ok(again.ok);
  assert.equal(again.value, modified);
});

encoders('stats: typed fields win over raw duplicates, and numbers keep their precision', () => {
  const stats = encodeBridgeStats({
    stressLevel: 0.125, gracefulShutdown: false, shuttingDown: false, drain: true, healthy: true, conferences: 1,
    raw: { stress_level: '0.9', largest_conference: '4' },
  });
  const names = stats.children.map((c) => (typeof c === 'string' ? '' : `${c.attrs.name}=${c.attrs.value}`));
  assert.equal(names, ['stress_level=0.125', 'conferences=1', 'drain=true', 'graceful_shutdown=false', 'shutting_down=false', 'healthy=true', 'largest_conference=4']);
  const back = decodeBridgeStats(stats);
  assert.ok(back.ok);
  assert.is(back.value.stressLevel, 0.125);
  assert.is(back.value.drain, true);
});

caps.run();
errors.run();
encoders.run();
