// Issue 6 (first part): participants move when their bridge fails, drains or shuts down gracefully,
// with the real focus and real bridges (testkit startStack) and scripted participants on the wire.
// What is asserted is what a client sees: session-terminate (success, "moving"), then a fresh
// session-initiate whose transport is the new bridge's (its DTLS fingerprint, the ICE credentials
// that bridge allocated), and the other participants' sources signalled again. With no bridge left
// participants wait (the focus's room presence says `bridgeNotAvailable`) and are moved when one
// starts; an UNKNOWN_ENDPOINT answer re-invites only that endpoint.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBridge } from '@plenum/bridge';
import type { EndpointSources, Jingle } from '@plenum/xmpp/codec';
import { child, el, encodeConferenceModify } from '@plenum/xmpp/codec';
import type { RunningStack, StackOptions } from '@plenum/testkit';
import {
  ScriptedParticipant, assertNoLeakedHandles, bridgeHttpStats, cameraSources, connectComponent, nextEvent, screenSources, startStack, waitUntil,
} from '@plenum/testkit';
import { conferenceModify, endpointExpire } from '../../src/bridge-client/colibri-requests.ts';

const NS_FOCUS = 'http://jitsi.org/protocol/focus';
/** A move must reach every participant well within this (the bridge's own shutdown is immediate). */
const MOVE_DEADLINE_MS = 5000;

type Person = { readonly p: ScriptedParticipant; readonly sources: EndpointSources; offer: Jingle };

/** Runs `body` with a fresh stack, closing everything (and checking for leaks) afterwards. */
async function withStack(opts: StackOptions, body: (stack: RunningStack, people: ScriptedParticipant[]) => Promise<void>): Promise<void> {
  const baseline = process.getActiveResourcesInfo();
  const people: ScriptedParticipant[] = [];
  const stack = await startStack(opts);
  try {
    await body(stack, people);
  } finally {
    await stack.close();
    for (const p of people) p.close();
  }
  await assertNoLeakedHandles(baseline);
}

/** Joins `room`, accepts the offer with a camera, and returns the person. */
async function joinAndAccept(stack: RunningStack, people: ScriptedParticipant[], room: string, base: number): Promise<Person> {
  const p = await ScriptedParticipant.join({ port: stack.server.tcpPort, room });
  people.push(p);
  const offer = await p.nextJingle('session-initiate');
  const sources = cameraSources(p.nick, base);
  assert.is((await p.accept(offer, sources)).attrs.type, 'result');
  return { p, sources, offer };
}

/** The bridge whose tap saw a successful COLIBRI2 create for the room. */
function hostsOf(stack: RunningStack, roomJid: string): RunningBridge[] {
  return stack.bridges.filter((b) => stack.tapOf(b).about(roomJid).some((x) => x.request.create === true && x.reply?.type === 'result'));
}

const ssrcsFor = (j: Jingle, owner: string): number[] => j.contents.flatMap((c) => c.description?.sources ?? [])
  .filter((s) => s.owner === owner || s.owner?.endsWith(`/${owner}`)).map((s) => s.ssrc);

/** The participant knows `other`'s audio SSRC: from an offer or a source-add, waiting for the latter if needed. */
async function learnsSourcesOf(who: Person, offer: Jingle, other: Person): Promise<void> {
  const audio = other.sources.audio[0]!.ssrc;
  if (ssrcsFor(offer, other.p.nick).includes(audio)) return;
  for (;;) {
    const add = await who.p.nextJingle('source-add', MOVE_DEADLINE_MS);
    if (add.sid === offer.sid && ssrcsFor(add, other.p.nick).includes(audio)) return;
  }
}

/** The participant is told "moving" and offered a session on `bridge` (the transport that bridge allocated for it). */
async function movedTo(stack: RunningStack, who: Person, bridge: RunningBridge): Promise<Jingle> {
  const terminate = await who.p.nextJingle('session-terminate', MOVE_DEADLINE_MS);
  assert.is(terminate.sid, who.offer.sid, `${who.p.nick}: the old session ends`);
  assert.is(terminate.reason?.condition, 'success');
  assert.is(terminate.reason?.text, 'moving');
  const offer = await who.p.nextJingle('session-initiate', MOVE_DEADLINE_MS);
  assert.is.not(offer.sid, who.offer.sid, 'a fresh session');
  const allocated = stack.tapOf(bridge).allocatedTransport(who.p.nick, who.p.roomJid);
  assert.ok(allocated, `bridge ${bridge.id} allocated ${who.p.nick}`);
  const t = offer.contents[0]?.transport;
  assert.is(t?.ufrag, allocated.ufrag, 'the new bridge\'s ICE credentials');
  assert.is(t?.fingerprints[0]?.value, bridge.certificate.fingerprint, 'the new bridge\'s DTLS certificate');
  return offer;
}

test('a bridge that closes: every participant is moved to the other bridge in one batch and sources are re-signalled', () => withStack({ bridges: 2 }, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'failover', 1000);
  const bob = await joinAndAccept(stack, people, 'failover', 2000);
  await learnsSourcesOf(alice, alice.offer, bob);
  const [old] = hostsOf(stack, alice.p.roomJid);
  assert.ok(old, 'the conference is on a bridge');
  const next = stack.bridges.find((b) => b !== old)!;

  await old.close();
  const [aliceOffer, bobOffer] = await Promise.all([movedTo(stack, alice, next), movedTo(stack, bob, next)]);
  const creates = stack.tapOf(next).about(alice.p.roomJid).filter((x) => x.request.create === true && x.reply?.type === 'result');
  assert.is(creates.length, 1);
  assert.equal(creates[0]!.request.endpoints.map((e) => e.id).sort(), [alice.p.nick, bob.p.nick].sort(), 'both allocated in one request');

  assert.is((await alice.p.accept(aliceOffer, alice.sources)).attrs.type, 'result');
  assert.is((await bob.p.accept(bobOffer, bob.sources)).attrs.type, 'result');
  await Promise.all([learnsSourcesOf(alice, aliceOffer, bob), learnsSourcesOf(bob, bobOffer, alice)]);
  await waitUntil('the new bridge counts both endpoints', async () => (await bridgeHttpStats(next)).endpoints === 2, MOVE_DEADLINE_MS);
}));

test('with no bridge left participants wait, are told, and are moved when a bridge starts', () => withStack({ bridges: 1 }, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'nobridge', 3000);
  const focusPresence = (e: { name: string; attrs: Record<string, string | undefined> }): boolean => e.name === 'presence' && e.attrs.from === alice.p.focusOccupant;
  await stack.bridges[0]!.close();

  const terminate = await alice.p.nextJingle('session-terminate', MOVE_DEADLINE_MS);
  assert.is(terminate.reason?.text, 'moving');
  const told = await alice.p.client.next((e) => focusPresence(e) && child(e, 'bridgeNotAvailable', NS_FOCUS) !== undefined, MOVE_DEADLINE_MS, 'bridgeNotAvailable');
  assert.ok(told);
  assert.not.ok(alice.p.hasPendingJingle('session-initiate'), 'no offer without a bridge');
  assert.is(stack.focus.stats().conferences, 1, 'the conference is kept');

  const fresh = await stack.addBridge();
  const offer = await alice.p.nextJingle('session-initiate', MOVE_DEADLINE_MS);
  assert.is(offer.contents[0]?.transport?.fingerprints[0]?.value, fresh.certificate.fingerprint, 'on the bridge that started');
  const cleared = await alice.p.client.next((e) => focusPresence(e) && child(e, 'bridgeNotAvailable', NS_FOCUS) === undefined, MOVE_DEADLINE_MS, 'bridge available again');
  assert.is(cleared.attrs.type, undefined);
}));

test('drain: participants move to a bridge that is not draining and the drained bridge is left empty', () => withStack({ bridges: 2 }, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'drained', 4000);
  const bob = await joinAndAccept(stack, people, 'drained', 5000);
  const [old] = hostsOf(stack, alice.p.roomJid);
  const next = stack.bridges.find((b) => b !== old)!;
  old!.setDrain(true);
  await Promise.all([movedTo(stack, alice, next), movedTo(stack, bob, next)]);
  await waitUntil('the drained bridge has no conference left', async () => (await bridgeHttpStats(old!)).conferences === 0, MOVE_DEADLINE_MS);
}));

test('graceful shutdown: participants move first, then the bridge reports its shutdown complete', () => withStack({ bridges: 2 }, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'graceful', 6000);
  const [old] = hostsOf(stack, alice.p.roomJid);
  const next = stack.bridges.find((b) => b !== old)!;
  const complete = nextEvent(old!.events, 'gracefulShutdownComplete', () => true, MOVE_DEADLINE_MS);
  old!.setGracefulShutdown(true);
  await movedTo(stack, alice, next);
  await complete;
}));

test('a draining bridge with nowhere better to go keeps its conference', () => withStack({ bridges: 1 }, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'stay', 7000);
  stack.bridges[0]!.setDrain(true);
  await waitUntil('the focus sees the drain', () => stack.focus.stats().bridges.some((b) => (b as { draining?: boolean }).draining === true), MOVE_DEADLINE_MS);
  await new Promise((r) => setTimeout(r, 500));
  assert.not.ok(alice.p.hasPendingJingle('session-terminate'), 'not moved');
  assert.is((await bridgeHttpStats(stack.bridges[0]!)).conferences, 1);
}));

test('UNKNOWN_ENDPOINT from the bridge re-invites only that endpoint', () => withStack({
  bridges: 1,
  // An operator's tool (another allowed controller) expires alice behind the focus's back.
  bridgeValues: () => ({ xmpp: { focusAllowed: ['focus.plenum.localhost', 'jvb-99.bridge.plenum.localhost'] } }),
}, async (stack, people) => {
  const alice = await joinAndAccept(stack, people, 'forgetful', 8000);
  const bob = await joinAndAccept(stack, people, 'forgetful', 9000);
  const bridge = stack.bridges[0]!;
  const meetingId = stack.tapOf(bridge).about(alice.p.roomJid)[0]!.request.meetingId;
  const ops = await connectComponent(stack.server.componentPort, 'jvb-99.bridge.plenum.localhost', stack.secrets.bridges);
  try {
    ops.send(el('iq', { type: 'set', id: 'ops1', from: 'jvb-99.bridge.plenum.localhost', to: bridge.domain },
      encodeConferenceModify(conferenceModify(meetingId, alice.p.roomJid, {}, [endpointExpire(alice.p.nick)]))));
    const done = await ops.next((e) => e.name === 'iq' && e.attrs.id === 'ops1', MOVE_DEADLINE_MS, 'expire answer');
    assert.is(done.attrs.type, 'result', 'the bridge expired alice');
  } finally {
    ops.close();
  }
  // Alice shares her screen: the focus pushes her sources to the bridge, which no longer knows her.
  assert.is((await alice.p.sourceAdd(alice.offer.sid, screenSources(alice.p.nick, 8000))).attrs.type, 'result');
  const offer = await movedTo(stack, alice, bridge);
  assert.ok(offer);
  await new Promise((r) => setTimeout(r, 300));
  assert.not.ok(bob.p.hasPendingJingle('session-terminate'), 'bob keeps his session');
  assert.not.ok(bob.p.hasPendingJingle('session-initiate'));
}));

test.run();
