// A werift RTCPeerConnection joined to a bridge conference the way Jitsi signals it: the fake focus
// allocates the endpoint, builds the offer (ice-lite, bundled audio + video, the extension ids it
// chooses for this peer), the peer answers, and the focus relays transport, media (payload types,
// header extensions) and sources (SSRCs, FID group) over COLIBRI2. Every RTP packet the peer
// decrypts is tapped below werift's router, so the test sees all of them whatever their SSRC.
import type { Colibri2Media, Colibri2MediaSource, IceUdpTransport } from '@plenum/xmpp/codec';
import type { RTCDtlsTransport, RtcpPacket, RtpPacket } from 'werift';
import { MediaStreamTrack, RTCPeerConnection, useAudioLevelIndication, useSdesMid, useTransportWideCC } from 'werift';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import type { Logger, LogFields } from '@plenum/kit';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { WireClient } from '@plenum/testkit';
import type { RunningBridge } from '../../src/index.ts';
import { startBridge } from '../../src/index.ts';
import { allocate, FOCUS } from '../transport/media-harness.ts';
import type { MediaStack } from '../transport/media-harness.ts';
import { BRIDGE_SECRET, FOCUS_DOMAIN, FOCUS_SECRET, componentClient, modify, startServer, waitFor } from '../integration/harness.ts';

export const OPUS_PT = 111;
export const VP8_PT = 96;
export const RTX_PT = 97;
const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';

/** The extension ids the focus gives one peer (different per peer, so the bridge must map them). */
export type ExtensionIds = { readonly audioLevel: number; readonly twcc: number; readonly mid: number };

/** Log lines at warn or error, to assert nothing went wrong inside the bridge. */
export type CapturedLog = { readonly problems: { level: string; msg: string; fields?: LogFields }[]; readonly log: Logger };

export function capturingLogger(): CapturedLog {
  const problems: CapturedLog['problems'] = [];
  const noop = (): void => undefined;
  const log: Logger = {
    trace: noop, debug: noop, info: noop,
    warn: (msg, fields) => problems.push({ level: 'warn', msg, ...(fields !== undefined ? { fields } : {}) }),
    error: (msg, fields) => problems.push({ level: 'error', msg, ...(fields !== undefined ? { fields } : {}) }),
    child: () => log,
  };
  return { problems, log };
}

/** Server, a bridge logging into `captured`, and the fake focus. */
export async function startForwardingStack(captured: CapturedLog): Promise<MediaStack> {
  const server: RunningXmppServer = await startServer();
  const bridge: RunningBridge = await startBridge({
    log: captured.log,
    values: {
      id: 'f1', xmpp: { port: server.componentPort, secret: BRIDGE_SECRET, reconnectDelayMs: 100 }, http: { port: 0 }, public: { udpPort: 0 },
      statsIntervalMs: 100, maxEndpoints: 10, log: { level: 'silent' },
    },
  });
  await waitFor(bridge.events, 'xmppOnline');
  const focus: WireClient = await componentClient(server, FOCUS_DOMAIN, FOCUS_SECRET);
  return { server, bridge, focus };
}

function offerFrom(t: IceUdpTransport, ids: ExtensionIds): string {
  const c = t.candidates[0];
  const fp = t.fingerprints[0];
  const transport = [
    `a=ice-ufrag:${t.ufrag ?? ''}`, `a=ice-pwd:${t.pwd ?? ''}`, `a=fingerprint:${fp?.hash ?? ''} ${fp?.value ?? ''}`, 'a=setup:actpass',
    'a=rtcp-mux', `a=candidate:${c?.foundation ?? '1'} 1 udp ${c?.priority ?? 0} ${c?.ip ?? ''} ${c?.port ?? 0} typ host generation 0`, 'a=end-of-candidates',
  ];
  const extmaps = [`a=extmap:${ids.mid} ${MID_URI}`, `a=extmap:${ids.twcc} ${RTP_EXTENSION_URI.transportWideCC}`];
  return [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=ice-lite', 'a=msid-semantic: WMS *',
    `m=audio 9 UDP/TLS/RTP/SAVPF ${OPUS_PT}`, 'c=IN IP4 0.0.0.0', ...transport, 'a=mid:0', 'a=sendrecv',
    ...extmaps, `a=extmap:${ids.audioLevel} ${RTP_EXTENSION_URI.audioLevelIndication}`,
    `a=rtpmap:${OPUS_PT} opus/48000/2`, `a=rtcp-fb:${OPUS_PT} transport-cc`,
    `m=video 9 UDP/TLS/RTP/SAVPF ${VP8_PT} ${RTX_PT}`, 'c=IN IP4 0.0.0.0', ...transport, 'a=mid:1', 'a=sendrecv',
    ...extmaps,
    `a=rtpmap:${VP8_PT} VP8/90000`, `a=rtcp-fb:${VP8_PT} nack`, `a=rtcp-fb:${VP8_PT} nack pli`, `a=rtcp-fb:${VP8_PT} transport-cc`,
    `a=rtpmap:${RTX_PT} rtx/90000`, `a=fmtp:${RTX_PT} apt=${VP8_PT}`, '',
  ].join('\r\n');
}

const attribute = (sdp: string, name: string): string => new RegExp(`^a=${name}:(.+)$`, 'm').exec(sdp)?.[1]?.trim() ?? '';

/** What COLIBRI2 says about one peer's media: the codecs and extension ids the focus negotiated with it. */
function colibriMedia(ids: ExtensionIds): Colibri2Media[] {
  const common = [{ id: ids.mid, uri: MID_URI }, { id: ids.twcc, uri: RTP_EXTENSION_URI.transportWideCC }];
  return [
    {
      type: 'audio', extmapAllowMixed: false,
      payloadTypes: [{ id: OPUS_PT, name: 'opus', clockrate: 48000, channels: 2, parameters: [], rtcpFeedback: [] }],
      headerExtensions: [...common, { id: ids.audioLevel, uri: RTP_EXTENSION_URI.audioLevelIndication }],
    },
    {
      type: 'video', extmapAllowMixed: false,
      payloadTypes: [
        { id: VP8_PT, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] },
        { id: RTX_PT, name: 'rtx', clockrate: 90000, parameters: [{ name: 'apt', value: String(VP8_PT) }], rtcpFeedback: [] },
      ],
      headerExtensions: common,
    },
  ];
}

/** One joined peer. */
export type ConferencePeer = {
  readonly id: string;
  readonly ids: ExtensionIds;
  readonly pc: RTCPeerConnection;
  readonly audio: MediaStreamTrack;
  readonly video: MediaStreamTrack;
  readonly audioSsrc: number;
  readonly videoSsrc: number;
  readonly videoRtxSsrc: number;
  /** Every RTP packet this peer decrypted, in arrival order. */
  readonly received: RtpPacket[];
  /** Every RTCP packet this peer decrypted (werift's parse), in arrival order. */
  readonly rtcp: RtcpPacket[];
  /** The peer's (bundled) DTLS transport: `sendRtcp([…])` sends RTCP through its SRTCP context. */
  readonly dtls: RTCDtlsTransport;
};

/** Allocates, offers, answers and signals one peer (its COLIBRI2 update carries transport, media and sources). */
export async function joinPeer(stack: MediaStack, meetingId: string, id: string, ids: ExtensionIds, createConference: boolean): Promise<ConferencePeer> {
  const local = await allocate(stack, meetingId, id, createConference);
  const pc = new RTCPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
    // werift writes only the extensions configured here (with the offer's ids once negotiated).
    headerExtensions: { audio: [useSdesMid(), useTransportWideCC(), useAudioLevelIndication()], video: [useSdesMid(), useTransportWideCC()] },
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerFrom(local, ids) });
  const [audioTransceiver, videoTransceiver] = pc.getTransceivers();
  if (audioTransceiver === undefined || videoTransceiver === undefined) throw new Error('werift made no transceivers');
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const video = new MediaStreamTrack({ kind: 'video' });
  audioTransceiver.setDirection('sendrecv');
  videoTransceiver.setDirection('sendrecv');
  await audioTransceiver.sender.replaceTrack(audio);
  await videoTransceiver.sender.replaceTrack(video);
  await pc.setLocalDescription(await pc.createAnswer());
  const sdp = pc.localDescription?.sdp ?? '';
  for (const [id, uri] of [[ids.mid, MID_URI], [ids.twcc, RTP_EXTENSION_URI.transportWideCC], [ids.audioLevel, RTP_EXTENSION_URI.audioLevelIndication]] as const) {
    if (!sdp.includes(`a=extmap:${id} ${uri}`)) throw new Error(`werift's answer lacks extmap ${id} ${uri}`);
  }
  const received: RtpPacket[] = [];
  audioTransceiver.receiver.dtlsTransport.onRtp.subscribe((p) => received.push(p));
  const rtcp: RtcpPacket[] = [];
  audioTransceiver.receiver.dtlsTransport.onRtcp.subscribe((p) => rtcp.push(p));
  const audioSsrc = audioTransceiver.sender.ssrc;
  const videoSsrc = videoTransceiver.sender.ssrc;
  const videoRtxSsrc = videoTransceiver.sender.rtxSsrc;
  const sources: Colibri2MediaSource[] = [
    { type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, name: `${id}-a0`, parameters: [] }], sourceGroups: [] },
    {
      type: 'video', id: `${id}-v0`,
      sources: [{ ssrc: videoSsrc, name: `${id}-v0`, videoType: 'camera', parameters: [] }, { ssrc: videoRtxSsrc, name: `${id}-v0`, parameters: [] }],
      sourceGroups: [{ semantics: 'FID', ssrcs: [videoSsrc, videoRtxSsrc] }],
    },
  ];
  const reply = await modify(stack.focus, FOCUS, stack.bridge.domain, {
    meetingId,
    endpoints: [{
      id, capabilities: [], media: colibriMedia(ids), sources,
      transport: {
        iceUdp: {
          ufrag: attribute(sdp, 'ice-ufrag'), pwd: attribute(sdp, 'ice-pwd'),
          fingerprints: [{ hash: 'sha-256', setup: 'active', value: attribute(sdp, 'fingerprint').split(' ')[1] ?? '' }], candidates: [], rtcpMux: true,
        },
      },
    }],
  });
  if (reply.attrs.type !== 'result') throw new Error(`colibri2 refused ${id}`);
  return { id, ids, pc, audio, video, audioSsrc, videoSsrc, videoRtxSsrc, received, rtcp, dtls: audioTransceiver.receiver.dtlsTransport };
}

/** Resolves when the peer's connection is up. */
// A deadline, not a delay: generous because CI runs two heavy test files at once on two cores.
export function connected(pc: RTCPeerConnection, timeoutMs = 20_000): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer never connected (is ${pc.connectionState})`)), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
      // 'failed' is final in werift: say so at once rather than at the deadline.
      if (s !== 'connected' && s !== 'failed') return;
      clearTimeout(timer);
      unSubscribe();
      if (s === 'connected') resolve();
      else reject(new Error('peer never connected (is failed)'));
    });
  });
}
