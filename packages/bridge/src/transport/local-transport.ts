// What the bridge offers an endpoint (protocols.md §3, §10): ICE credentials, the DTLS fingerprint
// with setup=actpass, one host candidate on the public UDP port, rtcp-mux, and the bridge-channel
// WebSocket URL whose `pwd` is the ICE password (JVB Endpoint.describeTransport). Pure: randomness
// comes in. Until the media plane lands nothing listens on the UDP port.
import type { IceUdpTransport } from '@plenum/xmpp/codec';

/** Where and how the bridge can be reached. */
export type LocalTransportConfig = {
  readonly bridgeId: string;
  readonly publicAddress: string;
  readonly udpPort: number;
  /** ws(s)://host[:port], no path. */
  readonly webSocketBaseUrl: string;
  readonly fingerprint: { readonly hash: string; readonly value: string };
};

/** Random ICE characters (RFC 8445 §5.3 ice-char is ALPHA / DIGIT / "+" / "/"; alphanumerics keep URLs clean). */
export type RandomText = (length: number) => string;

/** RFC 8445 §5.1.2.1 priority of a host candidate: type preference 126, local preference 65535, component 1. */
export const HOST_CANDIDATE_PRIORITY = 126 * 2 ** 24 + 65535 * 2 ** 8 + (256 - 1);

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
    candidates: [{
      foundation: '1', component: 1, protocol: 'udp', priority: HOST_CANDIDATE_PRIORITY, ip: config.publicAddress,
      port: config.udpPort, type: 'host', generation: 0, id: `${ufrag}1`, network: 0,
    }],
    rtcpMux: true,
    webSocketUrl: colibriWebSocketUrl(config, meetingId, endpointId, pwd),
  };
}
