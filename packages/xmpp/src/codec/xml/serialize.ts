import type { El } from './element.ts';

const TEXT_ESCAPES = /[&<>]/g;
const ATTR_ESCAPES = /[&<>"']/g;
const ESCAPE_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeChar = (c: string): string => ESCAPE_MAP[c] ?? c;

/** True when an attribute value holds a character to escape; on short values a loop is cheaper than a regex call. */
function hasAttrSpecial(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34 || c === 39) return true;
  }
  return false;
}

/** Escapes character data. */
export const escapeText = (s: string): string => (/[&<>]/.test(s) ? s.replace(TEXT_ESCAPES, escapeChar) : s);
/** Escapes an attribute value for double or single quotes. */
export const escapeAttr = (s: string): string => (hasAttrSpecial(s) ? s.replace(ATTR_ESCAPES, escapeChar) : s);

/** The opening tag of an element, without its children. */
export function serializeOpenTag(e: El, selfClose = false): string {
  let s = '<' + e.name;
  for (const key in e.attrs) {
    const v = e.attrs[key];
    if (v !== undefined) s += ' ' + key + '="' + escapeAttr(v) + '"';
  }
  return s + (selfClose ? '/>' : '>');
}

/** Appends the element's text in pieces; one join at the end is cheaper than a deep chain of concatenations. */
function appendElement(e: El, out: string[]): void {
  if (e.children.length === 0) {
    out.push(serializeOpenTag(e, true));
    return;
  }
  out.push(serializeOpenTag(e));
  for (const c of e.children) {
    if (typeof c === 'string') out.push(escapeText(c));
    else appendElement(c, out);
  }
  out.push('</' + e.name + '>');
}

/** Serializes an element tree to XML text (no declaration, no pretty-printing). */
export function serialize(e: El): string {
  if (e.children.length === 0) return serializeOpenTag(e, true);
  const out: string[] = [];
  appendElement(e, out);
  return out.join('');
}
