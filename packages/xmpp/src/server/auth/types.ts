// The contract between SASL authentication (this folder) and the stream session that drives it
// (RFC 6120 §6). The session owns the wire (<auth/>, <response/>, <abort/>); this folder owns the
// mechanisms and the decision who the peer is.

/** The verified claims of a Jitsi-style JWT (protocols.md §8.1); `raw` keeps the whole payload. */
export type TokenClaims = { readonly room: string; readonly sub?: string; readonly iss: string; readonly aud?: string | readonly string[]; readonly exp: number; readonly nbf?: number; readonly user?: { readonly id?: string; readonly name?: string; readonly email?: string; readonly avatar?: string; readonly moderator?: boolean }; readonly group?: string; readonly features?: Readonly<Record<string, boolean>>; readonly raw: Readonly<Record<string, unknown>> };

/** Who a successful SASL exchange proved the peer to be. */
export type AuthIdentity =
  | { readonly kind: 'anonymous'; readonly domain: string }
  | { readonly kind: 'user'; readonly username: string; readonly domain: string }
  | { readonly kind: 'token'; readonly domain: string; readonly claims: TokenClaims };

/** What the session knows about the stream when SASL starts (`token` is the `?token=` URL parameter). */
export type SaslContext = { readonly domain: string; readonly isSecure: boolean; readonly transport: 'tcp' | 'websocket'; readonly token: string | undefined };

/** RFC 6120 §6.5 SASL failure conditions. */
export type SaslFailureCondition = 'aborted' | 'account-disabled' | 'credentials-expired' | 'encryption-required' | 'incorrect-encoding' | 'invalid-authzid' | 'invalid-mechanism' | 'malformed-request' | 'mechanism-too-weak' | 'not-authorized' | 'temporary-auth-failure';

/** The server's next move in an exchange: a challenge, success (with optional additional data) or failure. */
export type SaslStep = { readonly kind: 'challenge'; readonly data: Uint8Array } | { readonly kind: 'success'; readonly data: Uint8Array | undefined; readonly identity: AuthIdentity } | { readonly kind: 'failure'; readonly condition: SaslFailureCondition; readonly text?: string };

/** One SASL exchange; the first step() gets the <auth> initial response (undefined when none was sent, an empty array for "="). */
export interface SaslExchange { step(response: Uint8Array | undefined): Promise<SaslStep> }

/** Offers mechanisms for a stream and starts exchanges; `start` returns undefined for a mechanism not on offer. */
export interface Authenticator { mechanisms(ctx: SaslContext): readonly string[]; start(mechanism: string, ctx: SaslContext): SaslExchange | undefined }
