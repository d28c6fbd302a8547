// The SIP gateway's configuration (style C13). File keys are nested as shown; the environment spells
// them PLENUM_SIP_ + upper snake case (`dialIn.maxPinAttempts` → PLENUM_SIP_DIAL_IN_MAX_PIN_ATTEMPTS).
import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { f, loadConfig } from '@plenum/kit/node';

const DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const BARE_JID = /^[^@/\s]+@[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const NICK = /^[a-z0-9][a-z0-9-]{0,30}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const SIP_URI = /^sips?:[^\s]+$/i;

export const sipGatewayConfigSpec = {
  enabled: f.bool('run the gateway in npm start (the standalone gateway ignores it)', true),
  component: {
    domain: f.string('the gateway\'s component domain; the focus must trust it (moderation.trustedServiceDomains) and the lobby whitelist it', 'sip.plenum.localhost', { pattern: DOMAIN }),
    host: f.string('XMPP server address for the XEP-0114 connection', '127.0.0.1'),
    port: f.port('XMPP server component port', 5347),
    secret: f.string('XEP-0114 shared secret (the server\'s components.secrets entry for the domain)', ''),
    reconnectMaxDelayMs: f.int('longest wait between reconnection attempts', 30_000, { min: 100 }),
  },
  nick: f.string('nickname in the jigasi brewery (unique per gateway)', 'sip-gateway-1', { pattern: NICK }),
  breweryJid: f.string('MUC room where gateways announce their load to the focus (Jitsi JigasiBrewery)', 'jigasibrewery@internal.plenum.localhost', { pattern: BARE_JID }),
  focusNick: f.string('the focus\'s nickname in the brewery and in rooms (dial IQs must come from it)', 'focus'),
  focusDomain: f.string('the focus component (PIN look-ups go there; dial IQs may also come from it directly)', 'focus.plenum.localhost', { pattern: DOMAIN }),
  mucDomain: f.string('conference MUC domain: a bare room name in a header or a PIN result means <name>@<mucDomain>', 'conference.plenum.localhost', { pattern: DOMAIN }),
  region: f.optionalString('region announced in the brewery (the focus prefers gateways in the caller\'s region)'),
  maxCalls: f.int('calls in progress at once (dial-in and dial-out); more INVITEs get 503 and dial IQs resource-constraint', 100, { min: 1 }),
  sip: {
    host: f.string('address the SIP user agent binds (UDP and TCP)', '127.0.0.1'),
    port: f.port('SIP port (UDP and TCP)', 5060),
    udp: f.bool('listen on UDP', true),
    tcp: f.bool('listen on TCP', true),
    publicHost: f.optionalString('host name or address written in Via/Contact when the gateway is behind NAT (default: host)'),
    inboundAllowList: f.stringList('IPv4 addresses or CIDRs allowed to send INVITEs (a trunk or PBX); empty: anyone', []),
    maxMessageBytes: f.int('largest SIP message accepted', 16 * 1024, { min: 1024 }),
    invitesPerSecond: f.int('new INVITEs accepted per second over all sources; beyond → 503 Retry-After', 50, { min: 1 }),
    sessionExpiresSeconds: f.int('RFC 4028 session interval offered and accepted (Min-SE 90)', 1800, { min: 90 }),
    userAgent: f.string('User-Agent / Server header', 'Plenum'),
  },
  rtp: {
    host: f.string('address the phone-side RTP sockets bind (and write in SDP)', '127.0.0.1'),
    publicHost: f.optionalString('address written in SDP c= lines when behind NAT (default: host)'),
    portMin: f.port('lowest RTP port', 20_000),
    portMax: f.port('highest RTP port', 29_999),
    codecs: f.stringList('phone codecs in order of preference (opus, G722, PCMU, PCMA)', ['opus', 'G722', 'PCMU', 'PCMA']),
    srtp: f.oneOf('SRTP-SDES policy: off (plain RTP only), optional (SRTP when the phone offers it), required (refuse plain RTP with 488)', ['off', 'optional', 'required'] as const, 'optional'),
    jitterBufferMs: f.int('phone-side jitter buffer depth', 60, { min: 20, max: 1000 }),
  },
  conferenceAudio: {
    loudestTalkers: f.int('talkers a phone hears at once: the loudest by their RFC 6464 levels, faded in and out as they change (0: everyone; each costs one Opus decode per 20 ms)', 3, { min: 0, max: 16 }),
    encoderComplexity: f.int('libopus complexity (0-10) for the callers\' audio while the gateway has CPU to spare', 5, { min: 0, max: 10 }),
    encoderComplexityUnderLoad: f.int('libopus complexity while the gateway is busy: 1 costs less than half of 5 per frame (bench/sip/codec-cost.ts) for a little less noise shaping on a phone line\'s narrow band; equal to encoderComplexity: never switch', 1, { min: 0, max: 10 }),
    busyAbovePercent: f.int('event-loop utilization (percent, sampled each second) from which the gateway counts as busy and encodes at encoderComplexityUnderLoad', 60, { min: 1, max: 100 }),
    calmBelowPercent: f.int('event-loop utilization (percent) at or below which a second counts as calm; five calm seconds in a row bring encoderComplexity back', 40, { min: 0, max: 100 }),
    batchedDelivery: f.bool('ask the bridge to send each call the conference\'s audio in one burst per interval (the bridge\'s udp.batchIntervalMs, 20 ms by default) instead of packet by packet: the gateway wakes once per burst, about 15 % less CPU per call (docs/benchmarks.md), for a wait of half the interval on average in what the phone hears', true),
  },
  dialIn: {
    roomHeader: f.string('INVITE header naming the room: a bare room name or a full room JID (Jitsi: Jitsi-Conference-Room)', 'Jitsi-Conference-Room', { pattern: HEADER_NAME }),
    passwordHeader: f.string('INVITE header carrying the room password', 'Jitsi-Conference-Room-Pass', { pattern: HEADER_NAME }),
    defaultRoom: f.optionalString('room for INVITEs without the room header (bare name or room JID); unset: such callers are asked for a PIN'),
    pinEnabled: f.bool('ask callers without a room header for the meeting PIN (off: such INVITEs get 404)', true),
    maxPinDigits: f.int('digits collected before the PIN counts as entered even without #', 12, { min: 4, max: 16 }),
    maxPinAttempts: f.int('wrong PINs before the gateway says goodbye and hangs up', 3, { min: 1, max: 10 }),
    pinTimeoutMs: f.int('how long the caller may take to enter a PIN (from the end of the prompt)', 30_000, { min: 1_000 }),
    callerId: f.oneOf('how a caller is named in the room: masked ("Phone •••• 67"), full (the number as the trunk sent it), or anonymous ("Phone")', ['masked', 'full', 'anonymous'] as const, 'masked'),
  },
  dialOut: {
    trunkUri: f.optionalString('SIP URI of the trunk or PBX outbound calls go through (sip:host[:port][;transport=tcp]); unset: dial the sip: URI directly'),
    username: f.optionalString('digest username for a trunk that challenges'),
    password: f.optionalString('digest password for a trunk that challenges'),
    fromUri: f.string('From URI of outbound calls', 'sip:plenum@plenum.localhost', { pattern: SIP_URI }),
    ringTimeoutMs: f.int('how long an outbound call may ring before it is cancelled', 60_000, { min: 1_000 }),
  },
  joinTimeoutMs: f.int('how long joining the room (focus, MUC, media) may take', 20_000, { min: 1_000 }),
  drainTimeoutMs: f.int('on SIGTERM (standalone gateway): how long running calls may go on, with no new ones taken, before the rest are hung up', 60_000, { min: 0 }),
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    phoneNumbers: f.bool('include phone numbers and SIP URIs in logs (off for privacy; call ids are always logged)', false),
  },
} as const;

export type SipGatewayConfig = ConfigOf<typeof sipGatewayConfigSpec>;

export const loadSipGatewayConfig = (sources: ConfigSources = {}): SipGatewayConfig => loadConfig('PLENUM_SIP_', sipGatewayConfigSpec, sources);
