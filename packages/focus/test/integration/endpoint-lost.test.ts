// Issue 4, "consent freshness: an endpoint that stops answering is expired and the focus told", end to
// end with the real focus and a real bridge: a participant whose client never answers ICE (a scripted
// participant: no connectivity checks at all, as a client whose network died) is expired by the bridge
// after the (short) consent timeout; the bridge sends the focus its endpoint-lost notice; the focus
// ends the session (connectivity-error, restart) and offers a fresh one on a fresh allocation. A forged
// notice from anyone but the hosting bridge is refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NS_DISCO_INFO, child, children, el, text } from '@plenum/xmpp/codec';
import type { RunningStack } from '@plenum/testkit';
import { ScriptedParticipant, assertNoLeakedHandles, cameraSources, connectComponent, errorCondition, startStack } from '@plenum/testkit';

const CONSENT_TIMEOUT_MS = 1500;
const NS_PLENUM_BRIDGE = 'urn:plenum:bridge:0';

type Ctx = { stack: RunningStack; baseline: string[]; people: ScriptedParticipant[] };
const test = suite<Ctx>('endpoint lost by the bridge: the focus re-invites');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.people = [];
  ctx.stack = await startStack({
    bridgeValues: () => ({ ice: { consentTimeoutMs: CONSENT_TIMEOUT_MS } }),
    // The second loss (of the fresh endpoint, which never checks in either) is then past the restart limit.
    focus: { jingle: { restartMinIntervalMs: 60_000 } },
  });
});

test.after(async (ctx) => {
  await ctx.stack.close();
  for (const p of ctx.people.splice(0)) p.close();
  await assertNoLeakedHandles(ctx.baseline);
});

test('a participant whose media transport expires gets session-terminate (connectivity-error, restart) and a fresh offer', async (ctx) => {
  const { stack } = ctx;
  const alice = await ScriptedParticipant.join({ port: stack.server.tcpPort, room: 'lossy' });
  ctx.people.push(alice);
  const offer = await alice.nextJingle('session-initiate');
  assert.is((await alice.accept(offer, cameraSources(alice.nick, 3000))).attrs.type, 'result');
  const firstUfrag = offer.contents[0]?.transport?.ufrag;
  assert.ok(firstUfrag);

  // No ICE ever reaches the bridge: after the consent timeout it expires the endpoint and tells the focus.
  const terminate = await alice.nextJingle('session-terminate', CONSENT_TIMEOUT_MS + 8000);
  assert.is(terminate.sid, offer.sid, 'the session that lost its media');
  assert.is(terminate.reason?.condition, 'connectivity-error');
  assert.is(terminate.bridgeSession?.restart, true, 'a new session follows');
  const again = await alice.nextJingle('session-initiate', 8000);
  assert.is.not(again.sid, offer.sid, 'a fresh session');
  const ufrag = again.contents[0]?.transport?.ufrag;
  assert.ok(ufrag !== undefined && ufrag !== firstUfrag, 'on a fresh allocation (new ICE credentials)');
  const terminateIndex = alice.client.inbox.indexOf(terminate.iq);
  assert.ok(terminateIndex < 0 || terminateIndex < alice.client.inbox.indexOf(again.iq), 'terminate before the new offer');

  const bridge = stack.bridges[0]!;
  const allocations = stack.tapOf(bridge).about(alice.roomJid)
    .filter((x) => x.request.endpoints.some((e) => e.id === alice.nick && e.create === true) && x.reply?.type === 'result');
  assert.is(allocations.length, 2, 'the focus allocated alice a second time on the bridge');
});

test('an endpoint-lost notice from anyone but the hosting bridge is refused with forbidden', async (ctx) => {
  const { stack } = ctx;
  const mallory = await ScriptedParticipant.join({ port: stack.server.tcpPort, room: 'lossy2' });
  ctx.people.push(mallory);
  const offer = await mallory.nextJingle('session-initiate');
  assert.is((await mallory.accept(offer, cameraSources(mallory.nick, 5000))).attrs.type, 'result');
  // The meeting id, as any participant reads it from the room's disco#info.
  const info = await mallory.request(el('iq', { type: 'get', to: mallory.roomJid }, el('query', { xmlns: NS_DISCO_INFO })));
  const form = child(child(info, 'query', NS_DISCO_INFO) ?? el('x'), 'x') ?? el('x');
  const meetingId = text(child(children(form, 'field').find((f) => f.attrs.var === 'muc#roominfo_meetingId') ?? el('x'), 'value'));
  assert.ok(meetingId !== '', 'the room\'s meeting id');
  const notice = (from?: string) => el('iq', { type: 'set', to: mallory.focusDomain, ...(from !== undefined ? { from, id: 'forged1' } : {}) },
    el('endpoint-lost', { xmlns: NS_PLENUM_BRIDGE, 'meeting-id': meetingId, 'endpoint-id': mallory.nick, reason: 'consent-expired' }));
  // A participant…
  const reply = await mallory.request(notice());
  assert.is(reply.attrs.type, 'error');
  assert.is(errorCondition(reply), 'forbidden', 'from a participant');
  // …and a component with a bridge's domain that is not this meeting's bridge (nor in the brewery).
  const rogue = await connectComponent(stack.server.componentPort, 'jvb-99.bridge.plenum.localhost', stack.secrets.bridges);
  try {
    rogue.send(notice('jvb@jvb-99.bridge.plenum.localhost/jvb-99'));
    const answer = await rogue.next((e) => e.name === 'iq' && e.attrs.id === 'forged1', 5000, 'answer to the forged notice');
    assert.is(errorCondition(answer), 'forbidden', 'from another bridge');
  } finally {
    rogue.close();
  }
  const malformed = await mallory.request(el('iq', { type: 'set', to: mallory.focusDomain }, el('endpoint-lost', { xmlns: NS_PLENUM_BRIDGE })));
  assert.is(errorCondition(malformed), 'bad-request');
});

test.run();
