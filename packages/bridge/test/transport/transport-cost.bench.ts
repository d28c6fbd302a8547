// Per-packet CPU cost of the transport's hot path, one thread, 1200-byte RTP payloads:
//   node --import tsx packages/bridge/test/transport/transport-cost.bench.ts
// SrtpProtection (replay window + our index) against werift-rtp's bare SrtpSession, both
// directions and both profiles, plus the remote-address lookup the mux does per datagram.
import { randomBytes } from 'node:crypto';
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession, keyLength, saltLength } from 'werift-rtp';
import { SrtpProtection } from '../../src/transport/srtp-protection.ts';
import { newTransportCounters } from '../../src/transport/transport-counters.ts';

const N = Number(process.env.PACKETS ?? 200_000);
const payload = randomBytes(1200);

function measure(name: string, n: number, f: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 20_000); i++) f(i); // warm-up
  if (global.gc) global.gc();
  const heap0 = process.memoryUsage().heapUsed;
  // CPU time of this process, not wall time: on a shared machine other jobs take the core away.
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f(i);
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / n;
  console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(6)} µs/pkt  ${(1 / us).toFixed(3).padStart(6)} Mpkt/s  heap Δ ${((process.memoryUsage().heapUsed - heap0) / 1e6).toFixed(0)} MB`);
}

for (const [name, profile] of [['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80], ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm]] as [string, SrtpProfile][]) {
  const keys = { localMasterKey: randomBytes(keyLength(profile)), localMasterSalt: randomBytes(saltLength(profile)), remoteMasterKey: randomBytes(keyLength(profile)), remoteMasterSalt: randomBytes(saltLength(profile)) };
  const peerKeys = { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt };
  const peer = new SrtpSession({ keys: peerKeys, profile });
  // A stream crossing the sequence wrap, encrypted once up front.
  const stream: Buffer[] = [];
  const plains: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: (60_000 + i) & 0xffff, timestamp: i * 3000, ssrc: 0x1234 });
    stream.push(peer.encrypt(payload, header));
    plains.push(Buffer.concat([header.serialize(12), payload]));
  }
  console.log(`-- ${name}, ${N} packets`);
  let bare = new SrtpSession({ keys, profile });
  measure('werift SrtpSession.decrypt (no replay check)', N, (i) => {
    if (i === 0) bare = new SrtpSession({ keys, profile });
    return bare.decrypt(stream[i] ?? payload);
  });
  let ours = new SrtpProtection(profile, keys, newTransportCounters());
  measure('SrtpProtection.unprotectRtp (index + replay window)', N, (i) => {
    if (i === 0) ours = new SrtpProtection(profile, keys, newTransportCounters());
    return ours.unprotectRtp(stream[i] ?? payload);
  });
  const dupes = new SrtpProtection(profile, keys, newTransportCounters());
  for (let i = 0; i < 100; i++) dupes.unprotectRtp(stream[i] ?? payload);
  measure('SrtpProtection.unprotectRtp of a replay (dropped)', N, (i) => dupes.unprotectRtp(stream[i % 100] ?? payload));
  const sender = new SrtpSession({ keys, profile });
  measure('werift SrtpSession.encrypt (parsed header)', N, (i) => {
    const p = plains[i] ?? payload;
    return sender.encrypt(p.subarray(12), RtpHeader.deSerialize(p));
  });
  const protector = new SrtpProtection(profile, keys, newTransportCounters());
  measure('SrtpProtection.protectRtp (plain buffer)', N, (i) => protector.protectRtp(plains[i] ?? payload));
}

// The mux's remote-address lookup with a fresh address string per datagram (as dgram gives them).
const E = 2000;
const addrs = Array.from({ length: E }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7`);
const nested = new Map<string, Map<number, number>>();
const flat = new Map<string, number>();
addrs.forEach((a, i) => {
  nested.set(a, new Map([[40000 + i, i]]));
  flat.set(`${a}:${40000 + i}`, i);
});
const fresh = (s: string): string => (' ' + s).slice(1);
console.log(`-- remote-address lookup, ${E} endpoints, fresh strings`);
measure('fresh string only (baseline)', 2_000_000, (i) => fresh(addrs[i % E] ?? '').length);
measure('Map<ip, Map<port, target>> (used)', 2_000_000, (i) => nested.get(fresh(addrs[i % E] ?? ''))?.get(40000 + (i % E)));
measure('Map<`${ip}:${port}`, target>', 2_000_000, (i) => flat.get(`${fresh(addrs[i % E] ?? '')}:${40000 + (i % E)}`));
