// The leg's E2EE part on its own (src/conference/leg-keys.ts): two LegKeys pair and exchange media
// keys through their real KeySessions; the room (stand-in: the presences and private messages are
// handed from one to the other directly instead of through a MUC, everything else is real
// @plenum/e2ee). Proves what the call's audio relies on: frames decrypt in the order they came
// although WebCrypto is async; a full queue drops (counted) instead of growing; room off passes
// packets untouched and at once; a frame with no key of ours is not sent; the room's state follows
// a moderator's "off" but not anyone else's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROP_E2EE_ENABLED, changedRoomE2ee, e2eePresenceElements, ROOM_E2EE_OFF } from '@plenum/e2ee';
import type { RoomE2eeState } from '@plenum/e2ee';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_MUC_USER, child, el, text } from '@plenum/xmpp/codec';
import { waitUntil } from '@plenum/testkit';
import { LegKeys } from '../src/conference/leg-keys.ts';

type Delivered = { ssrc: number; seq: number; payload: Uint8Array };

/** A LegKeys whose key messages go to `peers` and whose deliveries are recorded. */
function legKeys(nick: string, peers: Map<string, LegKeys>, maxPendingFrames = 25): { keys: LegKeys; delivered: Delivered[]; presences: number } {
  const out = { keys: undefined as unknown as LegKeys, delivered: [] as Delivered[], presences: 0 };
  out.keys = new LegKeys({
    log: silentLogger, localId: nick, limits: { maxPendingFrames },
    sendJson: (to, json) => peers.get(to)?.onPrivateJson(nick, json),
    presenceChanged: () => out.presences++,
    deliver: (ssrc, seq, _ts, payload) => out.delivered.push({ ssrc, seq, payload: Uint8Array.from(payload) }),
  });
  return out;
}

const presence = (nick: string, elements: El[], role = 'participant'): El =>
  el('presence', { from: `room@conference.plenum.localhost/${nick}` }, el('x', { xmlns: NS_MUC_USER }, el('item', { role, affiliation: role === 'moderator' ? 'owner' : 'member' })), elements);

/** An Opus-like frame: TOC byte, then `n` and filler. */
const frame = (n: number): Uint8Array => Uint8Array.from([0x78, n & 0xff, (n >> 8) & 0xff, ...new Array<number>(40).fill(n & 0x7f)]);

/** The moderator's presence with the room's state (and no identity key: it is not a key holder here). */
const moderatorSays = (room: RoomE2eeState): El => presence('mod', e2eePresenceElements({ encrypts: room.on, idKey: undefined, room }), 'moderator');

/** Two paired legs in a room the moderator turned on; b holds a's key and a holds b's. */
async function pairedInEncryptedRoom(maxPendingFrames = 25) {
  const peers = new Map<string, LegKeys>();
  const a = legKeys('a', peers, maxPendingFrames);
  const b = legKeys('b', peers, maxPendingFrames);
  peers.set('a', a.keys).set('b', b.keys);
  await a.keys.start();
  await b.keys.start();
  const on = changedRoomE2ee(ROOM_E2EE_OFF, true, Date.now());
  for (const x of [a, b]) x.keys.onOccupantPresence('mod', moderatorSays(on));
  // a is in the room; b joins: a sees b's presence (ratchets, sends b its key), b saw a's before its join completed.
  b.keys.onOccupantPresence('a', presence('a', a.keys.presenceElements()));
  a.keys.joined();
  a.keys.onOccupantPresence('b', presence('b', b.keys.presenceElements()));
  b.keys.joined();
  return { a, b, on };
}

/** a's frames 0…count-1 as encrypted and sent, in call order. */
async function encryptedBurst(a: LegKeys, count: number): Promise<Uint8Array[]> {
  const sent = await Promise.all(Array.from({ length: count }, (_, n) => a.encryptOutbound(frame(n), 1111, n * 960)));
  return sent.filter((s): s is Uint8Array => s !== undefined);
}

/**
 * Keys are derived and sent asynchronously (a's own key, the pairing, the sealed key message): a's
 * first frames may go unsent or find no key at b. Probes until one of a's frames opens at b.
 */
async function untilOpens(a: { keys: LegKeys }, b: { keys: LegKeys; delivered: Delivered[] }): Promise<void> {
  await waitUntil('b opens a\'s frames', async () => {
    const [probe] = await encryptedBurst(a.keys, 1);
    if (probe !== undefined) b.keys.receive(2222, 0, 0, 'a', probe);
    await new Promise((r) => setTimeout(r, 20));
    return b.delivered.length > 0;
  }, 5000);
  b.delivered.length = 0;
}

test('paired legs: the room\'s state reaches presence; a burst of encrypted frames is decrypted in order; plain frames are dropped', async () => {
  const { a, b } = await pairedInEncryptedRoom(300);
  assert.ok(a.keys.isRoomOn && b.keys.isRoomOn);
  assert.ok(a.presences > 0, 'the leg re-sends its presence when the room turns on');
  assert.is(text(child(el('p', {}, a.keys.presenceElements()), PROP_E2EE_ENABLED)), 'true', 'and says it encrypts');
  await untilOpens(a, b);

  const sent = await encryptedBurst(a.keys, 200);
  assert.is(sent.length, 200, 'every frame is encrypted (a has its key)');
  assert.ok(sent.every((s, n) => s.length === frame(n).length + 30 && s[0] === 0x78), 'TOC in the clear, tag and trailer added');
  sent.forEach((s, n) => b.keys.receive(2222, n, n * 960, 'a', s));
  await waitUntil('all 200 frames decrypted', () => b.delivered.length === 200, 5000);
  assert.equal(b.delivered.map((d) => d.seq), Array.from({ length: 200 }, (_, n) => n), 'delivered in the order they came');
  assert.ok(b.delivered.every((d) => d.payload.join() === frame(d.seq).join()), 'each the frame a sent');

  const dropsBefore = b.keys.stats().dropped['auth-failed'] + b.keys.stats().dropped['too-short'] + b.keys.stats().dropped['bad-trailer'];
  for (let n = 0; n < 10; n++) b.keys.receive(2222, 1000 + n, 0, 'a', frame(n));
  b.keys.receive(3333, 5000, 0, undefined, frame(1));
  await new Promise((r) => setTimeout(r, 200));
  assert.is(b.delivered.length, 200, 'plain frames and frames of an unknown SSRC never reach the mixer');
  const s = b.keys.stats();
  assert.is(s.dropped['auth-failed'] + s.dropped['too-short'] + s.dropped['bad-trailer'] - dropsBefore, 10, 'the plain frames are counted as dropped');
  assert.ok(s.dropped['no-key'] >= 1, 'the frame of an SSRC nobody owns is dropped as no-key');
  a.keys.close();
  b.keys.close();
});

test('full queues drop instead of growing; frames of a leg without a key are not sent', async () => {
  const { a, b } = await pairedInEncryptedRoom(5);
  await untilOpens(a, b);
  // Twenty frames at once: five fit the outbound queue.
  const unsentBefore = a.keys.stats().unsent;
  const burst = await Promise.all(Array.from({ length: 20 }, (_, n) => a.keys.encryptOutbound(frame(n), 1111, n * 960)));
  assert.is(burst.filter((x) => x !== undefined).length, 5, 'five frames fit the outbound queue');
  assert.is(a.keys.stats().unsent - unsentBefore, 15, 'the others are not sent, and counted');
  const sent: Uint8Array[] = [];
  for (let n = 0; n < 20; n++) {
    const x = await a.keys.encryptOutbound(frame(n), 1111, n * 960);
    if (x !== undefined) sent.push(x);
  }
  assert.is(sent.length, 20);
  for (let n = 0; n < 20; n++) b.keys.receive(2222, n, 0, 'a', sent[n]!);
  await waitUntil('the queue drained', () => b.keys.stats().dropped.backlog === 15, 5000);
  await new Promise((r) => setTimeout(r, 100));
  assert.is(b.delivered.length, 5, 'five frames fit the queue');
  assert.is(b.keys.stats().dropped.backlog, 15, 'the rest are dropped and counted');

  // A leg whose identity and key were never made (start() not called) in an encrypted room.
  const lonely = legKeys('c', new Map());
  lonely.keys.onOccupantPresence('mod', moderatorSays(changedRoomE2ee(ROOM_E2EE_OFF, true, Date.now())));
  assert.ok(lonely.keys.isEncryptingOutbound);
  assert.is(await lonely.keys.encryptOutbound(frame(1), 1, 0), undefined, 'no key: not sent');
  assert.is(lonely.keys.stats().unsent, 1, 'and counted');
  for (const x of [a, b, lonely]) x.keys.close();
});

test('room off: packets pass at once and untouched; only a moderator turns the room off', async () => {
  const peers = new Map<string, LegKeys>();
  const c = legKeys('c', peers);
  await c.keys.start();
  const p = frame(7);
  c.keys.receive(4444, 9, 960, 'someone', p);
  assert.is(c.delivered.length, 1, 'delivered synchronously');
  assert.is(c.delivered[0]!.payload.join(), p.join(), 'as it came');
  assert.not.ok(c.keys.isEncryptingOutbound, 'the caller\'s frames go out as they are');

  const on = changedRoomE2ee(ROOM_E2EE_OFF, true, Date.now());
  c.keys.onOccupantPresence('x', presence('x', e2eePresenceElements({ encrypts: true, idKey: undefined, room: on })));
  assert.ok(c.keys.isRoomOn, 'anyone may turn it on');
  const forgedOff = changedRoomE2ee(on, false, Date.now() + 10);
  c.keys.onOccupantPresence('x', presence('x', e2eePresenceElements({ encrypts: false, idKey: undefined, room: forgedOff })));
  assert.ok(c.keys.isRoomOn, 'a participant cannot turn it off');
  c.keys.onOccupantPresence('mod', moderatorSays(forgedOff));
  assert.not.ok(c.keys.isRoomOn, 'a moderator can');
  c.keys.close();
});

test.run();
