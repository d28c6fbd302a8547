// The SIP user agent's settings as a plain type: the gateway's config spec maps onto it.

export type SipUserAgentConfig = {
  /** Address to bind (UDP and TCP share it). */
  readonly host: string;
  /** Port for UDP and TCP; 0 picks a free port (read it back from `SipUserAgent.port`). */
  readonly port: number;
  readonly udp: boolean;
  readonly tcp: boolean;
  /** Host written in Via and Contact when the gateway sits behind NAT; defaults to `host`. */
  readonly publicHost: string | undefined;
  /** IPv4 addresses or CIDRs allowed to INVITE us; empty = anyone. Others get 403. */
  readonly inboundAllowList: readonly string[];
  /** Larger messages get 513 (or are dropped when no answer is possible). */
  readonly maxMessageBytes: number;
  /** Concurrent dialogs; beyond → 503 with Retry-After. */
  readonly maxCalls: number;
  /** New INVITEs per second over all sources (token bucket); beyond → 503 with Retry-After. */
  readonly invitesPerSecond: number;
  /** RFC 4028 session interval we ask for and accept at most; never below Min-SE (90 s). */
  readonly sessionExpiresSeconds: number;
  /** User-Agent / Server header. */
  readonly userAgent: string;
  /** RFC 3261 T1; 2xx retransmission starts at T1 and the ACK wait is 64·T1 (32 s). */
  readonly timerT1Ms: number;
};

/** RFC 4028 §4: the smallest session interval anyone may ask for. */
export const MIN_SESSION_EXPIRES_SECONDS = 90;

export const defaultSipUserAgentConfig: SipUserAgentConfig = {
  host: '127.0.0.1',
  port: 5060,
  udp: true,
  tcp: true,
  publicHost: undefined,
  inboundAllowList: [],
  maxMessageBytes: 32 * 1024,
  maxCalls: 200,
  invitesPerSecond: 50,
  sessionExpiresSeconds: 1800,
  userAgent: 'Plenum',
  timerT1Ms: 500,
};
