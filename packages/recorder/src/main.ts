// Composition root of the standalone recorder: configuration from PLENUM_RECORDER_* variables and an
// optional JSON file (PLENUM_RECORDER_CONFIG or --config <file>), a pino logger, signal handling.
// SIGTERM or SIGINT (docker-compose stop, Ctrl-C) finishes a running recording before exiting:
// ffmpeg closes its files (within ffmpeg.stopTimeoutMs), so they stay playable, and the focus is told
// the recording is off; then the recorder leaves the brewery. A second signal exits at once.
import { createPinoLogger, runService } from '@plenum/kit/node';
import { loadRecorderConfig } from './config.ts';
import { startRecorder } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_RECORDER_CONFIG',
  async start(file) {
    const config = loadRecorderConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'recorder' });
    const running = await startRecorder({ config, log });
    return {
      log,
      close: () => {
        // Registered while the first signal is being handled, so only a later one exits early
        // (ffmpeg runs under the reaper and goes with this process).
        const now = (): void => {
          log.warn('second signal: exiting without finishing the recording');
          process.exit(1);
        };
        process.once('SIGINT', now);
        process.once('SIGTERM', now);
        return running.close();
      },
    };
  },
});
