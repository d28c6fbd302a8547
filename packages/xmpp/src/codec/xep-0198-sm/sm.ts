import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';

// XEP-0198 Stream Management, version 3.
export const NS_SM = 'urn:xmpp:sm:3';

/** Sequence numbers wrap at 2^32 (XEP-0198 §4). */
export const SM_MODULO = 2 ** 32;

/** Parses an `h` attribute: an unsigned 32-bit integer, or undefined when malformed. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const h = Number(value);
  return h < SM_MODULO ? h : undefined;
}

/** `<a h=…/>`: acknowledges every stanza handled so far. */
export const encodeAck = (h: number): El => el('a', { xmlns: NS_SM, h });
/** `<r/>`: asks the peer for an acknowledgement. */
export const encodeAckRequest = (): El => el('r', { xmlns: NS_SM });
/** `<enabled/>` in answer to `<enable/>`. */
export const encodeEnabled = (id: string | undefined, maxSeconds: number | undefined): El =>
  el('enabled', { xmlns: NS_SM, id, resume: id !== undefined ? 'true' : undefined, max: maxSeconds });
/** `<resumed/>` after a successful resumption. */
export const encodeResumed = (h: number, previd: string): El => el('resumed', { xmlns: NS_SM, h, previd });
/** `<failed/>` with a stanza error condition (and the last handled `h` when known, §4.3). */
export const encodeFailed = (condition: string, h?: number): El =>
  el('failed', { xmlns: NS_SM, h }, el(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
