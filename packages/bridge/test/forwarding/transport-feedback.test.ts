// Transport-cc feedback from the bridge to senders, through the forwarding loop against fake
// transports (no sockets, no SRTP): a sender that negotiated transport-cc learns which of its
// transport-wide numbers arrived (RTX, unknown SSRCs and force-muted media included: unreported
// numbers read as loss) and which did not; one that did not negotiate it gets nothing; feedback
// stops with the endpoint. The bridge's own reader of browsers' feedback (rtp/twcc.ts, checked
// against Chromium's) reads it back (werift-rtp's parser ignores status vector chunks). The browser side of
// the effect (Chromium's upper simulcast layers run only with this feedback) is
// packages/meet-web/test/e2e/sender-layers.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, TypedEmitter, silentLogger } from '@plenum/kit';
import type { Colibri2Media, Colibri2MediaSource } from '@plenum/xmpp/codec';
import { RTP_EXTENSION_URI } from 'werift-rtp';
import { ConferenceRegistry } from '../../src/conference/conference-registry.ts';
import type { EndpointState } from '../../src/conference/conference-registry.ts';
import { ForwardingLoop } from '../../src/forwarding/forwarding-loop.ts';
import { TWCC_NOT_RECEIVED, newTwccFeedback, readTwccFeedback } from '../../src/rtp/twcc.ts';
import type { EndpointTransport, RtcpListener, RtpListener, TransportManagerEvents } from '../../src/index.ts';

const MEETING = 'm-feedback';
const TWCC_ID = 5;

type FakeTransport = { endpointId: string; rtp: RtpListener | undefined; sentRtcp: Buffer[] };

const asTransport = (f: FakeTransport): EndpointTransport => ({
  meetingId: MEETING, endpointId: f.endpointId, state: 'connected', isConnected: true,
  onRtp: (l: RtpListener) => { f.rtp = l; return () => undefined; },
  onRtcp: (_l: RtcpListener) => () => undefined,
  sendRtp: () => true,
  sendRtcp: (p: Buffer) => { f.sentRtcp.push(Buffer.from(p)); return true; },
}) as unknown as EndpointTransport;

function endpoint(id: string, audioSsrc: number, withTwcc: boolean): EndpointState {
  const headerExtensions = withTwcc ? [{ id: TWCC_ID, uri: RTP_EXTENSION_URI.transportWideCC }] : [];
  const media: Colibri2Media[] = [
    { type: 'audio', extmapAllowMixed: false, payloadTypes: [{ id: 111, name: 'opus', clockrate: 48000, parameters: [], rtcpFeedback: [] }], headerExtensions },
  ];
  const sources: Colibri2MediaSource[] = [{ type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, parameters: [] }], sourceGroups: [] }];
  return {
    id, statsId: undefined, isVisitor: false, capabilities: ['source-names'], hasSctp: false, createdAtMs: 0,
    localTransport: { candidates: [], fingerprints: [], rtcpMux: true }, remoteTransport: undefined,
    media, sources, forceMute: { audio: false, video: false }, initialLastN: undefined,
  };
}

/** An Opus packet carrying transport-wide number `twcc` in a one-byte RFC 8285 element (id TWCC_ID). */
function audio(ssrc: number, seq: number, twcc: number | undefined): Buffer {
  const header = Buffer.from([twcc === undefined ? 0x80 : 0x90, 111, seq >> 8, seq & 0xff, 0, 0, 0, seq, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff]);
  const ext = twcc === undefined ? Buffer.alloc(0) : Buffer.from([0xbe, 0xde, 0x00, 0x01, (TWCC_ID << 4) | 1, twcc >> 8, twcc & 0xff, 0]);
  return Buffer.concat([header, ext, Buffer.alloc(10, 7)]);
}

function setup() {
  const registry = new ConferenceRegistry();
  const conference = { meetingId: MEETING, name: undefined, createdAtMs: 0, feedbackSources: [], endpoints: new Map<string, EndpointState>() };
  registry.addConference(conference);
  registry.addEndpoint(conference, endpoint('a', 0xa1, true));
  registry.addEndpoint(conference, endpoint('b', 0xb1, false));
  const fakes = new Map(['a', 'b'].map((id): [string, FakeTransport] => [id, { endpointId: id, rtp: undefined, sentRtcp: [] }]));
  const events = new TypedEmitter<TransportManagerEvents>(silentLogger);
  const loop = new ForwardingLoop({
    log: silentLogger, clock: new FakeClock(0), registry, randomSequence: () => 0, rtcpSsrc: 0x5eed,
    transports: { events, get: (_m, e) => { const f = fakes.get(e); return f === undefined ? undefined : asTransport(f); } },
    signalling: { handleAudioLevel: () => undefined, isForwarded: () => true },
  });
  for (const f of fakes.values()) events.emit('transportCreated', asTransport(f));
  loop.conferenceUpdated(MEETING);
  return { loop, registry, a: fakes.get('a')!, b: fakes.get('b')! };
}

type Feedback = { senderSsrc: number; baseSequenceNumber: number; fbPktCount: number; packetStatusCount: number; packetResults: { sequenceNumber: number; received: boolean }[] };

/** The transport-cc feedback packets among what an endpoint was sent. */
function feedbackOf(sent: readonly Buffer[]): Feedback[] {
  const fb = newTwccFeedback();
  return sent.flatMap((p): Feedback[] => {
    if (!readTwccFeedback(p, 0, fb)) return [];
    const packetResults = Array.from({ length: fb.statusCount }, (_, i) => ({ sequenceNumber: (fb.baseSequence + i) & 0xffff, received: fb.status[i] !== TWCC_NOT_RECEIVED }));
    return [{ senderSsrc: fb.senderSsrc, baseSequenceNumber: fb.baseSequence, fbPktCount: fb.feedbackCount, packetStatusCount: fb.statusCount, packetResults }];
  });
}

test('a transport-cc sender learns which of its numbers arrived, whatever the packet was', () => {
  const { loop, a, b } = setup();
  // a's numbers 10…19: 14 and 15 never arrive; 16 is on an SSRC nobody signalled (as RTX or a
  // bandwidth probe would be); 17 has no number at all (not reported, counted).
  for (let n = 10; n < 20; n++) {
    if (n === 14 || n === 15) continue;
    a.rtp!(audio(n === 16 ? 0xdead : 0xa1, 100 + n, n === 17 ? undefined : n), 0xa1, 100 + n);
  }
  // b did not negotiate transport-cc: nothing to report to it even if its packets carry a number.
  b.rtp!(audio(0xb1, 1, 1), 0xb1, 1);
  loop.feedback.sendFeedback();
  const [fb, ...more] = feedbackOf(a.sentRtcp);
  assert.ok(fb, 'a got transport-cc feedback');
  assert.is(more.length, 0, 'one feedback packet for one interval');
  assert.is(fb.senderSsrc, 0x5eed, "from the bridge's RTCP SSRC");
  assert.is(fb.baseSequenceNumber, 10);
  const results = fb.packetResults.map((r) => [r.sequenceNumber, r.received]);
  assert.equal(results, [[10, true], [11, true], [12, true], [13, true], [14, false], [15, false], [16, true], [17, false], [18, true], [19, true]],
    'received and lost as they were (17 came without its number)');
  assert.is(feedbackOf(b.sentRtcp).length, 0, 'b gets none');
  assert.is(loop.statsJson().forwarding_twcc_packets_without_number, 1);
  assert.is(loop.statsJson().forwarding_twcc_feedback_sent, 1);
});

test('only what arrived since the last feedback is reported; nothing new, nothing sent', () => {
  const { loop, a } = setup();
  for (let n = 0; n < 5; n++) a.rtp!(audio(0xa1, n, n), 0xa1, n);
  loop.feedback.sendFeedback();
  for (let n = 5; n < 8; n++) a.rtp!(audio(0xa1, n, n), 0xa1, n);
  loop.feedback.sendFeedback();
  loop.feedback.sendFeedback();
  const sent = feedbackOf(a.sentRtcp);
  assert.is(sent.length, 2);
  assert.equal(sent.map((f) => [f.baseSequenceNumber, f.packetStatusCount, f.fbPktCount]), [[0, 5, 0], [5, 3, 1]]);
});

test('a long burst is reported in several packets, each within an RTCP packet, none lost', () => {
  const { loop, a } = setup();
  for (let n = 0; n < 1200; n++) a.rtp!(audio(0xa1, n & 0xffff, (65000 + n) & 0xffff), 0xa1, n);
  loop.feedback.sendFeedback();
  const sent = feedbackOf(a.sentRtcp);
  assert.ok(sent.length >= 2, `${sent.length} packets`);
  assert.ok(a.sentRtcp.every((p) => p.length <= 1200), 'each fits a datagram with room for SRTCP');
  const numbers = sent.flatMap((f) => f.packetResults.filter((r) => r.received).map((r) => r.sequenceNumber));
  assert.is(numbers.length, 1200);
  assert.is(numbers[0], 65000);
  assert.is(numbers.at(-1), (65000 + 1199) & 0xffff, 'across the 16-bit wrap');
});

test('an endpoint that left gets no more feedback', () => {
  const { loop, registry, a } = setup();
  a.rtp!(audio(0xa1, 1, 1), 0xa1, 1);
  const conference = registry.get(MEETING)!;
  registry.removeEndpoint(conference, 'a');
  loop.conferenceUpdated(MEETING);
  loop.feedback.sendFeedback();
  assert.is(feedbackOf(a.sentRtcp).length, 0);
});

test.run();
