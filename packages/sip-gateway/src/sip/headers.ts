// Small helpers over the `sip` package's message objects: reading string headers, tags, parties.
import { randomBytes } from 'node:crypto';
import sip from 'sip';
import type { SipAddress, SipMessage } from 'sip';
import type { SipParty } from './sip-call.ts';
import type { SessionTimerRequest } from './session-timer.ts';

/** Methods this user agent implements (the Allow header). */
export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
export const SUPPORTED_OPTIONS = 'timer';

/** A string header (repeats joined by ','), case-insensitive. */
export function headerText(message: SipMessage, name: string): string | undefined {
  const value = message.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** Option tags of Supported/Require (lower case). */
export function optionTags(message: SipMessage, name: 'supported' | 'require'): string[] {
  return (headerText(message, name) ?? '').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

export function tagOf(address: SipAddress | undefined): string | undefined {
  const tag = address?.params.tag;
  return typeof tag === 'string' && tag !== '' ? tag : undefined;
}

export function withTag(address: SipAddress, tag: string): SipAddress {
  return { ...address, params: { ...address.params, tag } };
}

export function uriText(address: SipAddress): string {
  return sip.stringifyUri(address.uri).trim();
}

/** Random token for tags, Call-IDs and branches (RFC 3261 §19.3: globally unique, cryptographically random). */
export function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export function newBranch(): string {
  return `z9hG4bK${randomToken(10)}`;
}

/** A header party as the gateway sees it; display names arrive as raw octets and are decoded as UTF-8. */
export function partyOf(address: SipAddress | undefined): SipParty {
  if (address === undefined) return { uri: '', displayName: undefined, user: undefined };
  const uri = uriText(address);
  let displayName = address.name?.trim();
  if (displayName !== undefined && displayName.startsWith('"') && displayName.endsWith('"') && displayName.length >= 2) {
    displayName = displayName.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (displayName !== undefined) displayName = Buffer.from(displayName, 'latin1').toString('utf8');
  let user: string | undefined;
  try {
    user = sip.parseUri(uri)?.user;
  } catch {
    // The `sip` URI regex throws on odd input; fall back to the text before '@'.
    user = /^(?:sips?|tel):([^@;]+)/i.exec(uri)?.[1];
  }
  if (user === undefined && /^tel:/i.test(uri)) user = /^tel:([^;]+)/i.exec(uri)?.[1];
  return { uri, displayName: displayName === '' ? undefined : displayName, user: user === undefined ? undefined : decodeURIComponentSafe(user) };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // Not valid %-escaping (RFC 4475 esc02 style): keep the text as it came.
    return s;
  }
}

/** The request's Content-Type is SDP (or there is no body). */
export function hasSdp(message: SipMessage): boolean {
  const type = headerText(message, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return message.content !== undefined && message.content !== '' && type === 'application/sdp';
}

/** What RFC 4028 needs from a request; 'x' is Session-Expires' compact form, which the `sip` parser leaves alone. */
export function sessionTimerRequestOf(request: SipMessage): SessionTimerRequest {
  return {
    sessionExpires: headerText(request, 'session-expires') ?? headerText(request, 'x'),
    minSe: headerText(request, 'min-se'),
    supportsTimer: optionTags(request, 'supported').includes('timer') || optionTags(request, 'require').includes('timer'),
  };
}
