// Issue 3's proof with REAL bridges (the fake-bridge suites beside this one check the focus's
// side in detail): our XMPP server, the focus and two or three @plenum/bridge instances in this
// process on loopback, scripted participants on the wire. What is asserted is what a user's client
// or an operator would check: the offer points at the bridge that really allocated the endpoint
// (its ICE credentials, DTLS fingerprint, candidate and bridge-channel URL, as the bridge sent them
// on its own component connection), sources reach the right people, `/colibri/stats` shows where
// conferences live, and nothing is left on a bridge once everybody has gone.
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBridge } from '@plenum/bridge';
import type { IceUdpTransport, Jingle } from '@plenum/xmpp/codec';
import { NS_DISCO_INFO, child, children, el, ssrcsOf, text } from '@plenum/xmpp/codec';
import type { ParticipantOptions, RunningStack } from '@plenum/testkit';
import {
  ScriptedParticipant, assertNoLeakedHandles, bridgeHttpStats, cameraSources, errorCondition, nextEvent, screenSources, startStack,
  waitUntil,
} from '@plenum/testkit';

type Ctx = { stack: RunningStack; baseline: string[]; people: ScriptedParticipant[] };

/** A participant that joins `room` on the stack's server and is closed with the suite. */
async function join(ctx: Ctx, room: string, opts: Partial<ParticipantOptions> = {}): Promise<ScriptedParticipant> {
  const p = await ScriptedParticipant.join({ port: ctx.stack.server.tcpPort, room, ...opts });
  ctx.people.push(p);
  return p;
}

/** The one bridge that hosts the room (a COLIBRI2 create reached it); fails when none or several did. */
function hostOf(stack: RunningStack, roomJid: string): RunningBridge {
  const hosts = stack.bridges.filter((b) => stack.tapOf(b).about(roomJid).some((x) => x.request.create === true && x.reply?.type === 'result'));
  assert.is(hosts.length, 1, `${roomJid} is hosted by exactly one bridge (got ${hosts.map((b) => b.id).join(', ')})`);
  return hosts[0] as RunningBridge;
}

/** The meeting id the room announces in its disco#info (mod_muc_meeting_id), as a client reads it. */
async function meetingIdOfRoom(p: ScriptedParticipant): Promise<string> {
  const info = await p.request(el('iq', { type: 'get', to: p.roomJid }, el('query', { xmlns: NS_DISCO_INFO })));
  const form = child(child(info, 'query', NS_DISCO_INFO) ?? el('x'), 'x') ?? el('x');
  return text(child(children(form, 'field').find((f) => f.attrs.var === 'muc#roominfo_meetingId') ?? el('x'), 'value'));
}

/**
 * Every content of the offer carries the transport `bridge` allocated for this participant, and that
 * transport is this bridge's: its certificate's fingerprint, its advertised UDP candidate, its
 * bridge-channel URL for this meeting and endpoint.
 */
async function assertOfferFrom(stack: RunningStack, bridge: RunningBridge, offer: Jingle, p: ScriptedParticipant): Promise<IceUdpTransport> {
  const allocated = stack.tapOf(bridge).allocatedTransport(p.nick, p.roomJid);
  assert.ok(allocated, `bridge ${bridge.id} allocated an endpoint for ${p.nick}`);
  assert.equal(offer.contents.map((c) => c.name), ['audio', 'video', 'data']);
  for (const c of offer.contents) {
    const t = c.transport;
    assert.ok(t, `${c.name} has a transport`);
    assert.is(t.ufrag, allocated.ufrag, `${c.name}: ufrag`);
    assert.is(t.pwd, allocated.pwd, `${c.name}: pwd`);
    assert.equal(t.fingerprints, [{ hash: 'sha-256', setup: 'actpass', value: bridge.certificate.fingerprint }], `${c.name}: the bridge's DTLS fingerprint`);
    assert.equal(t.candidates, allocated.candidates, `${c.name}: candidates`);
    assert.is(t.webSocketUrl, allocated.webSocketUrl, `${c.name}: bridge channel`);
    assert.ok(t.rtcpMux);
  }
  assert.is(offer.contents.find((c) => c.name === 'data')?.transport?.sctp?.number, 5000);
  const candidate = allocated.candidates[0];
  assert.is(allocated.candidates.length, 1);
  assert.equal([candidate?.type, candidate?.protocol, candidate?.ip, candidate?.port], ['host', 'udp', '127.0.0.1', stack.udpPortOf(bridge)]);
  const meetingId = await meetingIdOfRoom(p);
  assert.is(allocated.webSocketUrl, `ws://127.0.0.1:${bridge.httpPort}/colibri-ws/${bridge.id}/${meetingId}/${p.nick}?pwd=${allocated.pwd ?? ''}`);
  return allocated;
}

const ssrcsOfOwner = (j: Jingle, owner: string): number[] => {
  if (j.jsonSources !== undefined) return ssrcsOf(j.jsonSources[owner] ?? { audio: [], video: [], audioGroups: [], videoGroups: [] }).sort((a, b) => a - b);
  return j.contents.flatMap((c) => c.description?.sources ?? []).filter((s) => s.owner === owner || s.owner?.endsWith(`/${owner}`)).map((s) => s.ssrc).sort((a, b) => a - b);
};
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

async function closeAll(ctx: Ctx): Promise<void> {
  await ctx.stack.close();
  for (const p of ctx.people.splice(0)) p.close();
  await assertNoLeakedHandles(ctx.baseline);
}

// ---- signaling through a real bridge -------------------------------------------------------

const signaling = suite<Ctx>('focus + real bridges: signaling');

signaling.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.people = [];
  ctx.stack = await startStack({ bridges: 2 });
});
signaling.after((ctx) => closeAll(ctx));

signaling('the stack: both bridges sit in the brewery, advertise distinct UDP ports, and the focus uses them', async ({ stack }) => {
  assert.equal(stack.focus.stats().bridges.map((b) => [b.id, b.usable]).sort(), [['jvb-1', true], ['jvb-2', true]]);
  for (const b of stack.bridges) {
    const s = await bridgeHttpStats(b);
    assert.equal([s.healthy, s.conferences, s.endpoints, s.stress_level], [true, 0, 0, 0], `bridge ${b.id} idle and healthy`);
  }
  assert.equal(stack.bridges.map((b) => b.domain), ['jvb-1.bridge.plenum.localhost', 'jvb-2.bridge.plenum.localhost']);
  assert.is.not(stack.udpPortOf(stack.bridges[0] as RunningBridge), stack.udpPortOf(stack.bridges[1] as RunningBridge));
});

signaling('two and three participants: offers carry what the chosen bridge allocated; sources reach the right people; cleanup on last leave', async (ctx) => {
  const { stack } = ctx;
  const room = 'standup';
  const alice = await join(ctx, room);
  const aliceOffer = await alice.nextJingle('session-initiate');
  const bridge = hostOf(stack, alice.roomJid);
  const tap = stack.tapOf(bridge);
  await assertOfferFrom(stack, bridge, aliceOffer, alice);
  assert.is(aliceOffer.jsonSources, undefined, 'no json-encoded-sources feature: XEP-0339 sources');
  // The bridge's own feedback sources (owner jvb) are the ones it returned when the conference was created.
  const created = await tap.waitFor((x) => x.request.name === alice.roomJid && x.request.create === true, 'conference create');
  const feedback = created.reply?.type === 'result' ? created.reply.modified.sources ?? [] : [];
  assert.equal(ssrcsOfOwner(aliceOffer, 'jvb'), sorted(feedback.flatMap((s) => s.sources.map((x) => x.ssrc))));
  assert.is(feedback.length, 2, 'jvb-a0 and jvb-v0');
  assert.is(created.request.meetingId, await meetingIdOfRoom(alice), 'the conference is created with the room\'s meeting id');

  const aliceSources = cameraSources(alice.nick, 1000);
  assert.is((await alice.accept(aliceOffer, aliceSources)).attrs.type, 'result');
  // The bridge gets alice's answer: her ICE credentials, fingerprint (setup=active) and sources.
  const answer = await tap.waitFor((x) => x.request.endpoints.some((e) => e.id === alice.nick && e.sources !== undefined), 'alice\'s answer on the bridge');
  const aliceOnBridge = answer.request.endpoints.find((e) => e.id === alice.nick);
  assert.is(aliceOnBridge?.transport?.iceUdp?.ufrag, 'clientufrag');
  assert.is(aliceOnBridge?.transport?.iceUdp?.fingerprints[0]?.setup, 'active');
  assert.equal(aliceOnBridge?.sources?.flatMap((m) => m.sources.map((s) => s.ssrc)).sort(), sorted(ssrcsOf(aliceSources)).sort());
  assert.is(answer.reply?.type, 'result');

  // Bob (JSON sources) lands on the same bridge and learns alice's sources; alice learns his.
  const bob = await join(ctx, room, { json: true });
  const bobOffer = await bob.nextJingle('session-initiate');
  await assertOfferFrom(stack, bridge, bobOffer, bob);
  assert.ok(bobOffer.jsonSources !== undefined, 'JSON sources for a client that advertises them');
  assert.equal(ssrcsOfOwner(bobOffer, alice.nick), sorted(ssrcsOf(aliceSources)));
  const aliceT = tap.allocatedTransport(alice.nick, alice.roomJid);
  const bobT = tap.allocatedTransport(bob.nick, bob.roomJid);
  assert.is.not(aliceT?.ufrag, bobT?.ufrag, 'each endpoint has its own ICE credentials');
  const bobSources = cameraSources(bob.nick, 2000);
  assert.is((await bob.accept(bobOffer, bobSources)).attrs.type, 'result');
  const addForAlice = await alice.nextJingle('source-add');
  assert.equal(ssrcsOfOwner(addForAlice, bob.nick), sorted(ssrcsOf(bobSources)));

  // Carol: her offer has both others' sources; they both learn hers.
  const carol = await join(ctx, room);
  const carolOffer = await carol.nextJingle('session-initiate');
  await assertOfferFrom(stack, bridge, carolOffer, carol);
  assert.equal(ssrcsOfOwner(carolOffer, alice.nick), sorted(ssrcsOf(aliceSources)));
  assert.equal(ssrcsOfOwner(carolOffer, bob.nick), sorted(ssrcsOf(bobSources)));
  const carolSources = cameraSources(carol.nick, 3000);
  assert.is((await carol.accept(carolOffer, carolSources)).attrs.type, 'result');
  assert.equal(ssrcsOfOwner(await alice.nextJingle('source-add'), carol.nick), sorted(ssrcsOf(carolSources)));
  assert.equal(ssrcsOfOwner(await bob.nextJingle('source-add'), carol.nick), sorted(ssrcsOf(carolSources)));

  // The operator's view: one conference with three endpoints on that bridge, nothing on the other.
  await waitUntil('the bridge reports 3 endpoints', async () => (await bridgeHttpStats(bridge)).endpoints === 3);
  const other = stack.bridges.find((b) => b !== bridge) as RunningBridge;
  assert.equal([(await bridgeHttpStats(bridge)).conferences, (await bridgeHttpStats(other)).conferences], [1, 0]);
  assert.is(stack.tapOf(other).about(alice.roomJid).length, 0, 'the other bridge never heard of the room');

  // A screen share starts and stops: alice and bob hear of it, carol (the sender) does not; the bridge gets it.
  const screen = screenSources(carol.nick, 3000);
  assert.is((await carol.sourceAdd(carolOffer.sid, screen)).attrs.type, 'result');
  for (const p of [alice, bob]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-add'), carol.nick), [3030, 3031]);
  await tap.waitFor((x) => x.request.endpoints.some((e) => e.id === carol.nick && (e.sources ?? []).some((s) => s.id === `${carol.nick}-v1`)), 'screen share on the bridge');
  assert.is((await carol.sourceRemove(carolOffer.sid, screen)).attrs.type, 'result');
  for (const p of [alice, bob]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-remove'), carol.nick), [3030, 3031]);
  assert.not.ok(carol.hasPendingJingle('source-add') || carol.hasPendingJingle('source-remove'), 'nobody echoes carol\'s own sources to her');

  // Bob leaves (no session-terminate): the others get source-remove, the bridge drops his endpoint.
  const bobGone = nextEvent(bridge.events, 'endpointExpired', (_m, ep) => ep === bob.nick);
  bob.leave();
  for (const p of [alice, carol]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-remove'), bob.nick), sorted(ssrcsOf(bobSources)));
  await bobGone;
  await waitUntil('the bridge reports 2 endpoints', async () => (await bridgeHttpStats(bridge)).endpoints === 2);

  // The last participants leave: the conference is expired on the bridge, the focus forgets it.
  const ended = nextEvent(bridge.events, 'conferenceExpired', (meetingId) => meetingId === created.request.meetingId);
  alice.leave();
  carol.leave();
  await ended;
  const after = await bridgeHttpStats(bridge);
  assert.equal([after.conferences, after.endpoints, after.stress_level], [0, 0, 0], 'nothing left on the bridge');
  await waitUntil('the focus ended the conference', () => stack.focus.stats().conferences === 0);
});

signaling('a participant announcing someone else\'s SSRC is refused, and the bridge never gets it', async (ctx) => {
  const { stack } = ctx;
  const room = 'thieves';
  const alice = await join(ctx, room);
  const aliceOffer = await alice.nextJingle('session-initiate');
  const aliceSources = cameraSources(alice.nick, 5000);
  assert.is((await alice.accept(aliceOffer, aliceSources)).attrs.type, 'result');
  const mallory = await join(ctx, room);
  const offer = await mallory.nextJingle('session-initiate');
  const bridge = hostOf(stack, alice.roomJid);
  await assertOfferFrom(stack, bridge, offer, mallory);

  const stolen = { ...cameraSources(mallory.nick, 6000), audio: [{ ssrc: 5001, name: `${mallory.nick}-a0`, parameters: [] }] };
  const refused = await mallory.accept(offer, stolen);
  assert.is(refused.attrs.type, 'error');
  assert.is(errorCondition(refused), 'bad-request');
  assert.is((await mallory.sourceAdd(offer.sid, { audio: [], audioGroups: [], video: [{ ssrc: 5010, name: `${mallory.nick}-v1`, parameters: [] }], videoGroups: [] })).attrs.type,
    'error', 'a stolen SSRC in source-add (before any accept) is refused too');

  // An honest answer is taken; alice hears only the honest sources, and so does the bridge.
  const honest = cameraSources(mallory.nick, 6000);
  assert.is((await mallory.accept(offer, honest)).attrs.type, 'result');
  const add = await alice.nextJingle('source-add');
  assert.equal(ssrcsOfOwner(add, mallory.nick), sorted(ssrcsOf(honest)));
  assert.is(errorCondition(await mallory.sourceAdd(offer.sid, { audio: [], audioGroups: [], video: [{ ssrc: 5010, name: `${mallory.nick}-v1`, parameters: [] }], videoGroups: [] })),
    'bad-request', 'stealing after accept is refused');
  const tap = stack.tapOf(bridge);
  await tap.waitFor((x) => x.request.endpoints.some((e) => e.id === mallory.nick && e.sources !== undefined), 'mallory\'s sources on the bridge');
  const malloryOnBridge = tap.exchanges.flatMap((x) => x.request.endpoints.filter((e) => e.id === mallory.nick))
    .flatMap((e) => e.sources ?? []).flatMap((m) => m.sources.map((s) => s.ssrc));
  assert.not.ok(malloryOnBridge.includes(5001) || malloryOnBridge.includes(5010), `the bridge never got a stolen SSRC (got ${malloryOnBridge.join(',')})`);
  const ended = nextEvent(bridge.events, 'conferenceExpired', () => true);
  alice.leave();
  mallory.leave();
  await ended;
  assert.is((await bridgeHttpStats(bridge)).conferences, 0);
});

// ---- bridge selection with real bridges -----------------------------------------------------

/** Joins a fresh room with one participant and returns the bridge its offer points at. */
async function placeConference(ctx: Ctx, room: string, participants = 1): Promise<RunningBridge> {
  let bridge: RunningBridge | undefined;
  for (let i = 0; i < participants; i++) {
    const p = await join(ctx, room);
    const offer = await p.nextJingle('session-initiate');
    bridge ??= hostOf(ctx.stack, p.roomJid);
    await assertOfferFrom(ctx.stack, bridge, offer, p);
    assert.is((await p.accept(offer, cameraSources(p.nick, 10_000 * (ctx.people.length + 1)))).attrs.type, 'result');
  }
  return bridge as RunningBridge;
}

/** Waits until the focus has seen the bridge's stress report (published every 200 ms in the stack). */
const focusSeesStress = (stack: RunningStack, bridge: RunningBridge, stress: number): Promise<void> =>
  waitUntil(`the focus sees ${bridge.nickname} at stress ${stress}`, () => stack.focus.stats().bridges.some((b) => b.id === bridge.nickname && Math.abs(b.stress - stress) < 1e-9));

async function withStack(opts: Parameters<typeof startStack>[0], body: (ctx: Ctx) => Promise<void>): Promise<void> {
  const ctx: Ctx = { baseline: process.getActiveResourcesInfo(), people: [], stack: await startStack(opts) };
  try {
    await body(ctx);
  } finally {
    await closeAll(ctx);
  }
}

const ids = (bs: readonly RunningBridge[]): string[] => bs.map((b) => b.nickname);

test('a burst of new conferences spreads over three idle bridges (endpoints just placed count as stress)', () => withStack({ bridges: 3 }, async (ctx) => {
  const chosen: RunningBridge[] = [];
  for (const room of ['burst-a', 'burst-b', 'burst-c']) chosen.push(await placeConference(ctx, room));
  assert.equal(ids(chosen).sort(), ['jvb-1', 'jvb-2', 'jvb-3']);
  for (const b of ctx.stack.bridges) assert.is((await bridgeHttpStats(b)).conferences, 1, `${b.nickname} hosts one conference`);
}));

test('conferences that start at the same instant spread too (a placement counts before its bridge answers)', () => withStack({ bridges: 3 }, async (ctx) => {
  const people = await Promise.all(['same-a', 'same-b', 'same-c'].map((room) => join(ctx, room)));
  const hosts = await Promise.all(people.map(async (p) => {
    await p.nextJingle('session-initiate');
    return hostOf(ctx.stack, p.roomJid);
  }));
  assert.equal(ids(hosts).sort(), ['jvb-1', 'jvb-2', 'jvb-3']);
}));

test('new conferences go to the bridge reporting the least stress', () => withStack({
  bridges: 3,
  bridgeValues: () => ({ maxEndpoints: 10 }),
  // Only the reported stress counts here (no correction for endpoints placed recently).
  focus: { bridges: { participantRampupMs: 0 } },
}, async (ctx) => {
  const { stack } = ctx;
  const [jvb1, jvb2, jvb3] = stack.bridges as [RunningBridge, RunningBridge, RunningBridge];
  assert.is(await placeConference(ctx, 'stress-a', 3), jvb1, 'all idle: the first by id');
  await focusSeesStress(stack, jvb1, 0.3);
  assert.is(await placeConference(ctx, 'stress-b', 2), jvb2, 'jvb-1 is loaded');
  await focusSeesStress(stack, jvb2, 0.2);
  assert.is(await placeConference(ctx, 'stress-c', 1), jvb3, 'jvb-3 is idle');
  await focusSeesStress(stack, jvb3, 0.1);
  assert.is(await placeConference(ctx, 'stress-d', 1), jvb3, 'jvb-3 (0.1) is below jvb-2 (0.2) and jvb-1 (0.3)');
  const reported = await Promise.all(stack.bridges.map(async (b) => {
    const s = await bridgeHttpStats(b);
    return [s.conferences, s.endpoints, s.stress_level];
  }));
  assert.equal(reported, [[1, 3, 0.3], [1, 2, 0.2], [2, 2, 0.2]]);
}));

test('a bridge that closes (leaves the brewery) gets no new conferences; a draining one neither', () => withStack({ bridges: 3 }, async (ctx) => {
  const { stack } = ctx;
  const [jvb1, jvb2, jvb3] = stack.bridges as [RunningBridge, RunningBridge, RunningBridge];
  assert.is(await placeConference(ctx, 'before-close'), jvb1);
  const [first] = ctx.people as [ScriptedParticipant];
  first.leave();
  await nextEvent(jvb1.events, 'conferenceExpired');

  // Closing publishes shutting_down=true, then leaves the brewery: the focus stops using it at the first.
  const down = nextEvent(stack.focus.focus.bridges.events, 'bridgeDown', (id) => id === 'jvb-1');
  await jvb1.close();
  assert.is((await down)[1], 'shutting-down');
  await waitUntil('the focus forgot jvb-1', () => !stack.focus.stats().bridges.some((b) => b.id === 'jvb-1'));
  const requestsBefore = stack.tapOf(jvb1).exchanges.length;

  jvb2.setDrain(true);
  await waitUntil('the focus sees jvb-2 draining', () => stack.focus.focus.bridges.candidates(Date.now()).some((b) => b.id === 'jvb-2' && b.isDraining));
  const placed = [await placeConference(ctx, 'after-close-a'), await placeConference(ctx, 'after-close-b')];
  assert.equal(ids(placed), ['jvb-3', 'jvb-3']);
  assert.is(stack.tapOf(jvb1).exchanges.length, requestsBefore, 'no COLIBRI2 request went to the closed bridge');
  assert.is((await bridgeHttpStats(jvb2)).conferences, 0, 'the draining bridge got none');
  assert.is((await bridgeHttpStats(jvb3)).conferences, 2);
}));

signaling.run();
test.run();
