// The RTCP reports of the forwarding loop against fake transports (no sockets, no SRTP): the bridge's
// receiver reports to a sender (RFC 3550 numbers for what it really received, a CNAME), a sender's SR
// relayed to each receiver in that receiver's stream (SSRC, RTP timestamp, the counts the bridge sent
// it), and RTT / loss from the receivers' report blocks. werift-rtp parses what the bridge sends, as
// a browser would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, TypedEmitter, silentLogger } from '@plenum/kit';
import type { Colibri2Media, Colibri2MediaSource } from '@plenum/xmpp/codec';
import { RtcpPacketConverter, RtcpReceiverInfo, RtcpRrPacket, RtcpSenderInfo, RtcpSourceDescriptionPacket, RtcpSrPacket } from 'werift-rtp';
import { ConferenceRegistry } from '../../src/conference/conference-registry.ts';
import type { EndpointState } from '../../src/conference/conference-registry.ts';
import { ForwardingLoop } from '../../src/forwarding/forwarding-loop.ts';
import { writeSdesCname } from '../../src/forwarding/rtcp-reports.ts';
import type { EndpointTransport, RtcpListener, RtpListener, TransportManagerEvents } from '../../src/index.ts';

const MEETING = 'm-rtcp';

type FakeTransport = { endpointId: string; rtp: RtpListener | undefined; rtcp: RtcpListener | undefined; sent: Buffer[]; sentRtcp: Buffer[] };

const fake = (endpointId: string): FakeTransport => ({ endpointId, rtp: undefined, rtcp: undefined, sent: [], sentRtcp: [] });

const asTransport = (f: FakeTransport): EndpointTransport => ({
  meetingId: MEETING, endpointId: f.endpointId, state: 'connected', isConnected: true,
  onRtp: (l: RtpListener) => { f.rtp = l; return () => undefined; },
  onRtcp: (l: RtcpListener) => { f.rtcp = l; return () => undefined; },
  sendRtp: (p: Buffer, length = p.length) => { f.sent.push(Buffer.from(p.subarray(0, length))); return true; },
  sendRtcp: (p: Buffer) => { f.sentRtcp.push(Buffer.from(p)); return true; },
}) as unknown as EndpointTransport;

const media: Colibri2Media[] = [
  { type: 'audio', extmapAllowMixed: false, payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }], headerExtensions: [] },
  { type: 'video', extmapAllowMixed: false, payloadTypes: [{ id: 96, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }], headerExtensions: [] },
];

function endpoint(id: string, audioSsrc: number, videoSsrc: number): EndpointState {
  const sources: Colibri2MediaSource[] = [
    { type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, parameters: [] }], sourceGroups: [] },
    { type: 'video', id: `${id}-v0`, sources: [{ ssrc: videoSsrc, parameters: [] }], sourceGroups: [] },
  ];
  return {
    id, statsId: undefined, isVisitor: false, capabilities: ['source-names'], hasSctp: false, createdAtMs: 0,
    localTransport: { candidates: [], fingerprints: [], rtcpMux: true }, remoteTransport: undefined,
    media, sources, forceMute: { audio: false, video: false }, initialLastN: undefined,
  };
}

/** An Opus packet (10 payload bytes). */
const audio = (ssrc: number, seq: number, ts: number): Buffer =>
  Buffer.concat([Buffer.from([0x80, 111, seq >> 8, seq & 0xff, ts >>> 24, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff]), Buffer.alloc(10, 7)]);

/** A VP8 key frame packet (9 payload bytes). */
const keyframe = (ssrc: number, seq: number, ts: number): Buffer =>
  Buffer.from([0x80, 96, seq >> 8, seq & 0xff, ts >>> 24, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff, 0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x11, 0x22]);

function setup() {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  registry.addEndpoint(conference, endpoint('a', 0xa1, 0xa2));
  registry.addEndpoint(conference, endpoint('b', 0xb1, 0xb2));
  registry.addEndpoint(conference, endpoint('c', 0xc1, 0xc2));
  const fakes = new Map(['a', 'b', 'c'].map((id) => [id, fake(id)]));
  const events = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const clock = new FakeClock(0);
  const loop = new ForwardingLoop({
    log: silentLogger, clock, registry, randomSequence: () => 0, rtcpSsrc: 0x5eed, cname: 'bridge-cname', reportIntervalMs: 1000,
    transports: { events, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: { handleAudioLevel: () => undefined, isForwarded: () => true },
  });
  for (const f of fakes.values()) events.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  return { loop, clock, a: fakes.get('a')!, b: fakes.get('b')!, c: fakes.get('c')! };
}

test('every second each sender gets one RR + SDES from the bridge: RFC 3550 loss, highest sequence, jitter, its CNAME', () => {
  const { loop, clock, a, b } = setup();
  // a sends audio 100…119 every 20 ms, 105 and 106 lost; b sends nothing.
  for (let k = 0; k < 20; k++) {
    if (k !== 5 && k !== 6) a.rtp!(audio(0xa1, 100 + k, 960 * k), 0xa1, 100 + k);
    clock.advance(20);
  }
  assert.is(a.sentRtcp.length, 0, 'nothing before the interval');
  clock.advance(600);
  assert.is(a.sentRtcp.length, 1, 'one compound after a second');
  assert.is(b.sentRtcp.length, 0, 'an endpoint that sent nothing gets no report');
  const [rr, sdes] = RtcpPacketConverter.deSerialize(a.sentRtcp[0]!);
  assert.ok(rr instanceof RtcpRrPacket, 'an RR first');
  assert.is(rr.ssrc, 0x5eed, 'from the bridge\'s RTCP SSRC');
  assert.is(rr.reports.length, 1, 'one block: a\'s audio (its video sent nothing)');
  const block = rr.reports[0]!;
  assert.equal(
    [block.ssrc, block.highestSequence, block.packetsLost, block.fractionLost, block.jitter, block.lsr, block.dlsr],
    [0xa1, 119, 2, Math.floor((2 * 256) / 20), 0, 0, 0],
    'SSRC, highest 119, 2 lost of 20 → fraction 25, steady spacing: no jitter, no SR yet',
  );
  assert.ok(sdes instanceof RtcpSourceDescriptionPacket, 'then SDES');
  assert.equal(sdes.chunks.map((c) => [c.source, c.items.map((i) => [i.type, i.text])]), [[0x5eed, [[1, 'bridge-cname']]]], 'CNAME (RFC 3550 §6.1)');

  // The next second: nothing new from a → no report.
  clock.advance(1000);
  assert.is(a.sentRtcp.length, 1, 'an SSRC that sent nothing since is not reported');
  const stats = loop.statsJson();
  assert.equal([stats.forwarding_rtcp_receiver_reports_sent, stats.forwarding_rtp_packets_expected, stats.forwarding_rtp_packets_lost], [1, 20, 2]);
  assert.equal(loop.reports.endpointStats().find((e) => e.endpointId === 'a')?.uplinkLoss, 0.1);
  loop.close();
});

test('a sender\'s SR reaches each receiver in its stream (SSRC, timestamp, the counts sent to it), with a CNAME; RRs echoing it give RTT and loss', () => {
  const { loop, clock, a, b, c } = setup();
  for (let k = 0; k < 5; k++) a.rtp!(keyframe(0xa2, 7000 + k, 90_000 + 3000 * k), 0xa2, 7000 + k);
  assert.is(b.sent.length, 5);
  const sr = new RtcpSrPacket({
    ssrc: 0xa2,
    senderInfo: new RtcpSenderInfo({ ntpTimestamp: (0x1234_5678n << 32n) | 0x9abc_def0n, rtpTimestamp: 90_000 + 3000 * 5, packetCount: 999, octetCount: 99_999 }),
    reports: [new RtcpReceiverInfo({ ssrc: 0xb1, fractionLost: 0, packetsLost: 0, highestSequence: 1, jitter: 0, lsr: 0, dlsr: 0 })],
  }).serialize();
  a.rtcp!(sr);
  for (const receiver of [b, c]) {
    assert.is(receiver.sentRtcp.length, 1, `${receiver.endpointId} got the SR`);
    const [relayed, sdes] = RtcpPacketConverter.deSerialize(receiver.sentRtcp[0]!);
    assert.ok(relayed instanceof RtcpSrPacket);
    assert.is(relayed.ssrc, 0xa2, 'the output SSRC the receiver knows');
    assert.is(relayed.senderInfo.ntpTimestamp, (0x1234_5678n << 32n) | 0x9abc_def0n, 'the sender\'s NTP time');
    assert.is(relayed.senderInfo.rtpTimestamp, 90_000 + 3000 * 5, 'the RTP timestamp in the receiver\'s stream');
    assert.equal([relayed.senderInfo.packetCount, relayed.senderInfo.octetCount], [5, 5 * 9], 'what the bridge sent it: 5 packets, 9 payload bytes each');
    assert.is(relayed.reports.length, 0, 'the sender\'s own report blocks are not passed on');
    assert.ok(sdes instanceof RtcpSourceDescriptionPacket);
    assert.equal(sdes.chunks.map((x) => [x.source, x.items[0]?.text]), [[0xa2, 'a']], 'CNAME: the sender\'s endpoint');
  }
  assert.is(a.sentRtcp.length, 0, 'not back to the sender');

  // b answers 250 ms later having held the SR 100 ms (DLSR), with 64/256 lost: RTT 150 ms.
  clock.advance(250);
  b.rtcp!(new RtcpRrPacket({
    ssrc: 0xb1,
    reports: [new RtcpReceiverInfo({ ssrc: 0xa2, fractionLost: 64, packetsLost: 1, highestSequence: 7004, jitter: 0, lsr: 0x5678_9abc, dlsr: Math.round(0.1 * 65536) })],
  }).serialize());
  const bStats = loop.reports.endpointStats().find((e) => e.endpointId === 'b')!;
  assert.ok(Math.abs(bStats.rttMs! - 150) < 0.1, `RTT 150 ms (${bStats.rttMs})`);
  assert.is(bStats.downlinkLoss, 0.25);
  // An LSR the bridge never sent (or a forgery) measures nothing.
  c.rtcp!(new RtcpRrPacket({ ssrc: 0xc1, reports: [new RtcpReceiverInfo({ ssrc: 0xa2, fractionLost: 0, packetsLost: 0, highestSequence: 1, jitter: 0, lsr: 0x1111_2222, dlsr: 0 })] }).serialize());
  assert.is(loop.reports.endpointStats().find((e) => e.endpointId === 'c')!.rttMs, undefined);

  // The SR's NTP time reaches a's next receiver report as LSR, with DLSR since it arrived.
  clock.advance(750);
  const [rr] = RtcpPacketConverter.deSerialize(a.sentRtcp.at(-1)!);
  assert.ok(rr instanceof RtcpRrPacket);
  const videoBlock = rr.reports.find((r) => r.ssrc === 0xa2)!;
  assert.equal([videoBlock.lsr, videoBlock.dlsr], [0x5678_9abc, 65536], 'LSR = middle 32 bits, DLSR = 1 s');
  const stats = loop.statsJson();
  assert.equal([stats.forwarding_rtcp_sender_reports_received, stats.forwarding_rtcp_sender_reports_relayed, stats.forwarding_rtcp_rtt_measurements], [1, 2, 1]);
  assert.is(stats.forwarding_dropped_rtcp_malformed, 0);
  loop.close();
});

test('an SR about another endpoint\'s SSRC, or an SSRC nobody gets yet, is not relayed', () => {
  const { loop, a, b, c } = setup();
  for (let k = 0; k < 3; k++) a.rtp!(keyframe(0xa2, 10 + k, 3000 * k), 0xa2, 10 + k);
  const sr = (ssrc: number) => new RtcpSrPacket({
    ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 1n << 40n, rtpTimestamp: 1, packetCount: 1, octetCount: 1 }), reports: [],
  }).serialize();
  b.rtcp!(sr(0xa2)); // b claims a's video
  a.rtcp!(sr(0xa1)); // a's audio: nothing forwarded on it yet
  assert.equal([a.sentRtcp.length, b.sentRtcp.length, c.sentRtcp.length], [0, 0, 0]);
  assert.is(loop.statsJson().forwarding_rtcp_sender_reports_relayed, 0);
  loop.close();
});

test('SDES CNAME is padded to 32 bits with at least one null octet', () => {
  for (const name of ['', 'a', 'ab', 'abcdef']) {
    const buf = Buffer.alloc(100, 0xff);
    const end = writeSdesCname(buf, 0, 7, name);
    assert.is(end % 4, 0);
    assert.is(buf[10 + name.length], 0, `"${name}" ends with a null octet`);
    const [sdes] = RtcpPacketConverter.deSerialize(buf.subarray(0, end));
    assert.ok(sdes instanceof RtcpSourceDescriptionPacket);
    assert.is(sdes.chunks[0]?.items[0]?.text, name);
  }
});

test.run();
