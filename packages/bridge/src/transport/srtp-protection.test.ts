// SrtpProtection against werift-rtp's plain SrtpSession/SrtcpSession as the remote peer, in both
// profiles: interop both ways, byte-exact output, replay window, authentication, sequence wrap.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import type { SrtpProfile } from 'werift-rtp';
import {
  ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtcpSession, SrtpSession, keyLength, saltLength,
} from 'werift-rtp';
import { MAX_INBOUND_SSRCS, SrtpProtection, rtpHeaderLength } from './srtp-protection.ts';
import { newTransportCounters } from './transport-counters.ts';
import type { TransportCounters } from './transport-counters.ts';

const PROFILES: [string, SrtpProfile][] = [['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80], ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm]];

type Pair = { bridge: SrtpProtection; peer: SrtpSession; peerRtcp: SrtcpSession; mirror: SrtpSession; counters: TransportCounters };
function pair(profile: SrtpProfile): Pair {
  const [bk, bs, pk, ps] = [randomBytes(keyLength(profile)), randomBytes(saltLength(profile)), randomBytes(keyLength(profile)), randomBytes(saltLength(profile))];
  const counters = newTransportCounters();
  const bridge = new SrtpProtection(profile, { localMasterKey: bk, localMasterSalt: bs, remoteMasterKey: pk, remoteMasterSalt: ps }, counters);
  const peerKeys = { keys: { localMasterKey: pk, localMasterSalt: ps, remoteMasterKey: bk, remoteMasterSalt: bs }, profile };
  // The same keys as the bridge, encrypting with werift's own code: the reference for byte-exactness.
  const mirror = new SrtpSession({ keys: { localMasterKey: bk, localMasterSalt: bs, remoteMasterKey: pk, remoteMasterSalt: ps }, profile });
  return { bridge, peer: new SrtpSession(peerKeys), peerRtcp: new SrtcpSession(peerKeys), mirror, counters };
}
const header = (seq: number, ssrc = 0x11223344, withExtension = false): RtpHeader => new RtpHeader({
  payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: seq % 2 === 0,
  ...(withExtension ? { extension: true, extensionProfile: 0xbede, extensions: [{ id: 1, payload: Buffer.from([0x8a]) }, { id: 3, payload: Buffer.from([1, 2, 3]) }] } : {}),
});
const payload = (seq: number): Buffer => Buffer.from(`opus frame ${seq} `.repeat(4));
const plainRtp = (seq: number, ssrc?: number, ext = false): Buffer => new RtpPacket(header(seq, ssrc, ext), payload(seq)).serialize();
const fromPeer = (p: Pair, seq: number, ssrc?: number, ext = false): Buffer => p.peer.encrypt(payload(seq), header(seq, ssrc, ext));
// Receiver report from SSRC 0x55667788 with no blocks, then an SDES-less padding-free BYE-less compound: just RR.
const rr = (ssrc = 0x55667788): Buffer => Buffer.from([0x80, 201, 0x00, 0x01, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff]);

for (const [name, profile] of PROFILES) {
  const test = suite(`srtp protection ${name}`);

  test('peer → bridge: decrypts in order with header extensions; reports SSRC and extended sequence number', () => {
    const p = pair(profile);
    for (let seq = 1000; seq < 1100; seq++) {
      const plain = p.bridge.unprotectRtp(fromPeer(p, seq, 0x11223344, seq % 3 === 0));
      assert.ok(plain, `seq ${seq}`);
      assert.equal(plain, plainRtp(seq, 0x11223344, seq % 3 === 0));
      assert.is(p.bridge.lastSsrc, 0x11223344);
      assert.is(p.bridge.lastIndex, seq);
    }
  });

  test('bridge → peer: decrypts at the peer and is byte-identical to werift\'s own encryption', () => {
    const p = pair(profile);
    for (let seq = 65500; seq < 65600; seq++) {
      const s = seq & 0xffff;
      const plain = plainRtp(s, 0xabcdef01, s % 2 === 0);
      const enc = p.bridge.protectRtp(plain);
      assert.ok(enc);
      assert.equal(enc, p.mirror.encrypt(payload(s), header(s, 0xabcdef01, s % 2 === 0)), `seq ${s}`);
      assert.equal(p.peer.decrypt(enc), plain);
    }
  });

  test('replays are dropped; out-of-order within the window is accepted once; too old is dropped', () => {
    const p = pair(profile);
    const packets = new Map<number, Buffer>();
    for (let seq = 0; seq < 200; seq++) packets.set(seq, fromPeer(p, seq));
    const take = (seq: number): boolean => p.bridge.unprotectRtp(packets.get(seq) ?? Buffer.alloc(0)) !== undefined;
    for (let seq = 0; seq < 100; seq++) if (seq !== 50 && seq !== 90) assert.ok(take(seq));
    assert.not.ok(take(99), 'duplicate of the newest');
    assert.not.ok(take(60), 'duplicate inside the window');
    assert.ok(take(90), 'late, inside the window');
    assert.not.ok(take(90), 'and only once');
    assert.not.ok(take(30), 'duplicate far behind: too old');
    assert.ok(take(150));
    assert.not.ok(take(50), 'never seen, but 100 behind');
    assert.equal([p.counters.dropped['srtp-replayed'], p.counters.dropped['srtp-too-old']], [3, 2]);
  });

  test('a forged packet neither passes nor moves the window', () => {
    const p = pair(profile);
    assert.ok(p.bridge.unprotectRtp(fromPeer(p, 10)));
    const forged = fromPeer(p, 5000);
    forged[forged.length - 20] = (forged[forged.length - 20] ?? 0) ^ 0xff;
    assert.is(p.bridge.unprotectRtp(forged), undefined);
    const wrongSeq = fromPeer(p, 11);
    wrongSeq.writeUInt16BE(20, 2); // the header is authenticated too
    assert.is(p.bridge.unprotectRtp(wrongSeq), undefined);
    assert.is(p.counters.dropped['srtp-auth-failed'], 2);
    assert.ok(p.bridge.unprotectRtp(fromPeer(p, 11)), 'seq 11 is still new and inside the window');
    assert.ok(p.bridge.unprotectRtp(fromPeer(p, 5000)), 'and the real 5000 is accepted');
  });

  test('sequence wrap: the rollover counter advances, late packets from before the wrap decrypt, replays across the wrap are caught', () => {
    const p = pair(profile);
    const sent: Buffer[] = [];
    for (let i = 0; i < 100; i++) sent.push(fromPeer(p, (65480 + i) & 0xffff)); // 65480..65535, 0..43
    for (let i = 0; i < 100; i++) if (i !== 50) assert.ok(p.bridge.unprotectRtp(sent[i] ?? Buffer.alloc(0)), `i=${i}`);
    assert.is(p.bridge.lastIndex, 65536 + 43, 'ROC 1');
    assert.ok(p.bridge.unprotectRtp(sent[50] ?? Buffer.alloc(0)), 'late packet 65530 from ROC 0');
    assert.is(p.bridge.lastIndex, 65530);
    assert.is(p.bridge.unprotectRtp(sent[55] ?? Buffer.alloc(0)), undefined, '65535 replayed after the wrap');
    assert.is(p.bridge.unprotectRtp(sent[60] ?? Buffer.alloc(0)), undefined, '4 replayed');
    // A second wrap, with gaps (werift's sender only notices a wrap from above 65435 to below 100).
    const seqs = [...Array.from({ length: 131 }, (_, i) => 100 + 500 * i), ...Array.from({ length: 18 }, (_, i) => 65450 + 5 * i), 0, 20, 40];
    for (const seq of seqs) assert.ok(p.bridge.unprotectRtp(fromPeer(p, seq)), `seq ${seq}`);
    assert.is(p.bridge.lastIndex, 2 * 65536 + 40);
  });

  test('the bridge\'s own sending wraps too, and a retransmission from before the wrap keeps its counter', () => {
    const p = pair(profile);
    for (let i = 0; i < 80; i++) {
      const seq = (65500 + i) & 0xffff;
      const enc = p.bridge.protectRtp(plainRtp(seq, 7));
      assert.ok(enc);
      assert.equal(p.peer.decrypt(enc), plainRtp(seq, 7), `seq ${seq}`);
    }
    const resend = p.bridge.protectRtp(plainRtp(65530, 7));
    assert.ok(resend);
    // werift's receiver follows the same estimate for this case.
    assert.equal(p.peer.decrypt(resend), plainRtp(65530, 7));
  });

  test('malformed packets, too many SSRCs, garbage: counted, never thrown', () => {
    const p = pair(profile);
    assert.is(p.bridge.unprotectRtp(Buffer.alloc(5)), undefined);
    const noVersion = fromPeer(p, 1);
    noVersion[0] = 0x40;
    assert.is(p.bridge.unprotectRtp(noVersion), undefined);
    const extensionOverrun = fromPeer(p, 2, 9, true);
    extensionOverrun.writeUInt16BE(0x0fff, 14);
    assert.is(p.bridge.unprotectRtp(extensionOverrun), undefined);
    assert.is(p.counters.dropped['srtp-malformed'], 3);
    for (let ssrc = 1; ssrc <= MAX_INBOUND_SSRCS; ssrc++) assert.ok(p.bridge.unprotectRtp(fromPeer(p, 1, ssrc)));
    assert.is(p.bridge.unprotectRtp(fromPeer(p, 1, 0xfffffff0)), undefined);
    assert.is(p.counters.dropped['srtp-too-many-ssrcs'], 1);
    assert.ok(p.bridge.unprotectRtp(fromPeer(p, 2, 1)), 'known SSRCs keep working');
    for (let i = 0; i < 3000; i++) {
      const junk = randomBytes(1 + (i % 300));
      junk[0] = 0x80 | ((junk[0] ?? 0) & 0x3f);
      assert.is(p.bridge.unprotectRtp(junk), undefined);
      assert.is(p.bridge.unprotectRtcp(junk), undefined);
    }
    assert.is(p.bridge.protectRtp(Buffer.from([1, 2, 3])), undefined);
    assert.is(p.bridge.protectRtcp(Buffer.from([0x80, 200])), undefined);
    assert.is(p.counters.dropped['send-invalid'], 2);
  });

  test('SRTCP both ways; replayed and forged SRTCP dropped by index', () => {
    const p = pair(profile);
    const first = p.peerRtcp.encrypt(rr());
    assert.equal(p.bridge.unprotectRtcp(first), rr());
    const second = p.peerRtcp.encrypt(rr());
    assert.equal(p.bridge.unprotectRtcp(second), rr());
    assert.is(p.bridge.unprotectRtcp(first), undefined, 'replayed');
    assert.is(p.counters.dropped['srtcp-replayed'], 1);
    const forged = p.peerRtcp.encrypt(rr());
    forged[9] = (forged[9] ?? 0) ^ 1;
    assert.is(p.bridge.unprotectRtcp(forged), undefined);
    assert.is(p.counters.dropped['srtcp-auth-failed'], 1);
    assert.ok(p.bridge.unprotectRtcp(p.peerRtcp.encrypt(rr())), 'the window did not move for the forgery');
    for (let i = 0; i < 5; i++) {
      const enc = p.bridge.protectRtcp(rr(0x0badcafe));
      assert.ok(enc);
      assert.equal(p.peerRtcp.decrypt(enc), rr(0x0badcafe));
    }
  });

  test('known answers: the direct node:crypto encryption equals werift-rtp\'s for fixed keys, CSRCs, extensions, ROC > 0, high SSRCs, and a (buffer, length) send', () => {
    // Fixed master keys: the same vector on every run, so a regression shows the same bytes.
    const fixed = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (seed + 37 * i) & 0xff));
    const keys = { localMasterKey: fixed(keyLength(profile), 1), localMasterSalt: fixed(saltLength(profile), 2), remoteMasterKey: fixed(keyLength(profile), 3), remoteMasterSalt: fixed(saltLength(profile), 4) };
    const bridge = new SrtpProtection(profile, keys, newTransportCounters());
    const reference = new SrtpSession({ keys, profile });
    const cases: { ssrc: number; csrcs: number[]; ext: boolean; bytes: number }[] = [
      { ssrc: 0x00000001, csrcs: [], ext: false, bytes: 1 },
      { ssrc: 0xfedcba98, csrcs: [0x01020304, 0xa0b0c0d0], ext: true, bytes: 1100 },
      { ssrc: 0x80000000, csrcs: [0xffffffff], ext: false, bytes: 160 },
      { ssrc: 0xffffffff, csrcs: [], ext: true, bytes: 15 },
    ];
    for (const c of cases) {
      // Two wraps, packet by packet across each (werift's sender counts a wrap only there), in
      // steps under 2^15 elsewhere: the index reaches ROC 2, so the counter / IV carries a non-zero ROC.
      const span = (from: number, to: number, step: number): number[] => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
      const indices = [...span(0, 20, 1), ...span(16_000, 64_000, 16_000), ...span(65_520, 65_560, 1), ...span(81_000, 129_000, 16_000), ...span(131_050, 131_090, 1)];
      for (const n of indices) {
        const seq = n & 0xffff;
        const h = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: n * 90, ssrc: c.ssrc, marker: n % 2 === 0, csrc: c.csrcs });
        if (c.ext) {
          h.extension = true;
          h.extensions = [{ id: 2, payload: Buffer.from([n & 0xff, 7]) }, { id: 5, payload: Buffer.from([0x80]) }];
        }
        const body = fixed(c.bytes, n);
        const plain = new RtpPacket(h, body).serialize();
        // As the forwarding loop sends: the packet at the start of a larger buffer with stale bytes after it.
        const sendBuffer = Buffer.alloc(plain.length + 300, 0xee);
        plain.copy(sendBuffer);
        const ours = bridge.protectRtp(sendBuffer, plain.length);
        assert.ok(ours);
        assert.equal(ours, reference.encrypt(body, h), `ssrc ${c.ssrc.toString(16)} index ${n}`);
      }
    }
    assert.is(bridge.protectRtp(Buffer.alloc(12), 13), undefined, 'a length past the buffer is refused');
  });

  test.run();
}

const misc = suite('rtp header length');
misc('CSRCs and extensions count; overruns are -1', () => {
  assert.is(rtpHeaderLength(plainRtp(1), 100), 12);
  assert.is(rtpHeaderLength(plainRtp(1, 1, true), 100), 12 + 4 + 8);
  const csrc = new RtpPacket(new RtpHeader({ csrc: [1, 2], csrcLength: 2, ssrc: 3 }), Buffer.alloc(4)).serialize();
  assert.is(rtpHeaderLength(csrc, csrc.length), 20);
  assert.is(rtpHeaderLength(csrc, 19), -1);
  assert.is(rtpHeaderLength(Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde]), 14), -1);
});
misc.run();
