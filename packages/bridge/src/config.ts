// The bridge's configuration (style C13): one schema, validated at boot, units in the key names.
// File keys are nested as shown; the environment spells them PLENUM_BRIDGE_ + upper snake case
// (`xmpp.breweryJid` → PLENUM_BRIDGE_XMPP_BREWERY_JID).
import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { ConfigError, f, loadConfig } from '@plenum/kit/node';

const DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const BARE_JID = /^[^@/\s]+@[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const ID = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** Every setting of the bridge. */
export const bridgeConfigSpec = {
  id: f.optionalString('bridge id (a-z, 0-9, -): component subdomain label jvb-<id>, brewery nickname and colibri-ws server id; random at each start when unset'),
  xmpp: {
    host: f.string('XMPP server address for the component connection (XEP-0114)', '127.0.0.1'),
    port: f.port('XMPP server component port', 5347),
    domain: f.optionalString('exact component domain; default jvb-<id>.<xmpp.domainSuffix> (the server admits *.<suffix>)'),
    domainSuffix: f.string('parent of the per-bridge component domains', 'bridge.plenum.localhost', { pattern: DOMAIN }),
    secret: f.optionalString('component shared secret (required; the server\'s `<domain>=<secret>` or `*.<suffix>=<secret>`)'),
    breweryJid: f.string('MUC room where bridges announce themselves and the focus finds them', 'jvbbrewery@internal.plenum.localhost', { pattern: BARE_JID }),
    nickname: f.optionalString('nickname in the brewery; default jvb-<id>'),
    focusAllowed: f.stringList('domains or bare JIDs whose COLIBRI2 requests are obeyed (see README: authorisation)', ['focus.plenum.localhost']),
    reconnectDelayMs: f.int('wait before reconnecting to the XMPP server after the connection dropped', 1000, { min: 100 }),
  },
  region: f.optionalString('region published in stats (region-based bridge selection)'),
  relayId: f.optionalString('relay_id published in stats; cascading (COLIBRI2 relays) is not implemented yet, so leave it unset'),
  statsIntervalMs: f.int('how often the brewery presence re-publishes stats (Jitsi: 5 s)', 5000, { min: 100 }),
  maxEndpoints: f.int('endpoints this bridge hosts in total (one of the stress terms: endpoints / maxEndpoints); more are refused with resource-constraint', 200, { min: 1 }),
  stress: {
    capacityPacketsPerSecond: f.int('RTP packets per second, received + sent, at which the packet-rate stress term is 1 (default: ≈ 80 % of one core in docs/benchmarks.md; see README: stress)', 40_000, { min: 1 }),
    cpuThresholdPercent: f.int('process CPU, percent of one core, at which the CPU stress term is 1; measured only in the standalone bridge process (main.ts)', 90, { min: 1, max: 10_000 }),
    windowMs: f.int('packet rate and CPU are averaged over this much history', 5000, { min: 1000, max: 60_000 }),
  },
  emptyConferenceTimeoutMs: f.int('a conference created without endpoints is expired after this long', 60_000, { min: 1000 }),
  drain: f.bool('start draining: the focus prefers other bridges for new conferences', false),
  gracefulShutdown: f.bool('start in graceful shutdown: no new conferences (GRACEFUL_SHUTDOWN), existing ones continue', false),
  http: {
    host: f.string('address the stats/health HTTP listener binds', '127.0.0.1'),
    port: f.port('stats/health HTTP port (0 = pick a free one)', 8089),
  },
  public: {
    address: f.string('address advertised as the ICE host candidate (the public or NAT-mapped address; no STUN discovery)', '127.0.0.1'),
    udpPort: f.port('UDP port the media socket binds and advertises for ICE, one port for every endpoint (Jitsi: 10000); 0 picks a free one', 10000),
    tcpPort: f.port('TCP port the ICE-TCP listener binds and advertises (a passive host candidate) when tcp.enabled (Jitsi\'s docker setup: 4443); 0 picks a free one', 4443),
    webSocketBaseUrl: f.optionalString('public base URL of the bridge channel, e.g. wss://meet.example.com (no path); default ws://<http.host>:<http port>'),
  },
  udp: {
    host: f.string('address the media UDP socket binds (0.0.0.0 or :: for every interface)', '127.0.0.1'),
    batchIntervalMs: f.int('endpoints whose allocation carries the plenum-batched-delivery capability (recorders, SIP gateways: latency-tolerant) get their RTP in one burst this often instead of packet by packet, so they wake once per burst; 0 = send every packet at once', 20, { min: 0, max: 100 }),
  },
  tcp: {
    enabled: f.bool('accept ICE-TCP (RFC 6544) on public.tcpPort: the fallback for clients whose UDP is blocked (see README: TCP fallback)', false),
    host: f.string('address the ICE-TCP listener binds (0.0.0.0 or :: for every interface)', '127.0.0.1'),
    authTimeoutMs: f.int('an ICE-TCP connection without a valid connectivity check this long after it opened is closed', 5000, { min: 100 }),
    maxPendingConnections: f.int('ICE-TCP connections awaiting their first valid check; beyond this the oldest is closed', 64, { min: 1 }),
  },
  sctp: {
    maxChannels: f.int('SCTP data channels one endpoint may have open at once (lib-jitsi-meet opens one, the bridge channel); a further DATA_CHANNEL_OPEN is refused', 4, { min: 1, max: 64 }),
    maxMessageBytes: f.int('largest message an endpoint may send on a data channel, bytes; larger closes that channel', 64 * 1024, { min: 1024, max: 1024 * 1024 }),
  },
  bwe: {
    initialBps: f.int('where each receiver\'s bandwidth estimate starts once its first transport-cc feedback (or REMB) arrives, bit/s; before that, layer choice is not limited by bandwidth', 2_500_000, { min: 30_000 }),
    minBps: f.int('the lowest bandwidth estimate, bit/s', 30_000, { min: 1000 }),
    maxBps: f.int('the highest bandwidth estimate, bit/s', 20_000_000, { min: 30_000 }),
  },
  ice: {
    consentTimeoutMs: f.int('an endpoint without a valid ICE connectivity check for this long is expired (RFC 7675 consent freshness); also the deadline for DTLS after its first check', 30_000, { min: 100 }),
  },
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  },
};

/** The frozen configuration object. */
export type BridgeConfig = ConfigOf<typeof bridgeConfigSpec>;

/** Loads the configuration from defaults, a JSON file, explicit values and PLENUM_BRIDGE_* variables. */
export function loadBridgeConfig(sources: ConfigSources = {}): BridgeConfig {
  const config = loadConfig('PLENUM_BRIDGE_', bridgeConfigSpec, sources);
  const problems: string[] = [];
  if (config.xmpp.secret === undefined) problems.push('xmpp.secret: required (PLENUM_BRIDGE_XMPP_SECRET)');
  if (config.id !== undefined && !ID.test(config.id)) problems.push(`id: must match ${String(ID)}`);
  if (config.xmpp.domain !== undefined && !DOMAIN.test(config.xmpp.domain)) problems.push(`xmpp.domain: does not match ${String(DOMAIN)}`);
  if (config.public.webSocketBaseUrl !== undefined && !/^wss?:\/\/[^/?#]+$/.test(config.public.webSocketBaseUrl)) {
    problems.push('public.webSocketBaseUrl: expected ws://host[:port] or wss://host[:port] without a path');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
