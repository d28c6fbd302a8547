// The web server's settings (PLENUM_WEB_*): where it listens, TLS, the URL people open, and the
// meeting settings an operator changes in `/config.js` (Jitsi's names, protocols.md §9).
import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { ConfigError, f, loadConfig } from '@plenum/kit/node';
import type { IceServerConfig, WebConfig } from '../shared/web-config.ts';
import { DEFAULT_WEB_CONFIG } from '../shared/web-config.ts';
import { parseDialInNumber } from './dial-in.ts';

const ICE_URL = /^(stun|stuns|turn|turns):[^\s,;'"]+$/;
const PUBLIC_URL = /^https?:\/\/[A-Za-z0-9.[\]:-]+(:\d{1,5})?\/?$/;
const d = DEFAULT_WEB_CONFIG;

export const webServerConfigSpec = {
  host: f.string(
    'Address to listen on. 127.0.0.1 (default) serves this machine only, where http://localhost is a secure context for camera and microphone; for other machines use 0.0.0.0 with TLS',
    '127.0.0.1',
  ),
  port: f.port('HTTP(S) port (0 = any free port)', 8080),
  publicUrl: f.string(
    'Origin people open, e.g. https://meet.example.com (no path). Empty: http(s)://localhost:<port> when listening on loopback, else http(s)://<host>:<port>. The bridge channel URL is advertised on this origin',
    '', { pattern: new RegExp(`^$|${PUBLIC_URL.source}`) },
  ),
  tls: {
    certFile: f.optionalString('PEM certificate (chain) file; with keyFile, the server speaks HTTPS'),
    keyFile: f.optionalString('PEM private key file for certFile'),
    selfSigned: f.bool('Serve HTTPS with a self-signed certificate made at start (a LAN trial: browsers ask to accept it, again after each restart)', false),
  },
  minify: f.bool('Minify the app bundle (source maps are served either way)', true),
  p2p: {
    enabled: f.bool('Direct peer-to-peer media for exactly two participants', d.p2p.enabled),
    stunServers: f.stringList('The operator\'s own STUN/TURN URLs (stun:host:3478, turns:host:443); none by default, never a third party\'s', []),
    turnUsername: f.optionalString('Username for the turn:/turns: URLs in p2p.stunServers'),
    turnCredential: f.optionalString('Credential for the turn:/turns: URLs in p2p.stunServers'),
  },
  iceTransportPolicy: f.oneOf('all: direct and relayed paths; relay: media only through the TURN servers the XMPP server hands out (XEP-0215), which also hides participants\' addresses from each other in peer-to-peer calls', ['all', 'relay'] as const, 'all'),
  channelLastN: f.int('Video streams the bridge forwards to each participant; -1 = all', d.channelLastN, { min: -1 }),
  bridgeChannel: {
    preferSctp: f.bool('Run the bridge channel over the media connection\'s SCTP data channel (as Jitsi\'s client prefers; it needs no HTTP path to the bridge, so docker-compose turns it on) rather than the bridge\'s WebSocket, which stays the fallback. Off by default: a Firefox-Chromium peer-to-peer call over it failed to show video in 1 of 7 test runs, under investigation', false),
  },
  resolution: f.int('Camera capture height in pixels', d.resolution, { min: 90, max: 2160 }),
  disableSimulcast: f.bool('Send one camera layer instead of three', d.disableSimulcast),
  prejoin: f.bool('Show the pre-join page (name, camera and microphone check) before joining', d.prejoinConfig.enabled),
  startWithAudioMuted: f.bool('Join with the microphone muted', d.startWithAudioMuted),
  startWithVideoMuted: f.bool('Join with the camera off', d.startWithVideoMuted),
  requireDisplayName: f.bool('A display name is required to join', d.requireDisplayName),
  enableWelcomePage: f.bool('Show the welcome page at / (Jitsi\'s enableWelcomePage)', d.enableWelcomePage),
  unsupportedBrowsers: f.stringList('Browsers refused with a page naming the supported ones (firefox, chromium, safari, …)', d.unsupportedBrowsers),
  appName: f.string('Name shown in the title bar and on the welcome page', d.appName),
  hiddenDomain: f.optionalString('XMPP domain of the recorders (config.js hiddenDomain): Jitsi\'s own clients hide occupants whose real JID is on it; npm start sets its recorder\'s domain. Plenum\'s app hides recorders by their jibri feature either way'),
  e2ee: {
    default: f.bool('Rooms created while this is on start end-to-end encrypted (config.js e2ee.enabledByDefault); moderators can still turn it off', false),
  },
  dialIn: {
    numbers: f.stringList('Phone numbers callers dial, as COUNTRY:NUMBER[:toll-free] (US:+1 555 0100); with any, config.js gets dialInNumbersUrl/dialInConfCodeUrl and the invite dialog shows number and PIN', []),
    mapperUrl: f.optionalString('A focus status server\'s /dial-in/code (http://focus-host:8889/dial-in/code) for PIN lookups in a split deployment; npm start answers them in-process'),
    lookupTimeoutMs: f.int('how long a PIN lookup at the mapper may take', 3_000, { min: 100 }),
  },
  log: {
    level: f.oneOf('log level (when run without an embedding logger)', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  },
};

export type WebServerConfig = ConfigOf<typeof webServerConfigSpec>;

/** Loads and validates the web server's settings (defaults, file values, explicit values, PLENUM_WEB_*). */
export function loadWebServerConfig(sources: ConfigSources = {}): WebServerConfig {
  const config = loadConfig('PLENUM_WEB_', webServerConfigSpec, sources);
  const problems = checkConfig(config);
  // The same error type as loadConfig's, so runService prints every problem and exits 2.
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

// loadConfig reports per-field problems; these span fields or need a pattern on list items.
function checkConfig(c: WebServerConfig): string[] {
  const problems: string[] = [];
  for (const url of c.p2p.stunServers) if (!ICE_URL.test(url)) problems.push(`p2p.stunServers: ${url} is not a stun:, stuns:, turn: or turns: URL`);
  if ((c.tls.certFile === undefined) !== (c.tls.keyFile === undefined)) problems.push('tls: certFile and keyFile go together');
  if (c.tls.certFile !== undefined && c.tls.selfSigned) problems.push('tls: either certificate files or selfSigned, not both');
  for (const n of c.dialIn.numbers) if (parseDialInNumber(n) === undefined) problems.push(`dialIn.numbers: ${n} is not COUNTRY:NUMBER[:toll-free]`);
  if (c.dialIn.mapperUrl !== undefined && !/^https?:\/\/\S+$/.test(c.dialIn.mapperUrl)) problems.push('dialIn.mapperUrl: expected an http(s) URL');
  return problems;
}

/** Whether the server speaks HTTPS with these settings. */
export const isTls = (c: WebServerConfig): boolean => c.tls.selfSigned || c.tls.certFile !== undefined;

/** The operator's ICE servers in RTCPeerConnection form, credentials attached to the TURN ones. */
export function iceServers(c: WebServerConfig): IceServerConfig[] {
  return c.p2p.stunServers.map((url) => {
    const isTurn = url.startsWith('turn');
    return isTurn && c.p2p.turnUsername !== undefined && c.p2p.turnCredential !== undefined
      ? { urls: url, username: c.p2p.turnUsername, credential: c.p2p.turnCredential }
      : { urls: url };
  });
}

/** The operator's part of `/config.js` (everything but the per-request `websocket` URL). */
export function operatorWebConfig(c: WebServerConfig, hosts: WebConfig['hosts']): Omit<WebConfig, 'websocket'> {
  return {
    hosts,
    p2p: { enabled: c.p2p.enabled, stunServers: iceServers(c) },
    ...(c.iceTransportPolicy === 'relay' ? { iceTransportPolicy: 'relay' as const } : {}),
    channelLastN: c.channelLastN,
    bridgeChannel: { preferSctp: c.bridgeChannel.preferSctp },
    resolution: c.resolution,
    disableSimulcast: c.disableSimulcast,
    prejoinConfig: { enabled: c.prejoin },
    startWithAudioMuted: c.startWithAudioMuted,
    startWithVideoMuted: c.startWithVideoMuted,
    requireDisplayName: c.requireDisplayName,
    enableWelcomePage: c.enableWelcomePage,
    unsupportedBrowsers: c.unsupportedBrowsers.map((b) => b.toLowerCase()),
    appName: c.appName,
    ...(c.hiddenDomain !== undefined ? { hiddenDomain: c.hiddenDomain } : {}),
    e2ee: { enabledByDefault: c.e2ee.default },
    ...(c.dialIn.numbers.length > 0 ? { dialInNumbersUrl: '/dial-in/numbers', dialInConfCodeUrl: '/dial-in/code' } : {}),
  };
}
