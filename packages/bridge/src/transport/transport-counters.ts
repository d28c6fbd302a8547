// What the media transport counts: every dropped datagram by reason, lifecycle events, traffic.
// One plain object with a fixed shape per bridge, incremented in place on the hot path (a property
// increment, no allocation); exported flat and snake_case on GET /colibri/stats.

/** Why a datagram (or a packet handed to send) was dropped. */
export const DROP_REASONS = [
  'unclassified',
  'stun-truncated', 'stun-oversized', 'stun-malformed', 'stun-bad-fingerprint', 'stun-not-binding-request',
  'stun-unauthenticated', 'stun-unknown-ufrag', 'stun-bad-integrity', 'stun-remote-ufrag-mismatch',
  'dtls-unknown-address', 'dtls-malformed', 'dtls-unauthenticated-control', 'dtls-application-data',
  // A retransmitted cookie-less ClientHello inside its backoff (dtls-endpoint.ts).
  'dtls-client-hello-retransmission',
  'media-unknown-address', 'media-before-srtp',
  'srtp-malformed', 'srtp-auth-failed', 'srtp-replayed', 'srtp-too-old', 'srtp-too-many-ssrcs',
  'srtcp-malformed', 'srtcp-auth-failed', 'srtcp-replayed', 'srtcp-too-old', 'srtcp-too-many-ssrcs',
  'send-invalid', 'send-not-connected', 'send-too-many-ssrcs',
  // ICE-TCP: a zero or oversized length prefix, anything but STUN before a valid check (both close
  // the connection), a check for another endpoint than the one the connection belongs to, and
  // media not written because the connection's write buffer was over its bound.
  'tcp-frame-invalid', 'tcp-before-check', 'tcp-check-other-endpoint', 'send-tcp-backpressure',
] as const;
/** One of DROP_REASONS. */
export type DropReason = (typeof DROP_REASONS)[number];

/** Events and traffic, besides drops. */
export const EVENT_COUNTERS = [
  'stunAnswered', 'nominations', 'addressChanges', 'dtlsConnected', 'dtlsFailed', 'fingerprintMismatches',
  'certificateVerifyFailures', 'consentExpiries',
  'rtpPacketsReceived', 'rtcpPacketsReceived', 'rtpPacketsSent', 'rtcpPacketsSent', 'bytesReceived', 'bytesSent', 'sendErrors',
  // ICE-TCP connections: accepted; authenticated by a valid check; closed (for any reason); closed
  // before authentication for bad input; silent past the deadline; closed to admit a newer one.
  'tcpConnectionsAccepted', 'tcpConnectionsAuthenticated', 'tcpConnectionsClosed', 'tcpConnectionsRefused',
  'tcpAuthTimeouts', 'tcpPendingEvicted',
] as const;
/** One of EVENT_COUNTERS. */
export type EventCounter = (typeof EVENT_COUNTERS)[number];

/** The bridge-wide transport counters. */
export type TransportCounters = { readonly dropped: Record<DropReason, number> } & Record<EventCounter, number>;

/** Fresh counters, all zero (every key present, so the object keeps one shape). */
export function newTransportCounters(): TransportCounters {
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  const events = Object.fromEntries(EVENT_COUNTERS.map((e) => [e, 0])) as Record<EventCounter, number>;
  return { dropped, ...events };
}

const snake = (s: string): string => s.replace(/-/g, '_').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Flat stats: `transport_<event>` and `transport_dropped_<reason>`, plus `transport_dropped` (the sum). */
export function transportStatsJson(c: TransportCounters): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const e of EVENT_COUNTERS) out[`transport_${snake(e)}`] = c[e];
  for (const r of DROP_REASONS) {
    out[`transport_dropped_${snake(r)}`] = c.dropped[r];
    total += c.dropped[r];
  }
  out.transport_dropped = total;
  return out;
}
