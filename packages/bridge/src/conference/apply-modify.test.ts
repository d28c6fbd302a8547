import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Colibri2Endpoint, ConferenceModify, IceUdpTransport } from '@plenum/xmpp/codec';
import { ConferenceRegistry } from './conference-registry.ts';
import type { ModifyContext } from './apply-modify.ts';
import { applyConferenceModify, expireIdleConferences, expireLostEndpoint } from './apply-modify.ts';

const M = 'meeting-1';
const transport = (meetingId: string, endpointId: string): IceUdpTransport => ({
  ufrag: `u-${endpointId}`, pwd: `p-${meetingId}`, fingerprints: [], candidates: [], rtcpMux: true,
});
function context(over: Partial<ModifyContext> = {}): ModifyContext {
  let ssrc = 100;
  return { nowMs: 1000, maxEndpoints: 10, isAcceptingConferences: true, newTransport: transport, newSsrc: () => ssrc++, ...over };
}
const create = (id: string, extra: Partial<Colibri2Endpoint> = {}): Colibri2Endpoint =>
  ({ id, create: true, media: [], capabilities: ['source-names'], transport: { iceControlling: true, sctp: {} }, ...extra });
const ep = (id: string, extra: Partial<Colibri2Endpoint> = {}): Colibri2Endpoint => ({ id, media: [], capabilities: [], ...extra });
const req = (extra: Partial<ConferenceModify> = {}): ConferenceModify => ({ meetingId: M, endpoints: [], ...extra });

function withConference(...ids: string[]): ConferenceRegistry {
  const reg = new ConferenceRegistry();
  const r = applyConferenceModify(reg, req({ create: true, endpoints: ids.map((id) => create(id)) }), context());
  assert.ok(r.ok);
  return reg;
}

const test = suite('applyConferenceModify');

test('create: conference and endpoint, transport with sctp 5000/server, feedback sources jvb-a0/jvb-v0', () => {
  const reg = new ConferenceRegistry();
  const r = applyConferenceModify(reg, req({ create: true, name: 'r@conference.x', endpoints: [create('a')] }), context());
  assert.ok(r.ok);
  const [a] = r.value.reply.endpoints;
  assert.is(a?.id, 'a');
  assert.equal(a?.transport, { iceUdp: transport(M, 'a'), sctp: { port: 5000, role: 'server' } });
  assert.equal(r.value.reply.sources?.map((s) => [s.id, s.sources[0]?.ssrc, s.sources[0]?.msid]), [
    ['jvb-a0', 100, 'mixedmslabel mixedlabelaudio0'], ['jvb-v0', 101, 'mixedmslabel mixedlabelvideo0'],
  ]);
  assert.equal(r.value.events.map((e) => e.kind), ['conference-created', 'endpoint-created']);
  assert.is(reg.endpointCount, 1);
  assert.is(reg.get(M)?.name, 'r@conference.x');
});

test('conference-level errors carry JVB reasons', () => {
  const reg = withConference('a');
  const exists = applyConferenceModify(reg, req({ create: true }), context());
  assert.is(!exists.ok && exists.error.colibri?.reason, 'CONFERENCE_ALREADY_EXISTS');
  const missing = applyConferenceModify(reg, req({ meetingId: 'nope', endpoints: [ep('a')] }), context());
  assert.is(!missing.ok && missing.error.colibri?.reason, 'CONFERENCE_NOT_FOUND');
  assert.is(!missing.ok && missing.error.stanzaError.condition, 'item-not-found');
  const shutdown = applyConferenceModify(new ConferenceRegistry(), req({ create: true }), context({ isAcceptingConferences: false }));
  assert.is(!shutdown.ok && shutdown.error.colibri?.reason, 'GRACEFUL_SHUTDOWN');
  const relay = applyConferenceModify(reg, req({ unsupported: ['relay'] }), context());
  assert.is(!relay.ok && relay.error.colibri?.reason, 'FEATURE_NOT_IMPLEMENTED');
});

test('existing conferences keep working in graceful shutdown', () => {
  const reg = withConference('a');
  const r = applyConferenceModify(reg, req({ endpoints: [create('b')] }), context({ isAcceptingConferences: false }));
  assert.ok(r.ok);
  assert.ok(r.value.reply.sources, 'an endpoint create also gets the feedback sources');
});

test('endpoint validation: exists, no transport, no source-names, sctp role/port, visitor sources', () => {
  const reg = withConference('a');
  const cases: [Colibri2Endpoint, string][] = [
    [create('a'), 'endpoint-exists'],
    [{ id: 'b', create: true, media: [], capabilities: ['source-names'] }, 'bad-request'],
    [create('b', { capabilities: ['ssrc-rewriting'] }), 'bad-request'],
    [create('b', { transport: { sctp: { role: 'client' } } }), 'not-implemented'],
    [create('b', { transport: { sctp: { port: 5001 } } }), 'bad-request'],
    [create('b', { mucRole: 'visitor', sources: [{ type: 'audio', id: 'b-a0', sources: [{ ssrc: 1, parameters: [] }], sourceGroups: [] }] }), 'bad-request'],
  ];
  for (const [e, code] of cases) {
    const r = applyConferenceModify(reg, req({ endpoints: [e] }), context());
    assert.is(!r.ok && r.error.code, code, JSON.stringify(e));
  }
  assert.is(reg.endpointCount, 1, 'refused requests change nothing');
});

test('unknown endpoints: UNKNOWN_ENDPOINT for updates, ignored for expire and force-mute batches', () => {
  const reg = withConference('a');
  const update = applyConferenceModify(reg, req({ endpoints: [ep('zz', { sources: [] })] }), context());
  assert.ok(!update.ok);
  assert.equal(update.error.colibri, { reason: 'UNKNOWN_ENDPOINT', endpointId: 'zz' });
  const mute = applyConferenceModify(reg, req({ endpoints: [ep('a', { forceMute: { audio: true, video: false } }), ep('zz', { forceMute: { audio: true, video: true } })] }), context());
  assert.ok(mute.ok);
  assert.equal(mute.value.reply.endpoints.map((e) => e.id), ['a', 'zz']);
  assert.equal(reg.get(M)?.endpoints.get('a')?.forceMute, { audio: true, video: false });
});

test('a request is all or nothing: a bad second endpoint leaves the first uncreated', () => {
  const reg = withConference('a');
  const r = applyConferenceModify(reg, req({ endpoints: [create('b'), ep('zz', { sources: [] })] }), context());
  assert.ok(!r.ok);
  assert.not.ok(reg.get(M)?.endpoints.has('b'));
});

test('updates: remote transport, sources, media, last-N; ICE restart answers with the unchanged transport', () => {
  const reg = withConference('a');
  const remote: IceUdpTransport = { ufrag: 'r', pwd: 'rp', fingerprints: [], candidates: [], rtcpMux: true };
  const sources = [{ type: 'audio' as const, id: 'a-a0', sources: [{ ssrc: 7, parameters: [] }], sourceGroups: [] }];
  const r = applyConferenceModify(reg, req({ endpoints: [ep('a', { transport: { iceUdp: remote }, sources, initialLastN: 5, statsId: 'S' })] }), context());
  assert.ok(r.ok);
  assert.equal(r.value.reply.endpoints, [{ id: 'a', media: [], capabilities: [] }], 'no transport unless created or restarted');
  assert.is(r.value.reply.sources, undefined);
  const a = reg.get(M)?.endpoints.get('a');
  assert.equal(a?.remoteTransport, remote);
  assert.equal(a?.sources, sources);
  assert.is(a?.initialLastN, 5);
  assert.is(a?.statsId, 'S');
  const restart = applyConferenceModify(reg, req({ endpoints: [ep('a', { transport: { iceRestart: true } })] }), context());
  assert.ok(restart.ok);
  assert.equal(restart.value.reply.endpoints[0]?.transport, { iceUdp: transport(M, 'a') });
});

test('expire: endpoints, then the conference goes with the last one; explicit conference expire', () => {
  const reg = withConference('a', 'b');
  const one = applyConferenceModify(reg, req({ endpoints: [ep('a', { expire: true })] }), context());
  assert.ok(one.ok);
  assert.equal(one.value.reply.endpoints, [{ id: 'a', expire: true, media: [], capabilities: [] }]);
  assert.ok(reg.get(M));
  const last = applyConferenceModify(reg, req({ endpoints: [ep('b', { expire: true })] }), context());
  assert.ok(last.ok);
  assert.equal(last.value.events.map((e) => e.kind), ['endpoint-expired', 'conference-expired']);
  assert.is(reg.get(M), undefined);
  assert.is(reg.endpointCount, 0);
  const again = withConference('c');
  const whole = applyConferenceModify(again, req({ expire: true }), context());
  assert.ok(whole.ok);
  assert.is(again.conferenceCount, 0);
  assert.is(again.endpointCount, 0);
});

test('capacity: maxEndpoints over all conferences gives resource-constraint; expiring in the same request frees room', () => {
  const reg = withConference('a', 'b');
  const full = applyConferenceModify(reg, req({ meetingId: 'm2', create: true, endpoints: [create('c')] }), context({ maxEndpoints: 2 }));
  assert.is(!full.ok && full.error.stanzaError.condition, 'resource-constraint');
  assert.is(reg.conferenceCount, 1);
  const swap = applyConferenceModify(reg, req({ endpoints: [ep('a', { expire: true }), create('c')] }), context({ maxEndpoints: 2 }));
  assert.ok(swap.ok);
  assert.is(reg.endpointCount, 2);
});

test('the media plane: a relayed remote transport is an event; an endpoint it lost is removed, its conference left to the idle sweep', () => {
  const reg = withConference('a', 'b');
  const remote: IceUdpTransport = { ufrag: 'r', pwd: 'rp', fingerprints: [{ hash: 'sha-256', setup: 'active', value: 'AA' }], candidates: [], rtcpMux: true };
  const r = applyConferenceModify(reg, req({ endpoints: [ep('a', { transport: { iceUdp: remote } })] }), context());
  assert.ok(r.ok);
  assert.equal(r.value.events, [{ kind: 'endpoint-transport-updated', meetingId: M, endpointId: 'a', transport: remote }]);
  assert.equal(expireLostEndpoint(reg, M, 'a', 'consent-expired'), [{ kind: 'endpoint-expired', meetingId: M, endpointId: 'a', reason: 'consent-expired' }]);
  assert.equal(expireLostEndpoint(reg, M, 'a', 'consent-expired'), [], 'once');
  assert.equal(expireLostEndpoint(reg, 'nope', 'b', 'transport-failed'), []);
  assert.equal(expireLostEndpoint(reg, M, 'b', 'transport-failed').map((e) => e.kind), ['endpoint-expired']);
  assert.is(reg.endpointCount, 0);
  assert.is(reg.conferenceCount, 1, 'the idle sweep takes the empty conference');
});

test('a conference created without endpoints is expired once idle', () => {
  const reg = new ConferenceRegistry();
  assert.ok(applyConferenceModify(reg, req({ create: true }), context({ nowMs: 0 })).ok);
  assert.equal(expireIdleConferences(reg, 59_999, 60_000), []);
  assert.equal(expireIdleConferences(reg, 60_000, 60_000), [{ kind: 'conference-expired', meetingId: M, reason: 'idle' }]);
});

test.run();
