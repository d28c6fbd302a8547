import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PacketClass, classifyDatagram } from './packet-class.ts';

const name = (c: PacketClass): string => Object.entries(PacketClass).find(([, v]) => v === c)?.[0] ?? '?';
const of = (...bytes: number[]): string => name(classifyDatagram(Uint8Array.from(bytes)));

test('RFC 7983 ranges by first byte, every value', () => {
  for (let b = 0; b < 256; b++) {
    const expected = b <= 3 ? 'Stun' : b >= 20 && b <= 63 ? 'Dtls' : b >= 128 && b <= 191 ? 'Rtp' : 'Other';
    assert.is(of(b, 96), expected, `first byte ${b}`);
  }
});

test('RTP vs RTCP by payload type (RFC 5761 §4): 64–95 with or without the marker bit is RTCP', () => {
  for (let second = 0; second < 256; second++) {
    const pt = second & 0x7f;
    assert.is(of(0x80, second), pt >= 64 && pt <= 95 ? 'Rtcp' : 'Rtp', `second byte ${second}`);
  }
  assert.is(of(0x81, 200), 'Rtcp', 'sender report');
  assert.is(of(0x8f, 206), 'Rtcp', 'PLI');
  assert.is(of(0x90, 0xe0), 'Rtp', 'marker + PT 96');
});

test('empty and one-byte RTP-range datagrams are not classified', () => {
  assert.is(of(), 'Other');
  assert.is(of(0x80), 'Other');
  assert.is(of(0), 'Stun');
  assert.is(of(22), 'Dtls');
});

test.run();
