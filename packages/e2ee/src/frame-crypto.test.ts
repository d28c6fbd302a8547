// Frame encryption on real VP8 frames (made by ffmpeg/libvpx here) and Opus-shaped frames: the
// clear bytes stay, the rest is ciphertext, the receiver gets the frame back; and fail-closed: a
// frame never encrypted, altered, under an unknown or old key is dropped with its reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DropCounter, FrameEncryptor, clearBytesOf, decryptFrame } from './frame-crypto.ts';
import type { FrameKind } from './frame-crypto.ts';
import { KeyRing, freshMaterial, ratchetMaterial } from './key-ring.ts';
import { realVp8Frames } from '../test/real-vp8-frames.ts';

const frames = realVp8Frames();
const buf = (u: Uint8Array): ArrayBuffer => u.slice().buffer;

test('real VP8 frames: the clear bytes stay (10 on key frames, 3 on deltas), the rest is ciphertext, and they decrypt back', async () => {
  assert.ok(frames.length >= 10 && frames.some((f) => f.kind === 'video-key') && frames.some((f) => f.kind === 'video-delta'));
  const ring = new KeyRing();
  const key = await ring.set(0, freshMaterial());
  const enc = new FrameEncryptor();
  for (const [i, f] of frames.entries()) {
    const out = new Uint8Array(await enc.encrypt(key, buf(f.data), f.kind, 0x1234abcd, i * 6000));
    const clear = clearBytesOf(f.kind);
    assert.equal(out.subarray(0, clear), f.data.subarray(0, clear), 'clear bytes unchanged');
    assert.is(out.length, f.data.length + 16 + 12 + 2, 'tag, IV, IV length, key index added');
    assert.is.not(Buffer.from(out.subarray(clear, clear + 16)).equals(Buffer.from(f.data.subarray(clear, clear + 16))), true);
    assert.is(out[out.length - 2], 12);
    assert.is(out[out.length - 1], 0);
    const back = await decryptFrame(ring, out.buffer, f.kind);
    assert.ok(back.ok);
    if (back.ok) assert.equal(new Uint8Array(back.data), f.data);
  }
});

test('fail-closed: unencrypted, altered, unknown-key and wrong-key frames are dropped with their reason', async () => {
  const ring = new KeyRing();
  const key = await ring.set(3, freshMaterial());
  const enc = new FrameEncryptor();
  const f = frames.find((x) => x.kind === 'video-delta') as { data: Uint8Array; kind: FrameKind };
  const drops = new DropCounter();
  const check = async (data: Uint8Array, reason: string): Promise<void> => {
    const r = await decryptFrame(ring, buf(data), f.kind);
    assert.is(r.ok, false, reason);
    if (!r.ok) {
      assert.is(r.reason, reason);
      drops.add(r.reason);
    }
  };
  // A frame as the encoder made it (what a browser without E2EE sends).
  await check(f.data, f.data[f.data.length - 2] === 12 ? 'auth-failed' : 'bad-trailer');
  await check(new Uint8Array([0x31, 0x02, 0x00]), 'too-short');
  const good = new Uint8Array(await enc.encrypt(key, buf(f.data), f.kind, 1, 2));
  const flipped = good.slice();
  flipped[20] = (flipped[20] as number) ^ 1;
  await check(flipped, 'auth-failed');
  const header = good.slice();
  header[1] = (header[1] as number) ^ 0x80;
  await check(header, 'auth-failed');
  const otherIndex = good.slice();
  otherIndex[otherIndex.length - 1] = 9;
  await check(otherIndex, 'no-key');
  const badIndex = good.slice();
  badIndex[badIndex.length - 1] = 200;
  await check(badIndex, 'bad-trailer');
  const stranger = await new KeyRing().set(3, freshMaterial());
  await check(new Uint8Array(await enc.encrypt(stranger, buf(f.data), f.kind, 1, 3)), 'auth-failed');
  assert.is(drops.total, 7);
  assert.ok((await decryptFrame(ring, good.buffer, f.kind)).ok, 'the intact frame still decrypts');
});

test('Opus: only the TOC byte stays clear; a receiver follows a sender that ratcheted, by itself', async () => {
  const material = freshMaterial();
  const sender = new KeyRing();
  const receiver = new KeyRing();
  await receiver.set(0, material);
  const ratcheted = await sender.set(1, await ratchetMaterial(material));
  const opus = new Uint8Array(80).map((_, i) => (i === 0 ? 0x78 : (i * 37) & 0xff));
  const out = new Uint8Array(await new FrameEncryptor().encrypt(ratcheted, buf(opus), 'audio', 7, 960));
  assert.is(out[0], 0x78);
  const r = await decryptFrame(receiver, out.buffer, 'audio');
  assert.ok(r.ok && r.ratcheted !== undefined, 'decrypted with the ratchet candidate');
  if (r.ok && r.ratcheted) receiver.commit(r.ratcheted);
  assert.is(receiver.newestIndex, 1);
  assert.ok((await decryptFrame(receiver, out.buffer, 'audio')).ok);
});

test.run();
