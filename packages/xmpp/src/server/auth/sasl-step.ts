// Small constructors for SaslStep values, shared by the mechanisms.
import type { AuthIdentity, SaslFailureCondition, SaslStep } from './types.ts';

/** A challenge carrying `data` (RFC 6120 §6.4.2). */
export const challenge = (data: Uint8Array): SaslStep => ({ kind: 'challenge', data });

/** RFC 6120 §6.4.2: an empty challenge asks for the initial response the client left out. */
export const emptyChallenge = (): SaslStep => challenge(new Uint8Array(0));

/** Success, optionally with additional data (RFC 6120 §6.3.10). */
export const success = (identity: AuthIdentity, data?: Uint8Array): SaslStep => ({ kind: 'success', data, identity });

/** Failure with a condition and a short human-readable reason (RFC 6120 §6.5). */
export const failure = (condition: SaslFailureCondition, text?: string): SaslStep =>
  text === undefined ? { kind: 'failure', condition } : { kind: 'failure', condition, text };

/** Decodes strict UTF-8 up to a size; undefined for invalid or oversized input. */
export function decodeUtf8(bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length > maxBytes) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // A fatal TextDecoder reports invalid UTF-8 only by throwing: an expected failure here.
    return undefined;
  }
}
