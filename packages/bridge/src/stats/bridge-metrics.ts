// Every metric the bridge exposes on `GET /metrics` (Prometheus text, stats/prometheus.ts), declared
// here once and built from the parts' own counters at each scrape: nothing is counted twice, and the
// hot paths keep incrementing their plain objects. Names are `plenum_bridge_<noun>[_<unit>]`,
// counters end in `_total`; labels take only fixed sets of values (drop reasons, event names), never
// a meeting, endpoint, SSRC or address.
import type { BridgeStats } from '@plenum/xmpp/codec';
import type { ForwardingCounters } from '../forwarding/forwarding-loop.ts';
import type { RtcpReportCounters } from '../forwarding/rtcp-reports.ts';
import type { TransportCounters } from '../transport/transport-counters.ts';
import { DROP_REASONS, EVENT_COUNTERS } from '../transport/transport-counters.ts';
import type { MetricFamily, MetricSample } from './prometheus.ts';
import type { StressReading } from './stress-meter.ts';

/** Per-second rates over the last sampling interval (stats/rate-meter.ts). */
export type TrafficRates = { readonly packetsIn: number; readonly packetsOut: number; readonly bitsIn: number; readonly bitsOut: number };

/** What the metrics are read from. */
export type BridgeMetricsInput = {
  readonly load: BridgeStats;
  /** The terms stress_level is the largest of (stats/stress-meter.ts). */
  readonly stress: StressReading;
  readonly conferencesCreated: number;
  readonly endpointsCreated: number;
  readonly transport: { readonly endpoints: number; readonly connectedEndpoints: number; readonly counters: TransportCounters };
  readonly forwarding: ForwardingCounters;
  readonly reports: {
    readonly counters: RtcpReportCounters;
    /** 0–1 over the last report interval. */
    readonly incomingLoss: number;
    /** 0–1, mean of the receivers' latest reports. */
    readonly outgoingLoss: number;
    /** Mean RTT over endpoints with a measurement, seconds (0: none yet). */
    readonly rttSeconds: number;
  };
  readonly rates: TrafficRates;
  /** The bridge channel's flat stats (channel/media-signalling.ts statsJson). */
  readonly channel: Readonly<Record<string, number>>;
};

const snake = (s: string): string => s.replace(/-/g, '_').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const one = (value: number): MetricSample[] => [{ value }];
const gauge = (name: string, help: string, value: number): MetricFamily => ({ name: `plenum_bridge_${name}`, help, type: 'gauge', samples: one(value) });
const counter = (name: string, help: string, value: number): MetricFamily => ({ name: `plenum_bridge_${name}_total`, help, type: 'counter', samples: one(value) });

/** Every family, in a fixed order. */
export function bridgeMetricFamilies(i: BridgeMetricsInput): MetricFamily[] {
  const t = i.transport.counters;
  const f = i.forwarding;
  const r = i.reports.counters;
  const ch = (k: string): number => i.channel[k] ?? 0;
  return [
    // Load
    gauge('conferences', 'Conferences on this bridge', i.load.conferences ?? 0),
    gauge('endpoints', 'Endpoints on this bridge', i.load.endpoints ?? 0),
    gauge('connected_endpoints', 'Endpoints whose media transport is connected (ICE and DTLS done)', i.transport.connectedEndpoints),
    gauge('stress_level', 'Load as published to the focus: 0 idle, 1 at capacity', i.load.stressLevel),
    {
      name: 'plenum_bridge_stress_term', help: 'Each term stress_level is the largest of: packet rate / capacity, process CPU / threshold, endpoints / maxEndpoints', type: 'gauge',
      samples: [
        { labels: { term: 'packet_rate' }, value: i.stress.packetRateStress },
        { labels: { term: 'cpu' }, value: i.stress.cpuStress },
        { labels: { term: 'endpoints' }, value: i.stress.endpointStress },
      ],
    },
    gauge('packet_rate_packets_per_second', 'RTP packets received + sent per second over the stress window', i.stress.packetRate),
    gauge('cpu_usage_ratio', 'Process CPU over the stress window, fraction of one core (0 when not measured)', i.stress.cpuUsage),
    gauge('healthy', '1 when connected to XMPP, in the brewery and not stopping', i.load.healthy ? 1 : 0),
    counter('conferences_created', 'Conferences created since start', i.conferencesCreated),
    counter('endpoints_created', 'Endpoints created since start', i.endpointsCreated),
    // Traffic
    gauge('incoming_packets_per_second', 'RTP packets received per second (last interval)', i.rates.packetsIn),
    gauge('outgoing_packets_per_second', 'RTP packets sent per second (last interval)', i.rates.packetsOut),
    gauge('incoming_bits_per_second', 'Bits received per second on the media transport (last interval)', i.rates.bitsIn),
    gauge('outgoing_bits_per_second', 'Bits sent per second on the media transport (last interval)', i.rates.bitsOut),
    counter('rtp_packets_received', 'RTP packets received (decrypted)', t.rtpPacketsReceived),
    counter('rtp_packets_sent', 'RTP packets sent (encrypted)', t.rtpPacketsSent),
    counter('rtcp_packets_received', 'Compound RTCP packets received (decrypted)', t.rtcpPacketsReceived),
    counter('rtcp_packets_sent', 'Compound RTCP packets sent', t.rtcpPacketsSent),
    counter('received_bytes', 'Bytes received on the media transport', t.bytesReceived),
    counter('sent_bytes', 'Bytes sent on the media transport', t.bytesSent),
    counter('rtp_packets_forwarded', 'RTP packets forwarded to receivers (one per receiver)', f.packetsForwarded),
    // Quality
    gauge('incoming_loss_ratio', 'Fraction of senders\' RTP lost on the way to the bridge (last report interval)', i.reports.incomingLoss),
    gauge('outgoing_loss_ratio', 'Fraction of forwarded RTP lost on the way to receivers (their latest receiver reports, mean)', i.reports.outgoingLoss),
    gauge('rtt_seconds', 'Round-trip time bridge ↔ endpoint from receiver reports (mean over endpoints)', i.reports.rttSeconds),
    counter('rtp_packets_expected', 'RTP packets the bridge expected from senders (RFC 3550 A.3)', r.packetsExpected),
    counter('rtp_packets_lost', 'RTP packets senders sent that never reached the bridge', r.packetsLost),
    counter('nacks_received', 'Generic NACK packets from receivers', f.nacksReceived),
    counter('nacked_packets', 'Sequence numbers receivers NACKed', f.nackedPackets),
    counter('retransmissions', 'Packets retransmitted from the cache in answer to NACKs', f.nackAnswered),
    counter('nack_missed', 'NACKed packets the bridge could not retransmit', f.nackMissed),
    {
      name: 'plenum_bridge_keyframe_requests_sent_total', help: 'Key frame requests the bridge sent to senders', type: 'counter',
      samples: [{ labels: { kind: 'pli' }, value: f.pliSent }, { labels: { kind: 'fir' }, value: f.firSent }],
    },
    counter('receiver_reports_sent', 'RTCP receiver reports the bridge sent to senders', r.receiverReportsSent),
    counter('sender_reports_relayed', 'Sender reports relayed (translated) to receivers', r.senderReportsRelayed),
    // Drops
    {
      name: 'plenum_bridge_transport_dropped_total', help: 'Datagrams and packets the media transport dropped, by reason', type: 'counter',
      samples: DROP_REASONS.map((reason) => ({ labels: { reason: snake(reason) }, value: t.dropped[reason] })),
    },
    {
      name: 'plenum_bridge_srtp_auth_failures_total', help: 'SRTP and SRTCP packets that failed authentication', type: 'counter',
      samples: [{ labels: { protocol: 'srtp' }, value: t.dropped['srtp-auth-failed'] }, { labels: { protocol: 'srtcp' }, value: t.dropped['srtcp-auth-failed'] }],
    },
    {
      name: 'plenum_bridge_transport_events_total', help: 'Media transport events (ICE, DTLS, consent, TCP)', type: 'counter',
      samples: EVENT_COUNTERS.filter((e) => !TRAFFIC.has(e)).map((e) => ({ labels: { event: snake(e) }, value: t[e] })),
    },
    {
      name: 'plenum_bridge_forwarding_dropped_total', help: 'RTP and RTCP the forwarding loop dropped, by reason', type: 'counter',
      samples: Object.entries(f.dropped).map(([reason, value]) => ({ labels: { reason: snake(reason) }, value })),
    },
    // Bridge channel
    gauge('channel_open', 'Open bridge channels (WebSocket or SCTP data channel)', ch('colibri_web_socket_channels')),
    counter('channel_messages_received', 'Bridge channel messages received from endpoints', ch('total_colibri_web_socket_messages_received')),
    counter('channel_messages_sent', 'Bridge channel messages sent to endpoints', ch('total_colibri_web_socket_messages_sent')),
    counter('channel_messages_ignored', 'Bridge channel messages ignored (malformed, unknown, unexpected)', ch('colibri_web_socket_messages_ignored')),
    counter('channel_messages_dropped', 'Bridge channel messages dropped for a slow receiver', ch('colibri_web_socket_messages_dropped')),
    counter('channel_upgrades_refused', 'Bridge channel WebSocket upgrades refused', ch('colibri_web_socket_upgrades_refused')),
    counter('dominant_speaker_changes', 'Dominant speaker changes announced', ch('total_dominant_speaker_changes')),
  ];
}

/** Transport event counters already exposed as traffic families above. */
const TRAFFIC: ReadonlySet<string> = new Set(['rtpPacketsReceived', 'rtcpPacketsReceived', 'rtpPacketsSent', 'rtcpPacketsSent', 'bytesReceived', 'bytesSent']);
