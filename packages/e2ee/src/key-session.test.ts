// The key schedule as participants live it: KeySessions wired to each other in memory (a MUC
// private message is a call of the recipient's onKeyMessage, presence a call of onPeerPresence with
// the sender's public key), each with the FrameKeys a browser's worker or a service would hold. What
// is checked is what users rely on: everyone reads everyone's frames, a late joiner nothing from
// before its join, a leaver nothing after it left, a recorder everything while sending nothing, and
// a key message that was tampered with is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger } from '@plenum/kit';
import { FrameEncryptor } from './frame-crypto.ts';
import { FrameKeys } from './frame-keys.ts';
import { fromBase64, toBase64 } from './key-exchange.ts';
import { KEY_RING_SIZE, ratchetMaterial } from './key-ring.ts';
import { FRESH_KEY_DELAY_MS, KeySession } from './key-session.ts';
import { realVp8Frames } from '../test/real-vp8-frames.ts';

const deltas = realVp8Frames().filter((f) => f.kind === 'video-delta');
let nextFrame = 0;
const frame = (): ArrayBuffer => (deltas[nextFrame++ % deltas.length] as { data: Uint8Array<ArrayBuffer> }).data.slice().buffer;

type KeyEvent = { readonly from: string; readonly index: number; readonly material: Uint8Array<ArrayBuffer> };
type LocalKey = { readonly index: number; readonly material: Uint8Array<ArrayBuffer>; readonly at: number };
type Wire = { readonly from: string; readonly to: string; readonly json: string };

/** One participant: its session, the keys it was given and announced, and its frame keys. */
type Member = {
  readonly nick: string;
  readonly session: KeySession;
  readonly frames: FrameKeys;
  readonly encryptor: FrameEncryptor;
  readonly received: KeyEvent[];
  readonly localKeys: LocalKey[];
  readonly warnings: string[];
  /** Key updates of `frames` still being applied. */
  readonly updates: Promise<void>[];
};

/** A MUC room in memory. With `hold` set, key messages wait in `held` instead of being delivered. */
class Room {
  readonly members = new Map<string, Member>();
  readonly wire: Wire[] = [];
  readonly held: Wire[] = [];
  hold = false;
  readonly #inFlight: Promise<void>[] = [];

  async join(nick: string, sendsMedia = true): Promise<Member> {
    const warnings: string[] = [];
    const received: KeyEvent[] = [];
    const localKeys: LocalKey[] = [];
    const updates: Promise<void>[] = [];
    const frames = new FrameKeys();
    const session = new KeySession({
      log: recordingLogger(warnings),
      localId: () => nick,
      sendsMedia,
      sendJson: (to, json) => this.#send({ from: nick, to, json }),
      onLocalKey: (index, material) => {
        localKeys.push({ index, material, at: performance.now() });
        updates.push(frames.setLocalKey(index, material));
      },
      onPeerKey: (from, index, material) => {
        received.push({ from, index, material });
        updates.push(frames.setKey(from, index, material));
      },
      onPeerGone: (from) => frames.forget(from),
    });
    await session.start();
    const me: Member = { nick, session, frames, encryptor: new FrameEncryptor(), received, localKeys, warnings, updates };
    const others = [...this.members.values()];
    // The newcomer sees the occupants' presence, then its own (join complete); they see its presence.
    for (const o of others) session.onPeerPresence(o.nick, o.session.publicKeyBase64 ?? '', true);
    session.joined();
    this.members.set(nick, me);
    for (const o of others) o.session.onPeerPresence(nick, session.publicKeyBase64 ?? '', true);
    return me;
  }

  leave(nick: string): void {
    this.members.get(nick)?.session.close();
    this.members.delete(nick);
    for (const o of this.members.values()) o.session.onPeerLeft(nick);
  }

  /** Every key change and message so far has been handled. */
  async settled(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.all([...this.members.values()].map((m) => m.session.settled()));
      await Promise.all(this.#inFlight.splice(0));
    }
  }

  close(): void {
    for (const m of this.members.values()) m.session.close();
  }

  #send(w: Wire): void {
    this.wire.push(w);
    if (this.hold) {
      this.held.push(w);
      return;
    }
    const to = this.members.get(w.to);
    if (to !== undefined) this.#inFlight.push(to.session.onKeyMessage(w.from, w.json));
  }
}

function recordingLogger(warnings: string[]): Logger {
  const noop = (): void => undefined;
  const log: Logger = { trace: noop, debug: noop, info: noop, error: noop, warn: (msg) => warnings.push(msg), child: () => log };
  return log;
}

/** A real frame `sender` encrypts now with its current key. */
async function frameOf(sender: Member): Promise<ArrayBuffer> {
  await Promise.all(sender.updates);
  const out = await sender.frames.encrypt(sender.encryptor, frame(), 'video-delta', 0x1234, nextFrame * 3000);
  if (out === undefined) throw new Error(`${sender.nick} has no local key`);
  return out;
}

async function opens(receiver: Member, sender: string, data: ArrayBuffer): Promise<boolean> {
  await Promise.all(receiver.updates);
  return (await receiver.frames.decrypt(sender, data, 'video-delta')).ok;
}

/** Polls `check` until it holds (a failure names `what`). */
async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function everyoneReadsEveryone(room: Room): Promise<void> {
  const members = [...room.members.values()];
  for (const sender of members) {
    if (sender.localKeys.length === 0) continue;
    for (const receiver of members) {
      if (receiver !== sender) await waitFor(`${receiver.nick} reads ${sender.nick}`, async () => opens(receiver, sender.nick, await frameOf(sender)));
    }
  }
}

/** A participant to wire: its nick, or its nick and that it sends no media (a recorder). */
type Joiner = string | { readonly nick: string; readonly sendsMedia: false };

/** `joiners` join `room` one after the other; resolves when everyone reads everyone's frames and every key message has been handled. */
async function wire<J extends Joiner[]>(room: Room, ...joiners: J): Promise<{ [K in keyof J]: Member }> {
  const members: Member[] = [];
  for (const j of joiners) members.push(typeof j === 'string' ? await room.join(j) : await room.join(j.nick, j.sendsMedia));
  await everyoneReadsEveryone(room);
  await room.settled();
  return members as { [K in keyof J]: Member };
}

/** Runs `body` in a fresh room, closed after it. */
async function inRoom(body: (room: Room) => Promise<void>): Promise<void> {
  const room = new Room();
  try {
    await body(room);
  } finally {
    room.close();
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const keysFrom = (m: Member, from: string): KeyEvent[] => m.received.filter((k) => k.from === from);

test('three participants joining one after the other all read each other\'s frames', () => inRoom(async (room) => {
  const [alice, bob, carol] = await wire(room, 'alice', 'bob', 'carol');
  for (const m of [alice, bob, carol]) {
    assert.equal(m.session.pairedPeers().sort(), [alice, bob, carol].filter((o) => o !== m).map((o) => o.nick).sort());
    for (const o of [alice, bob, carol]) if (o !== m) assert.equal(m.session.peerState(o.nick), { hasKeys: true, encrypts: true, verified: false });
  }
  assert.equal(alice.warnings, []);
}));

test('a late joiner gets the key its elders ratcheted to, and cannot read what was sent before it came', () => inRoom(async (room) => {
  const [alice, bob] = await wire(room, 'alice', 'bob');
  const beforeCarol = await frameOf(alice);
  const [carol] = await wire(room, 'carol');

  const bobHas = keysFrom(bob, 'alice');
  const carolHas = keysFrom(carol, 'alice');
  assert.is(carolHas.length, 1, 'carol got one key from alice');
  const carolKey = carolHas[0] as KeyEvent;
  const bobKey = bobHas.at(-1) as KeyEvent;
  assert.is(carolKey.index, (alice.localKeys.at(-1) as LocalKey).index, 'the key alice uses now');
  assert.is(carolKey.index, (bobKey.index + 1) % KEY_RING_SIZE, 'one ratchet step past the key bob was given');
  assert.not.ok(same(carolKey.material, bobKey.material), 'not the key bob holds');
  assert.ok(same(await ratchetMaterial(bobKey.material), carolKey.material), 'bob\'s key ratchets to carol\'s…');
  let m = carolKey.material;
  for (let i = 0; i < 2 * KEY_RING_SIZE; i++) {
    m = await ratchetMaterial(m);
    assert.not.ok(same(m, bobKey.material), '…and carol\'s never leads back to bob\'s');
  }
  assert.not.ok(await opens(carol, 'alice', beforeCarol), 'carol cannot read alice\'s frame from before her join');
  assert.ok(await opens(bob, 'alice', await frameOf(alice)), 'bob follows alice\'s ratchet by himself');
}));

test('after a leave, those left get a fresh key the leaver never receives, used after FRESH_KEY_DELAY_MS', () => inRoom(async (room) => {
  const [alice, bob, carol] = await wire(room, 'alice', 'bob', 'carol');
  const before = alice.localKeys.at(-1) as LocalKey;
  const carolKeys = carol.received.length;
  const sentBefore = room.wire.length;
  const aliceFromBob = keysFrom(alice, 'bob').length;

  const leftAt = performance.now();
  room.leave('carol');
  const freshIndex = (before.index + 1) % KEY_RING_SIZE;
  await waitFor('bob gets alice\'s fresh key', () => keysFrom(bob, 'alice').some((k) => k.index === freshIndex));
  assert.is((alice.localKeys.at(-1) as LocalKey).index, before.index, 'alice still encrypts with the old key while the new one travels');
  const fresh = keysFrom(bob, 'alice').find((k) => k.index === freshIndex) as KeyEvent;
  assert.not.ok(same(fresh.material, await ratchetMaterial(before.material)), 'a fresh key, not a ratchet step of the one carol held');

  await waitFor('alice switches to the fresh key', () => alice.localKeys.at(-1)?.index === freshIndex);
  const switched = alice.localKeys.at(-1) as LocalKey;
  assert.ok(switched.at - leftAt >= FRESH_KEY_DELAY_MS - 5, `announced ${Math.round(switched.at - leftAt)} ms after the leave`);
  assert.ok(same(switched.material, fresh.material));
  await waitFor('bob rotates too', () => keysFrom(alice, 'bob').length === aliceFromBob + 1);

  await room.settled();
  assert.is(room.wire.slice(sentBefore).filter((w) => w.to === 'carol').length, 0, 'nothing was sent to carol after she left');
  assert.is(carol.received.length, carolKeys, 'carol received no key');
  const after = await frameOf(alice);
  assert.ok(await opens(bob, 'alice', after), 'bob reads alice after the rotation');
  assert.not.ok(await opens(carol, 'alice', after), 'carol, who kept her old keys, cannot');
}));

test('a recorder (sendsMedia: false) receives everyone\'s keys and sends none; its leave makes the others rotate', () => inRoom(async (room) => {
  const [alice, bob, recorder] = await wire(room, 'alice', 'bob', { nick: 'recorder', sendsMedia: false });
  assert.ok(await opens(recorder, 'alice', await frameOf(alice)), 'reads alice');
  assert.ok(await opens(recorder, 'bob', await frameOf(bob)), 'reads bob');
  assert.is(room.wire.filter((w) => w.from === 'recorder').length, 0, 'sends no key message');
  assert.is(recorder.localKeys.length, 0, 'has no media key');
  assert.is(keysFrom(alice, 'recorder').length + keysFrom(bob, 'recorder').length, 0);
  assert.ok(alice.session.peerState('recorder').hasKeys, 'paired with the recorder');

  const aliceIndex = (alice.localKeys.at(-1) as LocalKey).index;
  room.leave('recorder');
  await waitFor('alice rotates', () => alice.localKeys.at(-1)?.index === (aliceIndex + 1) % KEY_RING_SIZE);
  const after = await frameOf(alice);
  assert.ok(await opens(bob, 'alice', after));
  assert.not.ok(await opens(recorder, 'alice', after), 'the recorder cannot read what was sent after it left');
}));

test('a key message that was altered, re-addressed or claimed by another sender is refused', () => inRoom(async (room) => {
  await wire(room, 'alice', 'carol');
  room.hold = true;
  const bob = await room.join('bob');
  await waitFor('alice sends bob her key', () => room.held.some((w) => w.from === 'alice' && w.to === 'bob'));
  const toBob = room.held.find((w) => w.from === 'alice' && w.to === 'bob') as Wire;
  // What alice sent carol when carol joined, handed to bob instead.
  const toCarol = room.wire.find((w) => w.from === 'alice' && w.to === 'carol') as Wire;

  const message = JSON.parse(toBob.json) as { key: string };
  const sealed = fromBase64(message.key) as Uint8Array<ArrayBuffer>;
  sealed[3] = (sealed[3] as number) ^ 0x01;
  await bob.session.onKeyMessage('alice', JSON.stringify({ ...message, key: toBase64(sealed) }));
  await bob.session.onKeyMessage('alice', toCarol.json);
  await bob.session.onKeyMessage('carol', toBob.json);
  await bob.session.onKeyMessage('alice', '{"type":"plenum-e2ee","v":1,"kind":"media-key","index":99}');
  assert.is(bob.received.length, 0, 'no key taken');
  assert.is(bob.warnings.filter((w) => w === 'e2ee key message refused').length, 3, 'the three forged ones are refused (the malformed one is ignored)');

  await bob.session.onKeyMessage('alice', toBob.json);
  assert.is(keysFrom(bob, 'alice').length, 1, 'the message as alice sent it opens');
}));

test('both sides of a pair show the same SAS; another pair shows another', () => inRoom(async (room) => {
  const [alice, bob, carol] = await wire(room, 'alice', 'bob', 'carol');
  const ab = alice.session.sas('bob');
  assert.is(ab?.length, 7);
  assert.equal(ab, bob.session.sas('alice'));
  assert.equal(alice.session.sas('carol'), carol.session.sas('alice'));
  assert.not.equal(ab, alice.session.sas('carol'));
}));

test.run();
