// `npm start`: every component in one process with in-memory state, the app on
// http://localhost:8080. Settings come from the environment (PLENUM_XMPP_*, PLENUM_FOCUS_*,
// PLENUM_BRIDGE_*, PLENUM_WEB_*; see docs/configuration.md) and an optional JSON file for the
// XMPP server (--config <file> or PLENUM_XMPP_CONFIG).
import { PACKET_PROCESS_NODE_FLAGS, createPinoLogger, limitsYoungGeneration, runService } from '@plenum/kit/node';
import { startAllInOne } from './all-in-one.ts';

await runService({
  configFileEnv: 'PLENUM_XMPP_CONFIG',
  async start(xmppFile) {
    const startedAt = performance.now();
    const log = createPinoLogger({ level: (process.env.PLENUM_LOG_LEVEL ?? 'info') as 'info', component: 'plenum' });
    const plenum = await startAllInOne({ env: process.env, log, ...(xmppFile !== undefined ? { xmppFile } : {}) });
    const { config } = plenum.xmpp;
    log.info('plenum started: open url in a browser', {
      url: plenum.web.url,
      startupMs: Math.round(performance.now() - startedAt),
      domain: config.domain,
      websocket: `${plenum.web.url.replace(/^http/, 'ws')}${config.http.websocketPath}`,
      xmppTcpPort: plenum.xmpp.tcpPort,
      bridge: plenum.bridge.id,
      // Where a PBX or softphone dials in (UDP and TCP); absent when off or the port was taken.
      ...(plenum.sipGateway !== undefined ? { sip: `${plenum.sipGateway.config.sip.host}:${plenum.sipGateway.sipPort}` } : {}),
    });
    // The bridge forwards media in this process: without the limit its packets wait out long scavenges.
    if (!limitsYoungGeneration()) log.info('run node with these flags for steadier media latency (npm start does)', { flags: PACKET_PROCESS_NODE_FLAGS.join(' ') });
    return { log, close: () => plenum.close() };
  },
});
