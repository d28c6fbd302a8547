// What the bridge offers an endpoint (protocols.md §3, §10): ICE credentials, the DTLS fingerprint
// with setup=actpass, one host candidate on the public UDP port (plus, when ICE-TCP is on, a passive
// TCP host candidate of lower priority), rtcp-mux, and the bridge-channel WebSocket URL whose `pwd`
// is the ICE password (JVB Endpoint.describeTransport). Pure: randomness comes in.
import type { IceUdpTransport } from '@plenum/xmpp/codec';

/** Where and how the bridge can be reached. */
export type LocalTransportConfig = {
  readonly bridgeId: string;
  readonly publicAddress: string;
  readonly udpPort: number;
  /** The ICE-TCP port to advertise (RFC 6544 passive); undefined when ICE-TCP is off. */
  readonly tcpPort?: number | undefined;
  /** ws(s)://host[:port], no path. */
  readonly webSocketBaseUrl: string;
  readonly fingerprint: { readonly hash: string; readonly value: string };
};

/** Random ICE characters (RFC 8445 §5.3 ice-char is ALPHA / DIGIT / "+" / "/"; alphanumerics keep URLs clean). */
export type RandomText = (length: number) => string;

/** RFC 8445 §5.1.2.1 priority of a host candidate: type preference 126, local preference 65535, component 1. */
export const HOST_CANDIDATE_PRIORITY = 126 * 2 ** 24 + 65535 * 2 ** 8 + (256 - 1);

/**
 * Priority of the passive TCP host candidate: the same formula, with RFC 6544 §4.2's local
 * preference (2^13 · direction-pref + other-pref; direction-pref 4 for a passive host candidate,
 * other-pref 8191) = 40,959 instead of 65,535, so every client prefers the UDP candidate and uses
 * TCP only when no UDP pair works.
 */
export const TCP_PASSIVE_HOST_CANDIDATE_PRIORITY = 126 * 2 ** 24 + (2 ** 13 * 4 + 8191) * 2 ** 8 + (256 - 1);

/** The bridge channel URL: `/colibri-ws/<server-id>/<conference-id>/<endpoint-id>?pwd=<ice pwd>`. */
export function colibriWebSocketUrl(config: LocalTransportConfig, meetingId: string, endpointId: string, pwd: string): string {
  const path = [config.bridgeId, meetingId, endpointId].map(encodeURIComponent).join('/');
  return `${config.webSocketBaseUrl}/colibri-ws/${path}?pwd=${encodeURIComponent(pwd)}`;
}

/** A fresh transport description for one endpoint: ufrag 8 chars, pwd 24 chars (RFC 8445 §5.3: ≥ 4 and ≥ 22). */
export function newLocalTransport(config: LocalTransportConfig, random: RandomText, meetingId: string, endpointId: string): IceUdpTransport {
  const ufrag = random(8);
  const pwd = random(24);
  return {
    ufrag,
    pwd,
    fingerprints: [{ hash: config.fingerprint.hash, setup: 'actpass', value: config.fingerprint.value }],
    candidates: [
      {
        foundation: '1', component: 1, protocol: 'udp', priority: HOST_CANDIDATE_PRIORITY, ip: config.publicAddress,
        port: config.udpPort, type: 'host', generation: 0, id: `${ufrag}1`, network: 0,
      },
      ...(config.tcpPort === undefined ? [] : [{
        foundation: '2', component: 1, protocol: 'tcp' as const, priority: TCP_PASSIVE_HOST_CANDIDATE_PRIORITY, ip: config.publicAddress,
        port: config.tcpPort, type: 'host' as const, tcpType: 'passive' as const, generation: 0, id: `${ufrag}2`, network: 0,
      }]),
    ],
    rtcpMux: true,
    webSocketUrl: colibriWebSocketUrl(config, meetingId, endpointId, pwd),
  };
}
