// Jitsi-compatible JWT verification (protocols.md §8.1; Jitsi's mod_auth_token and
// token/util.lib.lua). JWS compact serialisation per RFC 7515 §7.1, claims per RFC 7519 §4.
// The algorithm is pinned by configuration: the token's own `alg` never chooses the key or the
// algorithm, which closes both `alg: none` and the RS256→HS256 public-key-as-secret confusion.
import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Clock, Result } from '@plenum/kit';
import { assert, err, ok } from '@plenum/kit';
import type { XmppConfig } from '../config.ts';
import { decodeBase64Url } from './base64.ts';
import type { TokenClaims } from './types.ts';

/** The `auth.jwt` configuration section. */
export type JwtConfig = XmppConfig['auth']['jwt'];

/** Why a token (or the verifier's key) was refused; `text` is short, safe to show, and never contains the token. */
export type JwtError = {
  readonly code:
    | 'malformed' | 'bad-header' | 'bad-algorithm' | 'bad-signature' | 'bad-claim' | 'expired'
    | 'not-yet-valid' | 'bad-issuer' | 'bad-audience' | 'missing-room' | 'bad-config';
  readonly text: string;
};

/** The verification key for the pinned algorithm. */
export type JwtKey =
  | { readonly algorithm: 'HS256'; readonly secret: Uint8Array }
  | { readonly algorithm: 'RS256'; readonly publicKey: KeyObject };

/** Tokens longer than this are refused before any parsing (a URL parameter has no business being larger). */
export const MAX_TOKEN_CHARS = 8 * 1024;
const MIN_RSA_MODULUS_BITS = 2048;
const HS256_SIGNATURE_BYTES = 32;

const fail = (code: JwtError['code'], text: string) => err<JwtError>({ code, text });

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
// Own properties only, so a claim named like an Object.prototype member is never inherited.
const own = (o: Json, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Decodes a Base64url segment holding a UTF-8 JSON object; undefined for anything else. */
function decodeJsonSegment(segment: string): Json | undefined {
  const bytes = decodeBase64Url(segment);
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    // TextDecoder and JSON.parse report bad input only by throwing: an expected failure here.
    return undefined;
  }
}

/**
 * Prepares the key for the configured algorithm: the HS256 shared secret (Jitsi `app_secret`,
 * used as its UTF-8 bytes) or the RS256 public key read from `publicKeyFile` by the caller.
 */
export function loadJwtKey(config: JwtConfig, publicKeyPem: string | undefined): Result<JwtKey, JwtError> {
  if (config.algorithm === 'HS256') {
    if (config.secret === undefined || config.secret === '') return fail('bad-config', 'auth.jwt.secret is required for HS256');
    return ok({ algorithm: 'HS256', secret: new TextEncoder().encode(config.secret) });
  }
  if (publicKeyPem === undefined || publicKeyPem.trim() === '') return fail('bad-config', 'an RS256 public key (auth.jwt.publicKeyFile) is required');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(publicKeyPem);
  } catch {
    // createPublicKey reports an unparsable PEM only by throwing.
    return fail('bad-config', 'the RS256 public key is not a valid PEM key');
  }
  if (publicKey.asymmetricKeyType !== 'rsa') return fail('bad-config', 'the RS256 public key is not an RSA key');
  if ((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    return fail('bad-config', `the RS256 public key is shorter than ${MIN_RSA_MODULUS_BITS} bits`);
  }
  return ok({ algorithm: 'RS256', publicKey });
}

/** Verifies Jitsi-style JWTs against the pinned algorithm and key; never throws on a bad token. */
export class JwtVerifier {
  readonly #config: JwtConfig;
  readonly #key: JwtKey;
  readonly #clock: Clock;
  readonly #issuers: readonly string[];

  constructor(deps: { readonly config: JwtConfig; readonly key: JwtKey; readonly clock: Clock }) {
    assert(deps.key.algorithm === deps.config.algorithm, `JWT key is for ${deps.key.algorithm} but ${deps.config.algorithm} is configured`);
    this.#config = deps.config;
    this.#key = deps.key;
    this.#clock = deps.clock;
    // token/util.lib.lua: asap_accepted_issuers defaults to { app_id }.
    this.#issuers = deps.config.acceptedIssuers.length > 0 ? deps.config.acceptedIssuers : [deps.config.appId];
  }

  /** Checks structure, signature and claims, in that order; the payload is only interpreted once the signature holds. */
  verify(token: string): Result<TokenClaims, JwtError> {
    if (typeof token !== 'string' || token === '') return fail('malformed', 'the token is empty');
    if (token.length > MAX_TOKEN_CHARS) return fail('malformed', 'the token is too long');
    const parts = token.split('.');
    // RFC 7516 §9: five parts would be an encrypted token (JWE), which Jitsi does not use either.
    if (parts.length !== 3) return fail('malformed', 'the token does not have three parts');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJsonSegment(headerPart);
    if (header === undefined) return fail('malformed', 'the token header is not a JSON object');
    const checked = this.#checkHeader(header);
    if (!checked.ok) return checked;
    const signature = decodeBase64Url(signaturePart);
    if (signature === undefined) return fail('malformed', 'the token signature is not Base64url');
    if (decodeBase64Url(payloadPart) === undefined) return fail('malformed', 'the token payload is not Base64url');
    if (!this.#signatureHolds(`${headerPart}.${payloadPart}`, signature)) return fail('bad-signature', 'the token signature does not match');
    const payload = decodeJsonSegment(payloadPart);
    if (payload === undefined) return fail('malformed', 'the token payload is not a JSON object');
    return this.#checkClaims(payload);
  }

  #checkHeader(header: Json): Result<void, JwtError> {
    const typ = own(header, 'typ');
    // RFC 7519 §5.1; media type names compare case-insensitively (RFC 7515 §4.1.9).
    if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) return fail('bad-header', 'the token type is not JWT');
    const alg = own(header, 'alg');
    if (alg === 'none' || alg === '') return fail('bad-algorithm', 'unsigned tokens are not accepted');
    if (alg !== this.#config.algorithm) return fail('bad-algorithm', `only ${this.#config.algorithm} tokens are accepted`);
    // RFC 7515 §4.1.11: a recipient that does not understand a critical extension must refuse.
    if (own(header, 'crit') !== undefined) return fail('bad-header', 'critical header extensions are not supported');
    return ok(undefined);
  }

  #signatureHolds(signingInput: string, signature: Uint8Array): boolean {
    const key = this.#key;
    if (key.algorithm === 'HS256') {
      // RFC 7518 §3.2: HMAC SHA-256 over the ASCII signing input; compared in constant time.
      if (signature.length !== HS256_SIGNATURE_BYTES) return false;
      const expected = createHmac('sha256', key.secret).update(signingInput, 'ascii').digest();
      return timingSafeEqual(expected, signature);
    }
    try {
      // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256 (crypto.verify's default padding for RSA keys).
      return verifySignature('sha256', Buffer.from(signingInput, 'ascii'), key.publicKey, signature);
    } catch {
      // OpenSSL may reject an odd-sized signature by throwing; that is just a bad signature.
      return false;
    }
  }

  #checkClaims(payload: Json): Result<TokenClaims, JwtError> {
    const nowSeconds = this.#clock.now() / 1000;
    const skewSeconds = this.#config.clockSkewSeconds;

    // RFC 7519 §4.1.4; Jitsi requires exp.
    const exp = own(payload, 'exp');
    if (!isFiniteNumber(exp)) return fail('bad-claim', "the 'exp' claim is missing or not a number");
    if (nowSeconds >= exp + skewSeconds) return fail('expired', 'the token has expired');
    // RFC 7519 §4.1.5.
    const nbf = own(payload, 'nbf');
    if (nbf !== undefined && !isFiniteNumber(nbf)) return fail('bad-claim', "the 'nbf' claim is not a number");
    if (nbf !== undefined && nowSeconds + skewSeconds < nbf) return fail('not-yet-valid', 'the token is not valid yet');

    // token/util.lib.lua verify_issuer: exact match against the accepted list, no wildcard.
    const iss = own(payload, 'iss');
    if (typeof iss !== 'string') return fail('bad-issuer', "the 'iss' claim is missing");
    if (!this.#issuers.includes(iss)) return fail('bad-issuer', 'the token issuer is not accepted');

    // token/util.lib.lua verify_audience: aud must be present; "*" in the accepted list takes any.
    // RFC 7519 §4.1.3 allows a single string or an array of strings.
    const aud = own(payload, 'aud');
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
    if (audiences === undefined || audiences.length === 0) return fail('bad-audience', "the 'aud' claim is missing");
    const accepted = this.#config.acceptedAudiences;
    if (!accepted.includes('*') && !audiences.some((a) => accepted.includes(a))) return fail('bad-audience', 'the token audience is not accepted');

    const room = own(payload, 'room');
    if (room !== undefined && typeof room !== 'string') return fail('bad-claim', "the 'room' claim is not a string");
    if ((room === undefined || room === '') && this.#config.requireRoomClaim) return fail('missing-room', "the 'room' claim is missing");

    const sub = own(payload, 'sub');
    if (sub !== undefined && typeof sub !== 'string') return fail('bad-claim', "the 'sub' claim is not a string");

    const context = own(payload, 'context');
    const ctx = isObject(context) ? context : {};
    const user = readUser(own(ctx, 'user'));
    const group = own(ctx, 'group');
    const features = readFeatures(own(ctx, 'features'));

    return ok({
      room: room === undefined || room === '' ? '*' : room,
      iss,
      exp,
      ...(sub !== undefined ? { sub } : {}),
      ...(aud !== undefined ? { aud: typeof aud === 'string' ? aud : Object.freeze([...audiences]) } : {}),
      ...(nbf !== undefined ? { nbf } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(typeof group === 'string' ? { group } : {}),
      ...(features !== undefined ? { features } : {}),
      raw: Object.freeze(payload),
    });
  }
}

/** "true"/"false" strings are common in Jitsi tokens (features, moderator) next to real booleans. */
function readFlag(x: unknown): boolean | undefined {
  if (x === true || x === 'true') return true;
  if (x === false || x === 'false') return false;
  return undefined;
}

type TokenUser = NonNullable<TokenClaims['user']>;

/** `context.user` {id, name, email, avatar, moderator}; fields of the wrong type are dropped, not fatal. */
function readUser(x: unknown): TokenUser | undefined {
  if (!isObject(x)) return undefined;
  const id = own(x, 'id');
  const out: { -readonly [K in keyof TokenUser]: TokenUser[K] } = {};
  // COMPAT(token generators): numeric user ids are common; they are kept as text.
  if (typeof id === 'string' || isFiniteNumber(id)) out.id = String(id);
  for (const key of ['name', 'email', 'avatar'] as const) {
    const value = own(x, key);
    if (typeof value === 'string') out[key] = value;
  }
  const moderator = readFlag(own(x, 'moderator'));
  if (moderator !== undefined) out.moderator = moderator;
  return Object.freeze(out);
}

/** `context.features` {recording, livestreaming, transcription, outbound-call, …} as booleans. */
function readFeatures(x: unknown): Readonly<Record<string, boolean>> | undefined {
  if (!isObject(x)) return undefined;
  const entries = Object.entries(x).flatMap(([name, value]) => {
    const flag = readFlag(value);
    return flag === undefined ? [] : [[name, flag] as const];
  });
  // fromEntries defines own properties, so a feature called "__proto__" stays a plain key.
  return Object.freeze(Object.fromEntries(entries));
}

/**
 * Whether a token admits its holder to a room (Jitsi token_verification at MUC join): the
 * `room` claim is "*" or names the room's node, compared case-insensitively. Multi-tenant nodes
 * (`[tenant]room`) must be named in full, as Jitsi does without domain verification.
 */
export function tokenAllowsRoom(claims: TokenClaims, roomLocalpart: string): boolean {
  return claims.room === '*' || claims.room.toLowerCase() === roomLocalpart.toLowerCase();
}
