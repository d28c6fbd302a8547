// Strict checks on raw inbound SIP text before the `sip` package's liberal parser sees it
// (RFC 3261 §25 grammar, RFC 4475 torture cases). A malformed request gets a 400 built from its own
// raw Via/From/To/Call-ID/CSeq lines (§8.2.6), or is dropped when even that is impossible; a
// malformed response is dropped (§18.3). Pure: no I/O, never throws on bad input.
import sip from 'sip';
import type { SipMessage } from 'sip';

/** What to do with one inbound message. */
export type InboundCheck =
  | { readonly kind: 'message'; readonly message: SipMessage }
  /** Answer with `response` (raw text); the request never reaches the dialog layer. */
  | { readonly kind: 'reject'; readonly status: number; readonly response: string }
  | { readonly kind: 'drop'; readonly why: string };

export type HeaderField = { readonly name: string; readonly value: string };

const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const REQUEST_LINE = new RegExp(`^(${TOKEN}) (\\S+) SIP/(\\d+\\.\\d+)$`);
const RESPONSE_LINE = /^SIP\/2\.0 ([1-6]\d\d) [^\r\n]*$/;
const CSEQ = new RegExp(`^(\\d{1,10})\\s+(${TOKEN})$`);
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\[\\s\\S])*"';
const PARAM_VALUE = `(?:${QUOTED}|[^\\s;,"<>]+)`;
const PARAMS = `(?:\\s*;\\s*${TOKEN}(?:\\s*=\\s*${PARAM_VALUE})?)*`;
const DISPLAY_NAME = `(?:${QUOTED}|${TOKEN}(?:\\s+${TOKEN})*)`;
// name-addr: [display-name] <URI>; addr-spec without <> may not contain ',', '?' or ';' (§20).
const NAME_ADDR = new RegExp(`^(?:${DISPLAY_NAME}\\s*)?<[A-Za-z][A-Za-z0-9+.-]*:[^<>\\s"]+>${PARAMS}$`);
const ADDR_SPEC = new RegExp(`^[A-Za-z][A-Za-z0-9+.-]*:[^<>\\s;,?"]+${PARAMS}$`);
const VIA = new RegExp(`^SIP\\s*/\\s*2\\.0\\s*/\\s*${TOKEN}\\s+[A-Za-z0-9.\\-:\\[\\]]+(?:\\s*:\\s*\\d{1,5})?${PARAMS}$`);
const MAX_SEQ = 2 ** 31 - 1;

/** Splits the header block into the start line and unfolded fields (names lower case, compact forms expanded). */
export function readHeaderLines(head: string): { readonly startLine: string; readonly fields: readonly HeaderField[] } {
  const lines = head.split('\r\n');
  const startLine = lines.shift() ?? '';
  const fields: HeaderField[] = [];
  for (const line of lines) {
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      fields[fields.length - 1] = { name: last.name, value: `${last.value} ${line.trim()}`.trim() };
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      fields.push({ name: '', value: line });
      continue;
    }
    const rawName = line.slice(0, colon).trim().toLowerCase();
    fields.push({ name: COMPACT[rawName] ?? rawName, value: line.slice(colon + 1).trim() });
  }
  return { startLine, fields };
}

/** Checks one complete message; `datagram` = it came over UDP (RFC 3261 §18.3 body rules). */
export function checkInbound(raw: string, opts: {
  readonly datagram: boolean; readonly maxMessageBytes: number; readonly isTooLarge?: boolean;
}): InboundCheck {
  const text = raw.replace(/^(?:\r\n)+/, '');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { kind: 'drop', why: 'no end of headers' };
  const head = text.slice(0, end);
  let body = text.slice(end + 4);
  const { startLine, fields } = readHeaderLines(head);
  const isResponse = startLine.startsWith('SIP/');
  const bad = (status: number, reason: string): InboundCheck => isResponse
    ? { kind: 'drop', why: `response: ${reason}` }
    : rejectFromRaw(fields, status, reason);

  if (opts.isTooLarge === true || raw.length > opts.maxMessageBytes) return bad(513, 'Message Too Large');
  if (fields.some((f) => f.name === '' || !new RegExp(`^${TOKEN}$`).test(f.name))) return bad(400, 'Bad Request');

  const lengthField = fields.find((f) => f.name === 'content-length');
  if (lengthField !== undefined) {
    if (!/^\d{1,9}$/.test(lengthField.value)) return bad(400, 'Bad Content-Length');
    const length = Number(lengthField.value);
    if (length > body.length) {
      if (opts.datagram) return bad(400, 'Content-Length Larger Than Message');
      return { kind: 'drop', why: 'incomplete body' };
    }
    // §18.3: octets past Content-Length in a datagram are discarded (RFC 4475 dblreq).
    body = body.slice(0, length);
  }

  let method: string | undefined;
  if (isResponse) {
    if (!RESPONSE_LINE.test(startLine)) return { kind: 'drop', why: 'bad status line' };
  } else {
    const request = REQUEST_LINE.exec(startLine);
    if (request === null) return bad(400, 'Bad Request-Line');
    const [, requestMethod = '', uri = '', version] = request;
    if (version !== '2.0') return bad(505, 'Version Not Supported');
    if (!isRequestUri(uri)) return bad(400, 'Bad Request-URI');
    method = requestMethod;
  }

  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (!fields.some((f) => f.name === name)) return bad(400, `Missing ${name}`);
  }
  for (const field of fields) {
    if (!isWellFormed(field)) return bad(400, `Bad ${field.name}`);
  }
  const cseq = CSEQ.exec(fields.find((f) => f.name === 'cseq')?.value ?? '');
  if (cseq === null || Number(cseq[1]) > MAX_SEQ) return bad(400, 'Bad CSeq');
  if (method !== undefined && cseq[2] !== method) return bad(400, 'CSeq Method Mismatch');
  const maxForwards = fields.find((f) => f.name === 'max-forwards');
  if (maxForwards !== undefined && !(/^\d{1,9}$/.test(maxForwards.value) && Number(maxForwards.value) <= 255)) {
    return bad(400, 'Bad Max-Forwards');
  }

  let message: SipMessage | undefined;
  try {
    message = sip.parse(`${head}\r\n\r\n${body}`);
  } catch {
    // The package's regexes throw on some inputs; that is malformed input, not a bug of ours.
    message = undefined;
  }
  if (message === undefined || !hasCoreHeaders(message)) return bad(400, 'Bad Request');
  // The package unescapes methods (RFC 4475 esc02: RE%47IST%45R is not REGISTER); keep the raw token.
  if (method !== undefined) message.method = method;
  if (message.headers.cseq !== undefined && cseq[2] !== undefined) message.headers.cseq.method = cseq[2];
  message.content = body;
  return { kind: 'message', message };
}

/** The raw bytes of a response to a request we could not parse fully. */
export function rejectFromRaw(fields: readonly HeaderField[], status: number, reason: string): InboundCheck {
  const vias = fields.filter((f) => f.name === 'via');
  if (vias.length === 0) return { kind: 'drop', why: `no Via to answer ${status}` };
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const via of vias) lines.push(`Via: ${via.value}`);
  for (const name of ['from', 'to', 'call-id', 'cseq']) {
    const field = fields.find((f) => f.name === name);
    if (field === undefined) continue;
    const label = name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0]!.toUpperCase() + name.slice(1);
    // §8.2.6.2: a UAS response carries a To tag.
    const value = name === 'to' && !/;\s*tag\s*=/i.test(field.value) ? `${field.value};tag=bad${status}` : field.value;
    lines.push(`${label}: ${value}`);
  }
  lines.push('Content-Length: 0', '', '');
  return { kind: 'reject', status, response: lines.join('\r\n') };
}

function isRequestUri(uri: string): boolean {
  if (/^tel:[^\s<>?]+$/i.test(uri)) return true;
  if (!/^sips?:/i.test(uri) || /[<>"]/.test(uri)) return false;
  // §19.1.1: no headers in a Request-URI (RFC 4475 escruri); a '?' in the user part is fine (intmeth).
  if (uri.slice(uri.lastIndexOf('@') + 1).includes('?')) return false;
  try {
    return sip.parseUri(uri) !== undefined;
  } catch {
    // The `sip` URI regex throws on some hostile input: that URI is malformed.
    return false;
  }
}

function isWellFormed(field: HeaderField): boolean {
  switch (field.name) {
    case 'from':
    case 'to':
      return isAddress(field.value);
    case 'contact':
      return field.value === '*' || splitList(field.value).every(isAddress);
    case 'via':
      return splitList(field.value).every((v) => VIA.test(v));
    case 'call-id':
      return /^\S+$/.test(field.value);
    default:
      return true;
  }
}

function isAddress(value: string): boolean {
  return NAME_ADDR.test(value) || ADDR_SPEC.test(value);
}

/** Splits a comma-separated header value, ignoring commas inside quotes and <>. */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      items.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(value.slice(start).trim());
  return items;
}

function hasCoreHeaders(m: SipMessage): boolean {
  const h = m.headers;
  return Array.isArray(h.via) && h.via.length > 0 && h.via[0]?.params !== undefined
    && typeof h['call-id'] === 'string' && h.to !== undefined && h.from !== undefined && h.cseq !== undefined;
}
