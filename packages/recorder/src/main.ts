// Composition root of the standalone recorder: configuration from PLENUM_RECORDER_* variables and an
// optional JSON file (PLENUM_RECORDER_CONFIG or --config <file>), a pino logger, signal handling.
import { createPinoLogger, runService } from '@plenum/kit/node';
import { loadRecorderConfig } from './config.ts';
import { startRecorder } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_RECORDER_CONFIG',
  async start(file) {
    const config = loadRecorderConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'recorder' });
    const running = await startRecorder({ config, log });
    return { log, close: () => running.close() };
  },
});
