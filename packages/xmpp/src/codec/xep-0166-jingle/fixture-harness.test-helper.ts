// Test-only helpers shared by the Jingle and focus fixture tables (house style C6). Not exported
// from index.ts; imported only by *.test.ts files. TODO(codec): move canonicalXml to xml/canonical.ts.
import { readdirSync, readFileSync } from 'node:fs';
import type { El, XmlNode } from '../xml/index.ts';
import { parseXml, serialize } from '../xml/index.ts';

/**
 * Canonical text of an element, for comparing "the same XML": namespaces resolved (an xmlns equal
 * to the parent's effective namespace is dropped), attributes sorted, whitespace-only text dropped,
 * and child elements stably sorted by {namespace}name. Jingle never gives meaning to the order of
 * differently named siblings, while same-named siblings (payload-types: preference order) keep
 * their relative order.
 */
export function canonicalXml(e: El): string {
  return serialize(canonicalEl(e, undefined));
}

function canonicalEl(e: El, parentNs: string | undefined): El {
  const ns = e.attrs.xmlns ?? parentNs;
  const attrs: Record<string, string> = {};
  for (const k of Object.keys(e.attrs).sort()) {
    if (k === 'xmlns' && e.attrs.xmlns === parentNs) continue;
    attrs[k] = e.attrs[k] as string;
  }
  const keyOf = (c: El): string => `{${c.attrs.xmlns ?? ns ?? ''}}${c.name}`;
  const elements = e.children.filter((c): c is El => typeof c !== 'string');
  const sorted = elements
    .map((c, i) => ({ c, i, k: keyOf(c) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map(({ c }) => canonicalEl(c, ns));
  const texts: XmlNode[] = e.children.filter((c): c is string => typeof c === 'string' && c.trim() !== '');
  return { name: e.name, attrs, children: [...texts, ...sorted] };
}

/** One fixture file: its provenance line, the element, and what it should decode to. */
export type Fixture = {
  readonly name: string;
  readonly provenance: string;
  readonly text: string;
  readonly element: El;
  /** For `invalid-*` fixtures: the error code named by `expect: <code>` in the provenance comment. */
  readonly expectError?: string;
  /** The sidecar `<name>.json`, when there is one. */
  readonly expected?: unknown;
};

/**
 * Loads every `*.xml` in a fixture folder. The first line must be an XML comment (provenance); it
 * is cut off before parsing because XMPP's restricted XML forbids comments.
 */
export function loadFixtures(dir: URL): Fixture[] {
  const out: Fixture[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml')).sort()) {
    const raw = readFileSync(new URL(file, dir), 'utf8');
    const nl = raw.indexOf('\n');
    const first = raw.slice(0, nl).trim();
    if (!first.startsWith('<!--') || !first.endsWith('-->')) throw new Error(`${file}: first line must be a provenance comment`);
    const text = raw.slice(nl + 1).trim();
    const parsed = parseXml(text, { maxElementBytes: 1 << 20, maxDepth: 64, maxAttributes: 64 });
    if (!parsed.ok) throw new Error(`${file}: ${parsed.error.text}`);
    const name = file.slice(0, -4);
    const expectMatch = /expect: ([a-z0-9/-]+)/.exec(first);
    const jsonFile = new URL(`${name}.json`, dir);
    let expected: unknown;
    try {
      expected = JSON.parse(readFileSync(jsonFile, 'utf8'));
    } catch {
      // No sidecar: only invalid-* fixtures may lack one, which the table test checks.
      expected = undefined;
    }
    out.push({
      name, provenance: first, text, element: parsed.value,
      ...(expectMatch?.[1] !== undefined ? { expectError: expectMatch[1] } : {}),
      ...(expected !== undefined ? { expected } : {}),
    });
  }
  return out;
}

/**
 * Makes a truncated document well-formed again, so a decoder sees the cut-off tree rather than a
 * parse error: an unfinished tag at the end is dropped and every element still open is closed.
 * (Cuts inside an entity or a CDATA section may still fail to parse; callers skip those.)
 */
export function closeTruncated(prefix: string): string {
  let text = prefix;
  const lt = text.lastIndexOf('<');
  if (lt > text.lastIndexOf('>')) text = text.slice(0, lt);
  const open: string[] = [];
  for (const m of text.matchAll(/<(\/?)([^\s/>!?]+)[^>]*?(\/?)>/g)) {
    if (m[1] === '/') open.pop();
    else if (m[3] !== '/') open.push(m[2] as string);
  }
  return text + open.reverse().map((n) => `</${n}>`).join('');
}

/** Turns a decoded value into plain JSON data (drops undefined), as stored in sidecars. */
export const toJsonData = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
