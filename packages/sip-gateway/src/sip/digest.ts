// HTTP digest authentication as a SIP client (RFC 3261 §22, RFC 2617, RFC 7616: MD5 and SHA-256,
// optional -sess, qop=auth). Pure: the client nonce and count come from the caller.
import { createHash } from 'node:crypto';

export type DigestChallenge = {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: string;
  readonly qop: readonly string[];
  readonly stale: boolean;
};

const HASHES: Readonly<Record<string, string>> = { 'MD5': 'md5', 'MD5-SESS': 'md5', 'SHA-256': 'sha256', 'SHA-256-SESS': 'sha256' };

/** Parses one `WWW-Authenticate`/`Proxy-Authenticate` value; undefined unless it is a digest challenge we can answer. */
export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const scheme = /^\s*Digest\s+/i.exec(value);
  if (scheme === null) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)\s*(?:,|$)/g;
  re.lastIndex = scheme[0].length;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const raw = m[2] ?? '';
    params.set((m[1] ?? '').toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (realm === undefined || nonce === undefined || HASHES[algorithm] === undefined) return undefined;
  const qop = (params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
  // Only qop=auth is supported: auth-int would need the body hash of every request.
  if (qop.length > 0 && !qop.includes('auth')) return undefined;
  return { realm, nonce, opaque: params.get('opaque'), algorithm, qop, stale: params.get('stale')?.toLowerCase() === 'true' };
}

/** Picks the strongest challenge we can answer (RFC 7616 §3.7: SHA-256 before MD5). */
export function pickDigestChallenge(values: readonly string[]): DigestChallenge | undefined {
  const parsed = values.map(parseDigestChallenge).filter((c): c is DigestChallenge => c !== undefined);
  return parsed.find((c) => c.algorithm.startsWith('SHA-256')) ?? parsed[0];
}

/** The `Authorization`/`Proxy-Authorization` value answering `challenge` for one request. */
export function digestAuthorization(challenge: DigestChallenge, request: {
  readonly method: string; readonly uri: string; readonly username: string; readonly password: string;
  readonly cnonce: string; readonly nonceCount: number;
}): string {
  const algorithm = HASHES[challenge.algorithm] ?? 'md5';
  const h = (s: string): string => createHash(algorithm).update(s, 'utf8').digest('hex');
  const nc = request.nonceCount.toString(16).padStart(8, '0');
  let ha1 = h(`${request.username}:${challenge.realm}:${request.password}`);
  if (challenge.algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${challenge.nonce}:${request.cnonce}`);
  const ha2 = h(`${request.method}:${request.uri}`);
  const useQop = challenge.qop.includes('auth');
  const response = useQop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${request.cnonce}:auth:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username="${quote(request.username)}"`, `realm="${quote(challenge.realm)}"`, `nonce="${quote(challenge.nonce)}"`,
    `uri="${quote(request.uri)}"`, `response="${response}"`, `algorithm=${challenge.algorithm}`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque="${quote(challenge.opaque)}"`);
  if (useQop) parts.push('qop=auth', `nc=${nc}`, `cnonce="${quote(request.cnonce)}"`);
  return `Digest ${parts.join(', ')}`;
}

function quote(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}
