// The composer feed across a video gap, on a real loopback socket standing in for the composer's
// ffmpeg input (what ffmpeg would receive): the gap is filled with the last key frame, the sender's
// inter frames after it are held back (they refer to a picture the composer never got) while the
// gap is filled on and a key frame is asked for, and the stream goes on from the sender's next key
// frame, its numbering continuing after what was filled in. The feed's clock is the test's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { ComposerFeed } from './composer-feed.ts';
import type { RecordedSource } from './recorded-source.ts';

const VIDEO: RecordedSource = { ssrc: 0x5eed_0001, name: 'abcd1234-v0', owner: 'abcd1234', media: 'video', payloadType: 100, codec: 'VP8', clockRate: 90_000 };
/** VP8 payloads (RFC 7741): descriptor S=1 PID=0, then the payload header's P bit (0: key frame). */
const KEY_FRAME = Uint8Array.from([0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
const INTER_FRAME = Uint8Array.from([0x10, 0x01, 0x11, 0x22]);

function rtp(seq: number, ts: number, payload: Uint8Array, ssrc = VIDEO.ssrc): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = 0x80 | VIDEO.payloadType; // one packet per frame: the marker bit ends it
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(ts, 4);
  packet.writeUInt32BE(ssrc, 8);
  packet.set(payload, 12);
  return packet;
}

type Received = { seq: number; ts: number; isKeyFrame: boolean };

/** A feed with the test's clock, sending to a loopback socket that records what arrives. */
async function feedIntoSocket() {
  const composer = createSocket('udp4');
  await new Promise<void>((resolve) => composer.bind(0, '127.0.0.1', resolve));
  const received: Received[] = [];
  composer.on('message', (m) => received.push({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), isKeyFrame: (m[13] ?? 1) % 2 === 0 }));
  const clock = { now: 1_000_000 };
  const wanted: number[] = [];
  const feed = new ComposerFeed(() => clock.now, true, (ssrc) => wanted.push(ssrc));
  return { composer, port: (composer.address() as AddressInfo).port, received, wanted, feed, clock };
}

test('after a filled gap, inter frames wait for the next key frame, a key frame is asked for, and the numbering goes on', async () => {
  const { composer, port, received, wanted, feed, clock } = await feedIntoSocket();
  const arrived = async (count: number): Promise<void> => {
    for (let i = 0; i < 100 && received.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(received.length >= count, `${received.length} of ${count} packets reached the composer`);
  };
  try {
    feed.route(VIDEO, port);
    feed.push(VIDEO.ssrc, rtp(10, 9000, KEY_FRAME), KEY_FRAME, clock.now);
    clock.now += 33;
    feed.push(VIDEO.ssrc, rtp(11, 12_000, INTER_FRAME), INTER_FRAME, clock.now);
    await arrived(2);
    assert.equal(received.map((r) => r.isKeyFrame), [true, false], 'flowing: everything passes');

    // The sender goes quiet for 2 s: the feed fills in its last key frame.
    clock.now += 2_000;
    await arrived(3);
    assert.ok(received[2]?.isKeyFrame, 'the gap is filled with the last key frame');
    assert.equal(wanted, [VIDEO.ssrc], 'and the sender is asked for a new one');
    const filled = received.length;

    // It comes back with inter frames: held back, the gap still filled.
    clock.now += 33;
    feed.push(VIDEO.ssrc, rtp(12, 200_000, INTER_FRAME), INTER_FRAME, clock.now);
    clock.now += 33;
    feed.push(VIDEO.ssrc, rtp(13, 203_000, INTER_FRAME), INTER_FRAME, clock.now);
    clock.now += 600;
    await arrived(filled + 1);
    assert.ok(received.slice(filled).every((r) => r.isKeyFrame), 'no inter frame after the repeated key frame');

    // Its next key frame: the stream goes on from it, numbered right after the last filled packet.
    const last = received[received.length - 1] as Received;
    feed.push(VIDEO.ssrc, rtp(14, 206_000, KEY_FRAME), KEY_FRAME, clock.now);
    clock.now += 33;
    feed.push(VIDEO.ssrc, rtp(15, 209_000, INTER_FRAME), INTER_FRAME, clock.now);
    await arrived(received.length + 2);
    const [key, inter] = received.slice(-2) as [Received, Received];
    assert.ok(key.isKeyFrame && !inter.isKeyFrame);
    assert.is(key.seq, (last.seq + 1) & 0xffff, 'sequence numbers continue after the filled packets');
    assert.ok(((key.ts - last.ts) >>> 0) > 0 && ((key.ts - last.ts) >>> 0) < 0x8000_0000, 'time goes forward');
    assert.is(((inter.ts - key.ts) >>> 0), 3000, 'the sender\'s own spacing is kept');
  } finally {
    await feed.close();
    composer.close();
  }
});

test('a screen share at one frame a second (a still page) is no gap: nothing filled, no key frame asked for', async () => {
  const { composer, port, received, wanted, feed, clock } = await feedIntoSocket();
  const share: RecordedSource = { ...VIDEO, ssrc: 0x5eed_0002, name: 'abcd1234-v1', videoType: 'desktop' };
  try {
    feed.route(share, port);
    const frames = [KEY_FRAME, INTER_FRAME, INTER_FRAME, INTER_FRAME];
    for (const [k, frame] of frames.entries()) {
      feed.push(share.ssrc, rtp(20 + k, 90_000 * k, frame, share.ssrc), frame, clock.now);
      clock.now += 1_000;
      await new Promise((r) => setTimeout(r, 120)); // the feed's gap check runs meanwhile
    }
    for (let i = 0; i < 50 && received.length < frames.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.map((r) => r.seq), [20, 21, 22, 23], 'every frame passed, nothing filled in between');
    assert.equal(wanted, []);
  } finally {
    await feed.close();
    composer.close();
  }
});

test.run();
