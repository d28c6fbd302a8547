// The recorder's decrypting stage with real VP8 frames (libvpx, from @plenum/e2ee's test helper)
// encrypted by the browsers' own FrameEncryptor and packetized as Chromium sends them (descriptor
// with a 15-bit picture id): what comes out depacketizes to exactly the plaintext frames, except a
// frame that lost a packet and one that fails authentication, which are dropped and counted, with a
// sequence gap after each. Opus-like audio likewise; without the sender's key nothing comes out at
// all (fail-closed), and with E2EE off every packet passes as it came.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { FrameKind } from '@plenum/e2ee';
import { FrameEncryptor, FrameKeys, freshMaterial } from '@plenum/e2ee';
import { realVp8Frames } from '../../../e2ee/test/real-vp8-frames.ts';
import { E2eeRtpDecryptor } from './e2ee-rtp-decryptor.ts';

const VIDEO_SSRC = 0x11223344;
const AUDIO_SSRC = 0x55667788;
const VP8_PT = 100;
const OPUS_PT = 111;
/** Chromium-like packet size, other than the stage's own (1200), so frames really are packetized again. */
const SENDER_CHUNK_BYTES = 900;

type Out = { ssrc: number; packet: Buffer; payload: Buffer };

function rtp(ssrc: number, pt: number, seq: number, ts: number, isMarker: boolean, payload: Uint8Array): Buffer {
  const p = Buffer.alloc(12 + payload.length);
  p[0] = 0x80;
  p[1] = (isMarker ? 0x80 : 0) | pt;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(ts >>> 0, 4);
  p.writeUInt32BE(ssrc, 8);
  p.set(payload, 12);
  return p;
}

/** A frame as Chromium packetizes VP8 (RFC 7741): X=1, I=1 with a 15-bit picture id, S on the first packet. */
function chromiumPackets(frame: Uint8Array, pictureId: number, seq: number, ts: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < frame.length; at += SENDER_CHUNK_BYTES, k++) {
    const descriptor = [k === 0 ? 0x90 : 0x80, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
    const chunk = frame.subarray(at, at + SENDER_CHUNK_BYTES);
    out.push(rtp(VIDEO_SSRC, VP8_PT, seq + k, ts, at + SENDER_CHUNK_BYTES >= frame.length, Uint8Array.from([...descriptor, ...chunk])));
  }
  return out;
}

/** The receiver's view (written here, not the stage's code): frames by timestamp up to the marker, descriptors stripped. */
function depacketize(packets: readonly Out[]): { frames: Uint8Array[]; seqs: number[]; maxPayload: number; startBits: number[] } {
  const frames: Uint8Array[] = [];
  const seqs: number[] = [];
  const startBits: number[] = [];
  let current: number[] = [];
  let maxPayload = 0;
  for (const { packet, payload } of packets) {
    seqs.push(packet.readUInt16BE(2));
    maxPayload = Math.max(maxPayload, payload.length);
    const first = payload[0] as number;
    startBits.push((first & 0x10) >> 4);
    let i = 1;
    if (first & 0x80) {
      const ext = payload[i++] as number;
      if (ext & 0x80) i += ((payload[i] as number) & 0x80) ? 2 : 1;
      if (ext & 0x40) i++;
      if (ext & 0x30) i++;
    }
    current.push(...payload.subarray(i));
    if (((packet[1] as number) & 0x80) !== 0) {
      frames.push(Uint8Array.from(current));
      current = [];
    }
  }
  return { frames, seqs, maxPayload, startBits };
}

async function senderKeys(): Promise<{ sender: FrameKeys; recorder: FrameKeys }> {
  const material = freshMaterial();
  const sender = new FrameKeys();
  await sender.setLocalKey(0, material);
  const recorder = new FrameKeys();
  await recorder.setKey('alice', 0, material);
  return { sender, recorder };
}

function stage(keys: FrameKeys, isOn: () => boolean, out: Out[], dropped: number[] = []): E2eeRtpDecryptor {
  return new E2eeRtpDecryptor({
    log: silentLogger, keys, isOn,
    sourceOf: (ssrc) => (ssrc === VIDEO_SSRC ? { owner: 'alice', media: 'video' } : ssrc === AUDIO_SSRC ? { owner: 'alice', media: 'audio' } : undefined),
    deliver: (ssrc, packet, payload) => out.push({ ssrc, packet, payload }),
    videoDropped: (ssrc) => dropped.push(ssrc),
  });
}

test('VP8: encrypted frames come out as the plaintext frames; a frame missing a packet and one failing authentication are dropped', async () => {
  const plain = realVp8Frames('320x240', 1);
  assert.ok(plain.length >= 12 && plain.some((f) => f.kind === 'video-key') && plain.some((f) => f.kind === 'video-delta'));
  const { sender, recorder } = await senderKeys();
  const encryptor = new FrameEncryptor();
  const LOST = 10; // the second key frame: several packets
  const TAMPERED = 4;
  const packets: Buffer[] = [];
  let seq = 65_500; // crosses the sequence number wrap
  for (const [i, f] of plain.entries()) {
    const ts = 90_000 + i * 6000;
    const sealed = new Uint8Array(await sender.encrypt(encryptor, f.data.slice().buffer, f.kind, VIDEO_SSRC, ts) as ArrayBuffer);
    if (i === TAMPERED) sealed[sealed.length - 40] = (sealed[sealed.length - 40] as number) ^ 0x01;
    const ps = chromiumPackets(sealed, 1000 + i, seq, ts);
    seq += ps.length;
    if (i === LOST) {
      assert.ok(ps.length >= 2, 'the lost frame has several packets');
      ps.splice(1, 1);
    }
    packets.push(...ps);
  }
  const out: Out[] = [];
  const asked: number[] = [];
  const decryptor = stage(recorder, () => true, out, asked);
  for (const p of packets) decryptor.push(VIDEO_SSRC, p, p.subarray(12));
  await decryptor.settled();

  const expected = plain.filter((_, i) => i !== LOST && i !== TAMPERED).map((f) => f.data);
  const got = depacketize(out);
  assert.is(got.frames.length, expected.length, 'every frame but the two');
  for (const [i, f] of expected.entries()) assert.equal(got.frames[i], f, `frame ${i} is the plaintext`);
  assert.ok(out.every((o) => o.ssrc === VIDEO_SSRC && o.packet.readUInt32BE(8) === VIDEO_SSRC), 'the SSRC stays the source\'s');
  assert.ok(got.maxPayload <= 1200, `payloads ≤ 1200 bytes (${got.maxPayload})`);
  // S on each frame's first packet only.
  let isFrameStart = true;
  for (const [i, o] of out.entries()) {
    assert.is(got.startBits[i], isFrameStart ? 1 : 0, `S bit of packet ${i}`);
    isFrameStart = ((o.packet[1] as number) & 0x80) !== 0;
  }
  // Contiguous sequence numbers but for one skipped after each dropped frame.
  const steps = got.seqs.slice(1).map((s, i) => (s - (got.seqs[i] as number)) & 0xffff);
  assert.is(steps.filter((d) => d === 2).length, 2, 'two gaps');
  assert.is(steps.filter((d) => d !== 1 && d !== 2).length, 0, 'otherwise contiguous');
  assert.equal(decryptor.counts.dropped, { 'too-short': 0, 'bad-trailer': 0, 'no-key': 0, 'auth-failed': 1, incomplete: 1, backlog: 0 });
  assert.is(decryptor.counts.decrypted, expected.length);
  assert.is(decryptor.framesDropped, 2);
  assert.ok(asked.length >= 2 && asked.every((s) => s === VIDEO_SSRC), 'a key frame is wanted after each drop');
});

test('Opus: each packet\'s payload decrypted in place of the ciphertext, same sequence numbers; a tampered one is dropped', async () => {
  const { sender, recorder } = await senderKeys();
  const encryptor = new FrameEncryptor();
  const frames = Array.from({ length: 20 }, (_, i) => Uint8Array.from([0x78, ...Array.from({ length: 60 + i }, (_, j) => (i * 31 + j * 7) & 0xff)]));
  const out: Out[] = [];
  const decryptor = stage(recorder, () => true, out);
  for (const [i, f] of frames.entries()) {
    const sealed = new Uint8Array(await sender.encrypt(encryptor, f.slice().buffer, 'audio' as FrameKind, AUDIO_SSRC, i * 960) as ArrayBuffer);
    if (i === 7) sealed[3] = (sealed[3] as number) ^ 0x80;
    const p = rtp(AUDIO_SSRC, OPUS_PT, 300 + i, i * 960, false, sealed);
    decryptor.push(AUDIO_SSRC, p, p.subarray(12));
  }
  await decryptor.settled();
  assert.is(out.length, 19);
  assert.equal(out.map((o) => o.packet.readUInt16BE(2)), frames.map((_, i) => 300 + i).filter((s) => s !== 307), 'the sender\'s numbering, a gap where one was dropped');
  for (const o of out) {
    const i = o.packet.readUInt16BE(2) - 300;
    assert.equal(new Uint8Array(o.payload), frames[i], `packet ${i} carries the plaintext`);
    assert.is(o.packet.readUInt32BE(4), i * 960);
    assert.is((o.packet[1] as number) & 0x7f, OPUS_PT);
  }
  assert.is(decryptor.counts.dropped['auth-failed'], 1);
});

test('fail-closed: with E2EE on and no key of the sender, nothing reaches the writers', async () => {
  const { sender } = await senderKeys();
  const encryptor = new FrameEncryptor();
  const plain = realVp8Frames('160x120', 1);
  const out: Out[] = [];
  const decryptor = stage(new FrameKeys(), () => true, out);
  let seq = 1;
  for (const [i, f] of plain.entries()) {
    const sealed = new Uint8Array(await sender.encrypt(encryptor, f.data.slice().buffer, f.kind, VIDEO_SSRC, i * 6000) as ArrayBuffer);
    for (const p of chromiumPackets(sealed, i, seq, i * 6000)) {
      decryptor.push(VIDEO_SSRC, p, p.subarray(12));
      seq++;
    }
    const a = rtp(AUDIO_SSRC, OPUS_PT, i, i * 960, false, new Uint8Array(await sender.encrypt(encryptor, Uint8Array.of(0x78, 1, 2, 3).buffer, 'audio', AUDIO_SSRC, i * 960) as ArrayBuffer));
    decryptor.push(AUDIO_SSRC, a, a.subarray(12));
    // Nobody's SSRC: nothing to decrypt it with.
    const stray = rtp(0x9999, VP8_PT, i, i, true, Uint8Array.of(0x10, 0, 1, 2));
    decryptor.push(0x9999, stray, stray.subarray(12));
  }
  await decryptor.settled();
  assert.is(out.length, 0, 'no packet delivered');
  assert.is(decryptor.counts.dropped['no-key'], plain.length * 2, 'every video frame and audio packet dropped for want of a key');
});

test('E2EE off: every packet passes unchanged and at once; after a decrypted stretch the video keeps the stage\'s numbering', async () => {
  const { sender, recorder } = await senderKeys();
  let isOn = false;
  const out: Out[] = [];
  const decryptor = stage(recorder, () => isOn, out);
  const plainFrame = (i: number): Buffer => rtp(VIDEO_SSRC, VP8_PT, 10 + i, i * 3000, true, Uint8Array.of(0x90, 0x80, 0x80, i, 0x31, 0x02, 0x00, i));
  const first = plainFrame(0);
  decryptor.push(VIDEO_SSRC, first, first.subarray(12));
  assert.is(out.length, 1, 'delivered synchronously');
  assert.ok(out[0]?.packet === first && out[0].packet.readUInt16BE(2) === 10, 'the very packet, unchanged');
  // On for a frame (decrypted, renumbered), then off again.
  isOn = true;
  const sealed = new Uint8Array(await sender.encrypt(new FrameEncryptor(), Uint8Array.of(0x31, 0x02, 0x00, 9, 9, 9).buffer, 'video-delta', VIDEO_SSRC, 3000) as ArrayBuffer);
  const on = rtp(VIDEO_SSRC, VP8_PT, 11, 3000, true, Uint8Array.from([0x90, 0x80, 0x80, 1, ...sealed]));
  decryptor.push(VIDEO_SSRC, on, on.subarray(12));
  isOn = false;
  for (let i = 2; i < 5; i++) {
    const p = plainFrame(i);
    decryptor.push(VIDEO_SSRC, p, p.subarray(12));
  }
  await decryptor.settled();
  assert.equal([...(out[1]?.payload.subarray(4) ?? [])], [0x31, 0x02, 0x00, 9, 9, 9], 'the encrypted frame came out decrypted');
  const seqs = out.map((o) => o.packet.readUInt16BE(2));
  assert.is(seqs.length, 5);
  for (let i = 1; i < seqs.length; i++) assert.ok(((seqs[i] as number) - (seqs[i - 1] as number) & 0xffff) >= 1 && ((seqs[i] as number) - (seqs[i - 1] as number) & 0xffff) <= 2, `sequence goes forward (${seqs.join(',')})`);
  assert.equal(out.slice(2).map((o) => o.packet.readUInt32BE(4)), [6000, 9000, 12000], 'the plain frames after it, in order');
});

test.run();
