// The forwarding loop's layer choice driven by its bandwidth estimate, against fakes (no sockets, a
// manual clock): a sender with three simulcast encodings, a receiver that wants 720p and negotiated
// transport-cc. The path to the receiver is simulated: a bottleneck of some capacity (a FIFO queue)
// and 20 ms of propagation decide when each packet the bridge sends it arrives, and its transport-cc
// feedback (written by the bridge's own TwccRecorder, so on the wire format) comes back every 100 ms
// through the loop's RTCP entry. While the path has room the receiver gets 720p; when the capacity
// drops below what 720p costs, the queue delay grows, the estimate falls and the receiver is moved
// down an encoding, at a key frame, on one continuous stream; a REMB caps the estimate the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, TypedEmitter, silentLogger } from '@plenum/kit';
import type { BridgeMessage, Colibri2Media, Colibri2MediaSource, ReceiverVideoSettings } from '@plenum/xmpp/codec';
import { DEFAULT_RECEIVER_VIDEO_SETTINGS } from '@plenum/xmpp/codec';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import { ConferenceRegistry } from '../../src/conference/conference-registry.ts';
import type { EndpointState } from '../../src/conference/conference-registry.ts';
import type { BridgeChannelEvents } from '../../src/channel/bridge-channel-server.ts';
import type { MediaSignallingEvents } from '../../src/channel/media-signalling.ts';
import { ForwardingLoop } from '../../src/forwarding/forwarding-loop.ts';
import { DEFAULT_START_BPS } from '../../src/bwe/bandwidth-estimator.ts';
import { TwccRecorder } from '../../src/rtp/twcc-feedback.ts';
import type { EndpointTransport, RtcpListener, RtpListener, TransportManagerEvents } from '../../src/index.ts';

const MEETING = 'm-bwe';
const SENDER_TWCC_ID = 3;
const RECEIVER_TWCC_ID = 5;
const SSRCS = [0x5100, 0x5101, 0x5102] as const;
const HEIGHTS = [180, 360, 720] as const;
/** Payload bytes per 20 ms frame: ≈ 50, 130 and 370 kbit/s with headers. */
const FRAME_BYTES = [100, 300, 900] as const;
const FRAME_MS = 20;
const SOURCE = 's-v0';

type Fake = { endpointId: string; rtp: RtpListener | undefined; rtcp: RtcpListener | undefined; sent: Buffer[]; sentRtcp: Buffer[] };

const fake = (endpointId: string): Fake => ({ endpointId, rtp: undefined, rtcp: undefined, sent: [], sentRtcp: [] });
const asTransport = (f: Fake): EndpointTransport => ({
  meetingId: MEETING, endpointId: f.endpointId, state: 'connected', isConnected: true,
  onRtp: (l: RtpListener) => ((f.rtp = l), () => undefined),
  onRtcp: (l: RtcpListener) => ((f.rtcp = l), () => undefined),
  sendRtp: (p: Buffer, length = p.length) => (f.sent.push(Buffer.from(p.subarray(0, length))), true),
  sendRtcp: (p: Buffer) => (f.sentRtcp.push(Buffer.from(p)), true),
}) as unknown as EndpointTransport;

function media(twccId: number): Colibri2Media[] {
  return [
    { type: 'audio', extmapAllowMixed: false, payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }], headerExtensions: [{ id: twccId, uri: RTP_EXTENSION_URI.transportWideCC }] },
    { type: 'video', extmapAllowMixed: false, payloadTypes: [{ id: 96, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }], headerExtensions: [{ id: twccId, uri: RTP_EXTENSION_URI.transportWideCC }] },
  ];
}

function endpoint(id: string, twccId: number, video: Colibri2MediaSource): EndpointState {
  return {
    id, statsId: undefined, isVisitor: false, capabilities: ['source-names'], hasSctp: false, createdAtMs: 0,
    localTransport: { candidates: [], fingerprints: [], rtcpMux: true }, remoteTransport: undefined,
    media: media(twccId), sources: [video], forceMute: { audio: false, video: false }, initialLastN: undefined,
  };
}

/** A VP8 packet of encoding `layer` with a transport-cc element (the sender's id) and a marker naming layer and frame. */
function vp8Packet(layer: number, k: number, key: boolean): Buffer {
  const seq = (1000 * (layer + 1) + k) & 0xffff;
  const ts = (100_000 * (layer + 1) + 1800 * k) >>> 0;
  const ssrc = SSRCS[layer]!;
  const pictureId = (500 * (layer + 1) + k) & 0x7fff;
  const height = HEIGHTS[layer]!;
  const width = (height * 16) / 9;
  const rtp = [0x90, 0x80 | 96, seq >> 8, seq & 0xff, ts >>> 24, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff];
  const ext = [0xbe, 0xde, 0x00, 0x01, (SENDER_TWCC_ID << 4) | 1, 0x00, 0x00, 0x00];
  const descriptor = [0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff];
  const header = key ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8] : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  const b = Buffer.alloc(rtp.length + ext.length + descriptor.length + header.length + FRAME_BYTES[layer]!);
  Buffer.from([...rtp, ...ext, ...descriptor, ...header]).copy(b);
  const at = rtp.length + ext.length + descriptor.length + header.length;
  b[at] = layer;
  b.writeUInt16BE(k, at + 1);
  return b;
}

/** What the receiver got: transport-wide number, SSRC, sequence number, VP8 picture id, key frame, encoding. */
function readOutput(p: Buffer): { twcc: number; ssrc: number; seq: number; pictureId: number; isKey: boolean; layer: number } {
  assert.is(p[16]! >> 4, RECEIVER_TWCC_ID, 'the transport-cc element under the receiver\'s id');
  const d = 20;
  const isKey = (p[d + 4]! & 0x01) === 0;
  return {
    twcc: p.readUInt16BE(17), ssrc: p.readUInt32BE(8), seq: p.readUInt16BE(2), pictureId: ((p[d + 2]! & 0x7f) << 8) | p[d + 3]!,
    isKey, layer: p[d + 4 + (isKey ? 10 : 6)]!,
  };
}

/** PLIs the bridge sent about `ssrc`. */
const plis = (f: Fake, ssrc: number): number => f.sentRtcp.filter((p) => p[1] === 206 && (p[0]! & 0x1f) === 1 && p.readUInt32BE(8) === ssrc).length;

type Setup = { loop: ForwardingLoop; clock: FakeClock; sender: Fake; receiver: Fake; messages: BridgeMessage[] };

function setup(bwe: { startBps?: number } = {}): Setup {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  registry.addEndpoint(conference, endpoint('s', SENDER_TWCC_ID, {
    type: 'video', id: SOURCE, sources: SSRCS.map((ssrc) => ({ ssrc, parameters: [] })), sourceGroups: [{ semantics: 'SIM', ssrcs: [...SSRCS] }],
  }));
  registry.addEndpoint(conference, endpoint('r', RECEIVER_TWCC_ID, { type: 'video', id: 'r-v0', sources: [{ ssrc: 0x7700, parameters: [] }], sourceGroups: [] }));
  const sender = fake('s');
  const receiver = fake('r');
  const fakes = new Map([['s', sender], ['r', receiver]]);
  const transportEvents = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const messages: BridgeMessage[] = [];
  const settings: ReceiverVideoSettings = { ...DEFAULT_RECEIVER_VIDEO_SETTINGS, constraints: new Map([[SOURCE, { maxHeight: 720, maxFrameRate: -1 }]]) };
  const clock = new FakeClock(0);
  const loop = new ForwardingLoop({
    log: silentLogger, clock, registry, randomSequence: () => 0, bwe,
    transports: { events: transportEvents, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: {
      handleAudioLevel: () => undefined,
      isForwarded: (_c, r, source) => r === 'r' && source === SOURCE,
      events: new TypedEmitter<MediaSignallingEvents>(silentLogger),
      channel: {
        events: new TypedEmitter<BridgeChannelEvents>(silentLogger),
        receiverVideoSettings: (_c, e) => (e === 'r' ? settings : DEFAULT_RECEIVER_VIDEO_SETTINGS),
        videoType: () => 'camera',
        sendTo: (_c, e, m) => (e === 'r' && messages.push(m), true),
      },
      forwardedSources: (_c, r) => (r === 'r' ? [SOURCE] : []),
    },
  });
  for (const f of fakes.values()) transportEvents.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  return { loop, clock, sender, receiver, messages };
}

type PathState = { k: number; answered: number[]; recorder: TwccRecorder; seen: number; queueFreeMs: number; sendsFeedback: boolean };
const newPath = (sendsFeedback = true): PathState => ({ k: 0, answered: [0, 0, 0], recorder: new TwccRecorder(), seen: 0, queueFreeMs: 0, sendsFeedback });

/**
 * Runs the sender (key frames at the start and after each PLI) and the receiver's path until `untilMs`:
 * each packet the receiver gets leaves the bottleneck (capacityBps(t), FIFO) and arrives 20 ms later;
 * feedback goes back every 100 ms.
 */
function run(s: Setup, untilMs: number, capacityBps: (t: number) => number, state: PathState): void {
  const wire = Buffer.alloc(1500);
  while (s.clock.now() < untilMs) {
    const k = state.k++;
    for (let layer = 0; layer < 3; layer++) {
      const p = plis(s.sender, SSRCS[layer]!);
      const key = k === 0 || p > state.answered[layer]!;
      state.answered[layer] = p;
      const packet = vp8Packet(layer, k, key);
      s.sender.rtp!(packet, SSRCS[layer]!, packet.readUInt16BE(2));
    }
    const now = s.clock.now();
    for (; state.seen < s.receiver.sent.length; state.seen++) {
      const p = s.receiver.sent[state.seen]!;
      state.queueFreeMs = Math.max(now, state.queueFreeMs) + (p.length * 8 * 1000) / capacityBps(now);
      state.recorder.record(readOutput(p).twcc, Math.round((state.queueFreeMs + 20) * 1000));
    }
    if (now % 100 === 0 && state.sendsFeedback) {
      for (let len = state.recorder.writeFeedback(wire, 0, 0x7700, 0); len > 0; len = state.recorder.writeFeedback(wire, 0, 0x7700, 0)) {
        s.receiver.rtcp!(Buffer.from(wire.subarray(0, len)));
      }
    }
    s.clock.advance(FRAME_MS);
  }
}

/** The receiver's stream: one SSRC, sequence numbers and picture ids +1 throughout, encodings changing only at key frames. */
function assertContinuous(outputs: ReturnType<typeof readOutput>[]): number[] {
  const runs: number[] = [];
  for (const [i, o] of outputs.entries()) {
    assert.is(o.ssrc, SSRCS[0], 'under the primary SSRC');
    if (i === 0) {
      runs.push(o.layer);
      continue;
    }
    const prev = outputs[i - 1]!;
    assert.is(o.seq, (prev.seq + 1) & 0xffff, `sequence number ${i} follows`);
    assert.is(o.pictureId, (prev.pictureId + 1) & 0x7fff, `picture id ${i} follows`);
    if (o.layer !== prev.layer) {
      assert.ok(o.isKey, `the encoding changes (${prev.layer} → ${o.layer}) only at a key frame`);
      runs.push(o.layer);
    }
  }
  return runs;
}

test('a receiver on 720p is moved down an encoding when the path narrows and queue delay grows', () => {
  const s = setup();
  try {
    const state = newPath();
    run(s, 3000, () => 10e6, state);
    const healthy = s.receiver.sent.map(readOutput);
    assert.is(healthy.at(-1)?.layer, 2, 'on a healthy path it gets 720p');
    assert.is(s.loop.bandwidthEstimate(MEETING, 'r'), DEFAULT_START_BPS, 'the estimate stays at the start rate');
    assert.ok(s.loop.counters().twccFeedbackReceived >= 25, 'its feedback was read');

    // from 3 s on the path carries 250 kbit/s: less than 720p (≈ 370 kbit/s), more than 360p (≈ 130)
    run(s, 7000, () => 250_000, state);
    const estimate = s.loop.bandwidthEstimate(MEETING, 'r') ?? Number.NaN;
    assert.ok(estimate < 300_000, `the estimate fell to about the capacity (${estimate} bit/s)`);
    const outputs = s.receiver.sent.map(readOutput);
    const runs = assertContinuous(outputs);
    assert.equal(runs.slice(runs.indexOf(2)), [2, 1], `from 720p down to 360p, on one continuous stream (${runs.join(' → ')})`);
    const stats = s.messages.filter((m) => m.colibriClass === 'ConnectionStats');
    assert.ok(stats.some((m) => m.colibriClass === 'ConnectionStats' && m.estimatedDownlinkBandwidth === DEFAULT_START_BPS), 'ConnectionStats told the start estimate');
    assert.ok(stats.some((m) => m.colibriClass === 'ConnectionStats' && m.estimatedDownlinkBandwidth < 400_000), 'and then the lower one');
  } finally {
    s.loop.close();
  }
});

test('a receiver that never sends feedback is not capped by the start value nobody confirmed', () => {
  const s = setup({ startBps: 100_000 });
  try {
    run(s, 3000, () => 10e6, newPath(false));
    assert.is(s.receiver.sent.map(readOutput).at(-1)?.layer, 2, '720p (≈ 370 kbit/s) although the start value is 100 kbit/s');
    assert.equal(s.messages.filter((m) => m.colibriClass === 'ConnectionStats'), [], 'no estimate to tell');
  } finally {
    s.loop.close();
  }
});

test('garbage transport-cc feedback breaks nothing: it is dropped or read, never thrown, and media keeps flowing', () => {
  const s = setup();
  try {
    const state = newPath(false);
    run(s, 1000, () => 10e6, state);
    let x = 7;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    for (let i = 0; i < 500; i++) {
      const words = 5 + Math.floor(rnd() * 20);
      const p = Buffer.alloc(words * 4);
      for (let k = 4; k < p.length; k++) p[k] = Math.floor(rnd() * 256);
      p[0] = 0x8f; // V=2, FMT 15
      p[1] = 205; // RTPFB
      p.writeUInt16BE(words - 1, 2);
      s.receiver.rtcp!(p);
    }
    const before = s.receiver.sent.length;
    run(s, 2000, () => 10e6, state);
    assert.ok(s.receiver.sent.length > before + 40, 'the receiver still gets video');
    const estimate = s.loop.bandwidthEstimate(MEETING, 'r') ?? Number.NaN;
    assert.ok(Number.isFinite(estimate) && estimate >= 30_000, `its estimate is a number in range (${estimate})`);
  } finally {
    s.loop.close();
  }
});

test('a REMB from the receiver caps its estimate, and its allocation follows', () => {
  const s = setup();
  try {
    const state = newPath();
    run(s, 2000, () => 10e6, state);
    assert.is(s.receiver.sent.map(readOutput).at(-1)?.layer, 2);
    // REMB (PSFB FMT 15, "REMB", 1 SSRC): 100 kbit/s = 100000 × 2^0
    const remb = Buffer.from([0x8f, 206, 0, 5, 0, 0, 0x77, 0, 0, 0, 0, 0, 0x52, 0x45, 0x4d, 0x42, 1, 0x01, 0x86, 0xa0, 0, 0, 0x51, 0]);
    s.receiver.rtcp!(remb);
    assert.is(s.loop.bandwidthEstimate(MEETING, 'r'), 100_000);
    run(s, 4000, () => 10e6, state);
    const outputs = s.receiver.sent.map(readOutput);
    assert.is(outputs.at(-1)?.layer, 0, 'only 180p fits 100 kbit/s');
    assertContinuous(outputs);
    assert.is(s.loop.counters().rembReceived, 1);
  } finally {
    s.loop.close();
  }
});

test.run();
