// Transport-wide congestion control feedback TO senders (draft-holmer-rmcat-transport-wide-cc-
// extensions-01), the half of transport-cc that lets a browser measure its uplink: every endpoint
// that negotiated the transport-cc header extension gets, every `intervalMs` (100 ms, as libwebrtc's
// receivers send it), one RTCP transport-feedback packet about every transport-wide sequence number
// that reached the bridge since the last one, with its arrival time (rtp/twcc-feedback.ts writes it).
//
// Without it Chromium's send-side estimate never leaves its start (about 300 kbit/s): a camera's
// 360p and 720p simulcast layers stayed at 0 frames with `qualityLimitationReason: "bandwidth"` in
// its own stats (seen in test/e2e/sender-layers.test.ts before this), so receivers got 180p however
// large they showed it, and the recorder recorded 180p.
//
// Every RTP packet from the endpoint counts, whatever its SSRC (RTX retransmissions and Chromium's
// bandwidth probes on the RTX SSRC too): an unreported number reads as a lost packet to the sender.
// Arrival times are this process's monotonic clock when the loop sees the packet, so an event loop
// that falls behind shows up to senders as growing delay: the estimate then backs off, which is
// what a congested bridge should ask for.
//
// Hot path: `onRtp` is one extension lookup and an array write (TwccRecorder.record), no allocation.
import type { Cancel, Clock } from '@plenum/kit';
import { readRtpTransportSequence, RTP_INVALID } from '../rtp/rtp-header.ts';
import { TwccRecorder } from '../rtp/twcc-feedback.ts';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { ConferenceRoutes, EndpointRoute } from './conference-routes.ts';

/** How often each sender gets its feedback (libwebrtc's receive side: 100 ms by default). */
export const DEFAULT_FEEDBACK_INTERVAL_MS = 100;
/** Arrival slots per sender: about 1.5 s of a 720p camera with audio, far beyond one interval. */
const RECORDER_CAPACITY = 2048;
/** One feedback packet at most (MAX_STATUSES_PER_FEEDBACK statuses fit well under it). */
const FEEDBACK_BUFFER_BYTES = 1500;

export type TransportFeedbackDeps = {
  readonly clock: Clock;
  /** The bridge's RTCP SSRC: the feedback's sender SSRC. */
  readonly rtcpSsrc: number;
  readonly transportOf: (meetingId: string, route: EndpointRoute) => EndpointTransport | undefined;
  /** Feedback period; 0 or unset: only when `sendFeedback` is called (unit tests). */
  readonly intervalMs?: number;
  /** Monotonic microseconds (default: performance.now()); tests give a fake. */
  readonly nowUs?: () => number;
};

type SenderFeedback = { readonly meetingId: string; readonly recorder: TwccRecorder; mediaSsrc: number };

export type TransportFeedbackCounters = {
  /** Feedback packets sent to senders. */
  feedbackSent: number;
  /** Packets from transport-cc endpoints that carried no transport-wide number (not reported). */
  packetsWithoutNumber: number;
};

export class TransportFeedback {
  readonly #deps: TransportFeedbackDeps;
  readonly #senders = new Map<EndpointRoute, SenderFeedback>();
  readonly #buf = Buffer.alloc(FEEDBACK_BUFFER_BYTES);
  readonly #nowUs: () => number;
  readonly #cancel: Cancel | undefined;
  readonly #counters: TransportFeedbackCounters = { feedbackSent: 0, packetsWithoutNumber: 0 };

  constructor(deps: TransportFeedbackDeps) {
    this.#deps = deps;
    this.#nowUs = deps.nowUs ?? (() => performance.now() * 1000);
    const every = deps.intervalMs ?? 0;
    this.#cancel = every > 0 ? deps.clock.setInterval(() => this.sendFeedback(), every) : undefined;
  }

  /** The conference's tables were rebuilt: endpoints that negotiated transport-cc get a recorder. */
  conferenceUpdated(routes: ConferenceRoutes): void {
    for (const [route, s] of this.#senders) {
      if (s.meetingId === routes.meetingId && (routes.endpoints.get(route.id) !== route || route.twccId === 0)) this.#senders.delete(route);
    }
    for (const route of routes.endpoints.values()) {
      if (route.twccId !== 0 && !this.#senders.has(route)) {
        this.#senders.set(route, { meetingId: routes.meetingId, recorder: new TwccRecorder(RECORDER_CAPACITY), mediaSsrc: 0 });
      }
    }
  }

  conferenceExpired(meetingId: string): void {
    for (const [route, s] of this.#senders) if (s.meetingId === meetingId) this.#senders.delete(route);
  }

  /** An RTP packet (decrypted, at least a fixed header) from `sender` (hot path). */
  onRtp(sender: EndpointRoute, packet: Uint8Array, len: number): void {
    const s = this.#senders.get(sender);
    if (s === undefined) return;
    const seq = readRtpTransportSequence(packet, len, sender.twccId);
    if (seq === RTP_INVALID) {
      this.#counters.packetsWithoutNumber++;
      return;
    }
    s.recorder.record(seq, this.#nowUs());
    // libwebrtc files the feedback under a media SSRC of the sender (any; it reads the numbers only).
    s.mediaSsrc = ((packet[8]! << 24) | (packet[9]! << 16) | (packet[10]! << 8) | packet[11]!) >>> 0;
  }

  /** Sends every sender with unreported packets its feedback (the interval timer calls this). */
  sendFeedback(): void {
    const buf = this.#buf;
    for (const [route, s] of this.#senders) {
      if (s.recorder.pending === 0) continue;
      const t = this.#deps.transportOf(s.meetingId, route);
      if (t === undefined || !t.isConnected) continue;
      for (let len = s.recorder.writeFeedback(buf, 0, this.#deps.rtcpSsrc, s.mediaSsrc); len > 0;
        len = s.recorder.writeFeedback(buf, 0, this.#deps.rtcpSsrc, s.mediaSsrc)) {
        if (t.sendRtcp(buf.subarray(0, len))) this.#counters.feedbackSent++;
      }
    }
  }

  counters(): TransportFeedbackCounters {
    return { ...this.#counters };
  }

  close(): void {
    this.#cancel?.();
    this.#senders.clear();
  }
}
