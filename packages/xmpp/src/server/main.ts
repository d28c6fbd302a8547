// Composition root of the standalone XMPP server: configuration from PLENUM_XMPP_* variables and an
// optional JSON file (PLENUM_XMPP_CONFIG or --config <file>), a pino logger, signal handling.
import { ConfigError, createPinoLogger } from '@plenum/kit/node';
import { loadXmppConfig } from './config.ts';
import { startXmppServer } from './start.ts';

const argIndex = process.argv.indexOf('--config');
const file = argIndex !== -1 ? process.argv[argIndex + 1] : process.env.PLENUM_XMPP_CONFIG;

try {
  const config = loadXmppConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
  const log = createPinoLogger({ level: config.log.level, component: 'xmpp' });
  const running = await startXmppServer({ config, log });
  log.info('xmpp server started', {
    domain: config.domain, tcpPort: running.tcpPort, componentPort: running.componentPort,
    websocket: `ws://${config.http.host}:${running.httpPort}${config.http.websocketPath}`,
  });
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
