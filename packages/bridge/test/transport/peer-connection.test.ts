// A werift RTCPeerConnection (what a WebRTC client does) against the real bridge, signalled as
// Jitsi does: the focus allocates the endpoint, the client gets an offer built from the bridge's
// transport (ice-lite, ufrag/pwd, fingerprint with setup:actpass, the one host candidate), answers,
// and the focus relays the answer's ufrag/pwd/fingerprint over COLIBRI2. Loopback only.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { IceUdpTransport } from '@plenum/xmpp/codec';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import type { MediaStack } from './media-harness.ts';
import { allocate, endpointExpired, relayRemoteTransport, startMediaStack, stopMediaStack, waitFor } from './media-harness.ts';

const MEETING = 'meet-pc';
/** The SSRC the bridge's offer announces for what it sends back (the test echo rewrites to it). */
const ECHO_SSRC = 0x0badf00d;

type Ctx = { stack: MediaStack; baseline: string[] };
const test = suite<Ctx>('transport with a werift RTCPeerConnection');

/** The offer a focus builds from the bridge's transport (protocols.md: the bridge is ice-lite and offers actpass). */
function offerFrom(t: IceUdpTransport): string {
  const c = t.candidates[0];
  const fp = t.fingerprints[0];
  return [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=ice-lite', 'a=msid-semantic: WMS *',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${t.ufrag ?? ''}`, `a=ice-pwd:${t.pwd ?? ''}`, `a=fingerprint:${fp?.hash ?? ''} ${fp?.value ?? ''}`, 'a=setup:actpass',
    'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2',
    `a=ssrc:${ECHO_SSRC} cname:bridge`, `a=ssrc:${ECHO_SSRC} msid:bridge-stream bridge-audio`,
    `a=candidate:${c?.foundation ?? '1'} 1 udp ${c?.priority ?? 0} ${c?.ip ?? ''} ${c?.port ?? 0} typ host generation 0`, 'a=end-of-candidates', '',
  ].join('\r\n');
}

const attribute = (sdp: string, name: string): string => new RegExp(`^a=${name}:(.+)$`, 'm').exec(sdp)?.[1]?.trim() ?? '';

/** A loopback-only werift peer that answered the bridge's offer; `fingerprint` overrides what the focus relays. */
async function answeringPeer(stack: MediaStack, endpointId: string, relayed?: { fingerprint: string }) {
  const local = await allocate(stack, MEETING, endpointId, stack.bridge.transports.stats().endpoints === 0 && stack.bridge.stats().conferences === 0);
  const pc = new RTCPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
  });
  const received = new Map<number, number>();
  // The remote track appears during setRemoteDescription.
  pc.onTrack.subscribe((remote) => {
    remote.onReceiveRtp.subscribe((p) => received.set(p.header.ssrc, (received.get(p.header.ssrc) ?? 0) + 1));
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerFrom(local) });
  const track = new MediaStreamTrack({ kind: 'audio' });
  const transceiver = pc.getTransceivers()[0];
  assert.ok(transceiver);
  transceiver.setDirection('sendrecv');
  await transceiver.sender.replaceTrack(track);
  await pc.setLocalDescription(await pc.createAnswer());
  const sdp = pc.localDescription?.sdp ?? '';
  assert.is(attribute(sdp, 'setup'), 'active', 'the answerer is the DTLS client');
  const fingerprint = attribute(sdp, 'fingerprint').split(' ')[1] ?? '';
  await relayRemoteTransport(stack, MEETING, endpointId, { ufrag: attribute(sdp, 'ice-ufrag'), pwd: attribute(sdp, 'ice-pwd'), fingerprint: relayed?.fingerprint ?? fingerprint });
  const t = stack.bridge.transports.get(MEETING, endpointId);
  assert.ok(t);
  return { pc, track, transceiver, received, t };
}

function waitForConnectionState(pc: RTCPeerConnection, state: string, timeoutMs = 5000): Promise<void> {
  if (pc.connectionState === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer never ${state} (is ${pc.connectionState})`)), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
      if (s !== state) return;
      clearTimeout(timer);
      unSubscribe();
      resolve();
    });
  });
}

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startMediaStack({ maxEndpoints: 10 });
});

test.after(async (ctx) => {
  await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('ICE + DTLS connect; the bridge decrypts the peer\'s SRTP by SSRC; the peer decrypts what the bridge sends back', async ({ stack }) => {
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 5000);
  const { pc, track, transceiver, received, t } = await answeringPeer(stack, 'pc-1');
  // Test-only echo loop (the forwarding layer's place): decrypted RTP goes back to the same endpoint
  // under the SSRC the offer announced.
  const seen = new Map<number, number>();
  t.onRtp((packet, ssrc) => {
    seen.set(ssrc, (seen.get(ssrc) ?? 0) + 1);
    packet.writeUInt32BE(ECHO_SSRC, 8);
    t.sendRtp(packet);
  });
  await Promise.all([connected, waitForConnectionState(pc, 'connected')]);
  assert.is(t.state, 'connected');
  assert.is(t.srtpProfile, 'AEAD_AES_128_GCM', 'GCM preferred (werift offers both)');
  for (let seq = 0; seq < 50; seq++) {
    track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: 1000 + seq, timestamp: seq * 960, marker: seq === 0 }), Buffer.alloc(80, seq)));
    await new Promise((r) => setTimeout(r, 2));
  }
  for (let i = 0; i < 200 && (received.get(ECHO_SSRC) ?? 0) < 50; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal([...seen], [[transceiver.sender.ssrc, 50]], 'every packet, under the sender\'s SSRC');
  assert.is(received.get(ECHO_SSRC), 50, 'every echo decrypted by the peer');
  const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
  assert.ok((stats.transport_rtp_packets_received ?? 0) >= 50 && (stats.transport_rtp_packets_sent ?? 0) >= 50);
  assert.is(stats.transport_connected_endpoints, 1);
  await pc.close();
});

test('a peer whose DTLS certificate does not match the relayed fingerprint is refused and its endpoint expired', async ({ stack }) => {
  const failed = waitFor(stack.bridge.transports.events, 'transportFailed', 5000);
  const expired = endpointExpired(stack, 'pc-2', 5000);
  const { pc, t, track } = await answeringPeer(stack, 'pc-2', { fingerprint: stack.bridge.certificate.fingerprint });
  const [which, reason] = await failed;
  assert.is(which, t);
  assert.is(reason, 'fingerprint-mismatch');
  await expired;
  assert.is(t.state, 'failed');
  assert.ok(stack.bridge.transports.stats().counters.fingerprintMismatches >= 1);
  assert.not.ok(t.sendRtp(Buffer.from([0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])), 'nothing goes to a refused peer');
  // The peer's handshake did complete (the check comes after it); what it sends now is not taken.
  await waitForConnectionState(pc, 'connected');
  const before = stack.bridge.transports.stats().counters.dropped['media-unknown-address'];
  const seen = stack.bridge.transports.stats().counters.rtpPacketsReceived;
  for (let seq = 0; seq < 5; seq++) track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: seq }), Buffer.alloc(20)));
  for (let i = 0; i < 100 && stack.bridge.transports.stats().counters.dropped['media-unknown-address'] < before + 5; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(stack.bridge.transports.stats().counters.dropped['media-unknown-address'], before + 5);
  assert.is(stack.bridge.transports.stats().counters.rtpPacketsReceived, seen);
  await pc.close();
});

test.run();
