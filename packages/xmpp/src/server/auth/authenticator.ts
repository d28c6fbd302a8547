// Which SASL mechanisms a stream is offered, and who may use them (RFC 6120 §6.3.3, §6.4.1).
//
// Domains: the guest domain (Jitsi `hosts.anonymousdomain`, protocols.md §8.2) offers only
// ANONYMOUS. Every other domain the session accepts is the main domain. There, with JWT enabled
// (protocols.md §8.1), ANONYMOUS plus the URL token is the only way in: `auth.jwt.enabled`
// *requires* a token on the main domain, so local-account mechanisms are not offered beside it.
// Without JWT, local accounts use SCRAM or PLAIN and guests ANONYMOUS when `auth.anonymous` is on.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import type { XmppConfig } from '../config.ts';
import { SCRAM_HASHES } from './credentials.ts';
import type { JwtVerifier } from './jwt-verifier.ts';
import { AnonymousExchange, MECHANISM_ANONYMOUS } from './sasl-anonymous.ts';
import { MECHANISM_PLAIN, PlainExchange } from './sasl-plain.ts';
import { SCRAM_MECHANISMS, ScramExchange, randomScramNonce } from './sasl-scram.ts';
import type { Authenticator, SaslContext, SaslExchange } from './types.ts';
import type { UserStore } from './user-store.ts';

/** What the authenticator is built from (plain values, not the whole configuration). */
export type AuthenticatorDeps = {
  readonly config: XmppConfig['auth'];
  readonly users: UserStore;
  /** Present when `config.jwt.enabled`; without it token logins fail with temporary-auth-failure. */
  readonly jwt: JwtVerifier | undefined;
  readonly log: Logger;
  /** `tls.requireForPlain`: refuse PLAIN on TCP streams that have not done STARTTLS. */
  readonly requireForPlain: boolean;
  /**
   * Keys the made-up SCRAM salts of unknown users. Random per process when absent, which keeps
   * them stable for the life of the process; pass a persistent secret to keep them across restarts.
   */
  readonly fakeCredentialSecret?: Uint8Array;
  /** SCRAM server nonce source (RFC 5802 §7); random by default, fixed in test-vector tests. */
  readonly scramNonce?: () => string;
};

type Plan = { readonly mechanisms: readonly string[]; readonly isPlainRefused: boolean };

/** Builds the Authenticator the stream session asks for mechanisms and exchanges. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const { config, users, log } = deps;
  const fakeCredentialSecret = deps.fakeCredentialSecret ?? randomBytes(32);
  const scramNonce = deps.scramNonce ?? randomScramNonce;
  const canonical = (domain: string) => domain.toLowerCase();

  const isGuestDomain = (ctx: SaslContext) =>
    config.guestDomain !== undefined && canonical(ctx.domain) === canonical(config.guestDomain);

  const plan = (ctx: SaslContext): Plan => {
    if (isGuestDomain(ctx)) return { mechanisms: [MECHANISM_ANONYMOUS], isPlainRefused: false };
    const mechanisms: string[] = [];
    const hasLocalUsers = config.localUsers && !config.jwt.enabled;
    // RFC 6120 §6.4.1 lets a server hide mechanisms a stream may not use: PLAIN before TLS on TCP.
    const isPlainRefused = deps.requireForPlain && ctx.transport === 'tcp' && !ctx.isSecure;
    if (hasLocalUsers) {
      for (const hash of SCRAM_HASHES) mechanisms.push(SCRAM_MECHANISMS[hash]);
      if (!isPlainRefused) mechanisms.push(MECHANISM_PLAIN);
    }
    if (config.anonymous || config.jwt.enabled) mechanisms.push(MECHANISM_ANONYMOUS);
    return { mechanisms, isPlainRefused: hasLocalUsers && isPlainRefused };
  };

  const start = (mechanism: string, ctx: SaslContext): SaslExchange | undefined => {
    const { mechanisms, isPlainRefused } = plan(ctx);
    const domain = canonical(ctx.domain);
    const mechLog = log.child({ mechanism });
    // A client that picks PLAIN anyway learns why it is refused (RFC 6120 §6.5.4 encryption-required).
    if (mechanism === MECHANISM_PLAIN && isPlainRefused) {
      return new PlainExchange({ domain, isEncryptionRequired: true, users, log: mechLog });
    }
    if (!mechanisms.includes(mechanism)) return undefined;
    if (mechanism === MECHANISM_ANONYMOUS) {
      const policy = config.jwt.enabled && !isGuestDomain(ctx)
        ? { kind: 'require' as const, verifier: deps.jwt, allowEmptyToken: config.jwt.allowEmptyToken }
        : { kind: 'ignore' as const };
      return new AnonymousExchange({ domain, token: ctx.token, policy, log: mechLog });
    }
    if (mechanism === MECHANISM_PLAIN) return new PlainExchange({ domain, isEncryptionRequired: false, users, log: mechLog });
    const hash = SCRAM_HASHES.find((h) => SCRAM_MECHANISMS[h] === mechanism);
    if (hash === undefined) return undefined;
    return new ScramExchange({ hash, domain, users, fakeCredentialSecret, nonce: scramNonce, log: mechLog });
  };

  return { mechanisms: (ctx) => plan(ctx).mechanisms, start };
}
