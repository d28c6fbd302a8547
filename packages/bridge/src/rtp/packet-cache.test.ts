import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PacketCache } from './packet-cache.ts';
import { randomPackets } from './test-bytes.ts';

function packet(seq: number, size = 100): Buffer {
  const b = Buffer.alloc(size, seq & 0xff);
  b[0] = 0x80;
  b.writeUInt16BE(seq & 0xffff, 2);
  return b;
}

const out = Buffer.alloc(1500);

test('insert and copy out by sequence number', () => {
  const cache = new PacketCache();
  const s = cache.addStream(0x1234);
  assert.is(s, 0);
  assert.is(cache.addStream(0x1234), 0, 'same SSRC, same stream');
  assert.is(cache.streamIndex(0x1234), 0);
  for (let seq = 65530; seq < 65540; seq++) assert.ok(cache.insert(s, seq & 0xffff, packet(seq, 100 + (seq % 7)), 100 + (seq % 7), 0));
  for (let seq = 65530; seq < 65540; seq++) {
    const len = cache.copyOut(s, seq & 0xffff, 10, out, 0);
    assert.is(len, 100 + (seq % 7), `seq ${seq & 0xffff}`);
    assert.equal(out.subarray(0, len), packet(seq, len));
  }
  assert.is(cache.copyOut(s, 1000, 10, out, 0), -1, 'never inserted');
  assert.is(cache.copyOut(1, 65530, 10, out, 0), -1, 'unknown stream');
});

test('bounded by age', () => {
  const cache = new PacketCache({ maxAgeMs: 500 });
  const s = cache.addStream(1);
  cache.insert(s, 7, packet(7), 100, 1000);
  assert.ok(cache.has(s, 7, 1500));
  assert.not.ok(cache.has(s, 7, 1501), 'too old');
  assert.not.ok(cache.has(s, 7, 999), 'from the future (clock jumped back)');
});

test('bounded by count: a slot is reused by seq + slots', () => {
  const cache = new PacketCache({ slotsPerStream: 100 }); // rounded up to 128
  const s = cache.addStream(1);
  cache.insert(s, 5, packet(5), 100, 0);
  cache.insert(s, 5 + 128, packet(5 + 128), 100, 0);
  assert.is(cache.copyOut(s, 5, 0, out, 0), -1);
  assert.is(cache.copyOut(s, 133, 0, out, 0), 100);
});

test('bounded by bytes: overwritten packets are not returned, and the ring wraps without splitting a packet', () => {
  const cache = new PacketCache({ capacityBytes: 4000, slotsPerStream: 1024 });
  const s = cache.addStream(1);
  for (let seq = 0; seq < 30; seq++) cache.insert(s, seq, packet(seq, 1000), 1000, 0);
  // 4 packets of 1000 fit 4000 bytes: 26..29 remain
  for (let seq = 0; seq < 30; seq++) {
    const len = cache.copyOut(s, seq, 0, out, 0);
    assert.is(len, seq >= 26 ? 1000 : -1, `seq ${seq}`);
    if (len > 0) assert.equal(out.subarray(0, len), packet(seq, 1000));
  }
  const odd = new PacketCache({ capacityBytes: 2500 });
  const t = odd.addStream(9);
  odd.insert(t, 1, packet(1, 1200), 1200, 0);
  odd.insert(t, 2, packet(2, 1200), 1200, 0);
  odd.insert(t, 3, packet(3, 1200), 1200, 0); // does not fit the 100-byte tail: starts at 0, over packet 1
  assert.equal([odd.copyOut(t, 1, 0, out, 0), odd.copyOut(t, 2, 0, out, 0), odd.copyOut(t, 3, 0, out, 0)], [-1, 1200, 1200]);
  assert.equal(out.subarray(0, 1200), packet(3, 1200));
});

test('streams: limited count, removal frees the slot and forgets its packets', () => {
  const cache = new PacketCache({ maxStreams: 2 });
  const a = cache.addStream(10);
  const b = cache.addStream(11);
  assert.is(cache.addStream(12), -1, 'full');
  cache.insert(a, 1, packet(1), 100, 0);
  cache.insert(b, 1, packet(2), 100, 0);
  assert.is(cache.copyOut(b, 1, 0, out, 0), 100);
  assert.equal(out.subarray(0, 100), packet(2), 'streams do not mix');
  cache.removeStream(10);
  assert.is(cache.streamIndex(10), -1);
  const c = cache.addStream(12);
  assert.is(c, a);
  assert.is(cache.copyOut(c, 1, 0, out, 0), -1, "the old stream's packets are gone");
  assert.not.ok(cache.insert(5, 1, packet(1), 100, 0), 'bad stream index');
});

test('a pooled source buffer longer than the packet, and bad lengths', () => {
  const cache = new PacketCache();
  const s = cache.addStream(1);
  const pool = Buffer.alloc(1500, 0xee);
  packet(9, 60).copy(pool);
  assert.ok(cache.insert(s, 9, pool, 60, 0));
  assert.is(cache.copyOut(s, 9, 0, out, 0), 60);
  assert.not.ok(cache.insert(s, 10, pool, 1501, 0), 'len beyond the source');
  assert.not.ok(cache.insert(s, 10, pool, 0, 0));
  assert.not.ok(cache.insert(s, 10, Buffer.alloc(2000), 1600, 0), 'larger than maxPacketBytes');
  assert.is(cache.copyOut(s, 9, 0, Buffer.alloc(10), 0), -1, 'destination too small');
  assert.is(cache.copyOut(s, 9, 0, out, 1450), -1, 'destination offset leaves too little room');
});

test('hostile input: random packets, lengths and sequence numbers never throw', () => {
  const cache = new PacketCache({ capacityBytes: 10_000, slotsPerStream: 16, maxStreams: 2 });
  const s = cache.addStream(1);
  for (const [i, p] of randomPackets(3, 2000, 1600).entries()) {
    const seq = (i * 7919) & 0xffff;
    cache.insert(s, seq, p, p.length, i);
    cache.copyOut(s, seq, i, out, 0);
    cache.copyOut(s, (seq - 3) & 0xffff, i, out, i % 1600);
  }
});

test.run();
