// Composition root of the standalone bridge: configuration from PLENUM_BRIDGE_* variables and an
// optional JSON file (PLENUM_BRIDGE_CONFIG or --config <file>), a pino logger, signal handling.
// SIGTERM/SIGINT stop at once; SIGUSR2 starts a graceful shutdown (no new conferences, exit when
// the last one ends).
import { PACKET_PROCESS_NODE_FLAGS, createPinoLogger, limitsYoungGeneration, runService } from '@plenum/kit/node';
import { loadBridgeConfig } from './config.ts';
import { startBridge } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_BRIDGE_CONFIG',
  async start(file) {
    const config = loadBridgeConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'bridge' });
    // The whole process is the bridge here, so its CPU is the bridge's (a stress term).
    const processCpuMicros = (): number => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const bridge = await startBridge({ config, log, processCpuMicros });
    log.info('bridge started', { id: bridge.id, domain: bridge.domain, brewery: config.xmpp.breweryJid, httpPort: bridge.httpPort });
    // Without the limit, scavenges of a large young generation stall forwarding (README, "Running a bridge").
    if (!limitsYoungGeneration()) log.info('run node with these flags for steadier forwarding latency', { flags: PACKET_PROCESS_NODE_FLAGS.join(' ') });
    process.once('SIGUSR2', () => {
      bridge.events.once('gracefulShutdownComplete', () => {
        log.info('graceful shutdown complete');
        void bridge.close().then(() => process.exit(0));
      });
      bridge.setGracefulShutdown(true);
    });
    return { log, close: () => bridge.close() };
  },
});
