/** A node in an XML tree: an element or a text run. */
export type XmlNode = El | string;

/**
 * Our XML element model: plain data, cheap to build and to route. Namespaces are not resolved:
 * `xmlns` is an ordinary attribute, as in XMPP's wire form.
 */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

type AttrInput = Readonly<Record<string, string | number | boolean | undefined | null>>;
type ChildInput = XmlNode | undefined | null | false | readonly ChildInput[];

/** Appends a child input to `out`, flattening arrays and skipping empty values. */
function pushChild(out: XmlNode[], c: ChildInput): void {
  if (c === undefined || c === null || c === false) return;
  if (typeof c === 'string') {
    if (c !== '') out.push(c);
  } else if (Array.isArray(c)) {
    for (const x of c as readonly ChildInput[]) pushChild(out, x);
  } else {
    out.push(c as El);
  }
}

/** Builds an element; undefined/null attributes and children are skipped, arrays are flattened. */
export function el(name: string, attrs: AttrInput = {}, ...children: ChildInput[]): El {
  const a: Record<string, string> = {};
  for (const key in attrs) {
    const v = attrs[key];
    if (v !== undefined && v !== null) a[key] = String(v);
  }
  const out: XmlNode[] = [];
  for (const c of children) pushChild(out, c);
  return { name, attrs: a, children: out };
}

/** True for element nodes. */
export const isEl = (n: XmlNode | undefined): n is El => typeof n === 'object' && n !== null;

/** The first child element with this name (and xmlns attribute, when given). */
export function child(e: El, name: string, xmlns?: string): El | undefined {
  for (const c of e.children) {
    if (typeof c !== 'string' && c.name === name && (xmlns === undefined || c.attrs.xmlns === xmlns)) return c;
  }
  return undefined;
}

/** Every child element, optionally filtered by name and xmlns. */
export function children(e: El, name?: string, xmlns?: string): El[] {
  const out: El[] = [];
  for (const c of e.children) {
    if (typeof c === 'string') continue;
    if (name !== undefined && c.name !== name) continue;
    if (xmlns !== undefined && c.attrs.xmlns !== xmlns) continue;
    out.push(c);
  }
  return out;
}

/** The first child element in this namespace, whatever its name. */
export function childNs(e: El, xmlns: string): El | undefined {
  for (const c of e.children) if (typeof c !== 'string' && c.attrs.xmlns === xmlns) return c;
  return undefined;
}

/** The element's concatenated text children (not descendants). */
export function text(e: El | undefined): string {
  if (e === undefined) return '';
  let s = '';
  for (const c of e.children) if (typeof c === 'string') s += c;
  return s;
}

/** The first child element of any name. */
export function firstEl(e: El): El | undefined {
  for (const c of e.children) if (typeof c !== 'string') return c;
  return undefined;
}

/** A deep copy, so a routed stanza can be changed per recipient without touching the original. */
export function cloneEl(e: El): El {
  return {
    name: e.name,
    attrs: { ...e.attrs },
    children: e.children.map((c) => (typeof c === 'string' ? c : cloneEl(c))),
  };
}
