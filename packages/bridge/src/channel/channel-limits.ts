// The bridge channel's limits and close codes (bridge-channel-server.ts applies them).

/** Bounds per channel. */
export type ChannelLimits = {
  /** Largest accepted message (UTF-8 bytes); larger closes the channel with 1009. */
  readonly maxMessageBytes: number;
  /** Deepest accepted JSON nesting; deeper messages are ignored and counted. */
  readonly maxDepth: number;
  /** Sustained messages per second per channel; faster closes it with 1008. */
  readonly messagesPerSecond: number;
  /** Messages a channel may send at once before the rate applies. */
  readonly messageBurst: number;
  /** EndpointStats from one endpoint are relayed at most this often (lib-jitsi-meet sends every 10 s). */
  readonly endpointStatsIntervalMs: number;
  /** Bytes queued on a socket beyond which messages to it are dropped. */
  readonly maxBufferedBytes: number;
  /** How long close() waits for close handshakes before cutting the sockets. */
  readonly closeGraceMs: number;
};

/**
 * Defaults. lib-jitsi-meet sends a handful of messages at join and then about one every few seconds
 * (EndpointStats every 10 s, constraints on layout changes), so 50/s sustained with a burst of 100
 * leaves room for any real client; 64 KiB matches the codec's cap (and JVB's WebSocket text limit).
 */
export const CHANNEL_LIMITS: ChannelLimits = {
  maxMessageBytes: 64 * 1024,
  maxDepth: 32,
  messagesPerSecond: 50,
  messageBurst: 100,
  endpointStatsIntervalMs: 1000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 1000,
};

/** WebSocket close codes the bridge uses (RFC 6455 §7.4.1; 4000–4999 private). */
export const CHANNEL_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  replaced: 4001,
} as const;
