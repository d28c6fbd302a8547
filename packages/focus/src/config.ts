import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { f, loadConfig } from '@plenum/kit/node';

const DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const BARE_JID = /^[^@/\s]+@[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * Every setting of the focus. File keys are nested as shown; the environment spells them
 * `PLENUM_FOCUS_` + upper snake case (`limits.maxConferences` → `PLENUM_FOCUS_LIMITS_MAX_CONFERENCES`).
 */
export const focusConfigSpec = {
  domain: f.string('XMPP domain clients log into (local accounts and token users live here)', 'plenum.localhost', { pattern: DOMAIN }),
  guestDomain: f.optionalString('domain of anonymous guests on a secure domain (protocols.md §8.2); its users never count as authenticated'),
  mucDomain: f.string('MUC service of conference rooms; conference requests for other domains are refused', 'conference.plenum.localhost', { pattern: DOMAIN }),
  component: {
    domain: f.string('the focus component domain clients address (focusjid)', 'focus.plenum.localhost', { pattern: DOMAIN }),
    host: f.string('XMPP server address for the XEP-0114 connection', '127.0.0.1'),
    port: f.port('XMPP server component port', 5347),
    secret: f.string('XEP-0114 shared secret (the server\'s components.secrets entry for the domain)', ''),
    nick: f.string('nickname of the focus in rooms and the brewery (Jitsi clients expect "focus")', 'focus'),
    reconnectMaxDelayMs: f.int('longest wait between reconnection attempts', 30_000, { min: 100 }),
  },
  bridges: {
    breweryJid: f.string('MUC room where bridges announce themselves with stats', 'jvbbrewery@internal.plenum.localhost', { pattern: BARE_JID }),
    stressThreshold: f.int('corrected stress in percent at which a bridge counts as overloaded (a warning when every usable bridge is)', 80, { min: 1, max: 1000 }),
    averageParticipantStressPermille: f.int('assumed stress per endpoint in ‰ until a bridge reports average_participant_stress', 10, { min: 0, max: 1000 }),
    participantRampupMs: f.int('how long a newly placed endpoint counts towards a bridge\'s corrected stress', 20_000, { min: 0 }),
    maxParticipantsPerBridge: f.int('participants of one conference on one bridge (without cascading: per conference)', 80, { min: 1 }),
    healthTimeoutMs: f.int('a bridge silent for this long (no stats presence) is treated as unhealthy', 45_000, { min: 1_000 }),
    failureResetMs: f.int('a bridge that failed a COLIBRI2 request is avoided for this long', 60_000, { min: 0 }),
    requestTimeoutMs: f.int('COLIBRI2 request timeout', 10_000, { min: 100 }),
    healthCheckIntervalMs: f.int('how often each bridge gets a healthcheck IQ (Jicofo: 10 s); 0 = presence only (a hung bridge is then found after healthTimeoutMs)', 1_000, { min: 0 }),
    healthCheckTimeoutMs: f.int('how long a bridge may take to answer a health check', 1_200, { min: 100 }),
    healthCheckRetries: f.int('health checks repeated at once after a timeout before the bridge counts as down', 1, { min: 0, max: 10 }),
  },
  moderation: {
    policy: f.oneOf('who becomes moderator: the first participant (auto-owner) or authenticated users (authenticated)', ['auto-owner', 'authenticated'] as const, 'auto-owner'),
    jwtModeratorClaim: f.bool('with policy=authenticated: token users are moderators only when context.user.moderator is true (local accounts are not moderators then)', false),
    trustedServiceDomains: f.stringList('domains whose occupants announcing jibri/jigasi features count as services (never elected moderator)', []),
  },
  auth: {
    requireAuthenticationToStart: f.bool('only authenticated users (local accounts, token users) may start a conference; guests wait (protocols.md §8.2)', false),
    jwt: {
      enabled: f.bool('verify the token attribute of conference requests (same settings as the XMPP server\'s auth.jwt)', false),
      appId: f.string('expected issuer when acceptedIssuers is empty', ''),
      algorithm: f.oneOf('the only JWT algorithm accepted', ['HS256', 'RS256'] as const, 'HS256'),
      secret: f.optionalString('HS256 shared secret'),
      publicKeyFile: f.optionalString('RS256 public key (PEM)'),
      acceptedIssuers: f.stringList('accepted iss claims (default: [appId])', []),
      acceptedAudiences: f.stringList('accepted aud claims; "*" accepts any', ['*']),
      requireRoomClaim: f.bool('a token must name the room (or "*")', true),
      allowEmptyToken: f.bool('unused by the focus; accepted so one auth.jwt section fits both', false),
      clockSkewSeconds: f.int('tolerance for exp/nbf', 60, { min: 0, max: 3600 }),
    },
  },
  limits: {
    maxConferences: f.int('conferences this focus runs at once', 1_000, { min: 1 }),
    maxParticipantsPerConference: f.int('participants of one conference', 100, { min: 1 }),
    joinRatePerSecond: f.int('conference requests per second and conference (token bucket refill)', 5, { min: 1 }),
    joinBurst: f.int('conference requests one conference accepts at once', 20, { min: 1 }),
    maxSsrcsPerEndpoint: f.int('SSRCs one participant may announce', 20, { min: 1, max: 1000 }),
    maxGroupsPerEndpoint: f.int('SSRC groups one participant may announce', 20, { min: 1, max: 1000 }),
    emptyConferenceTimeoutMs: f.int('a conference nobody joins within this time ends', 30_000, { min: 1_000 }),
  },
  jingle: {
    requestTimeoutMs: f.int('how long a participant may take to acknowledge a Jingle IQ', 10_000, { min: 100 }),
    discoTimeoutMs: f.int('how long to wait for a participant\'s disco#info (features) before offering the defaults', 3_000, { min: 100 }),
    sourceSignalingDelayMs: f.int('source-add/-remove to other participants are batched for this long', 200, { min: 0, max: 10_000 }),
    restartMinIntervalMs: f.int('a participant may ask for a fresh session at most this often', 5_000, { min: 0 }),
    restartsPerMinute: f.int('fresh sessions one participant may ask for per minute', 5, { min: 1 }),
    offerOpusRed: f.bool('offer opus RED (payload type 112) to clients that support it', false),
  },
  recording: {
    enabled: f.bool('answer moderators\' jibri start/stop IQs with recorders from the jibri brewery (protocols.md §6)', true),
    breweryJid: f.string('MUC room where recorders announce themselves with idle/busy status', 'jibribrewery@internal.plenum.localhost', { pattern: BARE_JID }),
    requestTimeoutMs: f.int('how long a recorder may take to acknowledge a start or stop', 10_000, { min: 100 }),
  },
  dialOut: {
    enabled: f.bool('route moderators\' Rayo dial IQs to SIP gateways from the jigasi brewery (protocols.md §7)', true),
    breweryJid: f.string('MUC room where SIP gateways announce themselves with stats', 'jigasibrewery@internal.plenum.localhost', { pattern: BARE_JID }),
    requestTimeoutMs: f.int('how long a gateway may take to answer a dial', 15_000, { min: 100 }),
    retries: f.int('other gateways tried after one refused a dial', 2, { min: 0, max: 10 }),
  },
  dialIn: {
    enabled: f.bool('give every conference a dial-in PIN and answer PIN lookups from trusted SIP gateways (urn:plenum:dial-in:0)', true),
    pinDigits: f.int('digits of a dial-in PIN (the first is never 0)', 8, { min: 4, max: 12 }),
    pinLookupsPerSecond: f.int('PIN lookups per second from all gateways together (token bucket refill)', 20, { min: 1 }),
    pinLookupBurst: f.int('PIN lookups accepted at once', 50, { min: 1 }),
    roomLookupsPerSecond: f.int('lookups of a room\'s PIN per second (occupants and GET /dial-in/code together)', 20, { min: 1 }),
    roomLookupBurst: f.int('room PIN lookups accepted at once', 50, { min: 1 }),
  },
  redis: {
    url: f.optionalString('Redis holding the state focus instances share (redis://host:port): with it, conferences are leased and a standby focus takes over; empty: state in memory, one focus (docs/deployment.md)'),
    keyPrefix: f.string('prefix of the focus keys in Redis', 'plenum:focus:'),
    leaseMs: f.int('a conference\'s lease: a focus that died loses its conferences to another instance after this long', 3_000, { min: 500, max: 60_000 }),
    commandTimeoutMs: f.int('a Redis command slower than this fails and the focus goes on from memory', 1_000, { min: 50 }),
  },
  instanceId: f.optionalString('this focus instance in conference leases; give it a stable value so a restarted focus resumes its conferences at once (default: random, they are resumed when their lease expires)'),
  http: {
    enabled: f.bool('serve GET /stats and /about/health for operators (plenum status), and GET /dial-in/code?conference= for the web server (dialIn.enabled)', false),
    host: f.string('address of the status endpoint (keep it on loopback or a private network: it lists room names)', '127.0.0.1'),
    port: f.port('port of the status endpoint (0: any free port)', 8889),
  },
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  },
} as const;

/** The validated, frozen focus configuration. */
export type FocusConfig = ConfigOf<typeof focusConfigSpec>;

/** Loads the configuration from defaults, an optional JSON file, explicit values and PLENUM_FOCUS_* variables. */
export const loadFocusConfig = (sources: ConfigSources = {}): FocusConfig => loadConfig('PLENUM_FOCUS_', focusConfigSpec, sources);
