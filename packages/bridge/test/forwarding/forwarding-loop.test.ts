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
import type { EndpointTransport, RtpListener, TransportManagerEvents } from '../../src/index.ts';

const MEETING = 'm1';

type FakeTransport = { meetingId: string; endpointId: string; state: string; isConnected: boolean; listener: RtpListener | undefined; sent: Buffer[] };

function fakeTransport(endpointId: string, isConnected = true): FakeTransport {
  return { meetingId: MEETING, endpointId, state: isConnected ? 'connected' : 'checking', isConnected, listener: undefined, sent: [] };
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
  sendRtp: (p: Buffer) => {
    f.sent.push(Buffer.from(p));
    return true;
  },
}) as unknown as EndpointTransport;

const media: Colibri2Media[] = [
  { type: 'audio', extmapAllowMixed: false, payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }], headerExtensions: [{ id: 1, uri: RTP_EXTENSION_URI.audioLevelIndication }] },
  { type: 'video', extmapAllowMixed: false, payloadTypes: [{ id: 96, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }], headerExtensions: [] },
];

function endpoint(id: string, audioSsrc: number, videoSsrc: number, rtxSsrc: number): EndpointState {
  const sources: Colibri2MediaSource[] = [
    { type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, parameters: [] }], sourceGroups: [] },
    { type: 'video', id: `${id}-v0`, sources: [{ ssrc: videoSsrc, parameters: [] }, { ssrc: rtxSsrc, parameters: [] }], sourceGroups: [{ semantics: 'FID', ssrcs: [videoSsrc, rtxSsrc] }] },
  ];
  return {
    id, statsId: undefined, isVisitor: false, capabilities: ['source-names'], hasSctp: false, createdAtMs: 0,
    localTransport: { candidates: [], fingerprints: [], rtcpMux: true }, remoteTransport: undefined,
    media, sources, forceMute: { audio: false, video: false }, initialLastN: undefined,
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
    'last-n': 3, 'receiver-not-connected': 1, 'stream': 0, 'send-failed': 0,
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

test.run();
