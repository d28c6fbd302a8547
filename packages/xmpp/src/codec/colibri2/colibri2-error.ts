// Decode failures of the COLIBRI2 codecs, their size limits, and the `<error xmlns="jitsi:colibri2"
// reason>` element a bridge adds to IQ errors (protocols.md §3; jitsi-xmpp-extensions Colibri2Error).
import type { El } from '../xml/element.ts';
import { el, child, children } from '../xml/element.ts';
import { NS_COLIBRI2 } from './colibri2-types.ts';
import type { Colibri2ErrorReason } from './colibri2-types.ts';
import type { JingleErrorCode } from '../xep-0166-jingle/index.ts';

/** Stable codes for malformed COLIBRI2 payloads. */
export type Colibri2ErrorCode =
  | 'colibri2/unexpected-element'
  | 'colibri2/missing-attribute'
  | 'colibri2/bad-attribute'
  | 'colibri2/bad-stat'
  | 'colibri2/too-many';

/**
 * A COLIBRI2 decode failure with its code; `text` says which element or attribute. Failures inside
 * the embedded Jingle pieces (payload types, sources, the ICE-UDP transport) keep the Jingle codec's code.
 */
export type Colibri2Error = { readonly code: Colibri2ErrorCode | JingleErrorCode; readonly text: string };

/**
 * Upper bounds the decoders enforce before doing work, so a hostile or broken peer cannot make a
 * receiver build huge models (the XMPP server already caps stanza bytes; these cap counts).
 */
export const COLIBRI2_LIMITS = {
  /** `<endpoint>`s in one conference-modify(d). */
  endpoints: 1000,
  /** `<media>` per endpoint. */
  media: 8,
  /** `<payload-type>` per `<media>`. */
  payloadTypes: 128,
  /** `<rtp-hdrext>` per `<media>`. */
  headerExtensions: 64,
  /** `<parameter>` / `<rtcp-fb>` per payload type or source. */
  parameters: 64,
  /** `<media-source>` per `<sources>`. */
  mediaSources: 64,
  /** `<source>` + `<ssrc-group>` summed over one `<sources>` (protocols.md §10 lets clients send ≤ 20). */
  sources: 256,
  /** `<source>` per `<ssrc-group>`. */
  groupSsrcs: 64,
  /** `<capability>` per endpoint. */
  capabilities: 64,
  /** `<candidate>` / `<fingerprint>` per ICE-UDP transport. */
  candidates: 64,
  /** `<stat>` per `<stats>`. */
  stats: 1000,
} as const;

/** Builds an error result (shared by the COLIBRI2 decoders). */
export const colibri2Fail = (code: Colibri2ErrorCode, text: string): { readonly ok: false; readonly error: Colibri2Error } =>
  ({ ok: false, error: { code, text } });

const REASONS: Readonly<Record<string, Colibri2ErrorReason>> = {
  conference_not_found: 'CONFERENCE_NOT_FOUND',
  conference_already_exists: 'CONFERENCE_ALREADY_EXISTS',
  unknown_endpoint: 'UNKNOWN_ENDPOINT',
  graceful_shutdown: 'GRACEFUL_SHUTDOWN',
  feature_not_implemented: 'FEATURE_NOT_IMPLEMENTED',
  unspecified: 'UNKNOWN_ERROR',
};

/**
 * The `<error xmlns="jitsi:colibri2" reason>` child of a stanza error. Jitsi writes the reason in
 * lower case (`conference_not_found`) and reads it case-insensitively; `UNKNOWN_ERROR` is Jitsi's
 * `unspecified`.
 */
export function encodeColibri2Error(reason: Colibri2ErrorReason): El {
  return el('error', { xmlns: NS_COLIBRI2, reason: reason === 'UNKNOWN_ERROR' ? 'unspecified' : reason.toLowerCase() });
}

/**
 * `<endpoint xmlns="jitsi:colibri2" id>`: with reason UNKNOWN_ENDPOINT, JVB puts it *beside* the
 * colibri2 `<error>` inside the stanza error, and jicofo reads it there to re-invite only that endpoint.
 */
export function encodeColibri2ErrorEndpoint(endpointId: string): El {
  return el('endpoint', { xmlns: NS_COLIBRI2, id: endpointId });
}

/** The stanza `<error>` of an IQ error, the stanza error itself, or the colibri2 error: whichever was passed. */
function stanzaErrorOf(e: El): El | undefined {
  if (e.name === 'iq') return child(e, 'error');
  if (e.name === 'error') return e;
  return undefined;
}

/**
 * The COLIBRI2 reason of an IQ error (pass the `<iq type="error">`, or its `<error>`); undefined when
 * the error carries no colibri2 element (it came from the XMPP server or the MUC, not a bridge). A
 * missing or unknown reason reads as UNKNOWN_ERROR, like Jitsi's UNSPECIFIED.
 */
export function decodeColibri2ErrorReason(iqError: El): Colibri2ErrorReason | undefined {
  const stanzaError = stanzaErrorOf(iqError);
  if (stanzaError === undefined) return undefined;
  const c2 = stanzaError.attrs.xmlns === NS_COLIBRI2 ? stanzaError : child(stanzaError, 'error', NS_COLIBRI2);
  if (c2 === undefined) return undefined;
  return REASONS[(c2.attrs.reason ?? 'unspecified').toLowerCase()] ?? 'UNKNOWN_ERROR';
}

/** The endpoint id JVB attaches to an UNKNOWN_ENDPOINT error, if any. */
export function decodeColibri2ErrorEndpointId(iqError: El): string | undefined {
  const stanzaError = stanzaErrorOf(iqError);
  if (stanzaError === undefined) return undefined;
  const [endpoint] = children(stanzaError, 'endpoint', NS_COLIBRI2);
  return endpoint?.attrs.id;
}
