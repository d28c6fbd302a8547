// The media transport on the wire with peers assembled from werift's parts (media-harness.ts
// RawPeer), through the real bridge and a fake focus: ICE-lite checks, DTLS-SRTP in both profiles,
// SRTP both ways, a nominated address change, hostile datagrams of every kind while an endpoint
// keeps working, and consent expiry (short timeout here).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import { decodeColibri2ErrorReason } from '@plenum/xmpp/codec';
import type { EndpointTransport } from '../../src/transport/endpoint-transport.ts';
import { modify } from '../integration/harness.ts';
import type { MediaStack } from './media-harness.ts';
import { FOCUS, RawPeer, allocate, endpointExpired, relayRemoteTransport, rtp, startMediaStack, stopMediaStack, waitFor } from './media-harness.ts';

const CONSENT_TIMEOUT_MS = 800;
const KEEPALIVE_MS = 150;
const MEETING = 'meet-raw';

type Ctx = { stack: MediaStack; baseline: string[] };
const test = suite<Ctx>('transport with raw werift peers');

/** Echo loop, test-only: what the bridge decrypts from an endpoint goes back to it re-encrypted, under SSRC + 1. */
function echo(t: EndpointTransport, seen: Map<number, number>): void {
  t.onRtp((packet, ssrc) => {
    seen.set(ssrc, (seen.get(ssrc) ?? 0) + 1);
    packet.writeUInt32BE((ssrc + 1) >>> 0, 8);
    t.sendRtp(packet);
  });
}

async function connectedPeer(stack: MediaStack, endpointId: string, createConference: boolean, profiles = [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80]) {
  const local = await allocate(stack, MEETING, endpointId, createConference);
  const peer = await RawPeer.open(local, endpointId);
  await relayRemoteTransport(stack, MEETING, endpointId, peer.remote);
  const t = stack.bridge.transports.get(MEETING, endpointId);
  assert.ok(t, 'a transport per allocated endpoint');
  const seen = new Map<number, number>();
  echo(t, seen);
  const response = await peer.check();
  assert.equal(response.getAttributeValue('XOR-MAPPED-ADDRESS'), ['127.0.0.1', peer.port], 'the bridge saw our address');
  peer.startKeepalive(KEEPALIVE_MS);
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 20_000); // generous: a starved CI core can take seconds for DTLS
  const profile = await peer.connectDtls(profiles);
  const [which] = await connected;
  assert.is(which, t);
  return { peer, t, seen, profile, local };
}

const dropped = (stack: MediaStack, reason: string): number => (stack.bridge.transports.stats().counters.dropped as Record<string, number>)[reason] ?? 0;

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startMediaStack({ ice: { consentTimeoutMs: CONSENT_TIMEOUT_MS }, maxEndpoints: 10 });
});

test.after(async (ctx) => {
  await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  // werift-dtls leaves its (uncancellable) retransmission sleeps behind; sockets must all be gone.
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('ICE-lite + DTLS + SRTP (AEAD_AES_128_GCM preferred): the bridge decrypts by SSRC and the peer decrypts the echo', async ({ stack }) => {
  const { peer, t, seen, profile } = await connectedPeer(stack, 'ep-gcm', true);
  assert.is(profile, ProtectionProfileAeadAes128Gcm);
  assert.is(t.srtpProfile, 'AEAD_AES_128_GCM');
  for (let seq = 100; seq < 150; seq++) peer.sendRtp(0x1000, seq);
  for (let seq = 500; seq < 520; seq++) peer.sendRtp(0x2000, seq);
  await peer.waitForRtp(70);
  assert.equal([...seen], [[0x1000, 50], [0x2000, 20]]);
  assert.equal([...peer.received], [[0x1001, 50], [0x2001, 20]]);
  const rtcpSeen: Buffer[] = [];
  t.onRtcp((p) => rtcpSeen.push(p));
  const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0x10, 0]);
  peer.sendRtcp(rr);
  for (let i = 0; i < 50 && rtcpSeen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(rtcpSeen, [rr], 'SRTCP decrypted too');
  assert.ok(t.sendRtcp(Buffer.from([0x80, 201, 0, 1, 0, 0, 0x20, 0])));
  peer.close();
});

test('AES_CM_128_HMAC_SHA1_80 when the peer offers only that', async ({ stack }) => {
  const { peer, t, seen } = await connectedPeer(stack, 'ep-cm', false, [ProtectionProfileAes128CmHmacSha1_80]);
  assert.is(t.srtpProfile, 'AES_CM_128_HMAC_SHA1_80');
  for (let seq = 0; seq < 10; seq++) peer.sendRtp(0x3000, seq);
  await peer.waitForRtp(10);
  assert.is(seen.get(0x3000), 10);
  peer.close();
});

test('hostile datagrams are dropped and counted; the connected endpoint keeps working', async ({ stack }) => {
  const { peer, t, seen, local } = await connectedPeer(stack, 'ep-victim', false);
  for (let seq = 0; seq < 5; seq++) peer.sendRtp(0x4000, seq);
  await peer.waitForRtp(5);
  const before = { ...stack.bridge.transports.stats().counters.dropped };
  const attacker = createSocket('udp4');
  await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', r));
  const fromAttacker = (b: Buffer): void => void attacker.send(b, stack.bridge.udpPort, '127.0.0.1');
  const goodCheck = peer.checkBytes().bytes;
  // From another address: garbage of every class, broken STUN, STUN forged for the victim's ufrag.
  for (let i = 0; i < 200; i++) fromAttacker(randomBytes(1 + (i % 300)));
  fromAttacker(goodCheck.subarray(0, 30));
  fromAttacker(Buffer.concat([goodCheck, Buffer.alloc(1400)]));
  fromAttacker(peer.checkBytes({ pwd: 'not-the-bridge-password-at-all' }).bytes);
  fromAttacker(peer.checkBytes({ ufrag: 'nobody00' }).bytes);
  fromAttacker(Buffer.from([22, 0xfe, 0xfd, ...randomBytes(40)]));
  fromAttacker(peer.encryptRtp(0x4000, 10));
  // From the victim's own address: a replay, a forgery, DTLS garbage and a plaintext alert.
  const captured = peer.sendRtp(0x4000, 11);
  peer.send(captured);
  const forged = peer.encryptRtp(0x4000, 12);
  forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 0x55;
  peer.send(forged);
  peer.send(Buffer.from([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40]));
  peer.send(Buffer.from([23, 0xfe, 0xfd, 0, 1, ...randomBytes(30)]));
  peer.send(Buffer.concat([Buffer.from([0x80, 200]), randomBytes(30)]));
  // Then ordinary traffic: still decrypted and echoed.
  for (let seq = 20; seq < 30; seq++) peer.sendRtp(0x4000, seq);
  await peer.waitForRtp(5 + 1 + 10);
  await new Promise((r) => setTimeout(r, 50));
  const after = stack.bridge.transports.stats().counters.dropped;
  const grew = (reason: keyof typeof after): number => after[reason] - before[reason];
  assert.ok(grew('unclassified') > 0, 'random bytes outside the RFC 7983 ranges');
  assert.ok(grew('media-unknown-address') >= 1, 'SRTP from an address no check selected');
  assert.ok(grew('dtls-unknown-address') >= 1, 'DTLS from an address no check selected');
  assert.ok(grew('stun-truncated') + grew('stun-malformed') >= 1, 'truncated STUN');
  assert.ok(grew('stun-oversized') >= 1, 'oversized STUN');
  assert.is(grew('stun-bad-integrity'), 1, 'wrong integrity for the victim\'s ufrag');
  assert.ok(grew('stun-unknown-ufrag') >= 1);
  assert.is(grew('srtp-replayed'), 1, 'the replayed packet');
  assert.is(grew('srtp-auth-failed'), 1, 'the forged packet');
  assert.is(grew('dtls-unauthenticated-control'), 1, 'the plaintext alert');
  assert.ok(grew('srtcp-malformed') + grew('srtcp-auth-failed') >= 1, 'RTCP garbage');
  assert.is(t.state, 'connected');
  assert.is(seen.get(0x4000), 5 + 1 + 10, 'exactly the genuine packets, each once');
  const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.transport_dropped_srtp_replayed ?? 0) >= 1, 'drops are in /colibri/stats');
  assert.ok((stats.transport_dropped ?? 0) > 200);
  assert.ok(local.candidates[0]?.port === stack.bridge.udpPort);
  attacker.close();
  peer.close();
});

test('a nominated check from a new address moves the endpoint (network change); the old address is received from until the next move', async ({ stack }) => {
  const { peer, t, seen, local } = await connectedPeer(stack, 'ep-mover', false);
  for (let seq = 0; seq < 3; seq++) peer.sendRtp(0x5000, seq);
  await peer.waitForRtp(3);
  // The same peer identity on a new socket: same credentials, same SRTP keys (DTLS survives a move).
  const moved = await RawPeer.open(local, 'ep-mover');
  moved.srtp = peer.srtp;
  moved.srtcp = peer.srtcp;
  peer.stopKeepalive();
  const plain = await moved.check();
  assert.ok(plain, 'a plain check from the new address is answered');
  const droppedBefore = dropped(stack, 'media-unknown-address');
  for (let seq = 3; seq < 5; seq++) moved.sendRtp(0x5000, seq);
  await new Promise((r) => setTimeout(r, 50));
  assert.is(dropped(stack, 'media-unknown-address') - droppedBefore, 2, 'not moved by a plain check: media from there is not the endpoint\'s');
  await moved.check({ useCandidate: true });
  moved.startKeepalive(KEEPALIVE_MS);
  const unknownBefore = dropped(stack, 'media-unknown-address');
  for (let seq = 10; seq < 20; seq++) moved.sendRtp(0x5000, seq);
  await moved.waitForRtp(10);
  // A client that nominated twice but kept sending on its first pair (werift does) is still heard,
  // and the answer goes where the nomination said.
  peer.sendRtp(0x5000, 30);
  await moved.waitForRtp(11);
  assert.is(dropped(stack, 'media-unknown-address'), unknownBefore, 'the previous address still routes to the endpoint');
  assert.is(t.stats().addressChanges, 1);
  assert.is(t.state, 'connected');
  assert.is(seen.get(0x5000), 3 + 10 + 1);
  // One more move: the first address is no longer the endpoint's.
  const third = await RawPeer.open(local, 'ep-mover');
  third.srtp = peer.srtp;
  third.srtcp = peer.srtcp;
  await third.check({ useCandidate: true });
  third.startKeepalive(KEEPALIVE_MS);
  moved.stopKeepalive();
  peer.sendRtp(0x5000, 31);
  for (let i = 0; i < 100 && dropped(stack, 'media-unknown-address') === unknownBefore; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(dropped(stack, 'media-unknown-address') - unknownBefore, 1, 'two moves ago: dropped');
  moved.sendRtp(0x5000, 32);
  await third.waitForRtp(1);
  assert.is(seen.get(0x5000), 3 + 10 + 1 + 1, 'the address before the last move still counts');
  assert.is(t.stats().addressChanges, 2);
  peer.close();
  moved.close();
  third.close();
});

test('consent: an endpoint that stops checking is expired, removed from its conference, and its ufrag forgotten', async ({ stack }) => {
  const { peer, t } = await connectedPeer(stack, 'ep-silent', false);
  const expired = endpointExpired(stack, 'ep-silent', CONSENT_TIMEOUT_MS * 4);
  const started = Date.now();
  peer.stopKeepalive();
  await expired;
  const waited = Date.now() - started;
  assert.ok(waited >= CONSENT_TIMEOUT_MS - KEEPALIVE_MS - 50 && waited < CONSENT_TIMEOUT_MS * 3, `expired after ${waited} ms`);
  assert.is(t.state, 'expired');
  assert.is(stack.bridge.transports.get(MEETING, 'ep-silent'), undefined);
  const update = await modify(stack.focus, FOCUS, stack.bridge.domain, { meetingId: MEETING, endpoints: [{ id: 'ep-silent', media: [], capabilities: [], sources: [] }] });
  assert.is(decodeColibri2ErrorReason(update), 'UNKNOWN_ENDPOINT', 'the control plane expired it too');
  const unknown = dropped(stack, 'stun-unknown-ufrag');
  await peer.check({}, 200).then(() => assert.unreachable('answered after expiry'), () => undefined);
  assert.is(dropped(stack, 'stun-unknown-ufrag'), unknown + 1);
  assert.ok(stack.bridge.transports.stats().counters.consentExpiries >= 1);
  peer.close();
});

test('an endpoint that never checks in expires too', async ({ stack }) => {
  const started = Date.now();
  await allocate(stack, MEETING, 'ep-never', false);
  await endpointExpired(stack, 'ep-never', CONSENT_TIMEOUT_MS * 4);
  assert.ok(Date.now() - started >= CONSENT_TIMEOUT_MS - 50);
});

test('a plain RTP packet handed to sendRtp is encrypted; garbage handed to it is refused', async ({ stack }) => {
  const { peer, t } = await connectedPeer(stack, 'ep-send', false);
  assert.ok(t.sendRtp(rtp(0x6000, 1)));
  await peer.waitForRtp(1);
  assert.equal([...peer.received], [[0x6000, 1]]);
  assert.not.ok(t.sendRtp(Buffer.from('not rtp')));
  peer.close();
});

test.run();
