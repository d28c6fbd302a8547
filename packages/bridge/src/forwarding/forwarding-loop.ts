// The forwarding loop: joins the transport (decrypted RTP in, plain RTP out per endpoint) and the
// pure forwarding logic (rtp/, routing/). Per packet from endpoint S of conference C:
//
//   SSRC → source (conference-routes.ts; unknown or another endpoint's SSRC: dropped, counted)
//   audio: RFC 6464 level → signalling.handleAudioLevel (dominant speaker)
//   parse once (readInboundPacket), then for every other endpoint R of C:
//     video only if last-N forwards it to R (signalling.isForwarded) and the layer allocation chose
//       an encoding of it for R (Route.layerSsrc, layer-control.ts): the stream is pointed at that SSRC
//     stepOutboundStream (SSRC, sequence numbers, timestamps, VP8 picture ids per receiver)
//     copy into the loop's one send buffer, map extension ids S → R (RFC 8285), write R's own
//     transport-wide sequence number, writeOutbound, R's transport encrypts and sends.
//
// Video packets are also copied once into the sender's PacketCache (for NACKs), and a receiver whose
// stream waits for a key frame (Verdict.dropAwaitingKeyframe: a late joiner, last-N resuming) makes
// the loop send a PLI to the sender, at most one per second per sender SSRC (KeyframeLimiter).
//
// RTCP is terminated per leg: every compound an endpoint sends (validated first, rtcp.ts) is consumed
// here and nothing is forwarded as is. What a receiver R asks of a source's output SSRC is acted on:
//   PLI / FIR → mapped to the input SSRC R currently gets, and a PLI / FIR of the bridge's own (its
//     RTCP SSRC) goes to the sender, through the same limiter; a request about R's own source (or
//     claiming the bridge's RTCP SSRC as its sender: our own coming back) is dropped: never a loop;
//   generic NACK → each output sequence number is mapped back to (input SSRC, input sequence number)
//     with R's stream segments, copied out of the sender's cache, rewritten exactly as first sent to R
//     (extension ids, a fresh transport-wide number) and sent, wrapped as RTX (R's RTX SSRC, payload
//     type and sequence numbers) when R negotiated RTX for it. Unmappable or uncached numbers are counted.
// SR / RR → rtcp-reports.ts: a sender's SR is relayed, translated, to each receiver of that SSRC (lip
//   sync); report blocks give RTT and loss per endpoint; and the bridge sends every sender its own
//   receiver reports once a second from the RTP counted on the way in (rtp/receive-statistics.ts).
// transport-cc feedback → R's bandwidth estimator (bwe/), which also learns every packet sent to R
//   with the transport-wide number written into it; REMB → an upper bound on R's estimate. The other
//   way, every sender that negotiated transport-cc gets feedback about what reached the bridge
//   (transport-feedback.ts), so its own estimate can grow and its upper simulcast layers run.
// SDES, BYE: terminated (counted), not acted on.
//
// Hot path: nothing per packet allocates but what SRTP itself allocates (sendRtp takes the send
// buffer and the packet's length, and is done with the buffer when it returns). Tables are rebuilt
// only when COLIBRI2 changes the conference (`conferenceUpdated`); a sender's packet cache is made
// once, at its first video packet.
//
// Video packets also feed their source's SimulcastLayers (bytes, last arrival, VP8 key frame height),
// from which layer-control.ts learns which encodings are active.
//
// Not yet here (issue 4): RTX from senders (dropped and counted), temporal layer choice (a receiver
// gets every temporal layer of its encoding), bandwidth probing.

import type { Clock, Logger, Off, TypedEmitter } from '@plenum/kit';
import type { ConferenceRegistry } from '../conference/conference-registry.ts';
import type { MediaSignalling } from '../channel/media-signalling.ts';
import { copyBytes } from '../rtp/copy-bytes.ts';
import { newInboundPacket, readInboundPacket } from '../rtp/inbound-packet.ts';
import { nackMediaSsrc, readNackSequences, wrapRtxInPlace } from '../rtp/nack.ts';
import { PacketCache } from '../rtp/packet-cache.ts';
import {
  RTCP_INVALID, RTCP_PSFB, RTCP_RR, RTCP_RTPFB, RTCP_SR, RTPFB_FMT_NACK, RTPFB_FMT_TWCC, firEntryCount, readRembBitrate, firEntrySsrc, isFir, isPli, isRtcpRelayAllowed,
  rtcpCount, rtcpMediaSsrc, rtcpPacketBytes, rtcpPacketType, rtcpSenderSsrc, validateRtcpCompound, writeFir, writePli,
} from '../rtp/rtcp.ts';
import { readRtpAudioLevel, rewriteRtpExtensionIds, writeRtpTransportSequence } from '../rtp/rtp-header.ts';
import { KeyframeLimiter } from '../routing/keyframe-limiter.ts';
import { layerIndexOf, noteLayerPacket } from '../routing/simulcast-layers.ts';
import { readVp8KeyframeHeight } from '../routing/vp8-frame-size.ts';
import { newTwccFeedback, readTwccFeedback } from '../rtp/twcc.ts';
import { BandwidthEstimator } from '../bwe/bandwidth-estimator.ts';
import { TransportFeedback } from './transport-feedback.ts';
import type { BandwidthEstimatorOptions } from '../bwe/bandwidth-estimator.ts';
import type { LayerSignalling } from './layer-control.ts';
import { LayerControl } from './layer-control.ts';
import {
  NO_SSRC, Verdict, findSegmentByOutput, isForwarded, mapRetransmission, nextRtxSequence, segmentInputSequence, segmentInputSsrc,
  setStreamTarget, stepOutboundStream, writeOutbound,
} from '../routing/stream-rewriter.ts';
import type { OutboundStream } from '../routing/stream-rewriter.ts';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { TransportManagerEvents } from '../transport/transport-manager.ts';
import type { ConferenceRoutes, EndpointRoute, Route, SourceRoute } from './conference-routes.ts';
import { newConferenceRoutes, rebuildConferenceRoutes } from './conference-routes.ts';
import { RtcpReports } from './rtcp-reports.ts';

/** Largest RTP packet the loop forwards (bigger ones are dropped and counted). */
export const MAX_FORWARDED_PACKET_BYTES = 1500;
/** Lost sequence numbers read from one NACK packet; more are ignored (counted as missed). */
export const MAX_NACKED_PER_PACKET = 256;
/** The bridge's RTCP SSRC when the deps give none. */
export const DEFAULT_BRIDGE_RTCP_SSRC = 0x6272_6467;

/** Running totals of the loop (for stats). */
export type ForwardingCounters = {
  /** RTP packets the loop was handed. */
  packetsReceived: number;
  /** RTP packets handed to a receiver's transport (one per receiver). */
  packetsForwarded: number;
  bytesForwarded: number;
  audioLevels: number;
  dropped: {
    /** SSRC not signalled in the conference, or the sender's conference/endpoint is gone. */
    'unknown-ssrc': number;
    /** An SSRC another endpoint signalled. */
    'foreign-ssrc': number;
    /** RTX from a sender (not handled yet). */
    'rtx': number;
    /** Not valid RTP, truncated codec descriptor, malformed extension block. */
    'malformed': number;
    'oversized': number;
    /** Per receiver: last-N does not forward this video source to it. */
    'last-n': number;
    /** From an endpoint the focus force-muted (a moderator's mute). */
    'force-muted': number;
    /** Per receiver: last-N would, but the layer allocation gave the source no layer (bandwidth). */
    'not-allocated': number;
    /** Per receiver: its transport is not connected (yet). */
    'receiver-not-connected': number;
    /** Per receiver: the stream rewriter's drops (other layer, waiting for a key frame, too old…). */
    'stream': number;
    /** Per receiver: the transport refused the packet. */
    'send-failed': number;
    /** RTCP that failed validation (rtcp.ts validateRtcpCompound). */
    'rtcp-malformed': number;
    /** Feedback about an SSRC that is no source of the conference, or that the endpoint does not receive. */
    'rtcp-unknown-ssrc': number;
    /** Feedback that would go back to its own sender, or claims the bridge's RTCP SSRC (loop guard). */
    'rtcp-loop': number;
  };
  /** Compound RTCP packets received from endpoints (all terminated here). */
  rtcpReceived: number;
  /** PLI / FIR from receivers (each FIR entry counts once). */
  keyframeRequestsReceived: number;
  /** PLI / FIR the bridge sent to senders (its own key frame requests and relayed ones). */
  pliSent: number;
  firSent: number;
  /** Key frame requests not sent because one went to that SSRC less than a second ago. */
  keyframeRequestsLimited: number;
  /** Generic NACK packets from receivers, and the sequence numbers they named. */
  nacksReceived: number;
  nackedPackets: number;
  /** Retransmissions sent from the cache (as RTX when negotiated). */
  nackAnswered: number;
  nackAnsweredRtx: number;
  /** Named sequence numbers that could not be answered: never sent to that receiver, too old, not cached. */
  nackMissed: number;
  /** Transport-cc feedback packets and REMBs from receivers, fed to their bandwidth estimators. */
  twccFeedbackReceived: number;
  rembReceived: number;
};

type TransportSource = {
  readonly events: TypedEmitter<TransportManagerEvents>;
  get(meetingId: string, endpointId: string): EndpointTransport | undefined;
};

/** Dependencies of the loop (style C8). */
export type ForwardingLoopDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: ConferenceRegistry;
  readonly transports: TransportSource;
  /** With the bridge channel's parts too (LayerSignalling, as startBridge passes), layers are chosen per
   *  receiver (layer-control.ts); without them (unit tests with a fake) every receiver gets the first SIM layer. */
  readonly signalling: Pick<MediaSignalling, 'handleAudioLevel' | 'isForwarded'> & Partial<LayerSignalling>;
  /** Each receiver's bandwidth estimator (start, min, max); defaults in bwe/bandwidth-estimator.ts. */
  readonly bwe?: BandwidthEstimatorOptions;
  /** The layer allocation's tick (default 500 ms). */
  readonly allocationIntervalMs?: number;
  /** Random 16-bit start for each output RTX stream. */
  readonly randomSequence: () => number;
  /** The SSRC the bridge's own RTCP (PLI, FIR) carries as its sender (DEFAULT_BRIDGE_RTCP_SSRC when unset). */
  readonly rtcpSsrc?: number;
  /** The CNAME of the bridge's own RTCP (receiver reports); default "plenum-bridge". */
  readonly cname?: string;
  /** How often senders get the bridge's receiver reports (startBridge: 1000 ms); unset: never (unit tests). */
  readonly reportIntervalMs?: number;
  /** How often transport-cc senders get feedback (startBridge: 100 ms); unset: never (unit tests call `feedback.sendFeedback`). */
  readonly feedbackIntervalMs?: number;
};

/** Relays every endpoint's RTP to the other endpoints of its conference. */
export class ForwardingLoop {
  readonly #deps: ForwardingLoopDeps;
  readonly #conferences = new Map<string, ConferenceRoutes>();
  readonly #offs: Off[] = [];
  readonly #packet = newInboundPacket();
  /** A cached packet read back for a retransmission. */
  readonly #resent = newInboundPacket();
  /** The one reusable send buffer: each receiver's copy is rewritten here and encrypted from here (+2: RTX). */
  readonly #send = Buffer.alloc(MAX_FORWARDED_PACKET_BYTES + 2);
  /** The bridge's own PLI and FIR, built in place (sendRtcp takes the whole Buffer: no view needed). */
  readonly #pli = Buffer.alloc(12);
  readonly #fir = Buffer.alloc(20);
  readonly #nacked = new Uint16Array(MAX_NACKED_PER_PACKET);
  readonly #rtcpSsrc: number;
  readonly #localSsrcs: ReadonlySet<number>;
  readonly #limiter: KeyframeLimiter;
  readonly #reports: RtcpReports;
  readonly #feedback: TransportFeedback;
  readonly #layers: LayerControl | undefined;
  readonly #twcc = newTwccFeedback();
  readonly #counters: ForwardingCounters = {
    packetsReceived: 0, packetsForwarded: 0, bytesForwarded: 0, audioLevels: 0,
    dropped: {
      'unknown-ssrc': 0, 'foreign-ssrc': 0, 'rtx': 0, 'malformed': 0, 'oversized': 0, 'last-n': 0, 'force-muted': 0, 'receiver-not-connected': 0, 'stream': 0,
      'send-failed': 0, 'rtcp-malformed': 0, 'rtcp-unknown-ssrc': 0, 'rtcp-loop': 0, 'not-allocated': 0,
    },
    rtcpReceived: 0, keyframeRequestsReceived: 0, pliSent: 0, firSent: 0, keyframeRequestsLimited: 0,
    nacksReceived: 0, nackedPackets: 0, nackAnswered: 0, nackAnsweredRtx: 0, nackMissed: 0, twccFeedbackReceived: 0, rembReceived: 0,
  };
  #closed = false;

  constructor(deps: ForwardingLoopDeps) {
    this.#deps = deps;
    this.#rtcpSsrc = (deps.rtcpSsrc ?? DEFAULT_BRIDGE_RTCP_SSRC) >>> 0;
    this.#localSsrcs = new Set([this.#rtcpSsrc]);
    this.#limiter = new KeyframeLimiter({ clock: deps.clock });
    this.#reports = new RtcpReports({
      log: deps.log, clock: deps.clock, rtcpSsrc: this.#rtcpSsrc, cname: deps.cname ?? 'plenum-bridge',
      transportOf: (meetingId, route) => this.#transportOf(meetingId, route),
      ...(deps.reportIntervalMs !== undefined ? { intervalMs: deps.reportIntervalMs } : {}),
    });
    this.#feedback = new TransportFeedback({
      clock: deps.clock, rtcpSsrc: this.#rtcpSsrc, transportOf: (meetingId, route) => this.#transportOf(meetingId, route),
      ...(deps.feedbackIntervalMs !== undefined ? { intervalMs: deps.feedbackIntervalMs } : {}),
    });
    const { events, channel, forwardedSources } = deps.signalling;
    this.#layers = events === undefined || channel === undefined || forwardedSources === undefined ? undefined : new LayerControl({
      log: deps.log, clock: deps.clock, signalling: { events, channel, forwardedSources: forwardedSources.bind(deps.signalling) },
      conference: (meetingId) => this.#conferences.get(meetingId),
      conferences: () => this.#conferences.values(),
      requestKeyframe: (meetingId, owner, ssrc) => this.#requestKeyframe(meetingId, owner, ssrc, false),
      ...(deps.allocationIntervalMs !== undefined ? { intervalMs: deps.allocationIntervalMs } : {}),
    });
    // onRtp is a single slot: the loop takes it once, when the transport is created (RTP can only
    // flow after it connects). Whoever sets another listener later (a test's echo) replaces the loop.
    this.#offs.push(deps.transports.events.on('transportCreated', (t) => this.#attach(t)));
  }

  /** COLIBRI2 changed the conference (endpoints, media, sources): rebuilds its tables. */
  conferenceUpdated(meetingId: string): void {
    if (this.#closed) return;
    const conference = this.#deps.registry.get(meetingId);
    if (conference === undefined) {
      this.#conferences.delete(meetingId);
      this.#reports.conferenceExpired(meetingId);
      this.#feedback.conferenceExpired(meetingId);
      return;
    }
    let routes = this.#conferences.get(meetingId);
    if (routes === undefined) {
      routes = newConferenceRoutes(meetingId);
      this.#conferences.set(meetingId, routes);
    }
    const conflicts = rebuildConferenceRoutes(routes, conference, this.#deps.randomSequence, this.#deps.bwe);
    if (conflicts.length > 0) this.#deps.log.warn('ssrc signalled twice', { meetingId, ssrcs: conflicts });
    this.#layers?.conferenceUpdated(meetingId);
    this.#reports.conferenceUpdated(routes, conference);
    this.#feedback.conferenceUpdated(routes);
  }

  /** The conference ended: its tables go. */
  conferenceExpired(meetingId: string): void {
    this.#conferences.delete(meetingId);
    this.#layers?.conferenceExpired(meetingId);
    this.#reports.conferenceExpired(meetingId);
    this.#feedback.conferenceExpired(meetingId);
  }

  /** RTCP reports: RTT and loss per endpoint (rtcp-reports.ts). */
  get reports(): RtcpReports {
    return this.#reports;
  }

  /** Transport-cc feedback to senders (transport-feedback.ts). */
  get feedback(): TransportFeedback {
    return this.#feedback;
  }

  /** The bridge → endpoint bandwidth estimate (bps), or undefined when it has none (no transport-cc). */
  bandwidthEstimate(meetingId: string, endpointId: string): number | undefined {
    return this.#conferences.get(meetingId)?.endpoints.get(endpointId)?.bwe?.estimateBps;
  }

  /** Running totals (a snapshot). */
  counters(): ForwardingCounters {
    return { ...this.#counters, dropped: { ...this.#counters.dropped } };
  }

  /** Counters for `GET /colibri/stats`. */
  statsJson(): Record<string, number> {
    const c = this.#counters;
    const out: Record<string, number> = {
      forwarding_rtp_packets_received: c.packetsReceived,
      forwarding_rtp_packets_forwarded: c.packetsForwarded,
      forwarding_rtp_bytes_forwarded: c.bytesForwarded,
      forwarding_audio_levels: c.audioLevels,
      forwarding_rtcp_received: c.rtcpReceived,
      forwarding_keyframe_requests_received: c.keyframeRequestsReceived,
      forwarding_pli_sent: c.pliSent,
      forwarding_fir_sent: c.firSent,
      forwarding_keyframe_requests_limited: c.keyframeRequestsLimited,
      forwarding_nacks_received: c.nacksReceived,
      forwarding_nacked_packets: c.nackedPackets,
      forwarding_nack_answered: c.nackAnswered,
      forwarding_nack_answered_rtx: c.nackAnsweredRtx,
      forwarding_nack_missed: c.nackMissed,
      forwarding_twcc_feedback_received: c.twccFeedbackReceived,
      forwarding_remb_received: c.rembReceived,
    };
    const l = this.#layers?.counters();
    if (l !== undefined) {
      out.forwarding_layer_allocations = l.allocations;
      out.forwarding_layer_changes = l.layerChanges;
      out.forwarding_forwarded_sources_sent = l.forwardedSourcesSent;
      out.forwarding_connection_stats_sent = l.connectionStatsSent;
    }
    for (const [reason, n] of Object.entries(c.dropped)) out[`forwarding_dropped_${reason.replaceAll('-', '_')}`] = n;
    for (const [name, n] of Object.entries(this.#reports.statsJson())) out[`forwarding_${name}`] = n;
    const f = this.#feedback.counters();
    out.forwarding_twcc_feedback_sent = f.feedbackSent;
    out.forwarding_twcc_packets_without_number = f.packetsWithoutNumber;
    return out;
  }

  /** Stops listening; packets already queued are dropped. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#layers?.close();
    for (const off of this.#offs.splice(0)) off();
    this.#conferences.clear();
    this.#reports.close();
    this.#feedback.close();
  }

  #attach(t: EndpointTransport): void {
    if (this.#closed) return;
    const meetingId = t.meetingId;
    const endpointId = t.endpointId;
    // One closure per endpoint (not per packet): it knows who sends.
    t.onRtp((packet) => this.#onRtp(meetingId, endpointId, packet));
    t.onRtcp((packet) => this.#onRtcp(meetingId, endpointId, packet));
  }

  #onRtp(meetingId: string, senderId: string, packet: Buffer): void {
    const c = this.#counters;
    c.packetsReceived++;
    const routes = this.#conferences.get(meetingId);
    const len = packet.length;
    if (len < 12) {
      c.dropped.malformed++;
      return;
    }
    // Reported to its sender whatever becomes of it (RTX and probes too): an unreported number reads as loss.
    const from = routes?.endpoints.get(senderId);
    if (from !== undefined && from.twccId !== 0) this.#feedback.onRtp(from, packet, len);
    const ssrc = packet.readUInt32BE(8);
    const source = routes?.ssrcs.get(ssrc);
    if (source === undefined) {
      if (routes?.rtxSsrcs.has(ssrc) === true) c.dropped.rtx++;
      else c.dropped['unknown-ssrc']++;
      return;
    }
    const sender = source.owner;
    if (sender.id !== senderId) {
      c.dropped['foreign-ssrc']++;
      return;
    }
    if (len > MAX_FORWARDED_PACKET_BYTES) {
      c.dropped.oversized++;
      return;
    }
    // A moderator's mute holds even against a client that keeps sending (and its level no longer
    // makes it dominant speaker).
    if (source.isVideo ? sender.forceMutedVideo : sender.forceMutedAudio) {
      c.dropped['force-muted']++;
      return;
    }
    const pkt = this.#packet;
    const kind = sender.payloadKinds[packet[1]! & 0x7f] ?? 'other';
    if (!readInboundPacket(packet, len, kind, pkt)) {
      c.dropped.malformed++;
      return;
    }
    const nowMs = this.#deps.clock.now();
    this.#reports.onRtp(sender, pkt, nowMs);
    if (source.isVideo) {
      this.#cache(sender, pkt.ssrc, pkt.sequenceNumber, packet, len, nowMs);
      const layers = source.layers;
      const layer = layers === undefined ? -1 : layerIndexOf(layers, pkt.ssrc);
      if (layer >= 0) {
        const payload = pkt.payloadOffset + pkt.vp8.descriptorBytes;
        const height = pkt.isKeyframe && kind === 'vp8' ? readVp8KeyframeHeight(packet, payload, pkt.payloadOffset + pkt.payloadLength) : -1;
        noteLayerPacket(layers!, layer, len, nowMs, height);
      }
    } else if (sender.audioLevelId !== 0) {
      const level = readRtpAudioLevel(packet, len, sender.audioLevelId);
      if (level >= 0) {
        c.audioLevels++;
        this.#deps.signalling.handleAudioLevel(meetingId, senderId, level & 0x7f, nowMs);
      }
    }
    this.#forwardToReceivers(meetingId, source, packet, len, nowMs);
  }

  #forwardToReceivers(meetingId: string, source: SourceRoute, packet: Buffer, len: number, nowMs: number): void {
    const c = this.#counters;
    const pkt = this.#packet;
    const send = this.#send;
    const routes = source.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      const receiver = route.receiver;
      const stream = route.stream;
      if (source.isVideo) {
        const wanted = this.#deps.signalling.isForwarded(meetingId, receiver.id, source.name);
        if (!wanted) {
          // Suspended: when last-N lets it through again, it resumes at a key frame, continuously.
          if (stream.targetSsrc !== NO_SSRC) setStreamTarget(stream, NO_SSRC);
          c.dropped['last-n']++;
          continue;
        }
        const layer = route.layerSsrc;
        if (layer === NO_SSRC) {
          if (stream.targetSsrc !== NO_SSRC) setStreamTarget(stream, NO_SSRC);
          c.dropped['not-allocated']++;
          continue;
        }
        // a new target takes effect at its next key frame; until then the current layer goes on
        if (stream.targetSsrc !== layer) setStreamTarget(stream, layer);
      }
      const t = this.#transportOf(meetingId, receiver);
      if (t === undefined || !t.isConnected) {
        c.dropped['receiver-not-connected']++;
        continue;
      }
      const v = stepOutboundStream(stream, pkt, nowMs);
      if (!isForwarded(v)) {
        if (v === Verdict.dropAwaitingKeyframe) this.#requestKeyframe(meetingId, source.owner, pkt.ssrc, false);
        c.dropped.stream++;
        continue;
      }
      copyBytes(packet, 0, len, send, 0);
      if (!rewriteRtpExtensionIds(send, len, route.idMap)) {
        c.dropped.malformed++;
        continue;
      }
      if (receiver.twccId !== 0 && writeRtpTransportSequence(send, len, receiver.twccId, receiver.twccSeq)) {
        receiver.bwe?.onPacketSent(receiver.twccSeq, nowMs, len);
        receiver.twccSeq = (receiver.twccSeq + 1) & 0xffff;
      }
      writeOutbound(stream, pkt, send);
      if (t.sendRtp(send, len)) {
        c.packetsForwarded++;
        c.bytesForwarded += len;
      } else {
        c.dropped['send-failed']++;
      }
    }
  }

  /** Copies a sender's video packet into its cache (made at its first video packet, bounded). */
  #cache(sender: EndpointRoute, ssrc: number, seq: number, packet: Buffer, len: number, nowMs: number): void {
    let cache = sender.cache;
    if (cache === undefined) {
      cache = new PacketCache();
      sender.cache = cache;
    }
    let stream = cache.streamIndex(ssrc);
    if (stream < 0) stream = cache.addStream(ssrc); // −1 when the sender has more SSRCs than the cache streams: not cached
    if (stream >= 0) cache.insert(stream, seq, packet, len, nowMs);
  }

  /**
   * Asks `sender` for a key frame of its input SSRC `ssrc`, unless one was asked for in the last second
   * (whoever asked). A PLI, or a FIR when a receiver asked with a FIR.
   */
  #requestKeyframe(meetingId: string, sender: EndpointRoute, ssrc: number, fir: boolean): void {
    const c = this.#counters;
    const t = this.#transportOf(meetingId, sender);
    if (t === undefined || !t.isConnected) return;
    if (!this.#limiter.tryRequest(ssrc)) {
      c.keyframeRequestsLimited++;
      return;
    }
    if (fir) {
      writeFir(this.#fir, 0, this.#rtcpSsrc, ssrc, this.#limiter.nextFirSequence(ssrc));
      if (t.sendRtcp(this.#fir)) c.firSent++;
    } else {
      writePli(this.#pli, 0, this.#rtcpSsrc, ssrc);
      if (t.sendRtcp(this.#pli)) c.pliSent++;
    }
  }

  /** Compound RTCP from endpoint `fromId`: terminated here; feedback about a source is acted on. */
  #onRtcp(meetingId: string, fromId: string, packet: Buffer): void {
    const c = this.#counters;
    c.rtcpReceived++;
    const len = packet.length;
    if (validateRtcpCompound(packet, len) === RTCP_INVALID) {
      c.dropped['rtcp-malformed']++;
      return;
    }
    const routes = this.#conferences.get(meetingId);
    const from = routes?.endpoints.get(fromId);
    if (routes === undefined || from === undefined) return;
    for (let off = 0; off < len; off += rtcpPacketBytes(packet, off)) {
      const type = rtcpPacketType(packet, off);
      if (type === RTCP_PSFB) {
        if (isPli(packet, off)) {
          c.keyframeRequestsReceived++;
          this.#relayKeyframeRequest(routes, from, rtcpSenderSsrc(packet, off), rtcpMediaSsrc(packet, off), false);
        } else if (isFir(packet, off)) {
          const n = firEntryCount(packet, off);
          for (let i = 0; i < n; i++) {
            c.keyframeRequestsReceived++;
            this.#relayKeyframeRequest(routes, from, rtcpSenderSsrc(packet, off), firEntrySsrc(packet, off, i), true);
          }
        } else {
          const remb = readRembBitrate(packet, off);
          if (remb >= 0) {
            c.rembReceived++;
            from.bwe?.onRemb(remb);
          }
        }
      } else if (type === RTCP_RTPFB && rtcpCount(packet, off) === RTPFB_FMT_NACK) {
        this.#answerNack(routes, from, packet, off);
      } else if (type === RTCP_RTPFB && rtcpCount(packet, off) === RTPFB_FMT_TWCC) {
        // about the bridge → `from` path (every number in it is one the bridge wrote)
        if (from.bwe !== undefined && readTwccFeedback(packet, off, this.#twcc)) {
          c.twccFeedbackReceived++;
          from.bwe.onFeedback(this.#twcc, this.#deps.clock.now());
        }
      } else if (type === RTCP_SR || type === RTCP_RR) {
        this.#reports.onReport(routes, from, packet, off, this.#deps.clock.now());
      }
    }
  }

  /** The route by which `receiver` gets `outSsrc` (a source's output SSRC), or undefined (counted). */
  #routeFor(routes: ConferenceRoutes, receiver: EndpointRoute, senderSsrc: number, outSsrc: number): { source: SourceRoute; route: Route } | undefined {
    const c = this.#counters;
    const source = routes.ssrcs.get(outSsrc);
    if (source === undefined || source.primarySsrc !== outSsrc) {
      c.dropped['rtcp-unknown-ssrc']++;
      return undefined;
    }
    if (!isRtcpRelayAllowed(receiver.id, source.owner.id, senderSsrc, this.#localSsrcs)) {
      c.dropped['rtcp-loop']++;
      return undefined;
    }
    const rs = source.routes;
    for (let i = 0; i < rs.length; i++) {
      const route = rs[i]!;
      if (route.receiver === receiver) {
        this.#found.source = source;
        this.#found.route = route;
        return this.#found;
      }
    }
    c.dropped['rtcp-unknown-ssrc']++;
    return undefined;
  }

  readonly #found: { source: SourceRoute; route: Route } = { source: undefined as unknown as SourceRoute, route: undefined as unknown as Route };

  #relayKeyframeRequest(routes: ConferenceRoutes, receiver: EndpointRoute, senderSsrc: number, outSsrc: number, fir: boolean): void {
    const found = this.#routeFor(routes, receiver, senderSsrc, outSsrc);
    if (found === undefined) return;
    const stream = found.route.stream;
    // The layer the receiver gets now; while it waits for its first key frame, the one it waits for.
    const inSsrc = stream.currentSsrc !== NO_SSRC ? stream.currentSsrc : stream.targetSsrc;
    if (inSsrc === NO_SSRC) return; // suspended (last-N): the sender's key frame would not reach it
    this.#requestKeyframe(routes.meetingId, found.source.owner, inSsrc, fir);
  }

  /** Answers the generic NACK at `off` from `receiver` out of the sender's cache. */
  #answerNack(routes: ConferenceRoutes, receiver: EndpointRoute, packet: Buffer, off: number): void {
    const c = this.#counters;
    c.nacksReceived++;
    const lost = this.#nacked;
    const n = readNackSequences(packet, off, rtcpPacketBytes(packet, off), lost);
    if (n < 0) {
      c.dropped['rtcp-malformed']++;
      return;
    }
    c.nackedPackets += n;
    const found = this.#routeFor(routes, receiver, rtcpSenderSsrc(packet, off), nackMediaSsrc(packet, off));
    if (found === undefined) {
      c.nackMissed += n;
      return;
    }
    const sender = found.source.owner;
    const route = found.route;
    const t = this.#transportOf(routes.meetingId, receiver);
    if (sender.cache === undefined || t === undefined || !t.isConnected) {
      c.nackMissed += n;
      return;
    }
    const nowMs = this.#deps.clock.now();
    for (let k = 0; k < n; k++) {
      if (this.#retransmit(sender, sender.cache, route, route.stream, receiver, t, lost[k]!, nowMs)) c.nackAnswered++;
      else c.nackMissed++;
    }
  }

  #retransmit(
    sender: EndpointRoute, cache: PacketCache, route: Route, stream: OutboundStream, receiver: EndpointRoute, t: EndpointTransport,
    outSeq: number, nowMs: number,
  ): boolean {
    const seg = findSegmentByOutput(stream, outSeq);
    if (seg < 0) return false;
    const send = this.#send;
    const len = cache.copyOut(cache.streamIndex(segmentInputSsrc(stream, seg)), segmentInputSequence(stream, seg, outSeq), nowMs, send, 0);
    if (len < 0 || len > MAX_FORWARDED_PACKET_BYTES) return false;
    const pt = send[1]! & 0x7f;
    const pkt = this.#resent;
    if (!readInboundPacket(send, len, sender.payloadKinds[pt] ?? 'other', pkt) || !mapRetransmission(stream, seg, pkt)) return false;
    if (!rewriteRtpExtensionIds(send, len, route.idMap)) return false;
    if (receiver.twccId !== 0 && writeRtpTransportSequence(send, len, receiver.twccId, receiver.twccSeq)) {
      receiver.bwe?.onPacketSent(receiver.twccSeq, nowMs, len);
      receiver.twccSeq = (receiver.twccSeq + 1) & 0xffff;
    }
    writeOutbound(stream, pkt, send);
    let outLen = len;
    const rtxPt = receiver.rtxPayloadTypes[pt]!;
    const rtx = stream.outRtxSsrc !== NO_SSRC && rtxPt >= 0;
    if (rtx) {
      outLen = wrapRtxInPlace(send, len, rtxPt, stream.outRtxSsrc, nextRtxSequence(stream));
      if (outLen < 0) return false;
    }
    if (!t.sendRtp(send, outLen)) {
      this.#counters.dropped['send-failed']++;
      return false;
    }
    if (rtx) this.#counters.nackAnsweredRtx++;
    return true;
  }

  #transportOf(meetingId: string, r: EndpointRoute): EndpointTransport | undefined {
    const t = r.transport;
    if (t !== undefined && t.state !== 'closed' && t.state !== 'expired' && t.state !== 'failed') return t;
    const now = this.#deps.transports.get(meetingId, r.id);
    r.transport = now;
    if (now !== t) {
      r.twccSeq = 0;
      // a new transport is a new path, and its transport-wide numbers start again: so does the estimate
      if (t !== undefined && r.bwe !== undefined) r.bwe = new BandwidthEstimator(this.#deps.bwe);
    }
    return now;
  }
}
