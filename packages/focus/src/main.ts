// Composition root of the standalone focus: configuration from PLENUM_FOCUS_* variables and an
// optional JSON file (PLENUM_FOCUS_CONFIG or --config <file>), a pino logger, signal handling.
import { createPinoLogger, runService } from '@plenum/kit/node';
import { tokenVerifierForConfig } from './auth/jwt-token-verifier.ts';
import { loadFocusConfig } from './config.ts';
import { startFocus } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_FOCUS_CONFIG',
  async start(file) {
    const config = loadFocusConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'focus' });
    const tokenVerifier = tokenVerifierForConfig(config.auth.jwt);
    const running = await startFocus({ config, log, ...(tokenVerifier !== undefined ? { tokenVerifier } : {}) });
    return { log, close: () => running.close() };
  },
});
