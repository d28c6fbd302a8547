// Where an RTP payload starts and ends (RFC 3550 §5.1, §5.3.1), on hand-built packets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rtpHeaderLength, rtpPayloadEnd } from './rtp-header-length.ts';

const packet = (first: number, body: number[]): Buffer => Buffer.from([first, 111, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, ...body]);

test('the payload runs to the end without padding, and stops before it with P set', () => {
  assert.is(rtpPayloadEnd(packet(0x80, [1, 2, 3, 4]), 12, 16), 16);
  // Two bytes of payload, then two of padding (the last one counts both).
  assert.is(rtpPayloadEnd(packet(0xa0, [1, 2, 0, 2]), 12, 16), 14);
  // Padding only (a bandwidth probe): an empty payload.
  assert.is(rtpPayloadEnd(packet(0xa0, [0, 0, 0, 4]), 12, 16), 12);
});

test('a padding count of zero or one reaching into the header is refused', () => {
  assert.is(rtpPayloadEnd(packet(0xa0, [1, 2, 3, 0]), 12, 16), -1);
  assert.is(rtpPayloadEnd(packet(0xa0, [1, 2, 3, 5]), 12, 16), -1);
});

test('the header length counts CSRCs and the extension, and refuses what ends inside them', () => {
  assert.is(rtpHeaderLength(packet(0x81, [9, 9, 9, 9, 1]), 17), 16);
  assert.is(rtpHeaderLength(packet(0x90, [0xbe, 0xde, 0, 1, 0x10, 7, 0, 0, 42]), 21), 20);
  assert.is(rtpHeaderLength(packet(0x90, [0xbe, 0xde, 0, 2, 0x10, 7, 0, 0]), 20), -1);
  assert.is(rtpHeaderLength(packet(0x40, [1]), 13), -1, 'not RTP version 2');
});

test.run();
