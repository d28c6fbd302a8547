// The conference leg's pure parts: which audio sources the mixer is told about (both source
// encodings the focus uses), the RFC 6464 level of the caller's frames, the join presence, what the
// room's presences and IQs mean, the conference request's retries, and the SIP answer each failure
// becomes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSources, Jingle, MediaSource } from '@plenum/xmpp/codec';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { FEATURE_BATCHED_DELIVERY, NS_MUC, child, children, el, encodeConferenceResponse, errorReply, parseXml, text } from '@plenum/xmpp/codec';
import { ComponentError } from '@plenum/xmpp/component';
import { audioLevelByte, audioLevelOf } from '../src/conference/audio-level.ts';
import { LegError, conferenceRefusal, isConferenceLegError, joinRefusal, sipStatusFor } from '../src/conference/conference-leg-error.ts';
import { FEATURE_JIGASI, LEG_DISCO_INFO, joinPresence, readSelfPresence } from '../src/conference/leg-presence.ts';
import { readRoomIq } from '../src/conference/room-iq.ts';
import { requestConference } from '../src/conference/conference-request.ts';
import { RemoteAudioSources } from '../src/conference/remote-audio-sources.ts';

const OWN = 0x0a0a0a0a;
const ROOM = 'standup@conference.plenum.localhost';
const src = (ssrc: number, extra: Partial<MediaSource> = {}): MediaSource => ({ ssrc, parameters: [], ...extra });
const endpoint = (audio: number[], video: number[] = []): EndpointSources =>
  ({ audio: audio.map((s) => src(s)), audioGroups: [], video: video.map((s) => src(s)), videoGroups: [] });
const jingle = (action: Jingle['action'], extra: Partial<Jingle>): Jingle => ({ action, sid: 's1', contents: [], groups: [], ...extra });
const ssrcsOf = (list: readonly { readonly ssrc: number }[]): number[] => list.map((s) => s.ssrc).sort((a, b) => a - b);

test('JSON sources: others\' audio only — not video, not the bridge\'s feedback source, not our own', () => {
  const book = new RemoteAudioSources(OWN);
  const added = book.add(jingle('session-initiate', {
    jsonSources: { aaaa1111: endpoint([101], [102, 103]), bbbb2222: endpoint([201]), jvb: endpoint([8], [9]), cccc3333: endpoint([OWN]) },
  }));
  assert.equal(ssrcsOf(added), [101, 201]);
  assert.is(book.get(101)?.owner, 'aaaa1111');
  assert.equal(ssrcsOf(book.add(jingle('source-add', { jsonSources: { dddd4444: endpoint([401]) } }))), [401], 'source-add adds');
  assert.equal(book.add(jingle('source-add', { jsonSources: { dddd4444: endpoint([401]) } })), [], 'a repeated source-add adds nothing');
  assert.equal(ssrcsOf(book.remove(jingle('source-remove', { jsonSources: { bbbb2222: endpoint([201]) } }))), [201], 'source-remove removes');
  assert.equal(book.remove(jingle('source-remove', { jsonSources: { bbbb2222: endpoint([201, 999]) } })), [], 'unknown SSRCs are ignored');
  assert.equal(ssrcsOf(book.all()), [101, 401]);
});

test('XEP-0339 sources: owners are occupant JIDs (ssrc-info), source-remove matches by SSRC alone', () => {
  const book = new RemoteAudioSources(OWN);
  const audio = (sources: MediaSource[]) => ({
    name: 'audio', creator: 'initiator' as const, senders: 'both' as const,
    description: { media: 'audio' as const, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: true, sources, sourceGroups: [] },
  });
  book.add(jingle('session-initiate', { contents: [audio([src(101, { owner: `${ROOM}/aaaa1111` }), src(8, { owner: 'jvb' }), src(77)])] }));
  assert.equal(book.all(), [{ ssrc: 101, owner: 'aaaa1111', name: undefined }], 'owner from the occupant JID; ownerless and jvb sources skipped');
  assert.equal(ssrcsOf(book.remove(jingle('source-remove', { contents: [audio([src(101)])] }))), [101]);
});

test('a moved session lists every source again: what is gone and what is new', () => {
  const book = new RemoteAudioSources(OWN);
  book.add(jingle('session-initiate', { jsonSources: { a: endpoint([1]), b: endpoint([2]) } }));
  const { removed, added } = book.replace(jingle('session-initiate', { jsonSources: { b: endpoint([2]), c: endpoint([3]) } }));
  assert.equal(ssrcsOf(removed), [1]);
  assert.equal(ssrcsOf(added), [3]);
  assert.equal(ssrcsOf(book.all()), [2, 3]);
});

test('RFC 6464 levels: −dBov of the frame\'s RMS, 127 for silence, V flag for voice', () => {
  assert.is(audioLevelOf(new Int16Array(960)), 127, 'digital silence');
  assert.is(audioLevelOf(new Int16Array(960).map((_, i) => (i % 2 === 0 ? 32767 : -32768))), 0, 'full-scale square wave');
  const sine = new Int16Array(960).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)));
  assert.is(audioLevelOf(sine), 15, 'a sine of amplitude 8000 is at −15 dBov');
  assert.is(audioLevelOf(new Int16Array(960).fill(1)), 90, 'a whisper');
  assert.is(audioLevelByte(15), 0x80 | 15, 'loud enough: voice');
  assert.is(audioLevelByte(90), 90, 'quiet: no voice flag');
  assert.is(audioLevelByte(300), 127, 'clamped');
});

test('the join presence: password, name, jigasi feature, audio source, caps', () => {
  const p = joinPresence('sip.plenum.localhost/abcd0123', `${ROOM}/abcd0123`,
    { sourceName: 'abcd0123-a0', displayName: 'Phone •••• 67', isMuted: false, region: 'eu', statusText: undefined }, 'open sesame');
  assert.is(text(child(child(p, 'x', NS_MUC)!, 'password')), 'open sesame');
  assert.is(text(child(p, 'nick', 'http://jabber.org/protocol/nick')), 'Phone •••• 67');
  assert.equal(children(child(p, 'features')!, 'feature').map((f) => f.attrs.var), [FEATURE_JIGASI]);
  assert.equal(JSON.parse(text(child(p, 'SourceInfo'))), { 'abcd0123-a0': { muted: false } });
  assert.is(text(child(p, 'jitsi_participant_region')), 'eu');
  assert.ok(child(p, 'c', 'http://jabber.org/protocol/caps')?.attrs.ver, 'caps, so the focus asks disco#info once for all calls');
  assert.ok(!LEG_DISCO_INFO.features.some((f) => f.includes('video') || f.includes('sctp')), 'audio only: no video, no data channel');
  const batched = joinPresence('sip.plenum.localhost/abcd0123', `${ROOM}/abcd0123`,
    { sourceName: 'abcd0123-a0', displayName: 'Phone', isMuted: false, region: undefined, statusText: undefined, batchedDelivery: true }, undefined);
  assert.equal(children(child(batched, 'features')!, 'feature').map((f) => f.attrs.var), [FEATURE_JIGASI, FEATURE_BATCHED_DELIVERY], 'asks the bridge for its audio in bursts');
});

test('failures become SIP answers', () => {
  assert.is(sipStatusFor(joinRefusal('not-authorized', undefined)), 403, 'locked room');
  assert.is(sipStatusFor(joinRefusal('registration-required', undefined)), 403, 'lobby');
  assert.is(sipStatusFor(joinRefusal('forbidden', 'banned')), 403, 'banned');
  assert.is(sipStatusFor(joinRefusal('item-not-found', undefined)), 404);
  assert.is(sipStatusFor(joinRefusal('service-unavailable', 'max occupants')), 486, 'full room');
  assert.is(sipStatusFor(conferenceRefusal('bad-request', 'rooms live on …', undefined)), 404, 'not a room of this deployment');
  assert.is(sipStatusFor(conferenceRefusal('not-authorized', undefined, undefined)), 403, 'only authenticated users start conferences');
  assert.is(sipStatusFor(conferenceRefusal('resource-constraint', undefined, undefined)), 486, 'conference full');
  assert.is(sipStatusFor(conferenceRefusal('service-unavailable', 'no bridge', undefined)), 503);
  assert.is(sipStatusFor(LegError.focusUnavailable('timeout')), 503);
  assert.is(sipStatusFor(LegError.noSession(1000)), 480);
  assert.is(sipStatusFor(LegError.mediaFailed('ICE')), 480);
  assert.is(sipStatusFor(LegError.closed()), 487);
  assert.is(sipStatusFor(new Error('a bug')), 500);
  assert.is(joinRefusal('not-authorized', undefined).condition, 'not-authorized', 'the XMPP condition is kept');
});

test('what the room says: in, refused, kicked, destroyed', () => {
  const xml = (s: string) => {
    const r = parseXml(s);
    if (!r.ok) throw new Error(s);
    return r.value;
  };
  assert.equal(readSelfPresence(xml(`<presence from='${ROOM}/abcd'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>`)), { kind: 'in-room' });
  assert.equal(readSelfPresence(xml(`<presence type='error'><error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)),
    { kind: 'refused', condition: 'not-authorized', text: undefined });
  assert.equal(readSelfPresence(xml(`<presence type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><status code='110'/></x></presence>`)),
    { kind: 'out', reason: 'kicked from the room' });
  assert.equal(readSelfPresence(xml(`<presence type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy/></x></presence>`)),
    { kind: 'out', reason: 'the room was destroyed' });
});

test('IQs from the room: the focus\'s Jingle and mutes are taken, anyone else\'s refused', () => {
  const focus = `${ROOM}/focus`;
  const iq = (s: string) => {
    const r = parseXml(s);
    if (!r.ok) throw new Error(s);
    return r.value;
  };
  const mute = (ns: string, v: string) => iq(`<iq type='set'><mute xmlns='${ns}' jid='${ROOM}/abcd'>${v}</mute></iq>`);
  assert.equal(readRoomIq(mute('http://jitsi.org/jitmeet/audio', 'true'), focus, focus), { kind: 'audio-mute', mute: true });
  assert.equal(readRoomIq(mute('http://jitsi.org/jitmeet/video', 'true'), focus, focus), { kind: 'other-mute' });
  assert.is(readRoomIq(mute('http://jitsi.org/jitmeet/audio', 'true'), `${ROOM}/mallory`, focus).kind, 'refused', 'only the focus mutes');
  assert.is(readRoomIq(mute('http://jitsi.org/jitmeet/audio', 'maybe'), focus, focus).kind, 'refused', 'malformed mute');
  assert.is(readRoomIq(iq(`<iq type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`), `${ROOM}/anyone`, focus).kind, 'disco-info');
  const terminate = readRoomIq(iq(`<iq type='set'><jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='s1'><reason><success/><text>moving</text></reason></jingle></iq>`), focus, focus);
  assert.is(terminate.kind === 'jingle' ? terminate.jingle.reason?.text : undefined, 'moving');
  assert.equal(readRoomIq(iq(`<iq type='set'><ping xmlns='urn:xmpp:ping'/></iq>`), focus, focus), { kind: 'refused', error: { type: 'cancel', condition: 'service-unavailable' } });
});

// Our focus answers a conference request only once the room is ready, so it never says ready=false;
// Jicofo does (protocols.md §1.1). A scripted channel plays the focus here.
test('the conference request asks again while the focus says not ready, and turns its errors into typed ones', async () => {
  const asked: El[] = [];
  const focusSays = (replies: ((iq: El) => El)[]) => ({
    request: (iq: El) => {
      asked.push(iq);
      const reply = replies.shift();
      if (reply === undefined) throw new Error('unexpected request');
      const r = reply(iq);
      // ComponentConnection rejects error replies with the reply as the cause.
      return r.attrs.type === 'error' ? Promise.reject(ComponentError.remoteError('x', undefined, r)) : Promise.resolve(r);
    },
  });
  const ready = (isReady: boolean) => (iq: El): El => el('iq', { type: 'result', id: iq.attrs.id },
    encodeConferenceResponse({ room: ROOM, ready: isReady, properties: {} }));
  const input = { log: silentLogger, from: 'sip.plenum.localhost/abcd', focusDomain: 'focus.plenum.localhost', roomJid: ROOM, timeoutMs: 5000, signal: new AbortController().signal };

  await requestConference({ ...input, channel: focusSays([ready(false), ready(true)]) });
  assert.is(asked.length, 2, 'asked again after ready=false');
  assert.is(asked[0]?.attrs.to, 'focus.plenum.localhost');
  assert.is(child(asked[0]!, 'conference', 'http://jitsi.org/protocol/focus')?.attrs.room, ROOM);

  const refusal = await requestConference({ ...input, channel: focusSays([(iq) => errorReply(iq, { type: 'auth', condition: 'not-authorized' })]) }).catch((e: unknown) => e);
  assert.ok(isConferenceLegError(refusal, 'forbidden') && sipStatusFor(refusal) === 403, 'not-authorized → 403');

  const silent = await requestConference({ ...input, channel: { request: () => Promise.reject(ComponentError.timeout('conference')) } }).catch((e: unknown) => e);
  assert.ok(isConferenceLegError(silent, 'focus-unavailable') && sipStatusFor(silent) === 503, 'no answer → 503');

  const hangUp = new AbortController();
  const waiting = requestConference({ ...input, signal: hangUp.signal, channel: focusSays([ready(false)]) }).catch((e: unknown) => e);
  setTimeout(() => hangUp.abort(), 50);
  assert.ok(isConferenceLegError(await waiting, 'closed'), 'the caller hung up while waiting');
});

test.run();
