// The pairwise agreement, the media-key messages, the SAS, and what the key schedule promises on
// real VP8 frames: a late joiner cannot decrypt what came before its join, a leaver nothing after
// it left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameEncryptor, decryptFrame } from './frame-crypto.ts';
import { decodeMediaKeyMessage, derivePairSecrets, generateIdentity, openMediaKey, readIdentityKey, sealMediaKey } from './key-exchange.ts';
import { KeyRing, freshMaterial, ratchetMaterial } from './key-ring.ts';
import { sasEmoji } from './sas.ts';
import { realVp8Frames } from '../test/real-vp8-frames.ts';

// Real VP8 delta frames (libvpx), one per call.
const deltas = realVp8Frames().filter((f) => f.kind === 'video-delta');
let next = 0;
const frame = (): ArrayBuffer => (deltas[next++ % deltas.length] as { data: Uint8Array<ArrayBuffer> }).data.slice().buffer;

test('both sides of a pair derive the same SAS; a swapped identity key (server in the middle) shows a different one', async () => {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const mallory = await generateIdentity();
  const ab = await derivePairSecrets({ id: 'aaaa1111', identity: alice }, { id: 'bbbb2222', publicRaw: bob.publicRaw });
  const ba = await derivePairSecrets({ id: 'bbbb2222', identity: bob }, { id: 'aaaa1111', publicRaw: alice.publicRaw });
  assert.equal(sasEmoji(ab.sasBytes), sasEmoji(ba.sasBytes));
  assert.is(sasEmoji(ab.sasBytes).length, 7);
  // The server hands Alice Mallory's key as Bob's: Alice's SAS with "Bob" is not Bob's SAS with Alice.
  const aliceSeesMallory = await derivePairSecrets({ id: 'aaaa1111', identity: alice }, { id: 'bbbb2222', publicRaw: mallory.publicRaw });
  assert.not.equal(sasEmoji(aliceSeesMallory.sasBytes), sasEmoji(ba.sasBytes));
  // Transcript binding: the same keys under other endpoint ids give another SAS.
  const renamed = await derivePairSecrets({ id: 'aaaa1111', identity: alice }, { id: 'cccc3333', publicRaw: bob.publicRaw });
  assert.not.equal(sasEmoji(renamed.sasBytes), sasEmoji(ab.sasBytes));
});

test('a media key opens only for its recipient, from its sender, unaltered', async () => {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const ab = await derivePairSecrets({ id: 'a', identity: alice }, { id: 'b', publicRaw: bob.publicRaw });
  const ba = await derivePairSecrets({ id: 'b', identity: bob }, { id: 'a', publicRaw: alice.publicRaw });
  const material = freshMaterial();
  const sealed = await sealMediaKey(ab, 'a', 'b', 5, material);
  const wire = decodeMediaKeyMessage(JSON.stringify(sealed));
  assert.ok(wire.ok);
  if (!wire.ok) return;
  const opened = await openMediaKey(ba, 'a', 'b', wire.value);
  assert.ok(opened.ok && opened.value.index === 5);
  if (opened.ok) assert.equal(opened.value.material, material);
  const turned = await openMediaKey(ba, 'b', 'a', wire.value);
  assert.ok(!turned.ok && turned.error.code === 'e2ee/undecryptable', 'turned around');
  const reindexed = await openMediaKey(ba, 'a', 'b', { ...wire.value, index: 6 });
  assert.ok(!reindexed.ok && reindexed.error.code === 'e2ee/undecryptable', 'index changed');
});

test('bad messages and keys are typed errors carrying bad-request', () => {
  for (const text of ['nope', '[]', '{"type":"olm"}', '{"type":"plenum-e2ee","v":1,"kind":"media-key","index":16,"iv":"","key":""}',
    '{"type":"plenum-e2ee","v":1,"kind":"media-key","index":1,"iv":5,"key":""}', 'x'.repeat(5000)]) {
    const r = decodeMediaKeyMessage(text);
    assert.ok(!r.ok && r.error.code === 'e2ee/bad-message' && r.error.opts.stanza?.condition === 'bad-request', text.slice(0, 40));
  }
  const short = readIdentityKey('AAAA');
  assert.ok(!short.ok && short.error.code === 'e2ee/bad-identity-key');
  assert.ok(!readIdentityKey('not base64!').ok);
});

test('a late joiner gets the ratcheted key: it decrypts from its join on, not before, and ratcheting never leads back', async () => {
  const before = freshMaterial();
  const senderRing = new KeyRing();
  const k0 = await senderRing.set(0, before);
  const enc = new FrameEncryptor();
  const oldFrame = await enc.encrypt(k0, frame(), 'video-delta', 1, 100);
  // Someone joins: the sender ratchets and sends the newcomer only the new material.
  const after = await ratchetMaterial(before);
  const k1 = await senderRing.set(1, after);
  const newFrame = await enc.encrypt(k1, frame(), 'video-delta', 1, 200);
  const newcomer = new KeyRing();
  await newcomer.set(1, after);
  assert.ok((await decryptFrame(newcomer, newFrame, 'video-delta')).ok, 'decrypts after its join');
  const old = await decryptFrame(newcomer, oldFrame, 'video-delta');
  assert.ok(!old.ok && old.reason === 'no-key', 'nothing from before its join');
  let m = after;
  for (let i = 0; i < 32; i++) {
    m = await ratchetMaterial(m);
    assert.not.equal(m, before, 'forward ratchet steps never give the earlier key');
  }
  // An existing participant follows the ratchet by itself.
  const existing = new KeyRing();
  await existing.set(0, before);
  assert.ok((await decryptFrame(existing, newFrame, 'video-delta')).ok);
});

test('a leaver keeps its old keys and still cannot decrypt once the sender moved to a fresh key', async () => {
  const ring = new KeyRing();
  const k2 = await ring.set(2, freshMaterial());
  const enc = new FrameEncryptor();
  const leaver = new KeyRing();
  await leaver.set(2, k2.material);
  assert.ok((await decryptFrame(leaver, await enc.encrypt(k2, frame(), 'video-delta', 9, 1), 'video-delta')).ok, 'while it was in');
  // It leaves: a fresh random key at the next index, sent to the others only.
  const k3 = await ring.set(3, freshMaterial());
  const later = await enc.encrypt(k3, frame(), 'video-delta', 9, 2);
  const r = await decryptFrame(leaver, later, 'video-delta');
  assert.ok(!r.ok && r.reason === 'no-key', 'its ratchet guess at index 3 does not authenticate');
  const stayer = new KeyRing();
  await stayer.set(3, k3.material);
  assert.ok((await decryptFrame(stayer, later, 'video-delta')).ok);
});

test.run();
