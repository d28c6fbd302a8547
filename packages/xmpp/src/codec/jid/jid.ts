import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';

/**
 * An XMPP address (RFC 7622): `local@domain/resource`. Parts are stored in their canonical
 * form; an absent part is the empty string.
 */
export type Jid = {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
};

/** Why an address was refused; maps to the `jid-malformed` stanza error. */
export type JidError = { readonly code: 'jid-malformed'; readonly text: string };

const MAX_PART_BYTES = 1023;
// RFC 7622 §3.3.1: characters the localpart may never contain (plus space, which PRECIS
// IdentifierClass excludes).
const LOCAL_FORBIDDEN = /["&'/:<>@\s]/;
// No controls anywhere (PRECIS disallows Cc); the resource may contain spaces and '@' or '/'.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;
const IP_LITERAL = /^\[[0-9a-fA-F:.]+\]$/;

/** UTF-8 length; a part of at most 341 UTF-16 units is under 1023 bytes, so most need no count. */
const utf8Length = (s: string): number => (s.length <= 341 ? s.length : new TextEncoder().encode(s).length);

const bad = (text: string): { readonly ok: false; readonly error: JidError } => err({ code: 'jid-malformed', text });

/** Canonical localpart: NFC, lower case (PRECIS UsernameCaseMapped, simplified). */
function prepLocal(s: string): Result<string, JidError> {
  const v = s.normalize('NFC').toLowerCase();
  if (v === '') return bad('empty localpart');
  if (LOCAL_FORBIDDEN.test(v) || CONTROL.test(v)) return bad('forbidden character in localpart');
  if (utf8Length(v) > MAX_PART_BYTES) return bad('localpart too long');
  return ok(v);
}

/**
 * Domainparts already prepared: a server or component sees the same few domains on every stanza,
 * and preparing one (NFC, case, a Unicode regex per label) was a visible share of routing. Bounded;
 * emptied when full.
 */
const preparedDomains = new Map<string, Result<string, JidError>>();
const MAX_PREPARED_DOMAINS = 1024;

function prepDomain(s: string): Result<string, JidError> {
  let r = preparedDomains.get(s);
  if (r === undefined) {
    r = prepDomainUncached(s);
    if (preparedDomains.size >= MAX_PREPARED_DOMAINS) preparedDomains.clear();
    preparedDomains.set(s, r);
  }
  return r;
}

/** Canonical domainpart: lower case, no trailing dot, valid labels or an IP literal. */
function prepDomainUncached(s: string): Result<string, JidError> {
  let v = s.normalize('NFC').toLowerCase();
  if (v.endsWith('.')) v = v.slice(0, -1);
  if (v === '') return bad('empty domainpart');
  if (utf8Length(v) > MAX_PART_BYTES) return bad('domainpart too long');
  if (IP_LITERAL.test(v)) return ok(v);
  for (const label of v.split('.')) if (!DOMAIN_LABEL.test(label)) return bad('invalid domainpart');
  return ok(v);
}

/** Canonical resourcepart: NFC, case preserved (PRECIS OpaqueString, simplified). */
function prepResource(s: string): Result<string, JidError> {
  const v = s.normalize('NFC');
  if (v === '') return bad('empty resourcepart');
  if (CONTROL.test(v)) return bad('forbidden character in resourcepart');
  if (utf8Length(v) > MAX_PART_BYTES) return bad('resourcepart too long');
  return ok(v);
}

/** Parses and canonicalises an address; never throws. */
export function parseJid(s: string): Result<Jid, JidError> {
  // RFC 7622 §3.1: the first '/' ends the bare part; '@' before it separates the localpart.
  const slash = s.indexOf('/');
  const bare = slash === -1 ? s : s.slice(0, slash);
  const at = bare.indexOf('@');
  const domain = prepDomain(at === -1 ? bare : bare.slice(at + 1));
  if (!domain.ok) return domain;
  let local = '';
  if (at !== -1) {
    const l = prepLocal(bare.slice(0, at));
    if (!l.ok) return l;
    local = l.value;
  }
  let resource = '';
  if (slash !== -1) {
    const r = prepResource(s.slice(slash + 1));
    if (!r.ok) return r;
    resource = r.value;
  }
  return ok({ local, domain: domain.value, resource });
}

/** Builds an address from parts, validating each. */
export function makeJid(local: string, domain: string, resource = ''): Result<Jid, JidError> {
  const d = prepDomain(domain);
  if (!d.ok) return d;
  const l = local === '' ? ok('') : prepLocal(local);
  if (!l.ok) return l;
  const r = resource === '' ? ok('') : prepResource(resource);
  if (!r.ok) return r;
  return ok({ local: l.value, domain: d.value, resource: r.value });
}

/** `local@domain` (or `domain`). */
export const bareJid = (j: Jid): string => (j.local === '' ? j.domain : `${j.local}@${j.domain}`);

/** The full string form. */
export const formatJid = (j: Jid): string => (j.resource === '' ? bareJid(j) : `${bareJid(j)}/${j.resource}`);

/** The same address without its resource. */
export const toBare = (j: Jid): Jid => (j.resource === '' ? j : { local: j.local, domain: j.domain, resource: '' });

/** The same bare address with another resource. */
export const withResource = (j: Jid, resource: string): Jid => ({ local: j.local, domain: j.domain, resource });

/** Compares two addresses part by part. */
export const jidEquals = (a: Jid, b: Jid): boolean => a.local === b.local && a.domain === b.domain && a.resource === b.resource;

// XEP-0106 §3.2: characters escaped in a localpart, and their escape sequences.
const ESCAPES: ReadonlyArray<readonly [string, string]> = [
  [' ', '\\20'], ['"', '\\22'], ['&', '\\26'], ["'", '\\27'], ['/', '\\2f'],
  [':', '\\3a'], ['<', '\\3c'], ['>', '\\3e'], ['@', '\\40'], ['\\', '\\5c'],
];
const TO_ESCAPE = new Map(ESCAPES);
const FROM_ESCAPE = new Map(ESCAPES.map(([c, e]) => [e, c] as const));
const ESCAPE_SEQUENCE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/i;

/**
 * XEP-0106 JID escaping: turns a user name that contains forbidden characters (an e-mail
 * address, "de Gaulle") into a valid localpart. A backslash is escaped only where it would
 * otherwise start an escape sequence (§4.2).
 */
export function escapeLocal(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      out += ESCAPE_SEQUENCE.test(s.slice(i, i + 3)) ? '\\5c' : '\\';
      continue;
    }
    out += TO_ESCAPE.get(c) ?? c;
  }
  return out;
}

/** Reverses escapeLocal (XEP-0106 §4.3) for display. */
export function unescapeLocal(s: string): string {
  return s.replace(/\\(20|22|26|27|2f|3a|3c|3e|40|5c)/gi, (m) => FROM_ESCAPE.get(m.toLowerCase()) ?? m);
}
