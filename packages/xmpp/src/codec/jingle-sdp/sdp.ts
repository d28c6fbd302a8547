// A small typed SDP parser/serializer (RFC 8866) for what WebRTC peers exchange. Pure and browser-safe.
// parseSdp never throws: input over the size/line caps, garbage lines and malformed known attributes
// come back as typed SdpErrors. writeSdp(parseSdp(x)) reproduces x for canonical input (what Chrome
// and Firefox emit), always with CRLF line endings (RFC 8866 §5).
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { SdpError } from './sdp-error.ts';
import { sdpError } from './sdp-error.ts';
import { parseAttribute, parseUint, writeAttribute } from './sdp-attribute.ts';
import type { Sdp, SdpDirection, SdpLine, SdpLineOf, SdpMedia, SdpOrigin } from './sdp-types.ts';

export type {
  Sdp, SdpAttribute, SdpCandidate, SdpDirection, SdpFmtpParameter, SdpLine, SdpLineOf, SdpMedia, SdpOrigin, SdpSetupRole,
} from './sdp-types.ts';

/** Longest SDP text parseSdp accepts (characters). A 100-participant bridge offer is about 0.5 MB. */
export const MAX_SDP_CHARS = 4 * 1024 * 1024;
/** Most lines parseSdp accepts. */
export const MAX_SDP_LINES = 100_000;

// Line types RFC 8866 allows only once, at the top, in this order.
const HEADER_TYPES = new Set(['v', 'o', 's']);
// Anything but NUL/CR/LF is a byte-string in RFC 8866; we also refuse the other C0 controls (except tab) and DEL.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

type Raw = { readonly type: string; readonly value: string; readonly no: number };

/** Splits into lines (CRLF or bare LF), enforcing the line cap; trailing empty lines are ignored. */
function splitLines(text: string): Result<Raw[], SdpError> {
  const texts: string[] = [];
  for (let start = 0; start < text.length; ) {
    if (texts.length >= MAX_SDP_LINES) return err(sdpError('sdp/too-many-lines', `more than ${MAX_SDP_LINES} lines`));
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    texts.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    start = end + 1;
  }
  while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
  const lines: Raw[] = [];
  for (const [i, line] of texts.entries()) {
    if (!/^[a-z]=/.test(line) || CONTROL.test(line)) {
      return err(sdpError('sdp/malformed-line', `line ${i + 1} is not "<type>=<value>": ${JSON.stringify(line.slice(0, 60))}`, i + 1));
    }
    lines.push({ type: line[0] as string, value: line.slice(2), no: i + 1 });
  }
  return ok(lines);
}

function parseOrigin(line: Raw | undefined): Result<SdpOrigin, SdpError> {
  if (line?.type !== 'o') return err(sdpError('sdp/missing-line', 'second line must be o=', line?.no));
  const w = line.value.split(' ');
  if (w.length !== 6 || w.some((x) => x === '')) return err(sdpError('sdp/bad-origin', 'o= needs six fields', line.no));
  const [username, sessionId, sessionVersion, netType, addrType, address] = w as [string, string, string, string, string, string];
  return ok({ username, sessionId, sessionVersion, netType, addrType, address });
}

function parseLine(line: Raw, atSessionLevel: boolean): Result<SdpLine, SdpError> {
  switch (line.type) {
    case 'a': {
      const a = parseAttribute(line.value);
      return a.ok ? a : err(sdpError('sdp/bad-attribute', `line ${line.no}: ${a.error}`, line.no));
    }
    case 'c': {
      const w = line.value.split(' ');
      if (w.length !== 3 || w.some((x) => x === '')) return err(sdpError('sdp/bad-connection', 'c= needs three fields', line.no));
      const [netType, addrType, address] = w as [string, string, string];
      return ok({ kind: 'connection', netType, addrType, address });
    }
    case 't': {
      const w = line.value.split(' ');
      const start = parseUint(w[0] ?? '', Number.MAX_SAFE_INTEGER);
      const stop = parseUint(w[1] ?? '', Number.MAX_SAFE_INTEGER);
      if (!atSessionLevel) return err(sdpError('sdp/malformed-line', 't= inside a media section', line.no));
      if (w.length !== 2 || start === undefined || stop === undefined) return err(sdpError('sdp/bad-timing', 't= needs two integers', line.no));
      return ok({ kind: 'timing', start, stop });
    }
    default:
      if (HEADER_TYPES.has(line.type)) return err(sdpError('sdp/malformed-line', `${line.type}= out of place`, line.no));
      return ok({ kind: 'line', type: line.type, value: line.value });
  }
}

function parseMLine(line: Raw): Result<Omit<SdpMedia, 'lines'>, SdpError> {
  const w = line.value.split(' ');
  const bad = err(sdpError('sdp/bad-media', `m= needs media, port, proto and formats: ${JSON.stringify(line.value.slice(0, 60))}`, line.no));
  if (w.length < 4 || w.some((x) => x === '')) return bad;
  const [media, portField, proto, ...formats] = w as [string, string, string, ...string[]];
  const slash = portField.indexOf('/');
  const port = parseUint(slash < 0 ? portField : portField.slice(0, slash), 65535);
  const portCount = slash < 0 ? undefined : parseUint(portField.slice(slash + 1), 65535);
  if (port === undefined || (slash >= 0 && portCount === undefined)) return bad;
  return ok({ media, port, ...(portCount !== undefined ? { portCount } : {}), proto, formats });
}

/** Parses an SDP text (RFC 8866). Never throws; every failure is a typed `SdpError`. */
export function parseSdp(text: string): Result<Sdp, SdpError> {
  if (typeof text !== 'string') return err(sdpError('sdp/malformed-line', 'input is not a string'));
  if (text.length > MAX_SDP_CHARS) return err(sdpError('sdp/too-large', `SDP of ${text.length} characters exceeds ${MAX_SDP_CHARS}`));
  const split = splitLines(text);
  if (!split.ok) return split;
  const lines = split.value;
  const v = lines[0];
  if (v?.type !== 'v') return err(sdpError('sdp/missing-line', 'first line must be v=', v?.no));
  if (v.value !== '0') return err(sdpError('sdp/bad-version', `unsupported version ${JSON.stringify(v.value.slice(0, 20))}`, v.no));
  const origin = parseOrigin(lines[1]);
  if (!origin.ok) return origin;
  const s = lines[2];
  if (s?.type !== 's') return err(sdpError('sdp/missing-line', 'third line must be s=', s?.no));

  const session: SdpLine[] = [];
  const media: SdpMedia[] = [];
  let current: { head: Omit<SdpMedia, 'lines'>; lines: SdpLine[] } | undefined;
  const flush = (): void => {
    if (current) media.push({ ...current.head, lines: current.lines });
  };
  for (const line of lines.slice(3)) {
    if (line.type === 'm') {
      const head = parseMLine(line);
      if (!head.ok) return head;
      flush();
      current = { head: head.value, lines: [] };
      continue;
    }
    const parsed = parseLine(line, current === undefined);
    if (!parsed.ok) return parsed;
    (current ? current.lines : session).push(parsed.value);
  }
  flush();
  if (!session.some((l) => l.kind === 'timing')) return err(sdpError('sdp/missing-line', 'no t= line'));
  return ok({ origin: origin.value, sessionName: s.value, session, media });
}

function writeLine(l: SdpLine): string {
  switch (l.kind) {
    case 'connection': return `c=${l.netType} ${l.addrType} ${l.address}`;
    case 'timing': return `t=${l.start} ${l.stop}`;
    case 'line': return `${l.type}=${l.value}`;
    default: return writeAttribute(l);
  }
}

/** Writes an SDP text with CRLF line endings. Values are written as given: build models from trusted or validated data. */
export function writeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  const out = ['v=0', `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, `s=${sdp.sessionName}`];
  for (const l of sdp.session) out.push(writeLine(l));
  for (const m of sdp.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : `${m.port}`;
    out.push(`m=${[m.media, port, m.proto, ...m.formats].join(' ')}`);
    for (const l of m.lines) out.push(writeLine(l));
  }
  return `${out.join('\r\n')}\r\n`;
}

/** All lines of one kind, in order. */
export function sdpLinesOf<K extends SdpLine['kind']>(lines: readonly SdpLine[], kind: K): SdpLineOf<K>[] {
  return lines.filter((l): l is SdpLineOf<K> => l.kind === kind);
}

/** The first line of one kind, if any. */
export function firstSdpLine<K extends SdpLine['kind']>(lines: readonly SdpLine[], kind: K): SdpLineOf<K> | undefined {
  return lines.find((l): l is SdpLineOf<K> => l.kind === kind);
}

/** The section's `a=mid`, if any. */
export const sdpMediaMid = (m: SdpMedia): string | undefined => firstSdpLine(m.lines, 'mid')?.mid;

/** The section's direction: its own attribute, else the session's, else sendrecv (RFC 8866 §6.7). */
export function sdpMediaDirection(m: SdpMedia, sdp?: Sdp): SdpDirection {
  return firstSdpLine(m.lines, 'direction')?.direction ?? (sdp ? firstSdpLine(sdp.session, 'direction')?.direction : undefined) ?? 'sendrecv';
}
