import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { f, loadConfig } from '@plenum/kit/node';

const DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const LOBBY_DOMAIN = /^$|^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * Every setting of the XMPP server. File keys are nested as shown; the environment spells them
 * `PLENUM_XMPP_` + upper snake case (`limits.maxStanzaBytes` → `PLENUM_XMPP_LIMITS_MAX_STANZA_BYTES`).
 */
export const xmppConfigSpec = {
  domain: f.string('XMPP domain users log into', 'plenum.localhost', { pattern: DOMAIN }),
  mucDomain: f.string('MUC service for conference rooms', 'conference.plenum.localhost', { pattern: DOMAIN }),
  internalMucDomain: f.string('MUC service for component breweries (bridges, recorders, gateways)', 'internal.plenum.localhost', { pattern: DOMAIN }),
  tcp: {
    enabled: f.bool('accept client streams over TCP (RFC 6120)', true),
    host: f.string('address the client TCP listener binds', '127.0.0.1'),
    port: f.port('client TCP port (0 = pick a free one)', 5222),
  },
  components: {
    enabled: f.bool('accept XEP-0114 external components', true),
    host: f.string('address the component listener binds', '127.0.0.1'),
    port: f.port('component port (0 = pick a free one)', 5347),
    secrets: f.stringList('component shared secrets as `domain=secret` pairs; `*.bridge.example.com=secret` admits any one-label subdomain (scaled-out bridges)', []),
    holdRoomsOf: f.stringList('component domains (the focus: focus.<domain>) whose room occupancies outlive a dropped connection for holdRoomsSeconds, so a standby or reconnecting instance rejoins without anyone seeing it leave (Jitsi\'s client ends the meeting when the focus leaves)', []),
    holdRoomsSeconds: f.int('how long a dropped component\'s rooms are held for it', 10, { min: 1, max: 300 }),
  },
  http: {
    host: f.string('address the HTTP/WebSocket listener binds', '127.0.0.1'),
    port: f.port('HTTP port serving /xmpp-websocket (0 = pick a free one)', 8080),
    websocketPath: f.string('path of the RFC 7395 WebSocket endpoint', '/xmpp-websocket'),
  },
  tls: {
    certFile: f.optionalString('PEM certificate; enables STARTTLS on client TCP when set with keyFile'),
    keyFile: f.optionalString('PEM private key for certFile'),
    requireForPlain: f.bool('refuse SASL PLAIN over TCP before STARTTLS', true),
  },
  auth: {
    anonymous: f.bool('allow SASL ANONYMOUS (guests) on the main domain', true),
    guestDomain: f.optionalString('separate domain for anonymous guests when the main domain requires login (Jitsi hosts.anonymousdomain)'),
    localUsers: f.bool('allow PLAIN and SCRAM-SHA-1/256 logins for accounts in the user store', true),
    usersFile: f.string('JSON file holding local accounts (scrypt and SCRAM hashes, never passwords)', '.data/users.json'),
    jwt: {
      enabled: f.bool('require a JWT (?token= on the WebSocket URL) for logins on the main domain', false),
      appId: f.string('expected issuer when acceptedIssuers is empty (Jitsi app_id)', ''),
      algorithm: f.oneOf('the only JWT algorithm accepted (pinned; alg:none is always refused)', ['HS256', 'RS256'] as const, 'HS256'),
      secret: f.optionalString('HS256 shared secret (Jitsi app_secret)'),
      publicKeyFile: f.optionalString('RS256 public key (PEM)'),
      acceptedIssuers: f.stringList('accepted iss claims (default: [appId])', []),
      acceptedAudiences: f.stringList('accepted aud claims; "*" accepts any', ['*']),
      requireRoomClaim: f.bool('a token must name the room (or "*") it may join', true),
      allowEmptyToken: f.bool('with JWT enabled, let logins without a token in as plain guests', false),
      clockSkewSeconds: f.int('tolerance for exp/nbf', 60, { min: 0, max: 3600 }),
    },
  },
  muc: {
    restrictRoomCreation: f.bool('only admins (the focus) may create rooms; guests get an error telling them to ask the focus', true),
    admins: f.stringList('JIDs or domains that are MUC admins everywhere and may create rooms', ['focus.plenum.localhost']),
    internalAllowed: f.stringList('JIDs or domains (beyond components) allowed into the internal MUC', []),
    lockNewRooms: f.bool('XEP-0045 §10.1.3 room locking until configured (off, like Jitsi)', false),
    maxRooms: f.int('rooms per MUC service', 10_000, { min: 1 }),
    maxOccupantsPerRoom: f.int('default and upper bound of occupants per room', 500, { min: 1 }),
    maxHistoryMessages: f.int('groupchat messages replayed to new occupants', 0, { min: 0, max: 100 }),
  },
  lobby: {
    enabled: f.bool('run the lobby MUC (Jitsi mod_muc_lobby_rooms): when a moderator makes a room members-only, non-members knock and wait to be admitted', true),
    mucDomain: f.string('lobby MUC domain; empty means lobby.<domain>', '', { pattern: LOBBY_DOMAIN }),
    whitelist: f.stringList('domains or bare JIDs that skip the lobby, e.g. the recorder or SIP gateway (Jitsi muc_lobby_whitelist)', []),
    maxKnockersPerRoom: f.int('people waiting in one lobby at once; more get 503 from the lobby room', 100, { min: 1 }),
    requireDisplayName: f.bool('knockers must send a display name (<nick>) before they are sent to the lobby (Jitsi muc_lobby_check_display_name_required)', true),
  },
  limits: {
    maxStanzaBytes: f.int('largest client stanza in bytes', 256 * 1024, { min: 1024 }),
    componentMaxStanzaBytes: f.int('largest component stanza in bytes', 10 * 1024 * 1024, { min: 1024 }),
    bytesPerSecond: f.int('sustained client input rate; faster senders are slowed down (0 = unlimited)', 512 * 1024, { min: 0 }),
    stanzasPerSecond: f.int('sustained client stanza rate before policy-violation (0 = unlimited)', 100, { min: 0 }),
    stanzaBurst: f.int('stanzas a client may send at once above the sustained rate', 500, { min: 1 }),
    connectionsPerIp: f.int('simultaneous connections from one address (NATs hide many users behind one)', 200, { min: 1 }),
    sessionsPerUser: f.int('simultaneous resources of one local account', 10, { min: 1 }),
    idleTimeoutSeconds: f.int('close streams silent for this long (clients ping every ~10 s)', 300, { min: 5 }),
    authTimeoutSeconds: f.int('close streams that have not authenticated in this time', 30, { min: 1 }),
  },
  streamManagement: {
    enabled: f.bool('offer XEP-0198 stream management with resumption', true),
    resumeTimeoutSeconds: f.int('how long a broken session waits to be resumed', 60, { min: 1, max: 3600 }),
    maxUnacked: f.int('unacknowledged stanzas kept for a session before it is closed', 1000, { min: 10 }),
  },
  turn: {
    host: f.string('TURN server host name or address handed to clients by XEP-0215 external service discovery (coturn in docker-compose.yml); empty: none', ''),
    port: f.port('TURN (and STUN) port, UDP and TCP', 3478),
    udp: f.bool('offer TURN over UDP', true),
    tcp: f.bool('offer TURN over TCP (for networks that block UDP)', true),
    tlsPort: f.int('TURN over TLS port (turns:, e.g. 443 or 5349, for networks that allow only TLS); 0: none', 0, { min: 0, max: 65535 }),
    secret: f.string('secret shared with the TURN server (coturn static-auth-secret): short-lived credentials are minted per request, TURN REST API style', ''),
    ttlSeconds: f.int('lifetime of the minted TURN credentials', 86_400, { min: 60 }),
    stun: f.bool('offer the TURN server as a STUN server too', true),
  },
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    ipAddresses: f.bool('include client IP addresses in logs (off for privacy)', false),
  },
} as const;

/** The validated, frozen server configuration. */
export type XmppConfig = ConfigOf<typeof xmppConfigSpec>;

/** Loads the configuration from defaults, an optional JSON file, explicit values and PLENUM_XMPP_* variables. */
export const loadXmppConfig = (sources: ConfigSources = {}): XmppConfig => loadConfig('PLENUM_XMPP_', xmppConfigSpec, sources);

/** The lobby MUC's domain: `lobby.mucDomain`, or `lobby.<domain>` when that is empty. */
export const lobbyDomainOf = (config: XmppConfig): string => (config.lobby.mucDomain !== '' ? config.lobby.mucDomain : `lobby.${config.domain}`);
