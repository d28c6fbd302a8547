import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IceTcpFrameReader, MAX_ICE_TCP_FRAME_BYTES, frameDatagram } from './ice-tcp-framing.ts';

const datagram = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (seed * 7 + i) & 0xff));

/** Feeds `chunks` and returns the frames (copied) and the reader's verdict. */
function read(chunks: Buffer[], reader = new IceTcpFrameReader()): { frames: Buffer[]; error: string | undefined } {
  const frames: Buffer[] = [];
  let error: string | undefined;
  for (const c of chunks) {
    error = reader.push(c, (f) => {
      frames.push(Buffer.from(f));
      return true;
    });
    if (error !== undefined) break;
  }
  return { frames, error };
}

test('frames round-trip whatever the chunking: whole, one byte at a time, split inside the length prefix', () => {
  const sent = [datagram(20, 1), datagram(1, 2), datagram(MAX_ICE_TCP_FRAME_BYTES, 3), datagram(172, 4)];
  const stream = Buffer.concat(sent.map(frameDatagram));
  assert.equal(read([stream]).frames, sent, 'one chunk');
  assert.equal(read([...stream].map((b) => Buffer.from([b]))).frames, sent, 'byte by byte');
  for (const cut of [1, 2, 3, 23, 24, 25, 500]) {
    assert.equal(read([stream.subarray(0, cut), stream.subarray(cut)]).frames, sent, `cut at ${cut}`);
  }
});

test('the length prefix is 16-bit big-endian', () => {
  assert.equal([...frameDatagram(Buffer.alloc(258, 9)).subarray(0, 3)], [1, 2, 9]);
});

test('a zero length or one over the limit is refused (the caller closes the connection)', () => {
  assert.is(read([Buffer.from([0, 0, 1, 2])]).error, 'empty-frame');
  const over = MAX_ICE_TCP_FRAME_BYTES + 1;
  assert.is(read([Buffer.from([over >> 8, over & 0xff])]).error, 'oversized-frame');
  const good = frameDatagram(datagram(10, 5));
  const r = read([Buffer.concat([good, Buffer.from([0xff, 0xff])])]);
  assert.equal([r.frames.length, r.error], [1, 'oversized-frame'], 'frames before the bad one are delivered');
});

test('buffering is bounded by the frame limit: a frame trickling in holds at most its own length', () => {
  const reader = new IceTcpFrameReader();
  const framed = frameDatagram(datagram(MAX_ICE_TCP_FRAME_BYTES, 6));
  let max = 0;
  for (let at = 0; at < framed.length - 1; at += 100) {
    read([framed.subarray(at, Math.min(at + 100, framed.length - 1))], reader);
    max = Math.max(max, reader.bufferedBytes);
  }
  assert.ok(max <= MAX_ICE_TCP_FRAME_BYTES, `held ${max} bytes`);
  assert.equal(read([framed.subarray(framed.length - 1)], reader).frames.length, 1);
  assert.is(reader.bufferedBytes, 0);
});

test('a sink that returns false stops reading the rest of the chunk', () => {
  const stream = Buffer.concat([frameDatagram(datagram(5, 1)), frameDatagram(datagram(5, 2))]);
  let n = 0;
  new IceTcpFrameReader().push(stream, () => {
    n++;
    return false;
  });
  assert.is(n, 1);
});

test.run();
