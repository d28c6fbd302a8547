import type { Logger } from '../logger.ts';
import { ConfigError } from './config.ts';

/** What a started service hands back to {@link runService}. */
export type StartedService = { readonly log: Logger; close(): Promise<void> };

/**
 * The shared tail of every `main.ts`: finds the JSON config file (`--config <file>` or the given
 * environment variable), starts the service, and closes it on SIGINT/SIGTERM before exiting 0.
 * A ConfigError is printed with every problem and exits 2; anything else is a crash.
 */
export async function runService(opts: {
  readonly configFileEnv: string;
  start(configFile: string | undefined): Promise<StartedService>;
}): Promise<void> {
  const argIndex = process.argv.indexOf('--config');
  const file = argIndex !== -1 ? process.argv[argIndex + 1] : process.env[opts.configFileEnv];
  let service: StartedService;
  try {
    service = await opts.start(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const stop = (signal: string): void => {
    service.log.info('stopping', { signal });
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
