// Adapts the XMPP server's JWT verifier (same configuration, protocols.md §8.1) to the focus's
// TokenVerifier port: the focus keeps only what decides moderation and room access.
import { readFileSync } from 'node:fs';
import type { Clock, Result } from '@plenum/kit';
import { err, ok, systemClock } from '@plenum/kit';
import { ConfigError } from '@plenum/kit/node';
import type { JwtConfig, TokenClaims } from '@plenum/xmpp/jwt';
import { JwtVerifier, loadJwtKey } from '@plenum/xmpp/jwt';
import type { TokenError, TokenVerifier, VerifiedToken } from '../ports.ts';

/** What the focus needs of a JWT verifier (the server's JwtVerifier has this shape). */
export type ClaimsVerifier = { verify(token: string): Result<TokenClaims, TokenError> };

/** Wraps a claims verifier as a TokenVerifier. */
export function tokenVerifierFrom(verifier: ClaimsVerifier): TokenVerifier {
  return {
    verify(token: string): Result<VerifiedToken, TokenError> {
      const r = verifier.verify(token);
      if (!r.ok) return err({ code: r.error.code, text: r.error.text });
      const c = r.value;
      return ok({
        room: c.room,
        expiresAtMs: c.exp * 1000,
        ...(c.user?.id !== undefined ? { userId: c.user.id } : {}),
        ...(c.user?.name !== undefined ? { name: c.user.name } : {}),
        ...(c.user?.moderator !== undefined ? { isModerator: c.user.moderator } : {}),
      });
    },
  };
}

/**
 * The token verifier for a focus configuration, or undefined when JWT is off. A bad key setting
 * is a ConfigError, so start-up stops with a clear message.
 */
export function tokenVerifierForConfig(jwt: JwtConfig, clock: Clock = systemClock): TokenVerifier | undefined {
  if (!jwt.enabled) return undefined;
  const key = loadJwtKey(jwt, jwt.publicKeyFile !== undefined ? readFileSync(jwt.publicKeyFile, 'utf8') : undefined);
  if (!key.ok) throw new ConfigError([`auth.jwt: ${key.error.text}`]);
  return tokenVerifierFrom(new JwtVerifier({ config: jwt, key: key.value, clock }));
}
