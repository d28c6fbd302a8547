// Composition root of the standalone XMPP server: configuration from PLENUM_XMPP_* variables and an
// optional JSON file (PLENUM_XMPP_CONFIG or --config <file>), a pino logger, signal handling.
import { createPinoLogger, runService } from '@plenum/kit/node';
import { loadXmppConfig } from './config.ts';
import { startXmppServer } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_XMPP_CONFIG',
  async start(file) {
    const config = loadXmppConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'xmpp' });
    const running = await startXmppServer({ config, log });
    log.info('xmpp server started', {
      domain: config.domain, tcpPort: running.tcpPort, componentPort: running.componentPort,
      websocket: `ws://${config.http.host}:${running.httpPort}${config.http.websocketPath}`,
    });
    return { log, close: () => running.close() };
  },
});
