// Hostile or broken input from another occupant reaches the browser core (a scripted participant
// over a raw XMPP stream): malformed Jingle is refused with bad-request, an unsolicited peer offer
// is declined, an unknown IQ gets service-unavailable, garbage presence extensions read as nothing;
// the meeting goes on, and a real participant who joins afterwards is seen and heard.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { NS_JINGLE, child, el } from '@plenum/xmpp/codec';
import { ScriptedParticipant, errorCondition } from '@plenum/testkit';
import type { Harness } from './harness-entry.ts';
import { eventually, startBrowserStack } from './browser-stack.ts';

type H = Harness;
const call = <T>(page: Page, fn: (h: H) => T | Promise<T>): Promise<T> =>
  page.evaluate(`(${fn.toString()})(globalThis.harness)`) as Promise<T>;
const ROOM = 'rough-room';

test('malformed stanzas from another occupant are refused and break nothing', async () => {
  const stack = await startBrowserStack();
  let mallory: ScriptedParticipant | undefined;
  try {
    const join = async (name: string): Promise<{ page: Page; id: string }> => {
      const page = await stack.newTab();
      const id = await page.evaluate(([c, r, n]) => (globalThis as unknown as { harness: H }).harness.join(c, r, n), [stack.config, ROOM, name] as const);
      return { page, id };
    };
    const alice = await join('Alice');
    mallory = await ScriptedParticipant.join({ port: stack.plenum.server.tcpPort, room: ROOM, json: true });
    const m = mallory;
    await eventually(() => call(alice.page, (h) => h.state()), (s) => s.participants.some((p) => p.id === m.nick), 5000, 'Alice lists Mallory');
    const aliceJid = `${m.roomJid}/${alice.id}`;

    // Garbage in presence extensions: Mallory still listed, nothing read from the garbage.
    m.client.send(el('presence', { to: m.occupantJid },
      el('SourceInfo', {}, '{"__proto__":{"muted":true},"x":'), el('jitsi_participant_raisedHand', {}, 'tomorrow'),
      el('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'M'.repeat(300))));
    const seen = await eventually(() => call(alice.page, (h) => h.state()), (s) => s.participants.some((p) => p.id === m.nick && p.displayName.length === 300), 5000, 'update read');
    const mine = seen.participants.find((p) => p.id === m.nick);
    assert.is(mine?.audioMuted, false);
    assert.is(mine?.handRaised, false);

    // Jingle that does not decode: bad-request.
    const bogus = await m.request(el('iq', { type: 'set', to: aliceJid }, el('jingle', { xmlns: NS_JINGLE, action: 'no-such-action', sid: 's1' })));
    assert.is(errorCondition(bogus), 'bad-request');
    // A peer offer while P2P is off: acknowledged, then declined with session-terminate.
    const offer = await m.request(el('iq', { type: 'set', to: aliceJid }, el('jingle', { xmlns: NS_JINGLE, action: 'session-initiate', sid: 'p2p1' })));
    assert.is(offer.attrs.type, 'result');
    const terminate = await m.client.next((e) => child(e, 'jingle', NS_JINGLE)?.attrs.action === 'session-terminate' && e.attrs.from === aliceJid, 5000, 'decline');
    assert.is(child(terminate, 'jingle', NS_JINGLE)?.attrs.sid, 'p2p1');
    // An IQ nobody handles: service-unavailable.
    const unknown = await m.request(el('iq', { type: 'get', to: aliceJid }, el('query', { xmlns: 'urn:example:nothing' })));
    assert.is(errorCondition(unknown), 'service-unavailable');

    // The meeting goes on: Alice is still in, and Bob who joins now is seen and heard.
    assert.is((await call(alice.page, (h) => h.state())).state, 'joined');
    const bob = await join('Bob');
    await eventually(async () => ({ f: await call(alice.page, (h) => h.videoFrames()), a: await call(alice.page, (h) => h.audioPackets()) }),
      (v) => (v.f[`${bob.id}:camera`] ?? 0) > 5 && (v.a[bob.id] ?? 0) > 5, 20_000, 'Alice gets Bob\'s media');
  } finally {
    mallory?.close();
    await stack.close();
  }
});

test.run();
