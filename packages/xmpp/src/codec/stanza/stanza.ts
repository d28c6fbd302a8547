import type { StanzaErrorBody, StanzaCondition, StanzaErrorType } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, child, text } from '../xml/element.ts';
import { NS_STANZAS } from './namespaces.ts';

/** The three stanza kinds of RFC 6120 §8. */
export type StanzaKind = 'message' | 'presence' | 'iq';

/** True when an element is a stanza (by name; the stream's namespace is implied). */
export const isStanza = (e: El): boolean => e.name === 'message' || e.name === 'presence' || e.name === 'iq';

const CONDITIONS: ReadonlySet<string> = new Set<StanzaCondition>([
  'bad-request', 'conflict', 'feature-not-implemented', 'forbidden', 'gone', 'internal-server-error',
  'item-not-found', 'jid-malformed', 'not-acceptable', 'not-allowed', 'not-authorized', 'policy-violation',
  'recipient-unavailable', 'redirect', 'registration-required', 'remote-server-not-found',
  'remote-server-timeout', 'resource-constraint', 'service-unavailable', 'subscription-required',
  'undefined-condition', 'unexpected-request',
]);
const TYPES: ReadonlySet<string> = new Set<StanzaErrorType>(['auth', 'cancel', 'continue', 'modify', 'wait']);

/** `<error>` element for a stanza error (RFC 6120 §8.3.2), with optional application children. */
export function encodeStanzaError(body: StanzaErrorBody, extra: readonly El[] = [], by?: string): El {
  return el('error', { type: body.type, by },
    el(body.condition, { xmlns: NS_STANZAS }),
    body.text !== undefined ? el('text', { xmlns: NS_STANZAS, 'xml:lang': 'en' }, body.text) : undefined,
    extra);
}

/** Reads the error of an `type="error"` stanza; undefined when it has none or it is malformed. */
export function decodeStanzaError(stanza: El): StanzaErrorBody | undefined {
  const e = child(stanza, 'error');
  if (e === undefined) return undefined;
  const type = e.attrs.type ?? '';
  if (!TYPES.has(type)) return undefined;
  let condition: string | undefined;
  let description: string | undefined;
  for (const c of e.children) {
    if (typeof c === 'string' || c.attrs.xmlns !== NS_STANZAS) continue;
    if (c.name === 'text') description = text(c);
    else if (CONDITIONS.has(c.name)) condition = c.name;
  }
  if (condition === undefined) return undefined;
  return { type: type as StanzaErrorType, condition: condition as StanzaCondition, ...(description !== undefined ? { text: description } : {}) };
}

/**
 * The error reply to a stanza (RFC 6120 §8.3.1): addresses swapped, type `error`, and the
 * original payload kept for IQs so the requester can match it.
 */
export function errorReply(stanza: El, body: StanzaErrorBody, extra: readonly El[] = []): El {
  const payload = stanza.name === 'iq' ? stanza.children.filter((c): c is El => typeof c !== 'string').slice(0, 1) : [];
  return el(stanza.name, { from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, type: 'error' },
    payload, encodeStanzaError(body, extra));
}

/** The result reply to an IQ get/set, with an optional payload. */
export function iqResult(iq: El, payload?: El): El {
  return el('iq', { from: iq.attrs.to, to: iq.attrs.from, id: iq.attrs.id, type: 'result' }, payload);
}

/** True for stanzas that must never be answered with an error (RFC 6120 §8.3.1). */
export const isErrorStanza = (s: El): boolean => s.attrs.type === 'error';

/** An IQ get/set must have exactly one payload child (RFC 6120 §8.2.3). */
export function iqPayload(iq: El): El | undefined {
  let found: El | undefined;
  for (const c of iq.children) {
    if (typeof c === 'string') continue;
    if (found !== undefined) return undefined;
    found = c;
  }
  return found;
}
