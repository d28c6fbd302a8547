// The forwarding loop: joins the transport (decrypted RTP in, plain RTP out per endpoint) and the
// pure forwarding logic (rtp/, routing/). Per packet from endpoint S of conference C:
//
//   SSRC → source (conference-routes.ts; unknown or another endpoint's SSRC: dropped, counted)
//   audio: RFC 6464 level → signalling.handleAudioLevel (dominant speaker)
//   parse once (readInboundPacket), then for every other endpoint R of C:
//     video only if last-N forwards it to R (signalling.isForwarded)
//     stepOutboundStream (SSRC, sequence numbers, timestamps, VP8 picture ids per receiver)
//     copy into the loop's one send buffer, map extension ids S → R (RFC 8285), write R's own
//     transport-wide sequence number, writeOutbound, R's transport encrypts and sends.
//
// Hot path: nothing per packet allocates but the `subarray` view handed to sendRtp (its signature
// takes a Buffer of the packet's length) and what SRTP itself allocates. Tables are rebuilt only when
// COLIBRI2 changes the conference (`conferenceUpdated`).
//
// Not yet here (issue 4): RTCP (PLI/FIR relay, NACK from a packet cache, receiver reports), RTX from
// senders (dropped and counted), simulcast layer choice (every receiver gets the first SIM layer),
// keyframe requests on a layer switch, bandwidth estimation.

import type { Clock, Logger, Off, TypedEmitter } from '@plenum/kit';
import type { ConferenceRegistry } from '../conference/conference-registry.ts';
import type { MediaSignalling } from '../channel/media-signalling.ts';
import { copyBytes } from '../rtp/copy-bytes.ts';
import { newInboundPacket, readInboundPacket } from '../rtp/inbound-packet.ts';
import { readRtpAudioLevel, rewriteRtpExtensionIds, writeRtpTransportSequence } from '../rtp/rtp-header.ts';
import { NO_SSRC, isForwarded, setStreamTarget, stepOutboundStream, writeOutbound } from '../routing/stream-rewriter.ts';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { TransportManagerEvents } from '../transport/transport-manager.ts';
import type { ConferenceRoutes, EndpointRoute, SourceRoute } from './conference-routes.ts';
import { newConferenceRoutes, rebuildConferenceRoutes } from './conference-routes.ts';

/** Largest RTP packet the loop forwards (bigger ones are dropped and counted). */
export const MAX_FORWARDED_PACKET_BYTES = 1500;

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
    /** Per receiver: its transport is not connected (yet). */
    'receiver-not-connected': number;
    /** Per receiver: the stream rewriter's drops (other layer, waiting for a key frame, too old…). */
    'stream': number;
    /** Per receiver: the transport refused the packet. */
    'send-failed': number;
  };
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
  readonly signalling: Pick<MediaSignalling, 'handleAudioLevel' | 'isForwarded'>;
  /** Random 16-bit start for each output RTX stream. */
  readonly randomSequence: () => number;
};

/** Relays every endpoint's RTP to the other endpoints of its conference. */
export class ForwardingLoop {
  readonly #deps: ForwardingLoopDeps;
  readonly #conferences = new Map<string, ConferenceRoutes>();
  readonly #offs: Off[] = [];
  readonly #packet = newInboundPacket();
  /** The one reusable send buffer: each receiver's copy is rewritten here and encrypted from here. */
  readonly #send = Buffer.alloc(MAX_FORWARDED_PACKET_BYTES);
  readonly #counters: ForwardingCounters = {
    packetsReceived: 0, packetsForwarded: 0, bytesForwarded: 0, audioLevels: 0,
    dropped: { 'unknown-ssrc': 0, 'foreign-ssrc': 0, 'rtx': 0, 'malformed': 0, 'oversized': 0, 'last-n': 0, 'receiver-not-connected': 0, 'stream': 0, 'send-failed': 0 },
  };
  #closed = false;

  constructor(deps: ForwardingLoopDeps) {
    this.#deps = deps;
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
      return;
    }
    let routes = this.#conferences.get(meetingId);
    if (routes === undefined) {
      routes = newConferenceRoutes(meetingId);
      this.#conferences.set(meetingId, routes);
    }
    const conflicts = rebuildConferenceRoutes(routes, conference, this.#deps.randomSequence);
    if (conflicts.length > 0) this.#deps.log.warn('ssrc signalled twice', { meetingId, ssrcs: conflicts });
  }

  /** The conference ended: its tables go. */
  conferenceExpired(meetingId: string): void {
    this.#conferences.delete(meetingId);
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
    };
    for (const [reason, n] of Object.entries(c.dropped)) out[`forwarding_dropped_${reason.replaceAll('-', '_')}`] = n;
    return out;
  }

  /** Stops listening; packets already queued are dropped. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#conferences.clear();
  }

  #attach(t: EndpointTransport): void {
    if (this.#closed) return;
    const meetingId = t.meetingId;
    const endpointId = t.endpointId;
    // One closure per endpoint (not per packet): it knows who sends.
    t.onRtp((packet) => this.#onRtp(meetingId, endpointId, packet));
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
    const pkt = this.#packet;
    if (!readInboundPacket(packet, len, sender.payloadKinds[packet[1]! & 0x7f] ?? 'other', pkt)) {
      c.dropped.malformed++;
      return;
    }
    const nowMs = this.#deps.clock.now();
    if (!source.isVideo && sender.audioLevelId !== 0) {
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
        if (stream.targetSsrc === NO_SSRC) setStreamTarget(stream, source.primarySsrc);
      }
      const t = this.#transportOf(meetingId, receiver);
      if (t === undefined || !t.isConnected) {
        c.dropped['receiver-not-connected']++;
        continue;
      }
      const v = stepOutboundStream(stream, pkt, nowMs);
      if (!isForwarded(v)) {
        // TODO(media plane): Verdict.dropAwaitingKeyframe → PLI to the sender through a KeyframeLimiter.
        c.dropped.stream++;
        continue;
      }
      copyBytes(packet, 0, len, send, 0);
      if (!rewriteRtpExtensionIds(send, len, route.idMap)) {
        c.dropped.malformed++;
        continue;
      }
      if (receiver.twccId !== 0 && writeRtpTransportSequence(send, len, receiver.twccId, receiver.twccSeq)) {
        receiver.twccSeq = (receiver.twccSeq + 1) & 0xffff;
      }
      writeOutbound(stream, pkt, send);
      if (t.sendRtp(send.subarray(0, len))) {
        c.packetsForwarded++;
        c.bytesForwarded += len;
      } else {
        c.dropped['send-failed']++;
      }
    }
  }

  #transportOf(meetingId: string, r: EndpointRoute): EndpointTransport | undefined {
    const t = r.transport;
    if (t !== undefined && t.state !== 'closed' && t.state !== 'expired' && t.state !== 'failed') return t;
    const now = this.#deps.transports.get(meetingId, r.id);
    r.transport = now;
    if (now !== t) r.twccSeq = 0;
    return now;
  }
}
