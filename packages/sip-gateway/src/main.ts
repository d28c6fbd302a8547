// Composition root of the standalone SIP gateway: configuration from PLENUM_SIP_* variables and an
// optional JSON file (PLENUM_SIP_CONFIG or --config <file>), a pino logger, signal handling.
import { createPinoLogger, runService } from '@plenum/kit/node';
import { loadSipGatewayConfig } from './config.ts';
import { startSipGateway } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_SIP_CONFIG',
  async start(file) {
    const config = loadSipGatewayConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'sip-gateway' });
    const running = await startSipGateway({ config, log });
    return { log, close: () => running.close() };
  },
});
