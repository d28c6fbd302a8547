// Who may open a bridge channel (protocols.md §0, §10): the WebSocket URL the bridge put in the
// endpoint's transport, `/colibri-ws/<bridge-id>/<conference-id>/<endpoint-id>?pwd=<ice-pwd>`.
// The ICE password is the credential. Decided before the upgrade, with JVB's answers
// (ColibriWebSocketService): unknown bridge id, conference or endpoint → 404; missing or wrong
// password → 403. The password is compared in constant time (over SHA-256 digests, so neither its
// content nor its length leaks through timing). Pure apart from hashing.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The path prefix of client bridge channels. */
export const COLIBRI_WS_PREFIX = '/colibri-ws/';

/** What the directory knows about the endpoint a URL names. */
export type EndpointLookup =
  | { readonly kind: 'found'; readonly pwd: string }
  | { readonly kind: 'no-conference' }
  | { readonly kind: 'no-endpoint' };

/** Accepted: whose channel it is. Refused: the HTTP status and a plain-text reason. */
export type AccessDecision =
  | { readonly isAllowed: true; readonly conferenceId: string; readonly endpointId: string }
  | { readonly isAllowed: false; readonly status: 403 | 404; readonly text: string };

/** Whether an upgrade request is for a bridge channel at all (anything else is someone else's 404). */
export function isChannelPath(url: string | undefined): boolean {
  return (url ?? '').startsWith(COLIBRI_WS_PREFIX);
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares two secrets in time independent of where they differ and of their lengths. */
export function isSameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const refuse = (status: 403 | 404, text: string): AccessDecision => ({ isAllowed: false, status, text });

/** Decides an upgrade request's URL (path and query as sent, e.g. `req.url`). */
export function decideChannelAccess(url: string, bridgeId: string, lookup: (conferenceId: string, endpointId: string) => EndpointLookup): AccessDecision {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://bridge.invalid');
  } catch {
    // An unparsable request target is bad input from the network, answered like an unknown path.
    return refuse(404, 'not a bridge channel URL');
  }
  if (!parsed.pathname.startsWith(COLIBRI_WS_PREFIX)) return refuse(404, 'not a bridge channel URL');
  const segments = parsed.pathname.slice(COLIBRI_WS_PREFIX.length).split('/');
  if (segments.length !== 3 || segments.some((s) => s === '')) return refuse(404, 'expected /colibri-ws/<bridge-id>/<conference-id>/<endpoint-id>');
  let ids: string[];
  try {
    ids = segments.map((s) => decodeURIComponent(s));
  } catch {
    // Malformed percent-encoding: bad input, not a bug.
    return refuse(404, 'malformed bridge channel URL');
  }
  const [serverId = '', conferenceId = '', endpointId = ''] = ids;
  if (serverId !== bridgeId) return refuse(404, 'bridge id mismatch');
  const found = lookup(conferenceId, endpointId);
  if (found.kind === 'no-conference') return refuse(404, 'conference not found');
  if (found.kind === 'no-endpoint') return refuse(404, 'endpoint not found');
  const pwd = parsed.searchParams.get('pwd');
  if (pwd === null || pwd === '') return refuse(403, 'missing pwd');
  // An endpoint without a password (never the case for transports this bridge made) admits nobody.
  if (found.pwd === '' || !isSameSecret(pwd, found.pwd)) return refuse(403, 'wrong pwd');
  return { isAllowed: true, conferenceId, endpointId };
}
