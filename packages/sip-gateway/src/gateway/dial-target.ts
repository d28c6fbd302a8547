// Where a dial-out goes. The focus forwards what a moderator typed: a sip: URI, a tel: URI or a
// plain number. With a trunk configured the number is dialled through it (the trunk's URI with the
// number as its user part); without one only a sip: URI can be dialled, directly.
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';

export type DialTarget = {
  /** The INVITE's Request-URI. */
  readonly requestUri: string;
  /** What was dialled, for the callee's display name (never logged by default). */
  readonly number: string;
};

export type DialTargetError = { readonly code: 'bad-target'; readonly text: string };

const MAX_NUMBER_CHARS = 32;
/** A dialable number once spaces, dashes, dots and parentheses are gone. */
const NUMBER = /^\+?[0-9*#]{1,32}$/;
/** sip:user@host[:port][;params] with nothing that could break a header line. */
const SIP_URI = /^(sips?):([^@\s<>"';]+)@([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?(;[^\s<>"]*)?$/i;
const TRUNK_URI = /^(sips?):(?:[^@\s<>"]+@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?(;[^\s<>"]*)?$/i;

const bad = (text: string): Result<never, DialTargetError> => err({ code: 'bad-target', text });

const plainNumber = (s: string): string | undefined => {
  const n = s.replace(/[\s().-]/g, '');
  return n.length <= MAX_NUMBER_CHARS && NUMBER.test(n) ? n : undefined;
};

/** The Request-URI for `to` (a sip:/tel: URI or a number), through `trunkUri` when set. */
export function dialTargetOf(to: string, trunkUri: string | undefined): Result<DialTarget, DialTargetError> {
  const t = to.trim();
  const sip = SIP_URI.exec(t);
  const number = sip !== null ? sip[2] as string : /^tel:/i.test(t) ? plainNumber(t.slice(4).split(';')[0] ?? '') : plainNumber(t);
  if (trunkUri === undefined) {
    if (sip === null) return bad('only sip: URIs can be dialled without a trunk (dialOut.trunkUri)');
    return ok({ requestUri: t, number: sip[2] as string });
  }
  if (number === undefined) return bad('not a dialable number or SIP URI');
  const trunk = TRUNK_URI.exec(trunkUri.trim());
  if (trunk === null) return bad('dialOut.trunkUri is not a SIP URI');
  // Through a trunk only the user part counts: the trunk routes it (a sip: URI's host is ignored).
  const user = sip !== null ? (plainNumber(number) ?? number) : number;
  return ok({ requestUri: `${trunk[1]}:${user}@${trunk[2]}${trunk[3] ?? ''}${trunk[4] ?? ''}`, number: user });
}
