import type { El } from './element.ts';

/**
 * Why parsing stopped. These are RFC 6120 §4.9.3 stream error conditions, so a session can
 * answer with them directly.
 */
export type XmlErrorCondition = 'not-well-formed' | 'restricted-xml' | 'policy-violation';

/** A parse failure: the condition and a short explanation for the stream error's text. */
export type XmlError = { readonly condition: XmlErrorCondition; readonly text: string };

/** Resource limits applied while parsing; exceeding one is a policy-violation. */
export type XmlLimits = {
  /** Largest element (a stanza) in UTF-8 bytes, counted as it arrives. */
  readonly maxElementBytes: number;
  /** Deepest nesting below the stanza. */
  readonly maxDepth: number;
  /** Most attributes on one element. */
  readonly maxAttributes: number;
};

/** Defaults suited to client streams. */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxElementBytes: 256 * 1024, maxDepth: 64, maxAttributes: 64 };

/** What the parser reports. */
export type XmlStreamHandlers = {
  /** Stream mode: the root's start tag (`<stream:stream …>`). */
  onOpen?(root: El): void;
  /** A complete top-level element: a stanza (stream mode) or a frame (fragment mode). */
  onElement(element: El): void;
  /** Stream mode: the root's end tag. */
  onClose?(): void;
  /** Parsing stopped for good; no more callbacks follow. */
  onError(error: XmlError): void;
};

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*$/;
const NON_WS = /[^ \t\r\n]/;
const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length of a string segment (the parser skips the walk while its buffer is all ASCII). */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return n;
}

/**
 * Decodes the five predefined entities and character references. XMPP forbids any other
 * entity (RFC 6120 §11.1): that is `restricted-xml`; a malformed reference is `not-well-formed`.
 */
function unescape(s: string): string | XmlError {
  if (s.indexOf('&') === -1) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const amp = s.indexOf('&', i);
    if (amp === -1) return out + s.slice(i);
    out += s.slice(i, amp);
    const semi = s.indexOf(';', amp);
    if (semi === -1 || semi - amp > 12) return { condition: 'not-well-formed', text: 'unterminated entity reference' };
    const ref = s.slice(amp + 1, semi);
    switch (ref) {
      case 'amp': out += '&'; break;
      case 'lt': out += '<'; break;
      case 'gt': out += '>'; break;
      case 'quot': out += '"'; break;
      case 'apos': out += "'"; break;
      default: {
        if (ref.charCodeAt(0) !== 35 /* # */) {
          if (NAME.test(ref)) return { condition: 'restricted-xml', text: 'entity references are not allowed' };
          return { condition: 'not-well-formed', text: 'malformed entity reference' };
        }
        const hex = ref[1] === 'x';
        const digits = ref.slice(hex ? 2 : 1);
        const code = digits !== '' && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits) ? parseInt(digits, hex ? 16 : 10) : NaN;
        // XML 1.0 §2.2 Char production.
        const isChar = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
          (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
        if (!isChar) return { condition: 'not-well-formed', text: 'invalid character reference' };
        out += String.fromCodePoint(code);
      }
    }
    i = semi + 1;
  }
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
/** XML name characters as NAME accepts them, checked while scanning instead of by a regex per name. */
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7 || c >= 0xc0;

/** Result of scanning one start tag. */
type TagScan = { el: El; end: number; selfClosing: boolean } | 'incomplete' | XmlError;

/**
 * A push parser for XMPP's restricted XML. In `stream` mode the first start tag is the stream
 * root and its direct children are emitted whole (RFC 6120 streams); in `fragments` mode every
 * top-level element is emitted whole (RFC 7395 WebSocket frames, fixtures).
 */
export class XmlStreamParser {
  #buf = '';
  #pos = 0;
  readonly #stack: El[] = [];
  #rootOpen = false;
  #sawAnything = false;
  #failed = false;
  #elementBytes = 0;
  /** The buffer holds only ASCII, so a segment's UTF-8 size is its length (checked once per write). */
  #isAscii = true;
  /** Bumped by reset(), so a loop interrupted by a handler that resets the parser stops. */
  #generation = 0;
  readonly #mode: 'stream' | 'fragments';
  readonly #limits: XmlLimits;
  readonly #handlers: XmlStreamHandlers;

  constructor(mode: 'stream' | 'fragments', handlers: XmlStreamHandlers, limits: XmlLimits = DEFAULT_XML_LIMITS) {
    this.#mode = mode;
    this.#handlers = handlers;
    this.#limits = limits;
  }

  /** True once an error was reported; further input is ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /** True while part of an element has been read but not the whole of it. */
  get isMidElement(): boolean {
    return this.#stack.length > 0 || this.#pos < this.#buf.length;
  }

  /** Feeds decoded text; callbacks run synchronously. */
  write(chunk: string): void {
    if (this.#failed) return;
    this.#buf = this.#pos < this.#buf.length ? this.#buf.slice(this.#pos) + chunk : chunk;
    this.#pos = 0;
    this.#isAscii = !NON_ASCII.test(this.#buf);
    const generation = this.#generation;
    this.#run();
    if (generation !== this.#generation) return;
    if (!this.#failed && this.#stack.length > 0) {
      const pending = this.#buf.length - this.#pos;
      if (this.#elementBytes + pending > this.#limits.maxElementBytes) this.#fail('policy-violation', 'stanza too large');
    } else if (!this.#failed && this.#buf.length - this.#pos > this.#limits.maxElementBytes) {
      this.#fail('policy-violation', 'tag too large');
    }
  }

  /** Forgets all state, as a stream restart after SASL or STARTTLS requires (RFC 6120 §4.3.3). */
  reset(): void {
    this.#generation++;
    this.#buf = '';
    this.#pos = 0;
    this.#stack.length = 0;
    this.#rootOpen = false;
    this.#sawAnything = false;
    this.#elementBytes = 0;
  }

  #fail(condition: XmlErrorCondition, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#buf = '';
    this.#pos = 0;
    this.#stack.length = 0;
    this.#handlers.onError({ condition, text });
  }

  #failWith(e: XmlError): void {
    this.#fail(e.condition, e.text);
  }

  /** Depth at which complete elements are emitted, and whether we are inside one. */
  get #building(): boolean {
    return this.#stack.length > 0;
  }

  #run(): void {
    const buf = this.#buf;
    const generation = this.#generation;
    while (!this.#failed && generation === this.#generation) {
      const lt = buf.indexOf('<', this.#pos);
      const textEnd = lt === -1 ? buf.length : lt;
      if (textEnd > this.#pos) {
        if (this.#building) {
          // Text may end in a partial entity; keep it until the next tag arrives.
          if (lt === -1) return;
          if (!this.#text(buf.slice(this.#pos, lt))) return;
        } else {
          const t = buf.slice(this.#pos, textEnd);
          if (NON_WS.test(t)) return this.#fail('not-well-formed', 'text outside of an element');
        }
        this.#pos = textEnd;
      }
      if (lt === -1) return;
      if (lt + 1 >= buf.length) return;
      const c = buf.charCodeAt(lt + 1);
      if (c === 47 /* / */) {
        const gt = buf.indexOf('>', lt);
        if (gt === -1) return;
        this.#count(gt + 1 - lt, buf, lt);
        this.#pos = gt + 1;
        this.#endTag(buf, lt + 2, gt);
      } else if (c === 33 /* ! */) {
        if (buf.startsWith('<![CDATA[', lt)) {
          if (!this.#building) return this.#fail('not-well-formed', 'CDATA outside of an element');
          const close = buf.indexOf(']]>', lt + 9);
          if (close === -1) return;
          this.#count(close + 3 - lt, buf, lt);
          this.#appendText(buf.slice(lt + 9, close));
          this.#pos = close + 3;
        } else if (buf.length - lt < 9 && '<![CDATA['.startsWith(buf.slice(lt))) {
          return;
        } else {
          const what = buf.startsWith('<!--', lt) ? 'comments are' : 'DTDs are';
          return this.#fail('restricted-xml', `${what} not allowed`);
        }
      } else if (c === 63 /* ? */) {
        // Only the XML declaration may appear, and only before the root (RFC 6120 §11.5).
        const end = buf.indexOf('?>', lt);
        if (end === -1) return;
        const isDecl = /^<\?xml[ \t\r\n]/.test(buf.slice(lt, lt + 6));
        if (!isDecl || this.#sawAnything || this.#building) return this.#fail('restricted-xml', 'processing instructions are not allowed');
        this.#sawAnything = true;
        this.#pos = end + 2;
      } else {
        const scan = this.#scanStartTag(buf, lt);
        if (scan === 'incomplete') return;
        if ('condition' in scan) return this.#failWith(scan);
        if (!this.#building && !(this.#mode === 'stream' && !this.#rootOpen)) this.#elementBytes = 0;
        this.#count(scan.end - lt, buf, lt);
        this.#pos = scan.end;
        this.#sawAnything = true;
        this.#startTag(scan.el, scan.selfClosing);
      }
    }
  }

  /** Adds a consumed segment's bytes to the current element's size and enforces the limit. */
  #count(length: number, buf: string, from: number): void {
    if (!this.#building && !(this.#mode === 'fragments' || this.#rootOpen)) return;
    this.#elementBytes += this.#isAscii ? length : utf8Bytes(buf.slice(from, from + length));
    if (this.#elementBytes > this.#limits.maxElementBytes) this.#fail('policy-violation', 'stanza too large');
  }

  #text(raw: string): boolean {
    this.#elementBytes += this.#isAscii ? raw.length : utf8Bytes(raw);
    if (this.#elementBytes > this.#limits.maxElementBytes) {
      this.#fail('policy-violation', 'stanza too large');
      return false;
    }
    const t = unescape(raw);
    if (typeof t !== 'string') {
      this.#failWith(t);
      return false;
    }
    this.#appendText(t);
    return true;
  }

  #appendText(t: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined || t === '') return;
    const last = top.children.length - 1;
    if (last >= 0 && typeof top.children[last] === 'string') top.children[last] += t;
    else top.children.push(t);
  }

  #startTag(e: El, selfClosing: boolean): void {
    if (this.#mode === 'stream' && !this.#rootOpen) {
      if (selfClosing) return this.#fail('not-well-formed', 'empty stream root');
      this.#rootOpen = true;
      this.#handlers.onOpen?.(e);
      return;
    }
    if (this.#stack.length >= this.#limits.maxDepth) return this.#fail('policy-violation', 'nesting too deep');
    const parent = this.#stack[this.#stack.length - 1];
    if (parent !== undefined) parent.children.push(e);
    if (selfClosing) {
      if (parent === undefined) this.#emit(e);
      return;
    }
    this.#stack.push(e);
  }

  /** The end tag whose name (and trailing whitespace) is `buf[from, to)`. */
  #endTag(buf: string, from: number, to: number): void {
    if (this.#failed) return;
    const top = this.#stack.pop();
    // The common case, compared in place: the open element's name followed by nothing or XML whitespace.
    if (top !== undefined && buf.startsWith(top.name, from)) {
      let i = from + top.name.length;
      while (i < to && isWs(buf.charCodeAt(i))) i++;
      if (i === to) {
        if (this.#stack.length === 0) this.#emit(top);
        return;
      }
    }
    const name = buf.slice(from, to).trimEnd();
    if (top === undefined) {
      if (this.#mode === 'stream' && this.#rootOpen && name === 'stream:stream') {
        this.#rootOpen = false;
        this.#handlers.onClose?.();
        return;
      }
      return this.#fail('not-well-formed', 'unexpected end tag');
    }
    if (top.name !== name) return this.#fail('not-well-formed', 'mismatched end tag');
    if (this.#stack.length === 0) this.#emit(top);
  }

  #emit(e: El): void {
    this.#elementBytes = 0;
    this.#handlers.onElement(e);
  }

  #scanStartTag(buf: string, lt: number): TagScan {
    const len = buf.length;
    let i = lt + 1;
    let isName = i < len && isNameStart(buf.charCodeAt(i));
    while (i < len) {
      const c = buf.charCodeAt(i);
      if (isWs(c) || c === 47 || c === 62) break;
      if (!isNameChar(c)) isName = false;
      i++;
    }
    if (i >= len) return 'incomplete';
    if (!isName) return { condition: 'not-well-formed', text: 'invalid element name' };
    const name = buf.slice(lt + 1, i);
    const attrs: Record<string, string> = {};
    let count = 0;
    for (;;) {
      while (i < len && isWs(buf.charCodeAt(i))) i++;
      if (i >= len) return 'incomplete';
      const c = buf.charCodeAt(i);
      if (c === 62 /* > */) return { el: { name, attrs, children: [] }, end: i + 1, selfClosing: false };
      if (c === 47 /* / */) {
        if (i + 1 >= len) return 'incomplete';
        if (buf.charCodeAt(i + 1) !== 62) return { condition: 'not-well-formed', text: 'malformed empty-element tag' };
        return { el: { name, attrs, children: [] }, end: i + 2, selfClosing: true };
      }
      if (i > lt + 1 && !isWs(buf.charCodeAt(i - 1))) return { condition: 'not-well-formed', text: 'missing space between attributes' };
      const nameStart = i;
      let isAttrName = isNameStart(buf.charCodeAt(i));
      while (i < len) {
        const d = buf.charCodeAt(i);
        if (d === 61 /* = */ || isWs(d) || d === 62 || d === 47) break;
        if (!isNameChar(d)) isAttrName = false;
        i++;
      }
      if (i >= len) return 'incomplete';
      if (!isAttrName || i === nameStart) return { condition: 'not-well-formed', text: 'invalid attribute name' };
      const key = buf.slice(nameStart, i);
      while (i < len && isWs(buf.charCodeAt(i))) i++;
      if (i >= len) return 'incomplete';
      if (buf.charCodeAt(i) !== 61) return { condition: 'not-well-formed', text: 'attribute without value' };
      i++;
      while (i < len && isWs(buf.charCodeAt(i))) i++;
      if (i >= len) return 'incomplete';
      const q = buf.charCodeAt(i);
      if (q !== 34 && q !== 39) return { condition: 'not-well-formed', text: 'unquoted attribute value' };
      const close = buf.indexOf(q === 34 ? '"' : "'", i + 1);
      if (close === -1) {
        if (len - lt > this.#limits.maxElementBytes) return { condition: 'policy-violation', text: 'tag too large' };
        return 'incomplete';
      }
      const raw = buf.slice(i + 1, close);
      if (raw.indexOf('<') !== -1) return { condition: 'not-well-formed', text: "'<' in attribute value" };
      const value = unescape(raw);
      if (typeof value !== 'string') return value;
      if (Object.prototype.hasOwnProperty.call(attrs, key)) return { condition: 'not-well-formed', text: 'duplicate attribute' };
      if (++count > this.#limits.maxAttributes) return { condition: 'policy-violation', text: 'too many attributes' };
      // An attribute named __proto__ must stay an ordinary key, not change the prototype.
      if (key === '__proto__') Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
      else attrs[key] = value;
      i = close + 1;
    }
  }
}
