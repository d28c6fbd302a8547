// Composition root of the standalone bridge: configuration from PLENUM_BRIDGE_* variables and an
// optional JSON file (PLENUM_BRIDGE_CONFIG or --config <file>), a pino logger, signal handling.
// SIGTERM/SIGINT stop at once; SIGUSR2 starts a graceful shutdown (no new conferences, exit when
// the last one ends).
import { ConfigError, createPinoLogger } from '@plenum/kit/node';
import { loadBridgeConfig } from './config.ts';
import { startBridge } from './start.ts';

const argIndex = process.argv.indexOf('--config');
const file = argIndex !== -1 ? process.argv[argIndex + 1] : process.env.PLENUM_BRIDGE_CONFIG;

try {
  const config = loadBridgeConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
  const log = createPinoLogger({ level: config.log.level, component: 'bridge' });
  const bridge = await startBridge({ config, log });
  log.info('bridge started', { id: bridge.id, domain: bridge.domain, brewery: config.xmpp.breweryJid, httpPort: bridge.httpPort });
  const stop = (reason: string): void => {
    log.info('stopping', { reason });
    void bridge.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGUSR2', () => {
    bridge.events.once('gracefulShutdownComplete', () => stop('graceful shutdown complete'));
    bridge.setGracefulShutdown(true);
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
