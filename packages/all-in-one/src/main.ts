// `npm start`: every component in one process with in-memory state. Settings come from the
// environment (PLENUM_XMPP_*, PLENUM_FOCUS_*, PLENUM_BRIDGE_*; see docs/configuration.md) and an
// optional JSON file for the XMPP server (--config <file> or PLENUM_XMPP_CONFIG).
import { ConfigError, createPinoLogger } from '@plenum/kit/node';
import { startAllInOne } from './all-in-one.ts';

const argIndex = process.argv.indexOf('--config');
const xmppFile = argIndex !== -1 ? process.argv[argIndex + 1] : process.env.PLENUM_XMPP_CONFIG;
const level = (process.env.PLENUM_LOG_LEVEL ?? 'info') as 'info';
const log = createPinoLogger({ level, component: 'plenum' });
const startedAt = performance.now();

try {
  const plenum = await startAllInOne({ env: process.env, log, ...(xmppFile !== undefined ? { xmppFile } : {}) });
  const { config } = plenum.xmpp;
  log.info('plenum started', {
    startupMs: Math.round(performance.now() - startedAt),
    domain: config.domain,
    websocket: `ws://${config.http.host}:${plenum.xmpp.httpPort}${config.http.websocketPath}`,
    xmppTcpPort: plenum.xmpp.tcpPort,
    bridge: plenum.bridge.id,
  });
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    void plenum.close().then(() => process.exit(0));
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
