// SASL ANONYMOUS (RFC 4505), and Jitsi's token login on top of it (protocols.md §8.1): with JWT
// enabled the client still says ANONYMOUS, and the token from the WebSocket URL decides who it is.
import type { Logger } from '@plenum/kit';
import type { JwtVerifier } from './jwt-verifier.ts';
import { decodeUtf8, failure, success } from './sasl-step.ts';
import type { SaslExchange, SaslStep } from './types.ts';

/** SASL mechanism name (RFC 4505). */
export const MECHANISM_ANONYMOUS = 'ANONYMOUS';

// RFC 4505 §2: the trace is at most 255 characters of UTF-8 (4 bytes each at most).
const MAX_TRACE_BYTES = 255 * 4;

/** How the token in the stream URL is treated: ignored (guests) or required and verified. */
export type TokenPolicy =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'require'; readonly verifier: JwtVerifier | undefined; readonly allowEmptyToken: boolean };

/** One ANONYMOUS exchange: a single step that succeeds or fails. */
export class AnonymousExchange implements SaslExchange {
  readonly #deps: { readonly domain: string; readonly token: string | undefined; readonly policy: TokenPolicy; readonly log: Logger };
  #isDone = false;

  constructor(deps: { readonly domain: string; readonly token: string | undefined; readonly policy: TokenPolicy; readonly log: Logger }) {
    this.#deps = deps;
  }

  async step(response: Uint8Array | undefined): Promise<SaslStep> {
    if (this.#isDone) return failure('malformed-request', 'the exchange is already over');
    this.#isDone = true;
    // COMPAT(Strophe.js / lib-jitsi-meet): <auth mechanism='ANONYMOUS'/> comes without an initial
    // response, so no empty challenge is sent for it (Prosody accepts it the same way). The trace
    // itself is not used and never logged: it may be an e-mail address.
    if (response !== undefined && decodeUtf8(response, MAX_TRACE_BYTES) === undefined) {
      return failure('malformed-request', 'the trace is not valid UTF-8 of at most 255 characters');
    }
    const { domain, token, policy, log } = this.#deps;
    if (policy.kind === 'ignore') return success({ kind: 'anonymous', domain });
    if (token === undefined || token === '') {
      // token/util.lib.lua process_and_verify_token: no token is "token required" unless allow_empty_token.
      return policy.allowEmptyToken ? success({ kind: 'anonymous', domain }) : failure('not-authorized', 'a token is required');
    }
    if (policy.verifier === undefined) {
      log.error('jwt enabled without a verifier', { domain });
      return failure('temporary-auth-failure', 'token verification is not configured');
    }
    const verified = policy.verifier.verify(token);
    if (!verified.ok) {
      log.debug('token refused', { code: verified.error.code });
      return failure('not-authorized', verified.error.text);
    }
    return success({ kind: 'token', domain, claims: verified.value });
  }
}
