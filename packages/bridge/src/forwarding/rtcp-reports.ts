// The RTCP reports of each leg (RFC 3550 §6.4), for the forwarding loop:
//
// - Receiver reports TO senders. Every RTP packet an endpoint sends is counted in its
//   ReceiveStatistics (rtp/receive-statistics.ts: per SSRC, no allocation); once per interval the
//   bridge sends every endpoint that sent media one compound RR + SDES (RFC 3550 §6.1: a compound
//   starts with an SR or RR and carries a CNAME) from the bridge's RTCP SSRC, one report block per
//   SSRC that sent since the last report (at most 31, RC is 5 bits). Interval: a fixed
//   `intervalMs` (1 s), without RFC 3550 §6.2–6.3's bandwidth scaling and randomisation: the
//   bridge's reports are a few hundred bytes a second per endpoint, and browsers use them only for
//   loss and RTT (libwebrtc's own interval for video is 1 s).
// - Sender reports TO receivers. A sender's SR (its NTP time ↔ RTP timestamp) is what lets a browser
//   lip-sync that sender's audio and video. Each receiver that currently gets the SR's SSRC gets a
//   translated copy: the output SSRC and RTP timestamp of its stream (stream-rewriter's
//   mapSenderReportTimestamp), the packet and octet counts of what the bridge actually sent it on that
//   stream, the sender's NTP time unchanged, no report blocks (those are the sender's own reception,
//   terminated here), plus an SDES CNAME naming the sender's endpoint.
// - RTT and loss. A receiver's RR blocks about a stream echo the relayed SR (LSR) and how long it held
//   it (DLSR); the bridge remembers when it sent each relayed SR, so RTT = now − sent − DLSR, on the
//   bridge's clock alone. The blocks' fraction lost is the receiver's downlink loss; the bridge's own
//   reports give each sender's uplink loss.
//
// Hot path: `onRtp` is one map hit (the sender's record, keyed by its route object) and a few array
// writes. SRs and RRs arrive about once a second per stream and are handled without allocating
// either; the periodic reports reuse one buffer.
import type { Cancel, Clock, Logger } from '@plenum/kit';
import type { ConferenceState } from '../conference/conference-registry.ts';
import type { InboundPacket } from '../rtp/inbound-packet.ts';
import { ReceiveStatistics, newReceiveReport } from '../rtp/receive-statistics.ts';
import type { ReportBlock, SenderInfo } from '../rtp/rtcp.ts';
import { MAX_RTCP_COMPOUND_BYTES, RTCP_RR, RTCP_SDES, RTCP_SR, newReportBlock, newSenderInfo, readReportBlock, readSenderInfo, rtcpCount, writeRelayedSenderReport } from '../rtp/rtcp.ts';
import { mapSenderReportTimestamp } from '../routing/stream-rewriter.ts';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { ConferenceRoutes, EndpointRoute } from './conference-routes.ts';

/** How often the bridge sends each sender its receiver report. */
export const DEFAULT_REPORT_INTERVAL_MS = 1000;
/** Report blocks in one RR (RC is 5 bits). */
export const MAX_REPORT_BLOCKS = 31;
/** Relayed SRs remembered per receiver for RTT (about 2 s of SRs for 4 streams at 1 SR/s each). */
const SENT_SR_HISTORY = 16;
/** CNAME bytes written at most (SDES items carry up to 255). */
const MAX_CNAME_BYTES = 64;

/** What the reports keep per endpoint. */
type EndpointReports = {
  readonly meetingId: string;
  readonly stats: ReceiveStatistics;
  /** Payload type → clock rate (Hz) as the endpoint negotiated it; 0 when unknown. */
  clockRates: Uint32Array;
  /** Relayed SRs sent to this endpoint: output SSRC, LSR value (middle 32 NTP bits) and when. */
  readonly sentSsrc: Float64Array;
  readonly sentLsr: Float64Array;
  readonly sentAtMs: Float64Array;
  sentHead: number;
  /** Latest RTT measured from its RRs (ms); NaN until one. */
  rttMs: number;
  /** Fraction of its packets lost on the way to the bridge in the last report interval (0–1). */
  uplinkLoss: number;
  /** Fraction lost on the way from the bridge, as its latest RR said (0–1, mean over blocks). */
  downlinkLoss: number;
};

/** Per-endpoint figures for stats. */
export type EndpointReportStats = {
  readonly meetingId: string;
  readonly endpointId: string;
  readonly rttMs: number | undefined;
  readonly uplinkLoss: number;
  readonly downlinkLoss: number;
};

/** Running totals. */
export type RtcpReportCounters = {
  receiverReportsSent: number;
  senderReportsReceived: number;
  senderReportsRelayed: number;
  /** Report blocks about the bridge's streams received from endpoints (in SRs and RRs). */
  reportBlocksReceived: number;
  rttMeasurements: number;
  /** Packets the bridge expected from senders and the ones it never got (summed over report intervals). */
  packetsExpected: number;
  packetsLost: number;
};

export type RtcpReportsDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  /** The bridge's RTCP SSRC (sender of its RRs). */
  readonly rtcpSsrc: number;
  /** The bridge's CNAME in its own SDES. */
  readonly cname: string;
  /** An endpoint's transport if it is usable (the loop's lookup). */
  transportOf(meetingId: string, route: EndpointRoute): EndpointTransport | undefined;
  /** Receiver report interval (the bridge uses DEFAULT_REPORT_INTERVAL_MS); unset or 0: only when sendReceiverReports() is called. */
  readonly intervalMs?: number;
};

/** Receiver reports to senders, relayed sender reports to receivers, RTT and loss per endpoint. */
export class RtcpReports {
  readonly #deps: RtcpReportsDeps;
  readonly #endpoints = new Map<EndpointRoute, EndpointReports>();
  readonly #buf = Buffer.alloc(MAX_RTCP_COMPOUND_BYTES);
  readonly #sr: SenderInfo = newSenderInfo();
  readonly #block: ReportBlock = newReportBlock();
  readonly #report = newReceiveReport();
  readonly #cancel: Cancel | undefined;
  readonly #counters: RtcpReportCounters = {
    receiverReportsSent: 0, senderReportsReceived: 0, senderReportsRelayed: 0, reportBlocksReceived: 0, rttMeasurements: 0,
    packetsExpected: 0, packetsLost: 0,
  };
  /** Loss over every sender in the last interval (0–1). */
  #incomingLoss = 0;

  constructor(deps: RtcpReportsDeps) {
    this.#deps = deps;
    const every = deps.intervalMs ?? 0;
    this.#cancel = every > 0 ? deps.clock.setInterval(() => this.sendReceiverReports(), every) : undefined;
  }

  /** The conference's tables were rebuilt: endpoints that went are forgotten, clock rates refreshed. */
  conferenceUpdated(routes: ConferenceRoutes, conference: ConferenceState): void {
    for (const [route, r] of this.#endpoints) if (r.meetingId === routes.meetingId && routes.endpoints.get(route.id) !== route) this.#endpoints.delete(route);
    for (const e of conference.endpoints.values()) {
      const route = routes.endpoints.get(e.id);
      if (route === undefined) continue;
      const rates = new Uint32Array(128);
      for (const m of e.media) for (const pt of m.payloadTypes) if (pt.id >= 0 && pt.id <= 127 && pt.clockrate > 0) rates[pt.id] = pt.clockrate;
      const r = this.#endpoints.get(route);
      if (r !== undefined) {
        r.clockRates = rates;
        // Slots of sources no longer signalled are freed for new ones (the table is bounded).
        r.stats.retain((ssrc) => routes.ssrcs.get(ssrc)?.owner === route);
      } else {
        this.#endpoints.set(route, newEndpointReports(routes.meetingId, rates));
      }
    }
  }

  conferenceExpired(meetingId: string): void {
    for (const [route, r] of this.#endpoints) if (r.meetingId === meetingId) this.#endpoints.delete(route);
  }

  /** A validated RTP packet of a signalled source from `sender` (hot path). */
  onRtp(sender: EndpointRoute, pkt: InboundPacket, nowMs: number): void {
    const r = this.#endpoints.get(sender);
    if (r === undefined) return;
    r.stats.record(pkt.ssrc, pkt.sequenceNumber, pkt.timestamp, r.clockRates[pkt.payloadType]!, pkt.payloadLength, nowMs);
  }

  /** The SR or RR at `off` of a validated compound from endpoint `from`. */
  onReport(routes: ConferenceRoutes, from: EndpointRoute, p: Buffer, off: number, nowMs: number): void {
    const r = this.#endpoints.get(from);
    if (r === undefined) return;
    const type = p[off + 1];
    if (type === RTCP_SR && readSenderInfo(p, off, this.#sr)) {
      this.#counters.senderReportsReceived++;
      r.stats.senderReport(this.#sr.ssrc, this.#sr.ntpSeconds, this.#sr.ntpFraction, nowMs);
      this.#relaySenderReport(routes, from, p, off, nowMs);
    }
    if (type !== RTCP_SR && type !== RTCP_RR) return;
    const n = rtcpCount(p, off);
    const b = this.#block;
    let lossSum = 0;
    let lossBlocks = 0;
    for (let i = 0; i < n; i++) {
      if (!readReportBlock(p, off, i, b)) break;
      this.#counters.reportBlocksReceived++;
      lossSum += b.fractionLost / 256;
      lossBlocks++;
      if (b.lastSr === 0) continue;
      const sentAt = findSent(r, b.ssrc, b.lastSr);
      if (Number.isNaN(sentAt)) continue;
      const rtt = nowMs - sentAt - (b.delaySinceLastSr * 1000) / 65536;
      if (rtt < 0) continue; // a DLSR longer than the round trip: a clock step or a lie
      r.rttMs = rtt;
      this.#counters.rttMeasurements++;
    }
    if (lossBlocks > 0) r.downlinkLoss = lossSum / lossBlocks;
  }

  /** Sends each endpoint that sent media since the last time its receiver report (the interval timer calls this). */
  sendReceiverReports(): void {
    const nowMs = this.#deps.clock.now();
    let expected = 0;
    let lost = 0;
    for (const [route, r] of this.#endpoints) {
      const stats = r.stats;
      if (stats.size === 0) continue;
      const buf = this.#buf;
      // RR header, then blocks; RC and length are filled in once the blocks are counted.
      buf[0] = 0x80;
      buf[1] = RTCP_RR;
      writeU32(buf, 4, this.#deps.rtcpSsrc);
      let off = 8;
      let blocks = 0;
      let epExpected = 0;
      let epLost = 0;
      const rep = this.#report;
      for (let i = 0; i < stats.size && blocks < MAX_REPORT_BLOCKS; i++) {
        if (!stats.hasNewPackets(i)) continue;
        stats.report(i, nowMs, rep);
        writeU32(buf, off, rep.ssrc);
        buf[off + 4] = rep.fractionLost;
        const cum = rep.cumulativeLost & 0xffffff;
        buf[off + 5] = (cum >>> 16) & 0xff;
        buf[off + 6] = (cum >>> 8) & 0xff;
        buf[off + 7] = cum & 0xff;
        writeU32(buf, off + 8, rep.extendedHighestSequence);
        writeU32(buf, off + 12, rep.jitter);
        writeU32(buf, off + 16, rep.lastSr);
        writeU32(buf, off + 20, rep.delaySinceLastSr);
        off += 24;
        blocks++;
        epExpected += rep.intervalExpected;
        epLost += rep.intervalLost;
      }
      if (blocks === 0) continue;
      r.uplinkLoss = epExpected > 0 ? epLost / epExpected : 0;
      expected += epExpected;
      lost += epLost;
      buf[0] = 0x80 | blocks;
      writeLength(buf, 0, off);
      off = writeSdesCname(buf, off, this.#deps.rtcpSsrc, this.#deps.cname);
      const t = this.#deps.transportOf(r.meetingId, route);
      if (t === undefined || !t.isConnected) continue;
      if (t.sendRtcp(buf.subarray(0, off))) this.#counters.receiverReportsSent++;
    }
    this.#counters.packetsExpected += expected;
    this.#counters.packetsLost += lost;
    this.#incomingLoss = expected > 0 ? lost / expected : 0;
  }

  counters(): RtcpReportCounters {
    return { ...this.#counters };
  }

  /**
   * Bridge-wide figures: loss of the senders' media on the way in (last interval), the receivers'
   * reported loss (mean of their latest reports), RTT (mean over endpoints with one; undefined: none).
   */
  summary(): { readonly incomingLoss: number; readonly outgoingLoss: number; readonly rttMs: number | undefined } {
    let loss = 0;
    let rtt = 0;
    let rtts = 0;
    for (const r of this.#endpoints.values()) {
      loss += r.downlinkLoss;
      if (Number.isNaN(r.rttMs)) continue;
      rtt += r.rttMs;
      rtts++;
    }
    const n = this.#endpoints.size;
    return { incomingLoss: this.#incomingLoss, outgoingLoss: n === 0 ? 0 : loss / n, rttMs: rtts === 0 ? undefined : rtt / rtts };
  }

  /** Per-endpoint RTT and loss (cold: for stats). */
  endpointStats(): EndpointReportStats[] {
    const out: EndpointReportStats[] = [];
    for (const [route, r] of this.#endpoints) {
      out.push({
        meetingId: r.meetingId, endpointId: route.id, rttMs: Number.isNaN(r.rttMs) ? undefined : r.rttMs,
        uplinkLoss: r.uplinkLoss, downlinkLoss: r.downlinkLoss,
      });
    }
    return out;
  }

  /** Counters for `GET /colibri/stats`. */
  statsJson(): Record<string, number> {
    const c = this.#counters;
    const s = this.summary();
    return {
      rtcp_receiver_reports_sent: c.receiverReportsSent,
      rtcp_sender_reports_received: c.senderReportsReceived,
      rtcp_sender_reports_relayed: c.senderReportsRelayed,
      rtcp_report_blocks_received: c.reportBlocksReceived,
      rtcp_rtt_measurements: c.rttMeasurements,
      rtp_packets_expected: c.packetsExpected,
      rtp_packets_lost: c.packetsLost,
      incoming_loss: round(s.incomingLoss),
      outgoing_loss: round(s.outgoingLoss),
      rtt_ms_average: round(s.rttMs ?? 0),
    };
  }

  close(): void {
    this.#cancel?.();
    this.#endpoints.clear();
  }

  #relaySenderReport(routes: ConferenceRoutes, from: EndpointRoute, p: Buffer, off: number, nowMs: number): void {
    const inSsrc = this.#sr.ssrc;
    const source = routes.ssrcs.get(inSsrc);
    if (source === undefined || source.owner !== from) return;
    const lsr = (((this.#sr.ntpSeconds & 0xffff) << 16) | (this.#sr.ntpFraction >>> 16)) >>> 0;
    const cname = from.id;
    const buf = this.#buf;
    const list = source.routes;
    for (let i = 0; i < list.length; i++) {
      const route = list[i]!;
      const stream = route.stream;
      const outTs = mapSenderReportTimestamp(stream, inSsrc, this.#sr.rtpTimestamp);
      if (outTs < 0) continue; // that receiver gets another layer (or nothing) of this source
      const receiver = this.#endpoints.get(route.receiver);
      const t = this.#deps.transportOf(routes.meetingId, route.receiver);
      if (receiver === undefined || t === undefined || !t.isConnected) continue;
      let len = writeRelayedSenderReport(p, off, buf, 0, stream.outSsrc, outTs, stream.packetsForwarded >>> 0, stream.octetsForwarded >>> 0);
      if (len < 0) continue;
      len = writeSdesCname(buf, len, stream.outSsrc, cname);
      if (!t.sendRtcp(buf.subarray(0, len))) continue;
      this.#counters.senderReportsRelayed++;
      const h = receiver.sentHead;
      receiver.sentSsrc[h] = stream.outSsrc;
      receiver.sentLsr[h] = lsr;
      receiver.sentAtMs[h] = nowMs;
      receiver.sentHead = (h + 1) % SENT_SR_HISTORY;
    }
  }
}

function newEndpointReports(meetingId: string, clockRates: Uint32Array): EndpointReports {
  return {
    meetingId, stats: new ReceiveStatistics(), clockRates,
    sentSsrc: new Float64Array(SENT_SR_HISTORY).fill(-1), sentLsr: new Float64Array(SENT_SR_HISTORY), sentAtMs: new Float64Array(SENT_SR_HISTORY),
    sentHead: 0, rttMs: NaN, uplinkLoss: 0, downlinkLoss: 0,
  };
}

/** When the relayed SR that a receiver's block echoes (its SSRC and LSR) was sent; NaN if not remembered. */
function findSent(r: EndpointReports, ssrc: number, lsr: number): number {
  for (let i = 0; i < SENT_SR_HISTORY; i++) if (r.sentSsrc[i] === ssrc && r.sentLsr[i] === lsr) return r.sentAtMs[i]!;
  return NaN;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Writes an SDES packet with one chunk (`ssrc`, CNAME = `cname` as latin-1, at most 64 bytes) at
 * buf[off…], padded to 32 bits with the null terminator (RFC 3550 §6.5); returns the new end.
 */
export function writeSdesCname(buf: Buffer, off: number, ssrc: number, cname: string): number {
  const start = off;
  buf[off] = 0x81;
  buf[off + 1] = RTCP_SDES;
  writeU32(buf, off + 4, ssrc);
  buf[off + 8] = 1; // CNAME
  const n = Math.min(cname.length, MAX_CNAME_BYTES);
  buf[off + 9] = n;
  for (let i = 0; i < n; i++) buf[off + 10 + i] = cname.charCodeAt(i) & 0xff;
  let end = off + 10 + n;
  // The item list ends with at least one null octet, then pads to a 32-bit boundary.
  do buf[end++] = 0;
  while ((end - start) % 4 !== 0);
  writeLength(buf, start, end);
  return end;
}

function writeLength(buf: Buffer, start: number, end: number): void {
  const words = (end - start) / 4 - 1;
  buf[start + 2] = (words >>> 8) & 0xff;
  buf[start + 3] = words & 0xff;
}

function writeU32(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 24) & 0xff;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}
