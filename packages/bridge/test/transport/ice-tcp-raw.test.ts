// ICE-TCP (RFC 6544) on the wire with a peer assembled from werift's parts over one TCP connection
// (ice-tcp-peer.ts), through the real bridge and a fake focus: the check is answered on the
// connection, DTLS and SRTP run over the framing, a dropped connection drops the path, a peer that
// stops reading costs bounded memory, and hostile connections (garbage, wrong integrity, silence,
// floods) are closed and counted while a connected endpoint keeps working.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import type { EndpointTransport } from '../../src/transport/endpoint-transport.ts';
import { frameDatagram } from '../../src/transport/ice-tcp-framing.ts';
import { HOST_CANDIDATE_PRIORITY } from '../../src/transport/local-transport.ts';
import type { MediaStack } from './media-harness.ts';
import { RawPeer, allocate, endpointExpired, relayRemoteTransport, rtp, startMediaStack, stopMediaStack, waitFor } from './media-harness.ts';
import { TcpPeer, openSocket, socketClosed, tcpCandidateOf } from './ice-tcp-peer.ts';

// Long enough that a loaded machine's event-loop stalls (the 20,000-packet burst below) don't expire anyone.
const CONSENT_TIMEOUT_MS = 2500;
const KEEPALIVE_MS = 150;
const AUTH_TIMEOUT_MS = 1000;
const MAX_PENDING = 8;
const MEETING = 'meet-tcp';

/** `open`: every socket and peer a test opened, closed after the suite even when a test failed midway. */
type Ctx = { stack: MediaStack; baseline: string[]; created: boolean; open: (TcpPeer | RawPeer | Socket)[] };
const test = suite<Ctx>('ICE-TCP with raw werift peers');

/** Echo loop, test-only: what the bridge decrypts from an endpoint goes back to it re-encrypted, under SSRC + 1. */
function echo(t: EndpointTransport, seen: Map<number, number>): void {
  t.onRtp((packet, ssrc) => {
    seen.set(ssrc, (seen.get(ssrc) ?? 0) + 1);
    packet.writeUInt32BE((ssrc + 1) >>> 0, 8);
    t.sendRtp(packet);
  });
}

async function connectedTcpPeer(ctx: Ctx, endpointId: string) {
  const { stack } = ctx;
  const local = await allocate(stack, MEETING, endpointId, !ctx.created);
  ctx.created = true;
  const peer = await TcpPeer.open(local, endpointId);
  ctx.open.push(peer);
  const t = stack.bridge.transports.get(MEETING, endpointId);
  assert.ok(t, 'a transport per allocated endpoint');
  const seen = new Map<number, number>();
  echo(t, seen);
  // The check first, as clients do (before their answer reaches the bridge): the connection's deadline runs.
  const response = await peer.check({ useCandidate: true });
  assert.equal(response.getAttributeValue('XOR-MAPPED-ADDRESS'), ['127.0.0.1', peer.port], 'the bridge saw the connection\'s source');
  await relayRemoteTransport(stack, MEETING, endpointId, peer.remote);
  peer.startKeepalive(KEEPALIVE_MS);
  // Deadlines, not delays: generous because other test files may share the two cores.
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 15_000);
  connected.catch(() => undefined); // awaited below; a DTLS failure first must not leave it unhandled
  const profile = await peer.connectDtls([ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80], 15_000);
  const [which] = await connected;
  assert.is(which, t);
  return { peer, t, seen, profile, local };
}

const counters = (stack: MediaStack) => stack.bridge.transports.stats().counters;
const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.created = false;
  ctx.open = [];
  ctx.stack = await startMediaStack({
    ice: { consentTimeoutMs: CONSENT_TIMEOUT_MS }, maxEndpoints: 16,
    public: { tcpPort: 0 }, tcp: { enabled: true, authTimeoutMs: AUTH_TIMEOUT_MS, maxPendingConnections: MAX_PENDING },
  });
});

test.after(async (ctx) => {
  for (const o of ctx.open) {
    if (o instanceof TcpPeer) o.close();
    else if (o instanceof RawPeer) {
      try {
        o.close();
      } catch {
        // closed by its test already (dgram throws on a second close)
      }
    }
    else o.destroy();
  }
  await stopMediaStack(ctx.stack);
  await settle();
  // werift-dtls leaves its (uncancellable) retransmission sleeps behind; sockets must all be gone.
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('the allocation advertises a passive TCP host candidate on the bound port, below the UDP candidate', async (ctx) => {
  const local = await allocate(ctx.stack, MEETING, 'ep-offer', !ctx.created);
  ctx.created = true;
  const tcp = tcpCandidateOf(local);
  assert.is(tcp.port, ctx.stack.bridge.transports.tcpPort);
  assert.is(tcp.tcpType, 'passive');
  assert.ok(tcp.priority < HOST_CANDIDATE_PRIORITY, 'UDP is preferred');
  assert.equal(local.candidates.map((c) => c.protocol), ['udp', 'tcp']);
});

test('check answered on the connection, DTLS over the framing, SRTP both ways', async (ctx) => {
  const { peer, t, seen, profile } = await connectedTcpPeer(ctx, 'ep-tcp');
  assert.is(profile, ProtectionProfileAeadAes128Gcm);
  assert.is(t.pathKind, 'tcp');
  for (let seq = 100; seq < 150; seq++) peer.sendRtp(0x1000, seq);
  await peer.waitForRtp(50);
  assert.equal([...seen], [[0x1000, 50]], 'the bridge decrypted every packet');
  assert.equal([...peer.received], [[0x1001, 50]], 'the peer decrypted every echo');
  const stats = (await (await fetch(`http://127.0.0.1:${ctx.stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.transport_tcp_connections_authenticated ?? 0) >= 1, 'in /colibri/stats');
  peer.close();
});

test('hostile connections are closed and counted; a connected TCP endpoint keeps working', async (ctx) => {
  const { stack } = ctx;
  const { peer, t, seen, local } = await connectedTcpPeer(ctx, 'ep-victim');
  const port = tcpCandidateOf(local).port;
  const before = structuredClone(counters(stack));
  const attack = async (bytes: Buffer): Promise<void> => {
    const s = await openSocket(port);
    ctx.open.push(s);
    s.write(bytes);
    await socketClosed(s);
  };
  // Random bytes: whatever length the first two say, a frame completes or the length is refused.
  for (let i = 0; i < 20; i++) await attack(randomBytes(2000));
  // An empty frame, an oversized one.
  await attack(Buffer.from([0, 0]));
  await attack(Buffer.from([0xff, 0xff, 1, 2, 3]));
  // Well-framed but not ICE: DTLS and SRTP before any check.
  await attack(frameDatagram(Buffer.from([22, 0xfe, 0xfd, ...randomBytes(40)])));
  await attack(frameDatagram(Buffer.concat([Buffer.from([0x80, 111]), randomBytes(40)])));
  // STUN: the victim's ufrag with a wrong integrity; an unknown ufrag; a truncated check.
  await attack(frameDatagram(peer.checkBytes({ pwd: 'not-the-bridge-password-at-all', useCandidate: true })));
  await attack(frameDatagram(peer.checkBytes({ ufrag: 'nobody00' })));
  await attack(frameDatagram(peer.checkBytes().subarray(0, 30)));
  const after = counters(stack);
  const grew = (k: keyof typeof after.dropped): number => after.dropped[k] - before.dropped[k];
  assert.ok(grew('tcp-frame-invalid') >= 2, 'bad length prefixes');
  assert.ok(grew('tcp-before-check') >= 2, 'DTLS and SRTP before a check');
  assert.is(grew('stun-bad-integrity'), 1);
  assert.ok(grew('stun-unknown-ufrag') >= 1);
  assert.ok(grew('stun-truncated') + grew('stun-malformed') >= 1);
  assert.is(after.tcpConnectionsRefused - before.tcpConnectionsRefused, 27, 'every hostile connection refused');
  assert.is(after.tcpConnectionsAuthenticated, before.tcpConnectionsAuthenticated, 'none authenticated');
  // The victim: same path, still connected, media still both ways.
  assert.is(t.state, 'connected');
  assert.is(t.pathKind, 'tcp');
  for (let seq = 0; seq < 10; seq++) peer.sendRtp(0x2000, seq);
  await peer.waitForRtp(10);
  assert.is(seen.get(0x2000), 10);
  peer.close();
});

test('slowloris and floods: silent connections close at the deadline, the oldest pending ones make room', async (ctx) => {
  const { stack } = ctx;
  const port = ctx.stack.bridge.transports.tcpPort ?? 0;
  const before = structuredClone(counters(stack));
  const silent = await openSocket(port);
  const trickle = await openSocket(port);
  ctx.open.push(silent, trickle);
  trickle.write(Buffer.from([0x00])); // half a length prefix, then nothing
  await Promise.all([socketClosed(silent, AUTH_TIMEOUT_MS * 10), socketClosed(trickle, AUTH_TIMEOUT_MS * 10)]);
  assert.is(counters(stack).tcpAuthTimeouts - before.tcpAuthTimeouts, 2);

  const beforeFlood = structuredClone(counters(stack));
  const flood = await Promise.all(Array.from({ length: 3 * MAX_PENDING }, () => openSocket(port)));
  ctx.open.push(...flood);
  await settle();
  const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.transport_tcp_pending_connections ?? Infinity) <= MAX_PENDING, 'pending connections bounded');
  // A legitimate client arriving during the flood still gets in (it is the newest).
  const { peer, seen } = await connectedTcpPeer(ctx, 'ep-after-flood');
  for (let seq = 0; seq < 5; seq++) peer.sendRtp(0x3000, seq);
  await peer.waitForRtp(5);
  assert.is(seen.get(0x3000), 5);
  await Promise.all(flood.map((s) => socketClosed(s, AUTH_TIMEOUT_MS * 10)));
  const evicted = counters(stack).tcpPendingEvicted - beforeFlood.tcpPendingEvicted;
  const timedOut = counters(stack).tcpAuthTimeouts - beforeFlood.tcpAuthTimeouts;
  assert.ok(evicted >= 1, `the oldest made room (${evicted} evicted)`);
  assert.is(evicted + timedOut, flood.length, 'every flood connection closed by the bridge, evicted or timed out');
  peer.close();
});

test('a peer that stops reading: media over the write bound is dropped and counted, then flows again', async (ctx) => {
  const { stack } = ctx;
  const { peer, t } = await connectedTcpPeer(ctx, 'ep-slow');
  // Reading stops; the peer's consent checks go on (they are writes), so the endpoint stays.
  peer.socket.pause();
  const before = counters(stack).dropped['send-tcp-backpressure'];
  const payload = Buffer.alloc(1100, 7);
  let refused = 0;
  const total = 20_000; // ≈ 22 MB: more than loopback's kernel buffers can take
  for (let seq = 0; seq < total; seq++) {
    if (!t.sendRtp(rtp(0x4000, seq, payload))) refused++;
    // Yield now and then so timers (the peer's checks, the bridge's consent sweep) keep running.
    if (seq % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  const dropped = counters(stack).dropped['send-tcp-backpressure'] - before;
  assert.is(t.state, 'connected', 'still connected after the burst');
  assert.ok(dropped > 0, 'some media was dropped rather than queued');
  assert.is(refused, dropped, 'sendRtp said so for each');
  assert.ok(t.stats().rtpPacketsSent >= total - dropped);
  peer.socket.resume();
  await peer.waitForRtp(total - dropped, 10_000);
  assert.is(peer.received.get(0x4000), total - dropped, 'what was queued arrived, decryptable, in order of sending');
  assert.ok(t.sendRtp(rtp(0x4000, total, payload)), 'and new media goes out again');
  await peer.waitForRtp(total - dropped + 1);
  assert.is(t.state, 'connected');
  peer.close();
});

test('a closed connection drops the path; consent then expires the endpoint', async (ctx) => {
  const { stack } = ctx;
  const { peer, t } = await connectedTcpPeer(ctx, 'ep-gone');
  const expired = endpointExpired(stack, 'ep-gone', CONSENT_TIMEOUT_MS * 4);
  peer.close();
  for (let i = 0; i < 100 && t.pathKind !== undefined; i++) await settle(10);
  assert.is(t.pathKind, undefined, 'no path');
  const notConnected = counters(stack).dropped['send-not-connected'];
  assert.not.ok(t.sendRtp(rtp(0x5000, 1)));
  assert.is(counters(stack).dropped['send-not-connected'], notConnected + 1);
  await expired;
  assert.is(t.state, 'expired');
});

test('an endpoint connected over UDP moves to TCP on a nominated check there (its UDP got blocked), and back', async (ctx) => {
  const { stack } = ctx;
  const local = await allocate(stack, MEETING, 'ep-mover', !ctx.created);
  ctx.created = true;
  const udp = await RawPeer.open(local, 'ep-mover');
  ctx.open.push(udp);
  await relayRemoteTransport(stack, MEETING, 'ep-mover', udp.remote);
  const t = stack.bridge.transports.get(MEETING, 'ep-mover');
  assert.ok(t);
  const seen = new Map<number, number>();
  echo(t, seen);
  await udp.check({ useCandidate: true });
  udp.startKeepalive(KEEPALIVE_MS);
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 15_000);
  connected.catch(() => undefined);
  await udp.connectDtls([ProtectionProfileAeadAes128Gcm], 15_000);
  await connected;
  assert.is(t.pathKind, 'udp');
  // The same endpoint (credentials, SRTP keys: DTLS survives a path change) over TCP.
  const tcp = await TcpPeer.open(local, 'ep-mover');
  ctx.open.push(tcp);
  tcp.srtp = udp.srtp;
  tcp.srtcp = udp.srtcp;
  udp.stopKeepalive();
  await tcp.check({ useCandidate: true });
  tcp.startKeepalive(KEEPALIVE_MS);
  assert.is(t.pathKind, 'tcp');
  assert.is(t.stats().addressChanges, 1);
  for (let seq = 0; seq < 10; seq++) tcp.sendRtp(0x6000, seq);
  await tcp.waitForRtp(10);
  assert.equal([...tcp.received], [[0x6001, 10]], 'the echo comes back over TCP');
  // The UDP address it left is still received from (it must authenticate), but answers go over TCP.
  udp.sendRtp(0x6000, 50);
  await tcp.waitForRtp(11);
  assert.equal([...tcp.received], [[0x6001, 11]], 'the echo of what came over the old UDP address goes over TCP');
  assert.is(seen.get(0x6000), 11);
  // UDP works again: a nomination there moves the endpoint back.
  tcp.stopKeepalive();
  await udp.check({ useCandidate: true });
  assert.is(t.pathKind, 'udp');
  for (let seq = 60; seq < 65; seq++) udp.sendRtp(0x6000, seq);
  await udp.waitForRtp(5);
  assert.equal([...udp.received], [[0x6001, 5]], 'the echo comes back over UDP');
  assert.is(t.stats().addressChanges, 2);
  assert.is(t.state, 'connected');
  tcp.close();
  udp.close();
});

test('a connection belongs to the endpoint that authenticated it: checks for another endpoint on it are dropped', async (ctx) => {
  const { stack } = ctx;
  const { peer } = await connectedTcpPeer(ctx, 'ep-owner');
  const other = await allocate(stack, MEETING, 'ep-other', false);
  const intruder = await TcpPeer.open(other, 'ep-other');
  ctx.open.push(intruder);
  const before = counters(stack).dropped['tcp-check-other-endpoint'];
  // ep-owner's connection carries a valid check for ep-other.
  peer.send(intruder.checkBytes());
  for (let i = 0; i < 100 && counters(stack).dropped['tcp-check-other-endpoint'] === before; i++) await settle(10);
  assert.is(counters(stack).dropped['tcp-check-other-endpoint'], before + 1);
  assert.is(stack.bridge.transports.get(MEETING, 'ep-other')?.pathKind, undefined);
  intruder.close();
  peer.close();
});

test.run();
