import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import type { RayoCodecError, RayoCodecErrorCode, RayoDial, RayoRef } from './rayo-types.ts';
import { NS_RAYO, RAYO_LIMITS } from './rayo-types.ts';

const fail = (code: RayoCodecErrorCode, text: string): Result<never, RayoCodecError> => err({ code, text });

function expect(e: El, name: string): Result<true, RayoCodecError> {
  return e.name === name && e.attrs.xmlns === NS_RAYO ? ok(true) : fail('rayo/unexpected-element', `expected <${name}> in ${NS_RAYO}`);
}

/** Reads a `<dial xmlns="urn:xmpp:rayo:1">`; never throws. `to` is required; `from` reads as '' when absent. */
export function decodeRayoDial(e: El): Result<RayoDial, RayoCodecError> {
  const is = expect(e, 'dial');
  if (!is.ok) return is;
  const to = e.attrs.to?.trim() ?? '';
  if (to === '') return fail('rayo/bad-attribute', 'dial needs a to');
  const from = e.attrs.from ?? '';
  if (to.length > RAYO_LIMITS.uri || from.length > RAYO_LIMITS.uri) return fail('rayo/too-large', 'dial to/from too long');
  // A null-prototype record: a header named "__proto__" stays an ordinary key.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const c of e.children) {
    if (typeof c === 'string' || c.name !== 'header') continue;
    if (++count > RAYO_LIMITS.headers) return fail('rayo/too-large', `more than ${RAYO_LIMITS.headers} headers`);
    const { name, value } = c.attrs;
    if (name === undefined || name === '') return fail('rayo/bad-attribute', '<header> needs a name');
    if (name.length > RAYO_LIMITS.headerName || (value ?? '').length > RAYO_LIMITS.headerValue) return fail('rayo/too-large', `header ${name.slice(0, 32)} too long`);
    if (Object.hasOwn(headers, name)) return fail('rayo/bad-attribute', `header ${name} appears twice`);
    headers[name] = value ?? '';
  }
  return ok({ to, from, headers: { ...headers } });
}

/** Writes `<dial to from>` with one `<header name value/>` per entry. */
export function encodeRayoDial(d: RayoDial): El {
  return el('dial', { xmlns: NS_RAYO, to: d.to, from: d.from },
    Object.entries(d.headers).map(([name, value]) => el('header', { name, value })));
}

/** Reads `<ref xmlns="urn:xmpp:rayo:1" uri=…/>` (the dial result). */
export function decodeRayoRef(e: El): Result<RayoRef, RayoCodecError> {
  const is = expect(e, 'ref');
  if (!is.ok) return is;
  const uri = e.attrs.uri ?? '';
  if (uri === '') return fail('rayo/bad-attribute', 'ref needs a uri');
  if (uri.length > RAYO_LIMITS.uri) return fail('rayo/too-large', 'ref uri too long');
  return ok({ uri });
}

/** Writes `<ref uri=…/>`. */
export function encodeRayoRef(r: RayoRef): El {
  return el('ref', { xmlns: NS_RAYO, uri: r.uri });
}

/** Writes `<hangup xmlns="urn:xmpp:rayo:1"/>` (sent to the call's resource to end it). */
export function encodeRayoHangup(): El {
  return el('hangup', { xmlns: NS_RAYO });
}

/** True for a Rayo `<hangup>` payload. */
export const isRayoHangup = (e: El | undefined): boolean => e !== undefined && e.name === 'hangup' && e.attrs.xmlns === NS_RAYO;
