import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { screenSctpPacket } from './sctp-packet.ts';

/** A packet: 12-byte common header, then the given chunks (type, flags, body), each padded to 4 bytes. */
function packet(...chunks: { type: number; body?: Buffer; length?: number }[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(12)];
  for (const c of chunks) {
    const body = c.body ?? Buffer.alloc(0);
    const header = Buffer.from([c.type, 0, 0, 0]);
    header.writeUInt16BE(c.length ?? 4 + body.length, 2);
    parts.push(header, body, Buffer.alloc((4 - ((4 + body.length) % 4)) % 4));
  }
  return Buffer.concat(parts);
}

/** A DATA chunk body: TSN, stream, SSN, PPID, then the payload. */
function data(stream: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b.writeUInt16BE(stream, 4);
  b.writeUInt32BE(51, 8);
  payload.copy(b, 12);
  return b;
}

test('accepts whole chunks of known types, padded, several per packet', () => {
  assert.is(screenSctpPacket(packet({ type: 3, body: Buffer.alloc(12) }), 1024), 'accept');
  assert.is(screenSctpPacket(packet({ type: 0, body: data(2, Buffer.from('abc')) }, { type: 3, body: Buffer.alloc(12) }), 1024), 'accept');
});

test('refuses a zero-length chunk, a chunk past the end, a short packet, an unknown type, an empty DATA chunk', () => {
  assert.is(screenSctpPacket(packet({ type: 3, length: 0 }), 1024), 'malformed');
  assert.is(screenSctpPacket(packet({ type: 3, body: Buffer.alloc(4), length: 40 }), 1024), 'malformed');
  assert.is(screenSctpPacket(Buffer.alloc(13), 1024), 'malformed');
  assert.is(screenSctpPacket(packet({ type: 0x3f, body: Buffer.alloc(4) }), 1024), 'unknown-chunk');
  assert.is(screenSctpPacket(packet({ type: 0, body: data(0, Buffer.alloc(0)) }), 1024), 'malformed');
});

test('refuses DATA on a stream at or above the limit', () => {
  assert.is(screenSctpPacket(packet({ type: 0, body: data(1023, Buffer.from('x')) }), 1024), 'accept');
  assert.is(screenSctpPacket(packet({ type: 0, body: data(1024, Buffer.from('x')) }), 1024), 'stream-out-of-range');
});

test.run();
