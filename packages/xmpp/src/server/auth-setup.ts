import { readFileSync } from 'node:fs';
import type { Clock, Logger } from '@plenum/kit';
import type { XmppConfig } from './config.ts';
import type { Authenticator } from './auth/types.ts';
import type { UserStore } from './auth/user-store.ts';
import { JwtVerifier, loadJwtKey } from './auth/jwt-verifier.ts';
import { createAuthenticator } from './auth/authenticator.ts';

/** Builds the SASL authenticator from configuration; a bad JWT key setting stops start-up with a clear message. */
export function buildAuthenticator(deps: { config: XmppConfig; log: Logger; clock: Clock; users: UserStore }): Authenticator {
  const { config } = deps;
  let jwt: JwtVerifier | undefined;
  if (config.auth.jwt.enabled) {
    const pem = config.auth.jwt.publicKeyFile !== undefined ? readFileSync(config.auth.jwt.publicKeyFile, 'utf8') : undefined;
    const key = loadJwtKey(config.auth.jwt, pem);
    if (!key.ok) throw new Error(`auth.jwt: ${key.error.text}`);
    jwt = new JwtVerifier({ config: config.auth.jwt, key: key.value, clock: deps.clock });
  }
  return createAuthenticator({ config: config.auth, users: deps.users, jwt, log: deps.log, requireForPlain: config.tls.requireForPlain });
}
