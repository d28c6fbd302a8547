// L2: the bridge channel on the real bridge (our XMPP server in-process, the bridge, a fake focus on
// the wire). Endpoints are allocated through COLIBRI2; the tests open the `web-socket` URL from each
// allocated transport as lib-jitsi-meet does. Audio levels come from a fake AudioLevelSource handed
// to startBridge (the forwarding layer's role), fed in real time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { Colibri2Endpoint, Colibri2MediaSource } from '@plenum/xmpp/codec';
import { child, decodeConferenceModified, serialize } from '@plenum/xmpp/codec';
import type { WireClient } from '@plenum/testkit';
import type { RunningBridge } from '../../src/index.ts';
import { startBridge } from '../../src/index.ts';
import type { AudioLevelListener, AudioLevelSource } from '../../src/speaker/speech-activity.ts';
import { BRIDGE_SECRET, FOCUS_DOMAIN, FOCUS_SECRET, componentClient, httpGet, modify, startServer, waitFor } from '../integration/harness.ts';
import type { Received } from './channel-client.ts';
import { ChannelClient, RefusedUpgrade } from './channel-client.ts';

/** The forwarding layer's part, played by the test: emits RFC 6464 levels. */
class FakeAudioLevels implements AudioLevelSource {
  readonly #listeners = new Set<AudioLevelListener>();
  onAudioLevel(listener: AudioLevelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  emit(conferenceId: string, endpointId: string, levelDbov: number, atMs: number): void {
    for (const l of this.#listeners) l(conferenceId, endpointId, levelDbov, atMs);
  }
}

const MEETING = 'c0ffee00-0000-4000-8000-000000000001';
const [E1, E2, E3] = ['1a2b3c4d', '9f8e7d6c', '5e6f7a8b'] as const;
const FOCUS = `${FOCUS_DOMAIN}/focus`;

type Ctx = {
  server: RunningXmppServer; bridge: RunningBridge; focus: WireClient; levels: FakeAudioLevels; baseline: string[];
  urls: Map<string, string>; channels: Map<string, ChannelClient>;
};
const test = suite<Ctx>('bridge channel');

const videoSource = (id: string, ssrc: number): Colibri2MediaSource => ({
  type: 'video', id: `${id}-v0`, sources: [{ ssrc, name: `${id}-v0`, parameters: [] }], sourceGroups: [],
});
const newEndpoint = (id: string, ssrc: number): Colibri2Endpoint => ({
  id, create: true, capabilities: ['source-names'], transport: { iceControlling: true }, media: [], sources: [videoSource(id, ssrc)],
});

/** Allocates endpoints; returns their bridge-channel URLs. */
async function allocate(ctx: Ctx, create: boolean, endpoints: Colibri2Endpoint[]): Promise<void> {
  const reply = await modify(ctx.focus, FOCUS, ctx.bridge.domain, { meetingId: MEETING, ...(create ? { create: true } : {}), endpoints });
  assert.is(reply.attrs.type, 'result', serialize(reply));
  const payload = child(reply, 'conference-modified', 'jitsi:colibri2');
  assert.ok(payload);
  const m = decodeConferenceModified(payload);
  assert.ok(m.ok);
  for (const e of m.value.endpoints) {
    const url = e.transport?.iceUdp?.webSocketUrl;
    if (url !== undefined) ctx.urls.set(e.id, url);
  }
}

/** Opens an endpoint's channel and consumes its ServerHello. */
async function connect(ctx: Ctx, id: string): Promise<ChannelClient> {
  const c = await ChannelClient.open(ctx.urls.get(id) ?? '');
  const hello = await c.next(() => true, 3000, 'the first message');
  assert.equal(hello, { colibriClass: 'ServerHello', version: '0.1.0' }, 'ServerHello comes first');
  ctx.channels.set(id, c);
  return c;
}

const channel = (ctx: Ctx, id: string): ChannelClient => {
  const c = ctx.channels.get(id);
  assert.ok(c, `no channel for ${id}`);
  return c;
};

/** The URL of `id` with one part replaced. */
function tamper(ctx: Ctx, id: string, f: (u: URL) => void): string {
  const u = new URL(ctx.urls.get(id) ?? '');
  f(u);
  return u.toString();
}

async function refused(url: string): Promise<RefusedUpgrade> {
  try {
    const c = await ChannelClient.open(url);
    c.terminate();
  } catch (e) {
    if (e instanceof RefusedUpgrade) return e;
    throw e;
  }
  throw new Error('the upgrade was accepted');
}

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.urls = new Map();
  ctx.channels = new Map();
  ctx.levels = new FakeAudioLevels();
  ctx.server = await startServer();
  ctx.bridge = await startBridge({
    values: {
      id: 'a1', xmpp: { port: ctx.server.componentPort, secret: BRIDGE_SECRET, reconnectDelayMs: 100 }, http: { port: 0 },
      public: { udpPort: 0 }, statsIntervalMs: 100, maxEndpoints: 8, log: { level: 'silent' },
    },
    audioLevels: ctx.levels,
  });
  await waitFor(ctx.bridge.events, 'breweryJoined');
  ctx.focus = await componentClient(ctx.server, FOCUS_DOMAIN, FOCUS_SECRET);
  await allocate(ctx, true, [newEndpoint(E1, 1111), newEndpoint(E2, 2222), newEndpoint(E3, 3333)]);
});

test.after(async (ctx) => {
  for (const c of ctx.channels.values()) c.terminate();
  ctx.focus.close();
  await ctx.bridge.close();
  await ctx.server.close();
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets or timers left behind');
});

test('the allocated web-socket URL opens the channel: ServerHello, then ForwardedSources for everyone else', async (ctx) => {
  assert.match(ctx.urls.get(E1) ?? '', new RegExp(`^ws://127\\.0\\.0\\.1:${ctx.bridge.httpPort}/colibri-ws/a1/${MEETING}/${E1}\\?pwd=[A-Za-z0-9]{24}$`));
  for (const id of [E1, E2, E3]) await connect(ctx, id);
  const forwarded = await channel(ctx, E1).nextOf('ForwardedSources');
  assert.equal(new Set(forwarded.forwardedSources as string[]), new Set([`${E2}-v0`, `${E3}-v0`]), 'defaults: lastN -1');
  const constraints = await channel(ctx, E1).nextOf('SenderSourceConstraints');
  assert.equal(constraints, { colibriClass: 'SenderSourceConstraints', sourceName: `${E1}-v0`, maxHeight: 180 }, 'receivers default to 180p');
});

test('EndpointMessage to one endpoint: relayed with from set by the bridge, nobody else gets it', async (ctx) => {
  channel(ctx, E1).send({ colibriClass: 'EndpointMessage', to: E2, from: 'forged00', msgPayload: { type: 'e2e-ping-request', id: 1 } });
  const got = await channel(ctx, E2).nextOf('EndpointMessage');
  assert.equal(got, { colibriClass: 'EndpointMessage', to: E2, from: E1, msgPayload: { type: 'e2e-ping-request', id: 1 } });
  // Then a broadcast from E2: E3's first EndpointMessage is that one, so the direct one never reached it.
  channel(ctx, E2).send({ colibriClass: 'EndpointMessage', to: '', msgPayload: { type: 'reaction', n: 2 } });
  const atE3 = await channel(ctx, E3).nextOf('EndpointMessage');
  const atE1 = await channel(ctx, E1).nextOf('EndpointMessage');
  for (const m of [atE3, atE1]) assert.equal(m, { colibriClass: 'EndpointMessage', to: '', from: E2, msgPayload: { type: 'reaction', n: 2 } });
  channel(ctx, E3).send({ colibriClass: 'EndpointMessage', to: E2, msgPayload: 'marker' });
  assert.equal((await channel(ctx, E2).nextOf('EndpointMessage')).msgPayload, 'marker', 'the sender did not get its own broadcast');
});

test('EndpointStats are relayed to the others with from; a burst is thinned to one per interval', async (ctx) => {
  channel(ctx, E3).send({ colibriClass: 'EndpointStats', connectionQuality: 93.5, from: 'forged00', jvbRTT: 11 });
  channel(ctx, E3).send({ colibriClass: 'EndpointStats', connectionQuality: 10, jvbRTT: 900 });
  const stats = await channel(ctx, E1).nextOf('EndpointStats');
  assert.equal(stats, { colibriClass: 'EndpointStats', connectionQuality: 93.5, jvbRTT: 11, from: E3 });
  assert.equal((await channel(ctx, E2).nextOf('EndpointStats')).from, E3);
  channel(ctx, E2).send({ colibriClass: 'EndpointMessage', to: E1, msgPayload: 'after-stats' });
  await channel(ctx, E1).next((m) => m.msgPayload === 'after-stats');
  assert.equal(channel(ctx, E1).received('EndpointStats'), [], 'the second stats message was dropped');
});

test('wrong pwd → 403, unknown endpoint / conference / bridge id → 404, all before the upgrade', async (ctx) => {
  const wrongPwd = await refused(tamper(ctx, E1, (u) => u.searchParams.set('pwd', 'x'.repeat(24))));
  assert.equal([wrongPwd.status, wrongPwd.body], [403, 'wrong pwd\n']);
  assert.is((await refused(tamper(ctx, E1, (u) => u.searchParams.delete('pwd')))).status, 403);
  const unknown = await refused(tamper(ctx, E1, (u) => (u.pathname = u.pathname.replace(E1, 'deadbeef'))));
  assert.equal([unknown.status, unknown.body], [404, 'endpoint not found\n']);
  const noConference = await refused(tamper(ctx, E1, (u) => (u.pathname = u.pathname.replace(MEETING, 'other'))));
  assert.equal([noConference.status, noConference.body], [404, 'conference not found\n']);
  const otherBridge = await refused(tamper(ctx, E1, (u) => (u.pathname = u.pathname.replace('/a1/', '/b2/'))));
  assert.equal([otherBridge.status, otherBridge.body], [404, 'bridge id mismatch\n']);
  const elsewhere = await refused(tamper(ctx, E1, (u) => (u.pathname = '/xmpp-websocket')));
  assert.is(elsewhere.status, 404);
  assert.ok(channel(ctx, E1).isOpen, 'refused attempts leave the real channel alone');
});

test('ReceiverVideoConstraints lastN 1 and a dominant speaker: the event reaches everyone and last-N follows', async (ctx) => {
  channel(ctx, E1).send({ colibriClass: 'ReceiverVideoConstraints', lastN: 1 });
  const first = await channel(ctx, E1).nextOf('ForwardedSources');
  assert.equal(first.forwardedSources, [`${E2}-v0`], 'lastN 1 before anyone spoke: the first other endpoint to join');
  // E3 talks; E2 is in the room but quiet (one level each per 20 ms, timestamps from the bridge's clock).
  const speech = (t: number): number => (t % 400 < 40 ? 70 : 27 + Math.round(8 * Math.sin(t / 70)));
  const feed = setInterval(() => {
    const now = Date.now();
    ctx.levels.emit(MEETING, E3, speech(now), now);
    ctx.levels.emit(MEETING, E2, 100, now);
  }, 20);
  try {
    const isDominant = (m: Received): boolean => m.colibriClass === 'DominantSpeakerEndpointChangeEvent';
    const event = await channel(ctx, E1).next(isDominant, 5000, 'DominantSpeakerEndpointChangeEvent');
    assert.equal(event, { colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: E3, previousSpeakers: [], silence: false });
    assert.equal(await channel(ctx, E2).next(isDominant, 1000), event);
    assert.equal(await channel(ctx, E3).next(isDominant, 1000), event, 'the speaker is told too');
    const forwarded = await channel(ctx, E1).nextOf('ForwardedSources', 1000);
    assert.equal(forwarded.forwardedSources, [`${E3}-v0`], 'lastN 1 forwards the dominant speaker');
  } finally {
    clearInterval(feed);
  }
});

test('a message over the size limit closes that channel with 1009 and a reason; the others keep working', async (ctx) => {
  const e3 = channel(ctx, E3);
  e3.sendText(JSON.stringify({ colibriClass: 'EndpointMessage', to: '', msgPayload: 'x'.repeat(70 * 1024) }));
  assert.equal(await e3.closed, { code: 1009, reason: 'message too big (max 65536 bytes)' });
  channel(ctx, E1).send({ colibriClass: 'EndpointMessage', to: E2, msgPayload: 'still here' });
  assert.equal((await channel(ctx, E2).nextOf('EndpointMessage')).msgPayload, 'still here');
  assert.equal(channel(ctx, E1).received('EndpointMessage'), [], 'the oversized message was not relayed');
  await connect(ctx, E3);
});

test('a flood closes that channel with 1008 and a reason; the others keep working', async (ctx) => {
  const e3 = channel(ctx, E3);
  for (let i = 0; i < 300; i++) e3.send({ colibriClass: 'EndpointMessage', to: E3, msgPayload: i });
  assert.equal(await e3.closed, { code: 1008, reason: 'too many messages (max 50 per second)' });
  channel(ctx, E2).send({ colibriClass: 'EndpointMessage', to: E1, msgPayload: 'unaffected' });
  assert.equal((await channel(ctx, E1).nextOf('EndpointMessage')).msgPayload, 'unaffected');
});

test('malformed, unknown and bridge-only messages are ignored without closing', async (ctx) => {
  const e3 = await connect(ctx, E3);
  e3.sendText('not json');
  e3.sendText('{"colibriClass":"NoSuchMessage"}');
  e3.send({ colibriClass: 'DominantSpeakerEndpointChangeEvent', dominantSpeakerEndpoint: E3 });
  e3.send({ colibriClass: 'EndpointMessage', to: E1 });
  e3.send({ colibriClass: 'EndpointMessage', to: E1, msgPayload: 'ok' });
  assert.equal((await channel(ctx, E1).nextOf('EndpointMessage')).msgPayload, 'ok');
  assert.equal(channel(ctx, E1).received('DominantSpeakerEndpointChangeEvent'), [], 'a client cannot fake bridge events');
  assert.ok(e3.isOpen);
  const stats = (await httpGet(ctx.bridge.httpPort, '/colibri/stats')).body as Record<string, number>;
  assert.equal(
    [stats.colibri_web_socket_channels, stats.colibri_web_socket_messages_ignored, stats.colibri_web_socket_closed_for_limits, stats.total_dominant_speaker_changes],
    [3, 4, 2, 1],
  );
  assert.ok((stats.colibri_web_socket_upgrades_refused ?? 0) >= 5 && (stats.total_colibri_web_socket_messages_received ?? 0) > 100);
});

test('a reconnect replaces the old socket (4001) and gets the current dominant speaker', async (ctx) => {
  const old = channel(ctx, E2);
  const fresh = await connect(ctx, E2);
  assert.equal(await old.closed, { code: 4001, reason: 'replaced by a newer connection' });
  const state = await fresh.nextOf('DominantSpeakerEndpointChangeEvent');
  assert.is(state.dominantSpeakerEndpoint, E3);
  channel(ctx, E1).send({ colibriClass: 'EndpointMessage', to: E2, msgPayload: 'to the new one' });
  assert.equal((await fresh.nextOf('EndpointMessage')).msgPayload, 'to the new one');
});

test('an endpoint the focus expires loses its channel (1000); expiring the conference closes the rest', async (ctx) => {
  await allocate(ctx, false, [{ id: E1, expire: true, media: [], capabilities: [] }]);
  assert.equal(await channel(ctx, E1).closed, { code: 1000, reason: 'endpoint expired' });
  const gone = await refused(ctx.urls.get(E1) ?? '');
  assert.is(gone.status, 404, 'and cannot come back');
  const reply = await modify(ctx.focus, FOCUS, ctx.bridge.domain, { meetingId: MEETING, expire: true, endpoints: [] });
  assert.is(reply.attrs.type, 'result', serialize(reply));
  for (const id of [E2, E3]) assert.equal(await channel(ctx, id).closed, { code: 1000, reason: 'conference expired' });
});

test.run();
