// Issue 3's proof, part 1: the conference request, session-initiates for two and three participants
// pointing at the chosen bridge, source-add/-remove to the right people, a foreign SSRC refused,
// restart, and cleanup when the last participant leaves. Our XMPP server, the focus and a fake
// bridge run in this process on loopback.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El, Jingle } from '@plenum/xmpp/codec';
import { CAPABILITY_BATCHED_DELIVERY, FEATURE_BATCHED_DELIVERY, NS_DISCO_INFO, NS_FOCUS, NS_MUC_USER, child, children, el, ssrcsOf } from '@plenum/xmpp/codec';
import type { Stack } from './stack.ts';
import { FOCUS_DOMAIN, FakeBridge, MUC, Participant, cameraSources, screenSources, startStack } from './stack.ts';

const test = suite<{ stack: Stack; bridge: FakeBridge; baseline: string[] }>('focus signaling');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startStack();
  ctx.bridge = await FakeBridge.start(ctx.stack, 'jvb1', { region: 'eu' });
});
test.after(async (ctx) => {
  await ctx.stack.close();
  // Style C17 leak check: closing the stack leaves no sockets, servers or timers behind.
  const count = (xs: string[]): Map<string, number> => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const extra = (): string[] => {
    const base = count(ctx.baseline);
    return [...count(process.getActiveResourcesInfo())].filter(([kind, n]) => n > (base.get(kind) ?? 0)).map(([kind]) => kind);
  };
  for (let i = 0; i < 100 && extra().length > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(extra(), [], 'resources left after close');
});

const errorCondition = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const ssrcsOfOwner = (j: Jingle, owner: string): number[] => {
  if (j.jsonSources !== undefined) return ssrcsOf(j.jsonSources[owner] ?? { audio: [], video: [], audioGroups: [], videoGroups: [] }).sort((a, b) => a - b);
  return j.contents.flatMap((c) => c.description?.sources ?? []).filter((s) => s.owner === owner || s.owner?.endsWith(`/${owner}`)).map((s) => s.ssrc).sort((a, b) => a - b);
};
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

test('conference request: ready with focusjid and properties; the focus occupant shows its real JID', async ({ stack }) => {
  const alice = await Participant.connect(stack, 'lobbytest');
  const reply = await alice.requestConference();
  assert.is(reply.attrs.type, 'result');
  const conf = child(reply, 'conference', NS_FOCUS);
  assert.is(conf?.attrs.ready, 'true');
  assert.is(conf?.attrs.focusjid, FOCUS_DOMAIN);
  assert.is(conf?.attrs.room, alice.roomJid);
  const props = Object.fromEntries(children(conf ?? el('x'), 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.equal(props, { authentication: 'false', sipGatewayEnabled: 'false', 'visitors-supported': 'false' });
  alice.enterRoom().catch(() => undefined);
  // protocols.md §12: the client recognises the focus only when its real JID starts with focusjid + "/".
  const focusPresence = await alice.bot.next((e) => e.name === 'presence' && e.attrs.from === alice.focusOccupant);
  const realJid = child(child(focusPresence, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.jid ?? '';
  assert.ok(realJid.startsWith(`${FOCUS_DOMAIN}/`), realJid);
  alice.leave();
});

test('room JIDs outside the conference MUC are refused with bad-request', async ({ stack }) => {
  const p = await Participant.connect(stack, 'x');
  for (const room of ['standup@elsewhere.example', 'no-node.example/with-resource', `${MUC}`]) {
    const reply = await p.requestConference({ room });
    assert.is(reply.attrs.type, 'error', room);
    assert.is(errorCondition(reply), 'bad-request', room);
  }
});

test('two and three participants: offers point at the bridge; sources reach the right people; cleanup on last leave', async ({ stack, bridge }) => {
  const room = 'standup';
  const alice = await Participant.join(stack, room);
  const aliceOffer = await alice.nextJingle('session-initiate');

  // The offer (protocols.md §2.2): bridge transport, BUNDLE, codecs, data channel, bridge session, jvb sources.
  const audio = aliceOffer.contents.find((c) => c.name === 'audio');
  const video = aliceOffer.contents.find((c) => c.name === 'video');
  const data = aliceOffer.contents.find((c) => c.name === 'data');
  assert.is(audio?.transport?.ufrag, 'u-jvb1', 'the chosen bridge transport');
  assert.is(audio?.transport?.fingerprints[0]?.setup, 'actpass');
  assert.is(data?.transport?.sctp?.number, 5000);
  assert.equal(aliceOffer.groups, [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }]);
  assert.equal(audio?.description?.payloadTypes.map((p) => `${p.name}/${p.id}`), ['opus/111', 'telephone-event/126']);
  assert.equal(audio?.description?.payloadTypes[0]?.parameters, [{ name: 'minptime', value: '10' }, { name: 'useinbandfec', value: '1' }]);
  assert.equal(video?.description?.payloadTypes.map((p) => `${p.name}/${p.id}`), ['AV1/41', 'VP8/100', 'H264/107', 'VP9/101', 'rtx/42', 'rtx/96', 'rtx/97', 'rtx/99']);
  assert.equal(video?.description?.payloadTypes[1]?.rtcpFeedback.map((f) => [f.type, f.subtype].filter(Boolean).join(' ')),
    ['ccm fir', 'nack', 'nack pli', 'goog-remb', 'transport-cc']);
  assert.equal(audio?.description?.headerExtensions.map((h) => h.id), [1, 10, 5]);
  assert.equal(video?.description?.headerExtensions.map((h) => h.id), [11, 3, 10, 5]);
  assert.ok(audio?.description?.extmapAllowMixed && audio.description.rtcpMux);
  assert.is(aliceOffer.bridgeSession?.region, 'eu');
  assert.ok((aliceOffer.bridgeSession?.id ?? '').length > 0);
  assert.equal(ssrcsOfOwner(aliceOffer, 'jvb'), [411, 412], 'the bridge feedback sources');
  assert.is(aliceOffer.jsonSources, undefined, 'no json-encoded-sources feature: XEP-0339 sources');

  const aliceSources = cameraSources(alice.nick, 1000);
  assert.is((await alice.accept(aliceOffer, aliceSources)).attrs.type, 'result');

  // The bridge: created with the room's meeting id, alice allocated then given her answer.
  const info = await alice.bot.request(el('iq', { type: 'get', to: alice.roomJid }, el('query', { xmlns: NS_DISCO_INFO })));
  const meetingId = children(child(child(info, 'query', NS_DISCO_INFO) ?? el('x'), 'x') ?? el('x'), 'field')
    .find((f) => f.attrs.var === 'muc#roominfo_meetingId');
  const created = await bridge.waitFor((m) => m.name === alice.roomJid && m.create === true, 'conference create');
  assert.is(created.meetingId, child(meetingId ?? el('x'), 'value')?.children[0]);
  assert.equal(created.endpoints.map((e) => [e.id, e.create]), [[alice.nick, true]]);
  assert.ok(created.endpoints[0]?.transport?.iceControlling);
  const answered = await bridge.waitFor((m) => m.name === alice.roomJid && m.endpoints.some((e) => e.id === alice.nick && e.sources !== undefined), 'alice answer');
  const aliceUpdate = answered.endpoints[0];
  assert.is(aliceUpdate?.transport?.iceUdp?.ufrag, 'clientufrag');
  assert.equal(aliceUpdate?.sources?.map((s) => s.id).sort(), [`${alice.nick}-a0`, `${alice.nick}-v0`]);

  // Auto-owner: alice, the first participant, is made moderator.
  await alice.bot.next((e) => e.name === 'presence' && e.attrs.from === alice.occupantJid
    && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.affiliation === 'owner', 5000, 'alice owner');

  // Bob understands JSON sources: his offer carries alice's and the bridge's in a json-message.
  const bob = await Participant.join(stack, room, { json: true });
  const bobOffer = await bob.nextJingle('session-initiate');
  assert.ok(bobOffer.jsonSources !== undefined);
  assert.equal(ssrcsOfOwner(bobOffer, alice.nick), sorted(ssrcsOf(aliceSources)));
  assert.equal(ssrcsOfOwner(bobOffer, 'jvb'), [411, 412]);
  assert.is(bobOffer.contents[0]?.transport?.ufrag, 'u-jvb1', 'same bridge');
  const bobSources = cameraSources(bob.nick, 2000);
  assert.is((await bob.accept(bobOffer, bobSources)).attrs.type, 'result');
  // Alice learns bob's sources: XEP-0339 with ssrc-info owner = bob's occupant JID.
  const addForAlice = await alice.nextJingle('source-add');
  assert.equal(ssrcsOfOwner(addForAlice, bob.nick), sorted(ssrcsOf(bobSources)));
  assert.ok(addForAlice.contents.flatMap((c) => c.description?.sources ?? []).every((s) => s.owner === bob.occupantJid));

  // Carol: her offer has alice's and bob's sources.
  const carol = await Participant.join(stack, room);
  const carolOffer = await carol.nextJingle('session-initiate');
  assert.equal(ssrcsOfOwner(carolOffer, alice.nick), sorted(ssrcsOf(aliceSources)));
  assert.equal(ssrcsOfOwner(carolOffer, bob.nick), sorted(ssrcsOf(bobSources)));
  const carolSources = cameraSources(carol.nick, 3000);
  assert.is((await carol.accept(carolOffer, carolSources)).attrs.type, 'result');
  assert.equal(ssrcsOfOwner(await alice.nextJingle('source-add'), carol.nick), sorted(ssrcsOf(carolSources)));
  assert.equal(ssrcsOfOwner(await bob.nextJingle('source-add'), carol.nick), sorted(ssrcsOf(carolSources)), 'bob gets JSON');

  // Carol shares her screen, then stops: both others hear about it, carol does not.
  const screen = screenSources(carol.nick, 3000);
  assert.is((await carol.sourceAdd(carolOffer.sid, screen)).attrs.type, 'result');
  for (const p of [alice, bob]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-add'), carol.nick), [3030, 3031]);
  assert.is((await carol.sourceRemove(carolOffer.sid, screen)).attrs.type, 'result');
  for (const p of [alice, bob]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-remove'), carol.nick), [3030, 3031]);
  await bridge.waitFor((m) => m.endpoints.some((e) => e.id === carol.nick && (e.sources ?? []).some((s) => s.id === `${carol.nick}-v1`)), 'screen share on the bridge');

  // Bob leaves without session-terminate: the others get source-remove, the bridge expires his endpoint.
  bob.leave();
  for (const p of [alice, carol]) assert.equal(ssrcsOfOwner(await p.nextJingle('source-remove'), bob.nick), sorted(ssrcsOf(bobSources)));
  await bridge.waitFor((m) => m.endpoints.some((e) => e.id === bob.nick && e.expire === true), 'bob expired');
  assert.not.ok(carol.bot.inbox.some((e) => child(e, 'jingle')?.attrs.action === 'source-add'), 'nothing else was signalled to carol');

  // The last participant out: the conference is expired on the bridge and forgotten.
  alice.leave();
  carol.leave();
  await bridge.waitFor((m) => m.name === alice.roomJid && m.expire === true, 'conference expire');
  for (let i = 0; i < 100 && stack.focus.stats().conferences > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(stack.focus.stats().conferences, 0);
});

test('a participant whose presence asks for batched delivery is allocated with the bridge capability; the others are not', async ({ stack, bridge }) => {
  const room = 'batched';
  const browser = await Participant.join(stack, room);
  await browser.nextJingle('session-initiate');
  const recorder = await Participant.connect(stack, room);
  assert.is((await recorder.requestConference()).attrs.type, 'result');
  await recorder.enterRoom(undefined, [FEATURE_BATCHED_DELIVERY]);
  await recorder.nextJingle('session-initiate');
  const allocations = bridge.requestsFor(browser.roomJid).flatMap((r) => r.endpoints.filter((e) => e.create === true));
  assert.equal(allocations.find((e) => e.id === recorder.nick)?.capabilities, ['source-names', CAPABILITY_BATCHED_DELIVERY]);
  assert.equal(allocations.find((e) => e.id === browser.nick)?.capabilities, ['source-names']);
  browser.leave();
  recorder.leave();
});

test('announcing someone else\'s SSRC (or source name) is refused and nothing is forwarded', async ({ stack }) => {
  const room = 'thieves';
  const alice = await Participant.join(stack, room);
  const aliceOffer = await alice.nextJingle('session-initiate');
  const aliceSources = cameraSources(alice.nick, 5000);
  assert.is((await alice.accept(aliceOffer, aliceSources)).attrs.type, 'result');
  const mallory = await Participant.join(stack, room);
  const offer = await mallory.nextJingle('session-initiate');
  const stolen = { ...cameraSources(mallory.nick, 6000), audio: [{ ssrc: 5001, name: `${mallory.nick}-a0`, parameters: [] }] };
  const refused = await mallory.accept(offer, stolen);
  assert.is(refused.attrs.type, 'error');
  assert.is(errorCondition(refused), 'bad-request');
  const misnamed = { ...cameraSources(mallory.nick, 6000), audio: [{ ssrc: 6001, name: `${alice.nick}-a0`, parameters: [] }] };
  assert.is(errorCondition(await mallory.accept(offer, misnamed)), 'bad-request');
  const tooMany = { ...cameraSources(mallory.nick, 6000), audio: Array.from({ length: 20 }, (_, i) => ({ ssrc: 7000 + i, name: `${mallory.nick}-a${i}`, parameters: [] })) };
  assert.is(errorCondition(await mallory.accept(offer, tooMany)), 'bad-request', 'more than 20 SSRCs');
  // An honest answer still works, and it is the only thing alice ever hears about mallory.
  const honest = cameraSources(mallory.nick, 6000);
  assert.is((await mallory.accept(offer, honest)).attrs.type, 'result');
  const add = await alice.nextJingle('source-add');
  assert.equal(ssrcsOfOwner(add, mallory.nick), sorted(ssrcsOf(honest)));
  assert.not.ok(ssrcsOfOwner(add, mallory.nick).includes(5001));
  // A source-add that steals is refused too.
  assert.is(errorCondition(await mallory.sourceAdd(offer.sid, { audio: [], audioGroups: [], video: [{ ssrc: 5010, name: `${mallory.nick}-v1`, parameters: [] }], videoGroups: [] })), 'bad-request');
  // A session-accept for a session that does not exist.
  assert.is(errorCondition(await mallory.accept({ ...offer, sid: 'bogus' }, honest)), 'item-not-found');
  alice.leave();
  mallory.leave();
});

test('session-terminate with bridge-session restart: a fresh session-initiate; others see the sources go and come back', async ({ stack, bridge }) => {
  const room = 'restarts';
  const alice = await Participant.join(stack, room);
  const aliceOffer = await alice.nextJingle('session-initiate');
  await alice.accept(aliceOffer, cameraSources(alice.nick, 8000));
  const bob = await Participant.join(stack, room);
  const bobOffer = await bob.nextJingle('session-initiate');
  const bobSources = cameraSources(bob.nick, 9000);
  await bob.accept(bobOffer, bobSources);
  await alice.nextJingle('source-add');
  assert.is((await bob.restart(bobOffer)).attrs.type, 'result');
  assert.equal(ssrcsOfOwner(await alice.nextJingle('source-remove'), bob.nick), sorted(ssrcsOf(bobSources)));
  const second = await bob.nextJingle('session-initiate');
  assert.is.not(second.sid, bobOffer.sid);
  assert.is.not(second.bridgeSession?.id, bobOffer.bridgeSession?.id);
  await bridge.waitFor((m) => m.name === bob.roomJid && m.endpoints.some((e) => e.id === bob.nick && e.expire === true), 'old endpoint expired');
  await bob.accept(second, bobSources);
  assert.equal(ssrcsOfOwner(await alice.nextJingle('source-add'), bob.nick), sorted(ssrcsOf(bobSources)));
  // A second restart right away is rate limited (≥ 5 s apart).
  const limited = await bob.restart(second);
  assert.is(errorCondition(limited), 'resource-constraint');
  alice.leave();
  bob.leave();
});

test.run();
