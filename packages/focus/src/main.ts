// Composition root of the standalone focus: configuration from PLENUM_FOCUS_* variables and an
// optional JSON file (PLENUM_FOCUS_CONFIG or --config <file>), a pino logger, signal handling.
import { readFileSync } from 'node:fs';
import { systemClock } from '@plenum/kit';
import { ConfigError, createPinoLogger } from '@plenum/kit/node';
import { JwtVerifier, loadJwtKey } from '@plenum/xmpp/jwt';
import { tokenVerifierFrom } from './auth/jwt-token-verifier.ts';
import type { TokenVerifier } from './ports.ts';
import { loadFocusConfig } from './config.ts';
import { startFocus } from './start.ts';

const argIndex = process.argv.indexOf('--config');
const file = argIndex !== -1 ? process.argv[argIndex + 1] : process.env.PLENUM_FOCUS_CONFIG;

try {
  const config = loadFocusConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
  const log = createPinoLogger({ level: config.log.level, component: 'focus' });
  let tokenVerifier: TokenVerifier | undefined;
  const jwt = config.auth.jwt;
  if (jwt.enabled) {
    const key = loadJwtKey(jwt, jwt.publicKeyFile !== undefined ? readFileSync(jwt.publicKeyFile, 'utf8') : undefined);
    if (!key.ok) throw new ConfigError([`auth.jwt: ${key.error.text}`]);
    tokenVerifier = tokenVerifierFrom(new JwtVerifier({ config: jwt, key: key.value, clock: systemClock }));
  }
  const running = await startFocus({ config, log, ...(tokenVerifier !== undefined ? { tokenVerifier } : {}) });
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
