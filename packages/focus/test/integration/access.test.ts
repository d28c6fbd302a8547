// Issue 3's proof, part 3: who may start a conference and who moderates (secure domain, tokens),
// the mute rules, and the limits, through the whole stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_COLIBRI2, NS_FOCUS, NS_MUC_USER, child, el, text } from '@plenum/xmpp/codec';
import type { TokenVerifier } from '../../src/ports.ts';
import { FakeBridge, Participant, cameraSources, startStack } from './stack.ts';

const stanzaError = (iq: El): { type?: string; condition?: string; text: string } => {
  const e = child(iq, 'error');
  const condition = e?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
  return { ...(e?.attrs.type !== undefined ? { type: e.attrs.type } : {}), ...(condition !== undefined ? { condition } : {}), text: text(child(e ?? el('x'), 'text')) };
};
const affiliationIn = (presence: El): string | undefined => child(child(presence, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.affiliation;
const ownerPresenceOf = (p: Participant) => (e: El): boolean => e.name === 'presence' && e.attrs.from === p.occupantJid && affiliationIn(e) === 'owner';

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('secure domain: a guest cannot start a conference, an account holder can and moderates, then the guest gets in', async () => {
  const stack = await startStack({
    server: { auth: { guestDomain: 'guest.plenum.localhost', anonymous: false } },
    focus: { guestDomain: 'guest.plenum.localhost', auth: { requireAuthenticationToStart: true }, moderation: { policy: 'authenticated' } },
  });
  try {
    await FakeBridge.start(stack, 'jvb1');
    assert.ok((await stack.users.add('alice', 'wonderland-pass')).ok);
    const guest = await Participant.connect(stack, 'secure', { domain: 'guest.plenum.localhost' });
    const refused = await guest.requestConference();
    assert.equal(stanzaError(refused).type, 'auth');
    assert.equal(stanzaError(refused).condition, 'not-authorized');
    // The host logs in with a local account and starts the room; the authenticated policy makes her owner.
    const alice = await Participant.join(stack, 'secure', { user: 'alice', password: 'wonderland-pass' });
    await alice.bot.next(ownerPresenceOf(alice), 5000, 'alice owner');
    // The guest retries (lib-jitsi-meet does, with backoff) and is admitted now.
    const admitted = await guest.requestConference();
    assert.is(child(admitted, 'conference', NS_FOCUS)?.attrs.ready, 'true');
    const self = await guest.enterRoom();
    assert.is(affiliationIn(self), 'none');
    const offer = await guest.nextJingle('session-initiate');
    assert.is(offer.contents[0]?.transport?.ufrag, 'u-jvb1');
    assert.not.ok(guest.bot.inbox.some(ownerPresenceOf(guest)), 'guests are not made moderators');
  } finally {
    await stack.close();
  }
});

test('tokens: verified in the conference request, bound to the requester; context.user.moderator decides', async () => {
  const hour = Date.now() + 3_600_000;
  const tokens: Record<string, Parameters<typeof Object.freeze>[0]> = {
    'plain-token': { room: '*', userId: 'u-plain', isModerator: false, expiresAtMs: hour },
    'mod-token': { room: 'tokens', userId: 'u-mod', isModerator: true, expiresAtMs: hour },
    'other-room': { room: 'elsewhere', userId: 'u-x', isModerator: true, expiresAtMs: hour },
  };
  const verifier: TokenVerifier = {
    verify: (t) => (tokens[t] !== undefined ? { ok: true, value: tokens[t] as never } : { ok: false, error: { code: 'bad-signature', text: 'the token signature does not match' } }),
  };
  const stack = await startStack({
    tokenVerifier: verifier,
    focus: { auth: { jwt: { enabled: true } }, moderation: { policy: 'authenticated', jwtModeratorClaim: true } },
  });
  try {
    await FakeBridge.start(stack, 'jvb1');
    const plain = await Participant.connect(stack, 'tokens');
    assert.is((await plain.requestConference({ token: 'plain-token' })).attrs.type, 'result');
    await plain.enterRoom();
    const mod = await Participant.connect(stack, 'tokens');
    assert.is((await mod.requestConference({ token: 'mod-token' })).attrs.type, 'result');
    await mod.enterRoom();
    await plain.bot.next(ownerPresenceOf(mod), 5000, 'the moderator token holder becomes owner');
    assert.not.ok(plain.bot.inbox.some(ownerPresenceOf(plain)), 'a token without the moderator claim is not owner');
    const forged = await Participant.connect(stack, 'tokens');
    assert.equal(stanzaError(await forged.requestConference({ token: 'forged' })).condition, 'not-authorized');
    assert.equal(stanzaError(await forged.requestConference({ token: 'other-room' })).condition, 'not-authorized');
  } finally {
    await stack.close();
  }
});

test('mute: moderators mute others (bridge force-mute + IQ to the target), nobody unmutes others, self-unmute lifts it', async () => {
  const stack = await startStack();
  try {
    const bridge = await FakeBridge.start(stack, 'jvb1');
    const alice = await Participant.join(stack, 'mutes');
    await alice.accept(await alice.nextJingle('session-initiate'), cameraSources(alice.nick, 100));
    await alice.bot.next(ownerPresenceOf(alice), 5000, 'alice moderator');
    const bob = await Participant.join(stack, 'mutes');
    await bob.accept(await bob.nextJingle('session-initiate'), cameraSources(bob.nick, 200));
    await bridge.waitFor((m) => m.endpoints.some((e) => e.id === bob.nick && e.sources !== undefined), 'bob answered');

    assert.equal(stanzaError(await bob.mute('audio', alice, true)).condition, 'forbidden', 'a participant mutes the moderator');
    assert.is((await alice.mute('audio', bob, true)).attrs.type, 'result');
    const told = await bob.bot.next((e) => e.name === 'iq' && e.attrs.from === bob.focusOccupant && child(e, 'mute') !== undefined, 5000, 'mute IQ');
    const muteEl = child(told, 'mute') as El;
    assert.is(muteEl.attrs.xmlns, 'http://jitsi.org/jitmeet/audio');
    assert.is(muteEl.attrs.jid, bob.occupantJid);
    assert.is(muteEl.attrs.actor, alice.occupantJid);
    assert.is(text(muteEl), 'true');
    await bridge.waitFor((m) => m.endpoints.some((e) => e.id === bob.nick && e.forceMute?.audio === true && e.forceMute.video === false), 'force-mute audio');

    assert.equal(stanzaError(await alice.mute('audio', bob, false)).condition, 'not-allowed', 'no remote unmute');
    assert.is((await bob.mute('audio', bob, false)).attrs.type, 'result', 'self-unmute');
    await bridge.waitFor((m) => m.endpoints.some((e) => e.id === bob.nick && e.forceMute?.audio === false), 'force-mute lifted');
    assert.is((await alice.mute('desktop', bob, true)).attrs.type, 'result');
    await bridge.waitFor((m) => m.endpoints.some((e) => e.id === bob.nick && e.forceMute?.video === true), 'desktop mute = video on the bridge');
    const stranger = await Participant.connect(stack, 'mutes');
    const outsider = await stranger.bot.request(el('iq', { type: 'set', to: 'focus.plenum.localhost' },
      el('mute', { xmlns: 'http://jitsi.org/jitmeet/audio', jid: bob.occupantJid }, 'true')));
    assert.equal(stanzaError(outsider).condition, 'forbidden', 'mute requests only come from participants');
    assert.ok(bridge.requests.every((r) => r.endpoints.every((e) => e.id !== alice.nick || e.forceMute === undefined)), 'alice was never force-muted');
    assert.ok(NS_COLIBRI2.length > 0);
  } finally {
    await stack.close();
  }
});

test('limits: participants per conference, conferences per focus, join rate', async () => {
  const stack = await startStack({ focus: { limits: { maxConferences: 1, maxParticipantsPerConference: 2, joinRatePerSecond: 1, joinBurst: 4 } } });
  try {
    await FakeBridge.start(stack, 'jvb1');
    await Participant.join(stack, 'small');
    await Participant.join(stack, 'small');
    await until('two participants', () => stack.focus.stats().participants === 2);
    const third = await Participant.connect(stack, 'small');
    const full = stanzaError(await third.requestConference());
    assert.equal([full.type, full.condition], ['wait', 'resource-constraint']);
    assert.match(full.text, /full/);
    const other = await Participant.connect(stack, 'another');
    const busy = stanzaError(await other.requestConference());
    assert.equal([busy.type, busy.condition], ['wait', 'service-unavailable']);
    assert.match(busy.text, /at most 1 conferences/);
    // Two tokens were spent by the joins, one by the refused third: the fifth request exceeds the burst.
    await third.requestConference();
    const rate = stanzaError(await third.requestConference());
    assert.equal([rate.type, rate.condition], ['wait', 'resource-constraint']);
    assert.match(rate.text, /too many join requests/);
  } finally {
    await stack.close();
  }
});

test.run();
