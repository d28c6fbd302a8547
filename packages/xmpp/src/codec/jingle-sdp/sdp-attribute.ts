// Parsing and writing of the typed `a=` attributes (RFC 8866 §6 and the WebRTC attribute RFCs cited
// in sdp-types.ts). Parsing is strict for the attributes we type: a malformed `a=ssrc` or `a=candidate`
// is an error, not silently dropped, because a lost SSRC or candidate only shows up later as missing media.
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { SdpAttribute, SdpCandidate, SdpDirection, SdpFmtpParameter, SdpSetupRole } from './sdp-types.ts';

// RFC 8866 §9 token (att-field).
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
// A non-empty run of visible ASCII (no space).
const WORD = /^[\x21-\x7e]+$/;
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const SETUP_ROLES: readonly string[] = ['actpass', 'active', 'passive', 'holdconn'];
// Typed attributes that need a value: without one they are malformed rather than raw.
const VALUED: readonly string[] = [
  'group', 'msid-semantic', 'mid', 'rtpmap', 'fmtp', 'rtcp-fb', 'extmap', 'ice-ufrag', 'ice-pwd', 'ice-options',
  'fingerprint', 'setup', 'candidate', 'ssrc', 'ssrc-group', 'msid', 'sctp-port', 'max-message-size',
];

/** A canonical unsigned integer (no sign, no leading zeros) not above `max`. */
export function parseUint(s: string, max: number): number | undefined {
  if (!/^(0|[1-9]\d{0,15})$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** Largest 32-bit unsigned value (SSRCs, ICE priorities). */
export const MAX_U32 = 0xffffffff;

const isDirection = (s: string): s is SdpDirection => DIRECTIONS.includes(s);

/** Splits on single spaces; any empty word (double, leading or trailing space) makes it invalid. */
function words(value: string): string[] | undefined {
  const w = value.split(' ');
  return w.every((x) => x.length > 0) ? w : undefined;
}

type Parsed = Result<SdpAttribute, string>;
const bad = (name: string, value: string | undefined): Parsed => err(`malformed a=${name}${value === undefined ? '' : `:${value}`}`);

function parseCandidate(value: string): SdpCandidate | undefined {
  const w = words(value);
  if (w === undefined || w.length < 8 || w[6] !== 'typ' || (w.length - 8) % 2 !== 0) return undefined;
  const [foundation, componentText, transport, priorityText, address, portText, , type] = w as [string, string, string, string, string, string, string, string];
  const component = parseUint(componentText, 256);
  const priority = parseUint(priorityText, MAX_U32);
  const port = parseUint(portText, 65535);
  if (component === undefined || priority === undefined || port === undefined || !TOKEN.test(transport) || !TOKEN.test(type)) return undefined;
  const extensions: { name: string; value: string }[] = [];
  for (let i = 8; i < w.length; i += 2) extensions.push({ name: w[i] as string, value: w[i + 1] as string });
  return { foundation, component, transport, priority, address, port, type, extensions };
}

function parseFmtp(rest: string): SdpFmtpParameter[] {
  const out: SdpFmtpParameter[] = [];
  for (const raw of rest.split(';')) {
    // Tolerate "a=b; c=d" (some SIP stacks); writing it back drops the space.
    const p = raw.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    out.push(eq > 0 ? { name: p.slice(0, eq), value: p.slice(eq + 1) } : { name: '', value: p });
  }
  return out;
}

/** Parses the text after `a=`; the error is a short description of what is wrong. */
export function parseAttribute(body: string): Parsed {
  const colon = body.indexOf(':');
  const name = colon < 0 ? body : body.slice(0, colon);
  const value = colon < 0 ? undefined : body.slice(colon + 1);
  if (!TOKEN.test(name)) return err(`attribute name ${JSON.stringify(name.slice(0, 40))} is not a token`);
  const flag = (a: SdpAttribute): Parsed => (value === undefined ? ok(a) : bad(name, value));
  if (isDirection(name)) return flag({ kind: 'direction', direction: name });
  switch (name) {
    case 'extmap-allow-mixed': return flag({ kind: 'extmap-allow-mixed' });
    case 'rtcp-mux': return flag({ kind: 'rtcp-mux' });
    default: break;
  }
  if (value === undefined) return VALUED.includes(name) ? bad(name, value) : ok({ kind: 'raw', name });
  switch (name) {
    case 'group': {
      const w = words(value);
      if (w === undefined) return bad(name, value);
      const [semantics, ...mids] = w as [string, ...string[]];
      return ok({ kind: 'group', semantics, mids });
    }
    case 'msid-semantic': {
      const leadingSpace = value.startsWith(' ');
      const w = words(leadingSpace ? value.slice(1) : value);
      if (w === undefined) return bad(name, value);
      const [semantic, ...tokens] = w as [string, ...string[]];
      return ok({ kind: 'msid-semantic', semantic, tokens, leadingSpace });
    }
    case 'mid': return WORD.test(value) ? ok({ kind: 'mid', mid: value }) : bad(name, value);
    case 'rtpmap': {
      const m = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(value);
      const payloadType = m ? parseUint(m[1] as string, 127) : undefined;
      const clockRate = m ? parseUint(m[3] as string, MAX_U32) : undefined;
      const channels = m?.[4] === undefined ? undefined : parseUint(m[4], 255);
      if (!m || payloadType === undefined || clockRate === undefined || (m[4] !== undefined && channels === undefined)) return bad(name, value);
      return ok({ kind: 'rtpmap', payloadType, encoding: m[2] as string, clockRate, ...(channels !== undefined ? { channels } : {}) });
    }
    case 'fmtp': {
      const sp = value.indexOf(' ');
      const payloadType = parseUint(sp < 0 ? value : value.slice(0, sp), 127);
      if (payloadType === undefined) return bad(name, value);
      return ok({ kind: 'fmtp', payloadType, parameters: sp < 0 ? [] : parseFmtp(value.slice(sp + 1)) });
    }
    case 'rtcp-fb': {
      const m = /^(\*|\d+) ([\x21-\x7e]+)(?: (\S.*))?$/.exec(value);
      const payloadType = m?.[1] === '*' ? '*' : m ? parseUint(m[1] as string, 127) : undefined;
      if (!m || payloadType === undefined) return bad(name, value);
      return ok({ kind: 'rtcp-fb', payloadType, type: m[2] as string, ...(m[3] !== undefined ? { subtype: m[3] } : {}) });
    }
    case 'extmap': {
      const m = /^(\d+)(?:\/([a-z]+))? ([\x21-\x7e]+)(?: (\S.*))?$/.exec(value);
      const id = m ? parseUint(m[1] as string, 255) : undefined;
      const direction = m?.[2];
      if (!m || id === undefined || id === 0 || (direction !== undefined && !isDirection(direction))) return bad(name, value);
      return ok({
        kind: 'extmap', id, uri: m[3] as string,
        ...(direction !== undefined ? { direction } : {}),
        ...(m[4] !== undefined ? { extensionAttributes: m[4] } : {}),
      });
    }
    case 'ice-ufrag':
    case 'ice-pwd':
      return WORD.test(value) ? ok({ kind: name, value }) : bad(name, value);
    case 'ice-options': {
      const w = words(value);
      return w === undefined ? bad(name, value) : ok({ kind: 'ice-options', options: w });
    }
    case 'fingerprint': {
      const w = words(value);
      return w?.length === 2 ? ok({ kind: 'fingerprint', hash: w[0] as string, value: w[1] as string }) : bad(name, value);
    }
    case 'setup':
      return SETUP_ROLES.includes(value) ? ok({ kind: 'setup', role: value as SdpSetupRole }) : bad(name, value);
    case 'candidate': {
      const candidate = parseCandidate(value);
      return candidate === undefined ? bad(name, value) : ok({ kind: 'candidate', candidate });
    }
    case 'ssrc': {
      // RFC 5576 §4.1: ssrc-id SP attribute [":" value]; the value may hold spaces (msid).
      const m = /^(\d+) ([!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+)(?::(.*))?$/.exec(value);
      const ssrc = m ? parseUint(m[1] as string, MAX_U32) : undefined;
      if (!m || ssrc === undefined) return bad(name, value);
      return ok({ kind: 'ssrc', ssrc, attribute: m[2] as string, ...(m[3] !== undefined ? { value: m[3] } : {}) });
    }
    case 'ssrc-group': {
      const w = words(value);
      const ssrcs = w?.slice(1).map((s) => parseUint(s, MAX_U32));
      if (w === undefined || ssrcs === undefined || ssrcs.length === 0 || ssrcs.some((s) => s === undefined)) return bad(name, value);
      return ok({ kind: 'ssrc-group', semantics: w[0] as string, ssrcs: ssrcs as number[] });
    }
    case 'msid': {
      const w = words(value);
      if (w === undefined || w.length > 2) return bad(name, value);
      return ok({ kind: 'msid', streamId: w[0] as string, ...(w[1] !== undefined ? { trackId: w[1] } : {}) });
    }
    case 'sctp-port': {
      const port = parseUint(value, 65535);
      return port === undefined ? bad(name, value) : ok({ kind: 'sctp-port', port });
    }
    case 'max-message-size': {
      const sizeBytes = parseUint(value, Number.MAX_SAFE_INTEGER);
      return sizeBytes === undefined ? bad(name, value) : ok({ kind: 'max-message-size', sizeBytes });
    }
    default:
      return ok({ kind: 'raw', name, value });
  }
}

/** Writes one attribute as its `a=` line (no line ending). */
export function writeAttribute(a: SdpAttribute): string {
  switch (a.kind) {
    case 'group': return `a=group:${[a.semantics, ...a.mids].join(' ')}`;
    case 'msid-semantic': return `a=msid-semantic:${a.leadingSpace ? ' ' : ''}${[a.semantic, ...a.tokens].join(' ')}`;
    case 'extmap-allow-mixed': return 'a=extmap-allow-mixed';
    case 'mid': return `a=mid:${a.mid}`;
    case 'rtpmap': return `a=rtpmap:${a.payloadType} ${a.encoding}/${a.clockRate}${a.channels !== undefined ? `/${a.channels}` : ''}`;
    case 'fmtp': {
      const params = a.parameters.map((p) => (p.name === '' ? p.value : `${p.name}=${p.value}`)).join(';');
      return `a=fmtp:${a.payloadType}${params === '' ? '' : ` ${params}`}`;
    }
    case 'rtcp-fb': return `a=rtcp-fb:${a.payloadType} ${a.type}${a.subtype !== undefined ? ` ${a.subtype}` : ''}`;
    case 'extmap':
      return `a=extmap:${a.id}${a.direction !== undefined ? `/${a.direction}` : ''} ${a.uri}${a.extensionAttributes !== undefined ? ` ${a.extensionAttributes}` : ''}`;
    case 'ice-ufrag': return `a=ice-ufrag:${a.value}`;
    case 'ice-pwd': return `a=ice-pwd:${a.value}`;
    case 'ice-options': return `a=ice-options:${a.options.join(' ')}`;
    case 'fingerprint': return `a=fingerprint:${a.hash} ${a.value}`;
    case 'setup': return `a=setup:${a.role}`;
    case 'candidate': {
      const c = a.candidate;
      const ext = c.extensions.map((e) => ` ${e.name} ${e.value}`).join('');
      return `a=candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}${ext}`;
    }
    case 'rtcp-mux': return 'a=rtcp-mux';
    case 'ssrc': return `a=ssrc:${a.ssrc} ${a.attribute}${a.value !== undefined ? `:${a.value}` : ''}`;
    case 'ssrc-group': return `a=ssrc-group:${[a.semantics, ...a.ssrcs].join(' ')}`;
    case 'msid': return `a=msid:${a.streamId}${a.trackId !== undefined ? ` ${a.trackId}` : ''}`;
    case 'direction': return `a=${a.direction}`;
    case 'sctp-port': return `a=sctp-port:${a.port}`;
    case 'max-message-size': return `a=max-message-size:${a.sizeBytes}`;
    case 'raw': return `a=${a.name}${a.value !== undefined ? `:${a.value}` : ''}`;
    default: return assertNever(a);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled SDP attribute: ${JSON.stringify(x)}`);
}
