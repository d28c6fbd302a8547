// The bridge against our XMPP server, driven by a fake focus on the wire: brewery presence with
// stats, COLIBRI2 allocation, updates and expiry, COLIBRI2 error reasons, limits, flags, HTTP.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { El, Colibri2Endpoint } from '@plenum/xmpp/codec';
import {
  child, decodeStanzaError, el, serialize, NS_COLIBRI_STATS, NS_HEALTHCHECK, decodeBridgeStats,
  decodeColibri2ErrorEndpointId, decodeColibri2ErrorReason, decodeConferenceModified,
} from '@plenum/xmpp/codec';
import type { WireClient } from '@plenum/testkit';
import type { RunningBridge } from '../../src/index.ts';
import {
  BREWERY, FOCUS_DOMAIN, FOCUS_SECRET, componentClient, httpGet, joinRoom, modify, request, startServer, startTestBridge, waitFor,
} from './harness.ts';

type Ctx = { server: RunningXmppServer; bridge: RunningBridge; focus: WireClient; baseline: string[] };
const test = suite<Ctx>('bridge control plane');

const FOCUS = `${FOCUS_DOMAIN}/focus`;
const BRIDGE_OCCUPANT = `${BREWERY}/jvb-a1`;
const newEndpoint = (id: string, extra: Partial<Colibri2Endpoint> = {}): Colibri2Endpoint => ({
  id, create: true, statsId: `Stats-${id}`, capabilities: ['source-names'], transport: { iceControlling: true, sctp: {} },
  media: [{ type: 'audio', payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, channels: 2, parameters: [], rtcpFeedback: [] }], headerExtensions: [], extmapAllowMixed: true }],
  ...extra,
});
const reasonOf = (reply: El): string | undefined => decodeColibri2ErrorReason(reply);
const conditionOf = (reply: El): string | undefined => decodeStanzaError(reply)?.condition;
function modified(reply: El): ReturnType<typeof decodeConferenceModified> & { ok: true } {
  assert.is(reply.attrs.type, 'result', serialize(reply));
  const payload = child(reply, 'conference-modified', 'jitsi:colibri2');
  assert.ok(payload, 'the result carries conference-modified');
  const m = decodeConferenceModified(payload);
  assert.ok(m.ok, JSON.stringify(m));
  return m;
}
const bridgeStatsIn = (p: El) => {
  const stats = child(p, 'stats', NS_COLIBRI_STATS);
  assert.ok(stats, 'presence carries stats');
  const s = decodeBridgeStats(stats);
  assert.ok(s.ok, JSON.stringify(s));
  return s.value;
};

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.server = await startServer();
  ctx.bridge = await startTestBridge(ctx.server);
  await waitFor(ctx.bridge.events, 'breweryJoined');
  ctx.focus = await componentClient(ctx.server, FOCUS_DOMAIN, FOCUS_SECRET);
});

test.after(async (ctx) => {
  ctx.focus.close();
  await ctx.bridge.close();
  await ctx.server.close();
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets or timers left behind');
});

test('the bridge sits in the brewery with stats, re-published every interval', async ({ focus, bridge }) => {
  await joinRoom(focus, FOCUS, BREWERY, 'focus');
  const first = await focus.next((e) => e.name === 'presence' && e.attrs.from === BRIDGE_OCCUPANT, 3000, 'bridge presence');
  const stats = bridgeStatsIn(first);
  assert.equal([stats.stressLevel, stats.healthy, stats.drain, stats.gracefulShutdown, stats.shuttingDown], [0, true, false, false, false]);
  assert.is(stats.version, '0.1.0');
  assert.is(stats.averageParticipantStress, 0.25);
  assert.is(stats.conferences, 0);
  // Re-published on the interval (100 ms here), not only on change.
  const again = await focus.next((e) => e.name === 'presence' && e.attrs.from === BRIDGE_OCCUPANT, 1000, 'stats re-published');
  assert.ok(child(again, 'stats', NS_COLIBRI_STATS));
  assert.ok(bridge.isHealthy());
});

test('allocation: conference-modify create → transport, sctp 5000/server, feedback sources', async ({ focus, bridge }) => {
  const reply = await modify(focus, FOCUS, BRIDGE_OCCUPANT, {
    meetingId: 'meet-1', name: 'standup@conference.plenum.localhost', create: true,
    endpoints: [newEndpoint('1a2b3c4d', { forceMute: { audio: false, video: true }, initialLastN: 20 })],
  });
  assert.is(reply.attrs.from, BRIDGE_OCCUPANT, 'the reply comes back through the MUC');
  const m = modified(reply);
  const [ep] = m.value.endpoints;
  assert.is(ep?.id, '1a2b3c4d');
  assert.equal(ep?.transport?.sctp, { port: 5000, role: 'server' });
  const t = ep?.transport?.iceUdp;
  assert.ok(t);
  assert.match(t.ufrag ?? '', /^[A-Za-z0-9]{8}$/);
  assert.match(t.pwd ?? '', /^[A-Za-z0-9]{24}$/);
  assert.equal(t.fingerprints, [{ hash: 'sha-256', setup: 'actpass', value: bridge.certificate.fingerprint }]);
  assert.equal(t.candidates.map((c) => [c.type, c.protocol, c.ip, c.port, c.component]), [['host', 'udp', '127.0.0.1', bridge.udpPort, 1]]);
  assert.ok(t.rtcpMux);
  assert.is(t.webSocketUrl, `ws://127.0.0.1:${bridge.httpPort}/colibri-ws/a1/meet-1/1a2b3c4d?pwd=${t.pwd ?? ''}`);
  assert.equal(m.value.sources?.map((s) => [s.type, s.id, s.sources[0]?.name, s.sources[0]?.msid]), [
    ['audio', 'jvb-a0', 'jvb-a0', 'mixedmslabel mixedlabelaudio0'],
    ['video', 'jvb-v0', 'jvb-v0', 'mixedmslabel mixedlabelvideo0'],
  ]);
  const stats = await httpGet(bridge.httpPort, '/colibri/stats');
  assert.is(stats.status, 200);
  assert.equal((stats.body as Record<string, unknown>).conferences, 1);
  assert.equal((stats.body as Record<string, unknown>).endpoints, 1);
  assert.equal((stats.body as Record<string, unknown>).stress_level, 0.25);
  // The next presence reports the load.
  const p = await focus.next((e) => e.name === 'presence' && e.attrs.from === BRIDGE_OCCUPANT && bridgeStatsIn(e).conferences === 1, 1000, 'stats with 1 conference');
  assert.is(bridgeStatsIn(p).participants, 1);
});

test('updates, force-mute, a second endpoint, then expiry: the conference goes with its last endpoint', async ({ focus, bridge }) => {
  const answer = {
    ufrag: 'Hq2w', pwd: 'k1VbWm3rT0pXzQ8sLd5Ny7Ee', rtcpMux: true, candidates: [],
    fingerprints: [{ hash: 'sha-256', setup: 'active' as const, value: 'AA:BB' }],
  };
  const update = await modify(focus, FOCUS, BRIDGE_OCCUPANT, {
    meetingId: 'meet-1',
    endpoints: [{
      id: '1a2b3c4d', media: [], capabilities: [], transport: { iceUdp: answer },
      sources: [{ type: 'audio', id: '1a2b3c4d-a0', sources: [{ ssrc: 2853114632, name: '1a2b3c4d-a0', parameters: [] }], sourceGroups: [] }],
    }],
  });
  assert.equal(modified(update).value.endpoints, [{ id: '1a2b3c4d', media: [], capabilities: [] }], 'no transport in an update reply');
  const second = modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-1', endpoints: [newEndpoint('5e6f7a8b')] }));
  assert.ok(second.value.endpoints[0]?.transport?.iceUdp, 'a created endpoint gets a transport');
  assert.ok(second.value.sources, 'and the feedback sources again');
  const mute = await modify(focus, FOCUS, BRIDGE_OCCUPANT, {
    meetingId: 'meet-1',
    endpoints: [{ id: '1a2b3c4d', media: [], capabilities: [], forceMute: { audio: true, video: true } }, { id: 'gone0000', media: [], capabilities: [], forceMute: { audio: true, video: false } }],
  });
  assert.equal(modified(mute).value.endpoints.map((e) => e.id), ['1a2b3c4d', 'gone0000'], 'unknown endpoints are ignored in a force-mute batch');
  const expired = waitFor(bridge.events, 'conferenceExpired');
  const one = modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-1', endpoints: [{ id: '1a2b3c4d', expire: true, media: [], capabilities: [] }] }));
  assert.equal(one.value.endpoints, [{ id: '1a2b3c4d', expire: true, media: [], capabilities: [] }]);
  assert.is(bridge.stats().endpoints, 1);
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-1', endpoints: [{ id: '5e6f7a8b', expire: true, media: [], capabilities: [] }] }));
  assert.equal(await expired, ['meet-1', 'last-endpoint-left']);
  assert.equal([bridge.stats().conferences, bridge.stats().endpoints], [0, 0]);
  const after = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-1', endpoints: [newEndpoint('x')] });
  assert.is(reasonOf(after), 'CONFERENCE_NOT_FOUND');
});

test('COLIBRI2 errors: unknown conference, existing conference, unknown endpoint, bad request', async ({ focus }) => {
  const missing = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'no-such-meeting', endpoints: [newEndpoint('a')] });
  assert.is(missing.attrs.type, 'error');
  assert.is(reasonOf(missing), 'CONFERENCE_NOT_FOUND');
  assert.is(conditionOf(missing), 'item-not-found');
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-2', create: true, endpoints: [newEndpoint('a')] }));
  const twice = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-2', create: true, endpoints: [] });
  assert.is(reasonOf(twice), 'CONFERENCE_ALREADY_EXISTS');
  assert.is(conditionOf(twice), 'conflict');
  const unknown = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-2', endpoints: [{ id: 'zzzz', media: [], capabilities: [], sources: [] }] });
  assert.is(reasonOf(unknown), 'UNKNOWN_ENDPOINT');
  assert.is(decodeColibri2ErrorEndpointId(unknown), 'zzzz', 'the endpoint id beside the reason, where jicofo reads it');
  const noSourceNames = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-2', endpoints: [newEndpoint('b', { capabilities: [] })] });
  assert.is(conditionOf(noSourceNames), 'bad-request');
  const malformed = await request(focus, FOCUS, BRIDGE_OCCUPANT, 'set', el('conference-modify', { xmlns: 'jitsi:colibri2' }));
  assert.is(conditionOf(malformed), 'bad-request');
  assert.match(decodeStanzaError(malformed)?.text ?? '', /colibri2\/missing-attribute/);
  const relay = await request(focus, FOCUS, BRIDGE_OCCUPANT, 'set', el('conference-modify', { xmlns: 'jitsi:colibri2', 'meeting-id': 'meet-2' }, el('relay', { id: 'r1', create: 'true' })));
  assert.is(reasonOf(relay), 'FEATURE_NOT_IMPLEMENTED');
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'meet-2', expire: true, endpoints: [] }));
});

test('limits: more than maxEndpoints is resource-constraint', async ({ focus, bridge }) => {
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'big', create: true, endpoints: [newEndpoint('e1')] }));
  for (const id of ['e2', 'e3', 'e4']) modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'big', endpoints: [newEndpoint(id)] }));
  assert.is(bridge.stats().stressLevel, 1);
  const full = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'big', endpoints: [newEndpoint('e5')] });
  assert.is(conditionOf(full), 'resource-constraint');
  assert.is(decodeStanzaError(full)?.type, 'wait');
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'big', expire: true, endpoints: [] }));
  assert.is(bridge.stats().endpoints, 0);
});

test('health check IQ, ping, and IQs the bridge does not serve', async ({ focus }) => {
  const health = await request(focus, FOCUS, BRIDGE_OCCUPANT, 'get', el('healthcheck', { xmlns: NS_HEALTHCHECK }));
  assert.is(health.attrs.type, 'result', serialize(health));
  const ping = await request(focus, FOCUS, BRIDGE_OCCUPANT, 'get', el('ping', { xmlns: 'urn:xmpp:ping' }));
  assert.is(ping.attrs.type, 'result');
  const other = await request(focus, FOCUS, BRIDGE_OCCUPANT, 'get', el('query', { xmlns: 'jabber:iq:version' }));
  assert.is(conditionOf(other), 'service-unavailable');
});

test('the focus may also address the component JID directly', async ({ focus, bridge }) => {
  const reply = await modify(focus, FOCUS, bridge.domain, { meetingId: 'direct', create: true, endpoints: [newEndpoint('d1')] });
  assert.is(reply.attrs.from, bridge.domain);
  assert.ok(modified(reply).value.endpoints[0]?.transport);
  modified(await modify(focus, FOCUS, bridge.domain, { meetingId: 'direct', expire: true, endpoints: [] }));
});

test('drain and graceful shutdown: published at once; new conferences get GRACEFUL_SHUTDOWN', async ({ focus, bridge }) => {
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'old', create: true, endpoints: [newEndpoint('o1')] }));
  bridge.setDrain(true);
  const drained = await focus.next((e) => e.name === 'presence' && e.attrs.from === BRIDGE_OCCUPANT && bridgeStatsIn(e).drain, 1000, 'drain published');
  assert.not.ok(bridgeStatsIn(drained).gracefulShutdown);
  bridge.setGracefulShutdown(true);
  await focus.next((e) => e.name === 'presence' && e.attrs.from === BRIDGE_OCCUPANT && bridgeStatsIn(e).gracefulShutdown, 1000, 'graceful shutdown published');
  const refused = await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'new', create: true, endpoints: [newEndpoint('n1')] });
  assert.is(reasonOf(refused), 'GRACEFUL_SHUTDOWN');
  assert.is(conditionOf(refused), 'service-unavailable');
  // Existing conferences keep working, and the last one ending completes the graceful shutdown.
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'old', endpoints: [newEndpoint('o2')] }));
  const complete = waitFor(bridge.events, 'gracefulShutdownComplete');
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'old', expire: true, endpoints: [] }));
  await complete;
  bridge.setGracefulShutdown(false);
  bridge.setDrain(false);
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'new', create: true, endpoints: [newEndpoint('n1')] }));
  modified(await modify(focus, FOCUS, BRIDGE_OCCUPANT, { meetingId: 'new', expire: true, endpoints: [] }));
});

test('HTTP: stats JSON, health 200 while connected and joined, anything else 404', async ({ bridge }) => {
  const stats = await httpGet(bridge.httpPort, '/colibri/stats');
  assert.is(stats.status, 200);
  for (const key of ['stress_level', 'average_participant_stress', 'conferences', 'participants', 'endpoints', 'version', 'drain', 'graceful_shutdown', 'shutting_down', 'healthy']) {
    assert.ok(key in (stats.body as object), key);
  }
  assert.equal(await httpGet(bridge.httpPort, '/about/health'), { status: 200, body: { healthy: true } });
  assert.is((await httpGet(bridge.httpPort, '/colibri/v2/conferences')).status, 404);
  assert.is((await httpGet(bridge.httpPort, '/')).status, 404);
  const post = await fetch(`http://127.0.0.1:${bridge.httpPort}/colibri/stats`, { method: 'POST' });
  assert.is(post.status, 404);
  await post.arrayBuffer();
});

test.run();
