// The forwarding loop against fakes (no sockets, no SRTP): the drops the three-peer test cannot
// provoke through werift (unknown, foreign and RTX SSRCs, garbage, receivers not connected, last-N)
// are dropped and counted, and nothing throws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, TypedEmitter, silentLogger } from '@plenum/kit';
import type { Colibri2Media, Colibri2MediaSource } from '@plenum/xmpp/codec';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import { ConferenceRegistry } from '../../src/conference/conference-registry.ts';
import type { EndpointState } from '../../src/conference/conference-registry.ts';
import { ForwardingLoop } from '../../src/forwarding/forwarding-loop.ts';
import { writeNack } from '../../src/rtp/nack.ts';
import { buildReceiverReport, writeFir, writePli } from '../../src/rtp/rtcp.ts';
import type { EndpointTransport, RtcpListener, RtpListener, TransportManagerEvents } from '../../src/index.ts';

const MEETING = 'm1';

type FakeTransport = {
  meetingId: string; endpointId: string; state: string; isConnected: boolean;
  listener: RtpListener | undefined; rtcpListener: RtcpListener | undefined; sent: Buffer[]; sentRtcp: Buffer[];
};

function fakeTransport(endpointId: string, isConnected = true): FakeTransport {
  return { meetingId: MEETING, endpointId, state: isConnected ? 'connected' : 'checking', isConnected, listener: undefined, rtcpListener: undefined, sent: [], sentRtcp: [] };
}

const asTransport = (f: FakeTransport): EndpointTransport => ({
  get meetingId() { return f.meetingId; },
  get endpointId() { return f.endpointId; },
  get state() { return f.state; },
  get isConnected() { return f.isConnected; },
  onRtp: (l: RtpListener) => {
    f.listener = l;
    return () => undefined;
  },
  sendRtp: (p: Buffer, length = p.length) => {
    f.sent.push(Buffer.from(p.subarray(0, length)));
    return true;
  },
  onRtcp: (l: RtcpListener) => {
    f.rtcpListener = l;
    return () => undefined;
  },
  sendRtcp: (p: Buffer) => {
    f.sentRtcp.push(Buffer.from(p));
    return true;
  },
}) as unknown as EndpointTransport;

const media: Colibri2Media[] = [
  { type: 'audio', extmapAllowMixed: false, payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }], headerExtensions: [{ id: 1, uri: RTP_EXTENSION_URI.audioLevelIndication }] },
  { type: 'video', extmapAllowMixed: false, payloadTypes: [{ id: 96, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }], headerExtensions: [] },
];

/** As `media`, with RTX (97, apt 96) for video. */
const mediaWithRtx: Colibri2Media[] = [
  media[0]!,
  {
    ...media[1]!,
    payloadTypes: [...media[1]!.payloadTypes, { id: 97, name: 'rtx', clockrate: 90000, parameters: [{ name: 'apt', value: '96' }], rtcpFeedback: [] }],
  },
];

function endpoint(id: string, audioSsrc: number, videoSsrc: number, rtxSsrc: number, withMedia: Colibri2Media[] = media): EndpointState {
  const sources: Colibri2MediaSource[] = [
    { type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, parameters: [] }], sourceGroups: [] },
    { type: 'video', id: `${id}-v0`, sources: [{ ssrc: videoSsrc, parameters: [] }, { ssrc: rtxSsrc, parameters: [] }], sourceGroups: [{ semantics: 'FID', ssrcs: [videoSsrc, rtxSsrc] }] },
  ];
  return {
    id, statsId: undefined, isVisitor: false, capabilities: ['source-names'], hasSctp: false, createdAtMs: 0,
    localTransport: { candidates: [], fingerprints: [], rtcpMux: true }, remoteTransport: undefined,
    media: withMedia, sources, forceMute: { audio: false, video: false }, initialLastN: undefined,
  };
}

/** Opus-like packet with an audio level (id 1). */
function audioPacket(ssrc: number, seq: number, level: number): Buffer {
  return Buffer.from([0x90, 111, seq >> 8, seq & 0xff, 0, 0, 0, 0, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff, 0xbe, 0xde, 0, 1, 0x10, level, 0, 0, 0xf0, 0x0d]);
}

/** VP8 key frame packet, no extensions. */
function videoKeyframe(ssrc: number, seq: number): Buffer {
  return Buffer.from([0x80, 96, seq >> 8, seq & 0xff, 0, 0, 0, 0, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff, 0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x11, 0x22]);
}

test("a moderator's mute holds at the bridge: a force-muted endpoint's audio (and its level) or video goes to nobody until the focus lifts it", () => {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  const a = endpoint('a', 0xa1, 0xa2, 0xa3);
  registry.addEndpoint(conference, a);
  registry.addEndpoint(conference, endpoint('b', 0xb1, 0xb2, 0xb3));
  const fakes = new Map([['a', fakeTransport('a')], ['b', fakeTransport('b')]]);
  const events = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const levels: string[] = [];
  const loop = new ForwardingLoop({
    log: silentLogger, clock: new FakeClock(0), registry, randomSequence: () => 0,
    transports: { events, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: { handleAudioLevel: (_c, e) => void levels.push(e), isForwarded: () => true },
  });
  for (const f of fakes.values()) events.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  const sender = fakes.get('a')!;
  const receiver = fakes.get('b')!;

  a.forceMute = { audio: true, video: false };
  loop.conferenceUpdated(MEETING); // what a conference-modify with force-mute does
  sender.listener!(audioPacket(0xa1, 1, 0x80 | 20), 0xa1, 1);
  sender.listener!(videoKeyframe(0xa2, 1), 0xa2, 1);
  assert.equal(receiver.sent.map((p) => p.readUInt32BE(8)), [0xa2], 'the muted audio is not forwarded; video still is');
  assert.equal(levels, [], 'a muted endpoint cannot become dominant speaker');
  assert.is(loop.counters().dropped['force-muted'], 1);

  a.forceMute = { audio: false, video: true };
  loop.conferenceUpdated(MEETING);
  sender.listener!(audioPacket(0xa1, 2, 0x80 | 20), 0xa1, 2);
  sender.listener!(videoKeyframe(0xa2, 2), 0xa2, 2);
  assert.equal(receiver.sent.map((p) => p.readUInt32BE(8)), [0xa2, 0xa1], 'audio flows again once lifted; the video is held now');
  assert.is(loop.counters().dropped['force-muted'], 2);
  loop.close();
});

test('forwards to the others only; unknown, foreign, RTX and malformed packets, unconnected receivers and last-N are dropped and counted', () => {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  registry.addEndpoint(conference, endpoint('a', 0xa1, 0xa2, 0xa3));
  registry.addEndpoint(conference, endpoint('b', 0xb1, 0xb2, 0xb3));
  registry.addEndpoint(conference, endpoint('c', 0xc1, 0xc2, 0xc3));
  const fakes = new Map([['a', fakeTransport('a')], ['b', fakeTransport('b')], ['c', fakeTransport('c', false)]]);
  const events = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const levels: [string, number][] = [];
  const videoAllowed = new Set(['b:a-v0']); // last-N: only b gets a's video
  const loop = new ForwardingLoop({
    log: silentLogger, clock: new FakeClock(0), registry, randomSequence: () => 0,
    transports: { events, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: {
      handleAudioLevel: (_c, e, level) => void levels.push([e, level]),
      isForwarded: (_c, receiver, source) => videoAllowed.has(`${receiver}:${source}`),
    },
  });
  for (const f of fakes.values()) events.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  const a = fakes.get('a')!;
  const b = fakes.get('b')!;
  const c = fakes.get('c')!;
  assert.ok(a.listener && b.listener, 'the loop listens to every transport it saw created');

  a.listener(audioPacket(0xa1, 1, 0x80 | 30), 0xa1, 1);
  a.listener(videoKeyframe(0xa2, 1), 0xa2, 1);
  b.listener(videoKeyframe(0xb2, 1), 0xb2, 1); // last-N forwards it to nobody
  a.listener(audioPacket(0xdead, 1, 0), 0xdead, 1); // unknown
  a.listener(audioPacket(0xb1, 9, 0), 0xb1, 9); // b's SSRC, sent by a
  a.listener(videoKeyframe(0xa3, 1), 0xa3, 1); // a's RTX
  a.listener(Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xa2, 0x90]), 0xa2, 1); // VP8 descriptor cut short
  a.listener(Buffer.from([1, 2, 3]), 0, 0); // not RTP

  assert.is(a.sent.length, 0, 'nobody gets its own media');
  assert.equal(b.sent.map((p) => p.readUInt32BE(8)), [0xa1, 0xa2], 'b gets a\'s audio and (last-N) video');
  assert.equal([...b.sent[0]!], [...audioPacket(0xa1, 1, 0x80 | 30)], 'same ids on both sides: the packet is unchanged');
  assert.is(c.sent.length, 0, 'c is not connected yet');
  assert.equal(levels, [['a', 30]], 'the level (V bit masked off) of the sender, once');
  const counters = loop.counters();
  assert.equal(counters.dropped, {
    'unknown-ssrc': 1, 'foreign-ssrc': 1, 'rtx': 1, 'malformed': 2, 'oversized': 0,
    'last-n': 3, 'force-muted': 0, 'receiver-not-connected': 1, 'stream': 0, 'send-failed': 0, 'rtcp-malformed': 0, 'rtcp-unknown-ssrc': 0, 'rtcp-loop': 0, 'not-allocated': 0,
  });
  assert.is(counters.packetsReceived, 8);
  assert.is(counters.packetsForwarded, 2);

  // c connects: it gets a's audio from now on; a's video only after last-N allows it (and a key frame).
  c.isConnected = true;
  c.state = 'connected';
  a.listener(audioPacket(0xa1, 2, 0x80 | 10), 0xa1, 2);
  assert.equal(c.sent.map((p) => [p.readUInt32BE(8), p.readUInt16BE(2)]), [[0xa1, 2]]);

  // a leaves: its SSRCs become unknown.
  registry.removeEndpoint(conference, 'a');
  loop.conferenceUpdated(MEETING);
  a.listener(audioPacket(0xa1, 3, 0), 0xa1, 3);
  assert.is(loop.counters().dropped['unknown-ssrc'], 2);
  loop.close();
});

/** VP8 packet that is not a key frame (P=1), with a payload naming `seq`. */
function videoDelta(ssrc: number, seq: number): Buffer {
  return Buffer.from([0x80, 96, seq >> 8, seq & 0xff, 0, 0, 0, 0, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff, 0x10, 0x11, 0x02, 0x00, seq & 0xff, 0x33, 0x44]);
}

const pli = (sender: number, media: number): Buffer => {
  const b = Buffer.alloc(12);
  writePli(b, 0, sender, media);
  return b;
};

test('RTCP: PLI on a waiting receiver, relayed PLI/FIR, rate limit, loop guard, NACK answered from the cache (RTX when negotiated)', () => {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  registry.addEndpoint(conference, endpoint('a', 0xa1, 0xa2, 0xa3));
  registry.addEndpoint(conference, endpoint('b', 0xb1, 0xb2, 0xb3, mediaWithRtx)); // b negotiated RTX
  registry.addEndpoint(conference, endpoint('c', 0xc1, 0xc2, 0xc3)); // c did not
  const fakes = new Map([['a', fakeTransport('a')], ['b', fakeTransport('b')], ['c', fakeTransport('c')]]);
  const events = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const clock = new FakeClock(0);
  const loop = new ForwardingLoop({
    log: silentLogger, clock, registry, randomSequence: () => 700, rtcpSsrc: 0x5eed,
    transports: { events, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: { handleAudioLevel: () => undefined, isForwarded: () => true },
  });
  for (const f of fakes.values()) events.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  const a = fakes.get('a')!;
  const b = fakes.get('b')!;
  const c = fakes.get('c')!;
  assert.ok(a.listener && b.rtcpListener && a.rtcpListener, 'the loop listens to RTP and RTCP');
  const plisTo = (f: FakeTransport): number[][] => f.sentRtcp.map((p) => [p[0]! & 0x1f, p[1]!, p.readUInt32BE(4), p.readUInt32BE(p[0] === 0x84 ? 12 : 8)]);

  // Receivers joined mid-stream: a delta frame cannot start their streams; one PLI (not two) goes to a.
  a.listener(videoDelta(0xa2, 1), 0xa2, 1);
  a.listener(videoDelta(0xa2, 2), 0xa2, 2);
  assert.equal(plisTo(a), [[1, 206, 0x5eed, 0xa2]], 'PLI from the bridge\'s RTCP SSRC about a\'s video');
  clock.advance(1000);
  a.listener(videoDelta(0xa2, 3), 0xa2, 3);
  assert.is(a.sentRtcp.length, 2, 'a second PLI after a second');
  assert.is(b.sent.length + c.sent.length, 0);

  // The key frame starts both streams; 7 is lost on the way in.
  for (const seq of [4, 5, 6, 8]) (seq === 4 ? a.listener(videoKeyframe(0xa2, seq), 0xa2, seq) : a.listener(videoDelta(0xa2, seq), 0xa2, seq));
  assert.equal(b.sent.map((p) => p.readUInt16BE(2)), [4, 5, 6, 8]);
  assert.equal(c.sent.map((p) => p.readUInt16BE(2)), [4, 5, 6, 8]);

  // NACKs (the cache keeps a second):  b (RTX) asks for 5, 7 (never arrived) and 300 (never sent); c (no RTX) for 6.
  const nack = Buffer.alloc(64);
  const n = writeNack(nack, 0, 0xb2, 0xa2, [5, 7, 300], 3);
  b.rtcpListener(nack.subarray(0, n));
  const rtx = b.sent.at(-1)!;
  assert.is(b.sent.length, 5, 'one retransmission');
  assert.equal([rtx[1]! & 0x7f, rtx.readUInt32BE(8), rtx.readUInt16BE(2), rtx.readUInt16BE(12)], [97, 0xa3, 700, 5], 'RTX: b\'s RTX PT and SSRC, its own numbering, OSN 5');
  assert.equal([...rtx.subarray(14)], [...b.sent[1]!.subarray(12)], 'payload as first sent');
  const n2 = writeNack(nack, 0, 0xc2, 0xa2, [6], 1);
  c.rtcpListener!(nack.subarray(0, n2));
  assert.is(c.sent.length, 5);
  assert.equal([...c.sent[4]!], [...c.sent[2]!], 'no RTX: the packet again, exactly as first sent');

  // Relayed requests: inside the second → limited; then a PLI (in a compound after an RR) and a FIR.
  b.rtcpListener(pli(0xb2, 0xa2));
  assert.is(a.sentRtcp.length, 2, 'rate-limited');
  clock.advance(1000);
  b.rtcpListener(Buffer.concat([buildReceiverReport(0xb2, []), pli(0xb2, 0xa2)]));
  assert.equal(plisTo(a)[2], [1, 206, 0x5eed, 0xa2], 'relayed PLI, mapped to the input SSRC b gets');
  clock.advance(1000);
  const fir = Buffer.alloc(20);
  writeFir(fir, 0, 0xc2, 0xa2, 9);
  c.rtcpListener!(fir);
  assert.equal(plisTo(a)[3], [4, 206, 0x5eed, 0xa2], 'relayed FIR, with the bridge\'s own SSRC');
  assert.is(a.sentRtcp[3]![16], 0, 'and the bridge\'s own FIR sequence number');

  // Never back to its sender, never our own SSRC, never an unknown SSRC; garbage is counted.
  clock.advance(1000);
  a.rtcpListener(pli(0xa2, 0xa2));
  b.rtcpListener(pli(0x5eed, 0xa2));
  b.rtcpListener(pli(0xb2, 0xdead));
  b.rtcpListener(Buffer.from([0x81, 206, 0, 9, 1, 2, 3]));
  assert.is(a.sentRtcp.length, 4, 'nothing relayed');
  assert.is(b.sentRtcp.length + c.sentRtcp.length, 0, 'and nothing sent to receivers');

  const counters = loop.counters();
  assert.equal(
    [counters.pliSent, counters.firSent, counters.keyframeRequestsLimited, counters.keyframeRequestsReceived],
    [3, 1, 5, 6], 'PLIs: 2 own + 1 relayed; limited: c at seq 1, b and c at seq 2, c at seq 3, b\'s first PLI',
  );
  assert.equal([counters.nacksReceived, counters.nackedPackets, counters.nackAnswered, counters.nackAnsweredRtx, counters.nackMissed], [2, 4, 2, 1, 2]);
  assert.equal([counters.dropped['rtcp-loop'], counters.dropped['rtcp-unknown-ssrc'], counters.dropped['rtcp-malformed']], [2, 1, 1]);
  assert.is(counters.rtcpReceived, 9);
  const stats = loop.statsJson();
  assert.is(stats.forwarding_pli_sent, 3);
  assert.is(stats.forwarding_nack_answered, 2);
  loop.close();
});

test.run();
