import type { El } from './element.ts';

const TEXT_ESCAPES = /[&<>]/g;
const ATTR_ESCAPES = /[&<>"']/g;
const ESCAPE_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeChar = (c: string): string => ESCAPE_MAP[c] ?? c;

/** Escapes character data. */
export const escapeText = (s: string): string => (/[&<>]/.test(s) ? s.replace(TEXT_ESCAPES, escapeChar) : s);
/** Escapes an attribute value for double or single quotes. */
export const escapeAttr = (s: string): string => (/[&<>"']/.test(s) ? s.replace(ATTR_ESCAPES, escapeChar) : s);

/** The opening tag of an element, without its children. */
export function serializeOpenTag(e: El, selfClose = false): string {
  let s = '<' + e.name;
  for (const key in e.attrs) {
    const v = e.attrs[key];
    if (v !== undefined) s += ' ' + key + '="' + escapeAttr(v) + '"';
  }
  return s + (selfClose ? '/>' : '>');
}

/** Serializes an element tree to XML text (no declaration, no pretty-printing). */
export function serialize(e: El): string {
  if (e.children.length === 0) return serializeOpenTag(e, true);
  let s = serializeOpenTag(e);
  for (const c of e.children) s += typeof c === 'string' ? escapeText(c) : serialize(c);
  return s + '</' + e.name + '>';
}
