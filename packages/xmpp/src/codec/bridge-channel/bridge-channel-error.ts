// Decode failures of the bridge-channel codec and the limits it enforces before parsing: plain
// values returned in a Result, never thrown (house style C5, C7). The bridge answers every one of
// them by ignoring the message and counting it; a client does the same.

/** Why a bridge-channel message was refused. */
export type BridgeChannelErrorCode =
  /** Longer than `limits.maxChars`: refused before JSON.parse. */
  | 'bridge-channel/too-large'
  /** Arrays/objects nested deeper than `limits.maxDepth`: refused before JSON.parse. */
  | 'bridge-channel/too-deep'
  /** Not JSON. */
  | 'bridge-channel/bad-json'
  /** JSON, but not an object. */
  | 'bridge-channel/not-object'
  /** No string `colibriClass`. */
  | 'bridge-channel/missing-class'
  /** A `colibriClass` this codec does not know (a newer peer): ignore and count. */
  | 'bridge-channel/unknown-class'
  /** A required field is missing. */
  | 'bridge-channel/missing-field'
  /** A field has the wrong type or an out-of-range value. */
  | 'bridge-channel/bad-field';

/** A decode failure: stable code, a short text naming the field, and the class when it was known. */
export type BridgeChannelError = {
  readonly code: BridgeChannelErrorCode;
  readonly text: string;
  readonly colibriClass?: string;
};

/** Bounds checked on the raw text before anything is parsed. */
export type BridgeChannelLimits = {
  /** Maximum message length in UTF-16 code units (≤ its UTF-8 byte length). */
  readonly maxChars: number;
  /** Maximum nesting of arrays and objects (the message object itself is depth 1). */
  readonly maxDepth: number;
};

/**
 * Defaults: 64 KiB (lib-jitsi-meet's messages are well under 4 KiB; JVB's WebSocket stack caps text
 * messages at 64 KiB too) and a nesting depth of 32, far above what any real payload uses and far
 * below what could exhaust the stack when a relayed payload is serialised again.
 */
export const BRIDGE_CHANNEL_LIMITS: BridgeChannelLimits = { maxChars: 64 * 1024, maxDepth: 32 };
