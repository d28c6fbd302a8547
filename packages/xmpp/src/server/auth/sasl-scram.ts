// SASL SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), server side, without channel
// binding: the -PLUS variants are not offered, so a client may send gs2 flag "n" or "y" but not "p".
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import { parseJid } from '../../codec/jid/jid.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import type { ScramCredential, ScramHash } from './credentials.ts';
import { SCRAM_ITERATIONS, scramDigest, scramHashBytes, scramHmac } from './credentials.ts';
import { saslPrep } from './saslprep.ts';
import { challenge, decodeUtf8, emptyChallenge, failure, success } from './sasl-step.ts';
import type { SaslExchange, SaslStep } from './types.ts';
import type { UserStore } from './user-store.ts';
import { normaliseUsername } from './user-store.ts';

/** SASL mechanism names (RFC 5802 §4, RFC 7677 §3), by hash. */
export const SCRAM_MECHANISMS: Readonly<Record<ScramHash, string>> = { 'SHA-256': 'SCRAM-SHA-256', 'SHA-1': 'SCRAM-SHA-1' };

/** What a SCRAM exchange needs. */
export type ScramDeps = {
  readonly hash: ScramHash;
  /** The domain the account logs into (RFC 6120 §6.3.8: authzid must be this account's bare JID). */
  readonly domain: string;
  readonly users: UserStore;
  /** Keys the made-up salt and keys shown for unknown users, so the same name always gets the same salt. */
  readonly fakeCredentialSecret: Uint8Array;
  /** Server nonce part: printable ASCII without ',' (RFC 5802 §7). */
  readonly nonce: () => string;
  readonly log: Logger;
};

/** A fresh server nonce: 24 random bytes as Base64 (printable, never a comma). */
export const randomScramNonce = (): string => randomBytes(24).toString('base64');

const MAX_MESSAGE_BYTES = 4096;
// RFC 5802 §7: printable = %x21-2B / %x2D-7E (visible ASCII except ',').
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
// RFC 5802 §7: saslname = 1*(value-safe-char / "=2C" / "=3D"); '=' may only start an escape.
const SASLNAME = /^(?:[^=,\u0000]|=2C|=3D)+$/;
// RFC 5802 §7: attr-val = ALPHA "=" value.
const ATTRIBUTE = /^[A-Za-z]=/;

type Rejection = { readonly condition: 'malformed-request' | 'not-authorized' | 'invalid-authzid'; readonly text: string };
const malformed = (text: string): Rejection => ({ condition: 'malformed-request', text });

const decodeSaslname = (s: string): string | undefined =>
  SASLNAME.test(s) ? s.replace(/=2C/g, ',').replace(/=3D/g, '=') : undefined;

type ClientFirst = { readonly gs2Header: string; readonly authzid: string | undefined; readonly username: string; readonly clientNonce: string; readonly bare: string };

/** RFC 5802 §7 client-first-message = gs2-header client-first-message-bare. */
function parseClientFirst(message: string): ClientFirst | Rejection {
  const flagEnd = message.indexOf(',');
  const authzEnd = flagEnd === -1 ? -1 : message.indexOf(',', flagEnd + 1);
  if (authzEnd === -1) return malformed('expected a gs2 header');
  const flag = message.slice(0, flagEnd);
  if (flag.startsWith('p=')) return malformed('channel binding is not supported by this mechanism');
  if (flag !== 'n' && flag !== 'y') return malformed('unknown gs2 channel binding flag');
  const authzPart = message.slice(flagEnd + 1, authzEnd);
  let authzid: string | undefined;
  if (authzPart !== '') {
    authzid = authzPart.startsWith('a=') ? decodeSaslname(authzPart.slice(2)) : undefined;
    if (authzid === undefined) return malformed('invalid authzid');
  }
  const bare = message.slice(authzEnd + 1);
  const [first, second, ...extensions] = bare.split(',');
  // RFC 5802 §5.1: "m" is reserved for mandatory extensions, which must make authentication fail.
  if (first?.startsWith('m=')) return malformed('mandatory SCRAM extensions are not supported');
  const username = first?.startsWith('n=') ? decodeSaslname(first.slice(2)) : undefined;
  if (username === undefined) return malformed('expected n=username');
  const clientNonce = second?.startsWith('r=') ? second.slice(2) : '';
  if (!PRINTABLE.test(clientNonce)) return malformed('expected r=nonce of printable characters');
  if (!extensions.every((e) => ATTRIBUTE.test(e))) return malformed('invalid attribute');
  return { gs2Header: message.slice(0, authzEnd + 1), authzid, username, clientNonce, bare };
}

type ClientFinal = { readonly channelBinding: Uint8Array; readonly nonce: string; readonly proof: Uint8Array; readonly withoutProof: string };

/** RFC 5802 §7 client-final-message = channel-binding "," nonce ["," extensions] "," proof. */
function parseClientFinal(message: string, proofBytes: number): ClientFinal | Rejection {
  const proofAt = message.lastIndexOf(',p=');
  if (proofAt === -1) return malformed('expected p=proof last');
  const withoutProof = message.slice(0, proofAt);
  const proof = decodeBase64(message.slice(proofAt + 3));
  if (proof === undefined || proof.length !== proofBytes) return malformed('the proof is not Base64 of the right length');
  const [c, r, ...extensions] = withoutProof.split(',');
  const channelBinding = c?.startsWith('c=') ? decodeBase64(c.slice(2)) : undefined;
  if (channelBinding === undefined) return malformed('expected c=channel binding');
  if (r === undefined || !r.startsWith('r=')) return malformed('expected r=nonce');
  if (!extensions.every((e) => ATTRIBUTE.test(e))) return malformed('invalid attribute');
  return { channelBinding, nonce: r.slice(2), proof, withoutProof };
}

const isRejection = (x: object): x is Rejection => 'condition' in x;

type Keys = { readonly salt: string; readonly iterations: number; readonly storedKey: Uint8Array; readonly serverKey: Uint8Array };

/** Decodes stored verifiers; undefined for a damaged record (treated like an unknown user). */
function decodeCredential(c: ScramCredential): Keys | undefined {
  const storedKey = decodeBase64(c.storedKey);
  const serverKey = decodeBase64(c.serverKey);
  return storedKey && serverKey ? { salt: c.salt, iterations: c.iterations, storedKey, serverKey } : undefined;
}

/**
 * Made-up verifiers for a name with no account. Derived from a server secret so that asking
 * twice gives the same salt, as it would for a real account; nothing can match the keys.
 */
function fakeKeys(deps: ScramDeps, username: string): Keys {
  const derive = (label: string, bytes: number) =>
    new Uint8Array(createHmac('sha256', deps.fakeCredentialSecret).update(`${label}\u0000${deps.hash}\u0000${username}`).digest().subarray(0, bytes));
  return {
    salt: encodeBase64(derive('salt', 16)),
    iterations: SCRAM_ITERATIONS,
    storedKey: derive('stored-key', scramHashBytes(deps.hash)),
    serverKey: derive('server-key', scramHashBytes(deps.hash)),
  };
}

type AwaitingFinal = {
  readonly gs2Header: string;
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  readonly combinedNonce: string;
  /** Undefined when the account does not exist: the exchange runs on to the proof anyway. */
  readonly username: string | undefined;
  readonly keys: Keys;
};

/** One SCRAM exchange: client-first → server-first challenge → client-final → success with `v=`. */
export class ScramExchange implements SaslExchange {
  readonly #deps: ScramDeps;
  #state: { readonly phase: 'first'; readonly hasAskedForResponse: boolean } | ({ readonly phase: 'final' } & AwaitingFinal) | { readonly phase: 'done' } =
    { phase: 'first', hasAskedForResponse: false };

  constructor(deps: ScramDeps) {
    this.#deps = deps;
  }

  async step(response: Uint8Array | undefined): Promise<SaslStep> {
    const state = this.#state;
    switch (state.phase) {
      case 'done':
        return failure('malformed-request', 'the exchange is already over');
      case 'first':
        if (response === undefined && !state.hasAskedForResponse) {
          this.#state = { phase: 'first', hasAskedForResponse: true };
          return emptyChallenge();
        }
        return this.#onClientFirst(response);
      case 'final':
        return this.#onClientFinal(state, response);
    }
  }

  #finish(step: SaslStep): SaslStep {
    this.#state = { phase: 'done' };
    // The condition only: names and proofs stay out of logs.
    if (step.kind === 'failure') this.#deps.log.debug('scram failed', { hash: this.#deps.hash, condition: step.condition });
    return step;
  }

  #onClientFirst(response: Uint8Array | undefined): SaslStep {
    const text = response === undefined ? undefined : decodeUtf8(response, MAX_MESSAGE_BYTES);
    if (text === undefined) return this.#finish(failure('malformed-request', 'expected a client-first-message'));
    const first = parseClientFirst(text);
    if (isRejection(first)) return this.#finish(failure(first.condition, first.text));

    const { domain, users, hash } = this.#deps;
    // RFC 5802 §5.1: the name is SASLprep'd; for XMPP it is the account's localpart (RFC 6120 §6.3.8).
    const prepared = saslPrep(first.username);
    const name = prepared === undefined ? undefined : normaliseUsername(prepared);
    const username = name?.ok ? name.value : undefined;
    if (first.authzid !== undefined) {
      const jid = parseJid(first.authzid);
      if (username === undefined || !jid.ok || jid.value.resource !== '' || jid.value.local !== username || jid.value.domain !== domain) {
        return this.#finish(failure('invalid-authzid', 'the authorization identity is not this account'));
      }
    }
    const user = username === undefined ? undefined : users.get(username);
    const stored = user === undefined ? undefined : decodeCredential(user.scram[hash]);
    const keys = stored ?? fakeKeys(this.#deps, username ?? first.username);

    const combinedNonce = first.clientNonce + this.#deps.nonce();
    // RFC 5802 §7 server-first-message = nonce "," salt "," iteration-count.
    const serverFirst = `r=${combinedNonce},s=${keys.salt},i=${keys.iterations}`;
    this.#state = {
      phase: 'final', gs2Header: first.gs2Header, clientFirstBare: first.bare, serverFirst, combinedNonce,
      username: stored === undefined ? undefined : user?.username, keys,
    };
    return challenge(new TextEncoder().encode(serverFirst));
  }

  #onClientFinal(state: AwaitingFinal, response: Uint8Array | undefined): SaslStep {
    const { hash } = this.#deps;
    const text = response === undefined ? undefined : decodeUtf8(response, MAX_MESSAGE_BYTES);
    if (text === undefined) return this.#finish(failure('malformed-request', 'expected a client-final-message'));
    const final = parseClientFinal(text, scramHashBytes(hash));
    if (isRejection(final)) return this.#finish(failure(final.condition, final.text));
    // RFC 5802 §7: without channel binding, c= carries the gs2 header exactly as first sent; a
    // change here (say "n" → "y") is how a downgrade would show.
    const expectedBinding = new TextEncoder().encode(state.gs2Header);
    if (!bytesEqual(final.channelBinding, expectedBinding)) return this.#finish(failure('not-authorized', 'channel binding data does not match'));
    if (final.nonce !== state.combinedNonce) return this.#finish(failure('not-authorized', 'the nonce does not match'));

    // RFC 5802 §3: AuthMessage, ClientSignature = HMAC(StoredKey, AuthMessage),
    // ClientKey = ClientProof XOR ClientSignature, valid when H(ClientKey) = StoredKey.
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${final.withoutProof}`;
    const clientSignature = scramHmac(hash, state.keys.storedKey, authMessage);
    const clientKey = final.proof.map((b, i) => b ^ (clientSignature[i] ?? 0));
    const isProofValid = timingSafeEqual(scramDigest(hash, clientKey), state.keys.storedKey);
    if (!isProofValid || state.username === undefined) return this.#finish(failure('not-authorized', 'wrong user name or password'));

    // RFC 5802 §3 ServerSignature = HMAC(ServerKey, AuthMessage), sent as server-final "v=…"
    // in the <success/> additional data (RFC 6120 §6.3.10).
    const serverSignature = scramHmac(hash, state.keys.serverKey, authMessage);
    const data = new TextEncoder().encode(`v=${encodeBase64(serverSignature)}`);
    return this.#finish(success({ kind: 'user', username: state.username, domain: this.#deps.domain }, data));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
