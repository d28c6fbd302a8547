// ICE-TCP with werift's RTCPeerConnection (its ICE agent gathers active TCP candidates with
// `iceUseTcp`), signalled as Jitsi does: a peer whose offer lists only the bridge's passive TCP
// candidate (as if its UDP were blocked) and an ordinary UDP peer join one conference; each
// receives the other's audio intact through the real bridge, forwarding loop included.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Colibri2MediaSource, IceUdpTransport } from '@plenum/xmpp/codec';
import type { RtpPacket } from 'werift';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket as WeriftRtpPacket, useAudioLevelIndication, useSdesMid, useTransportWideCC } from 'werift';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import { modify } from '../integration/harness.ts';
import type { ConferencePeer } from '../forwarding/conference-peer.ts';
import { OPUS_PT, connected, joinPeer } from '../forwarding/conference-peer.ts';
import type { MediaStack } from './media-harness.ts';
import { FOCUS, allocate, startMediaStack, stopMediaStack } from './media-harness.ts';
import { tcpCandidateOf } from './ice-tcp-peer.ts';

const MEETING = 'meet-tcp-pc';
const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const PACKETS = 40;
const TCP_IDS = { audioLevel: 2, twcc: 3, mid: 4 };

type Ctx = { stack: MediaStack; baseline: string[]; closers: (() => Promise<void>)[] };
const test = suite<Ctx>('ICE-TCP with a werift RTCPeerConnection');

/** An audio-only offer from the bridge's transport that lists only its TCP candidate. */
function tcpOnlyOffer(t: IceUdpTransport): string {
  const fp = t.fingerprints[0];
  const c = t.candidates.find((x) => x.protocol === 'tcp');
  return [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=ice-lite', 'a=msid-semantic: WMS *',
    `m=audio 9 UDP/TLS/RTP/SAVPF ${OPUS_PT}`, 'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${t.ufrag ?? ''}`, `a=ice-pwd:${t.pwd ?? ''}`, `a=fingerprint:${fp?.hash ?? ''} ${fp?.value ?? ''}`, 'a=setup:actpass',
    'a=rtcp-mux', 'a=mid:0', 'a=sendrecv',
    `a=extmap:${TCP_IDS.mid} ${MID_URI}`, `a=extmap:${TCP_IDS.twcc} ${RTP_EXTENSION_URI.transportWideCC}`,
    `a=extmap:${TCP_IDS.audioLevel} ${RTP_EXTENSION_URI.audioLevelIndication}`,
    `a=rtpmap:${OPUS_PT} opus/48000/2`, `a=rtcp-fb:${OPUS_PT} transport-cc`,
    `a=candidate:${c?.foundation ?? ''} 1 tcp ${c?.priority ?? 0} ${c?.ip ?? ''} ${c?.port ?? 0} typ host tcptype passive generation 0`,
    'a=end-of-candidates', '',
  ].join('\r\n');
}

const attribute = (sdp: string, name: string): string => new RegExp(`^a=${name}:(.+)$`, 'm').exec(sdp)?.[1]?.trim() ?? '';

/** Allocates, offers (TCP only), answers and signals an audio-only peer. */
async function joinTcpPeer(stack: MediaStack, id: string) {
  const local = await allocate(stack, MEETING, id, false);
  assert.is(tcpCandidateOf(local).port, stack.bridge.transports.tcpPort);
  const pc = new RTCPeerConnection({
    iceUseTcp: true, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
    headerExtensions: { audio: [useSdesMid(), useTransportWideCC(), useAudioLevelIndication()] },
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: tcpOnlyOffer(local) });
  const [transceiver] = pc.getTransceivers();
  if (transceiver === undefined) throw new Error('werift made no transceiver');
  const audio = new MediaStreamTrack({ kind: 'audio' });
  transceiver.setDirection('sendrecv');
  await transceiver.sender.replaceTrack(audio);
  await pc.setLocalDescription(await pc.createAnswer());
  const sdp = pc.localDescription?.sdp ?? '';
  const received: RtpPacket[] = [];
  transceiver.receiver.dtlsTransport.onRtp.subscribe((p) => received.push(p));
  const audioSsrc = transceiver.sender.ssrc;
  const sources: Colibri2MediaSource[] = [{ type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, name: `${id}-a0`, parameters: [] }], sourceGroups: [] }];
  const reply = await modify(stack.focus, FOCUS, stack.bridge.domain, {
    meetingId: MEETING,
    endpoints: [{
      id, capabilities: [], sources,
      media: [{
        type: 'audio', extmapAllowMixed: false,
        payloadTypes: [{ id: OPUS_PT, name: 'opus', clockrate: 48000, channels: 2, parameters: [], rtcpFeedback: [] }],
        headerExtensions: [
          { id: TCP_IDS.mid, uri: MID_URI }, { id: TCP_IDS.twcc, uri: RTP_EXTENSION_URI.transportWideCC },
          { id: TCP_IDS.audioLevel, uri: RTP_EXTENSION_URI.audioLevelIndication },
        ],
      }],
      transport: {
        iceUdp: {
          ufrag: attribute(sdp, 'ice-ufrag'), pwd: attribute(sdp, 'ice-pwd'),
          fingerprints: [{ hash: 'sha-256', setup: 'active', value: attribute(sdp, 'fingerprint').split(' ')[1] ?? '' }], candidates: [], rtcpMux: true,
        },
      },
    }],
  });
  if (reply.attrs.type !== 'result') throw new Error(`colibri2 refused ${id}`);
  return { pc, audio, audioSsrc, received };
}

/** Audio payload: a marker, the sender's index, the packet's index, then filler derived from both. */
function audioPayload(sender: number, k: number): Buffer {
  const b = Buffer.alloc(60);
  b.write('AU', 0, 'latin1');
  b[2] = sender;
  b[3] = k;
  for (let i = 4; i < b.length; i++) b[i] = (sender * 31 + k * 7 + i) & 0xff;
  return b;
}

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.closers = [];
  ctx.stack = await startMediaStack({ maxEndpoints: 10, public: { tcpPort: 0 }, tcp: { enabled: true } });
});

test.after(async (ctx) => {
  for (const close of ctx.closers) await close();
  await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('a TCP-only peer and a UDP peer in one conference receive each other\'s audio intact', async (ctx) => {
  const { stack } = ctx;
  let bridgeConnected = 0;
  const bothConnected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${bridgeConnected} transports connected`)), 15_000);
    const off = stack.bridge.transports.events.on('transportConnected', () => {
      if (++bridgeConnected < 2) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
  const udpPeer: ConferencePeer = await joinPeer(stack, MEETING, 'ep-udp', { audioLevel: 1, twcc: 5, mid: 4 }, true);
  ctx.closers.push(() => udpPeer.pc.close());
  const tcpPeer = await joinTcpPeer(stack, 'ep-tcp');
  ctx.closers.push(() => tcpPeer.pc.close());
  await Promise.all([bothConnected, connected(udpPeer.pc), connected(tcpPeer.pc)]);
  assert.is(stack.bridge.transports.get(MEETING, 'ep-tcp')?.pathKind, 'tcp', 'the TCP peer reached the bridge over TCP');
  assert.is(stack.bridge.transports.get(MEETING, 'ep-udp')?.pathKind, 'udp');
  assert.ok(stack.bridge.transports.stats().counters.tcpConnectionsAuthenticated >= 1);

  const senders = [{ track: udpPeer.audio, ids: udpPeer.ids }, { track: tcpPeer.audio, ids: TCP_IDS }];
  for (let k = 0; k < PACKETS; k++) {
    for (const [i, s] of senders.entries()) {
      const header = new RtpHeader({ payloadType: OPUS_PT, sequenceNumber: 100 + k, timestamp: 960 * k, marker: k === 0 });
      header.extensions = [{ id: s.ids.audioLevel, payload: Buffer.from([0x80 | 30]) }];
      header.extension = true;
      s.track.writeRtp(new WeriftRtpPacket(header, audioPayload(i, k)));
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  const audioFrom = (received: RtpPacket[], ssrc: number): RtpPacket[] => received.filter((p) => p.header.ssrc === ssrc);
  for (let i = 0; i < 300; i++) {
    if (audioFrom(tcpPeer.received, udpPeer.audioSsrc).length >= PACKETS && audioFrom(udpPeer.received, tcpPeer.audioSsrc).length >= PACKETS) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const atTcp = audioFrom(tcpPeer.received, udpPeer.audioSsrc);
  const atUdp = audioFrom(udpPeer.received, tcpPeer.audioSsrc);
  assert.equal(atTcp.map((p) => p.header.sequenceNumber), Array.from({ length: PACKETS }, (_, k) => 100 + k), 'the UDP peer\'s audio reached the TCP peer, every packet in order');
  assert.equal(atUdp.map((p) => p.header.sequenceNumber).sort((a, b) => a - b), Array.from({ length: PACKETS }, (_, k) => 100 + k), 'the TCP peer\'s audio reached the UDP peer');
  for (const p of atTcp) assert.equal(p.payload, audioPayload(0, p.payload[3] ?? -1), 'payload intact');
  for (const p of atUdp) assert.equal(p.payload, audioPayload(1, p.payload[3] ?? -1), 'payload intact');
  assert.is(audioFrom(tcpPeer.received, tcpPeer.audioSsrc).length, 0, 'nobody gets its own audio');
});

test.run();
