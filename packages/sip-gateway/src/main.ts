// Composition root of the standalone SIP gateway: configuration from PLENUM_SIP_* variables and an
// optional JSON file (PLENUM_SIP_CONFIG or --config <file>), a pino logger, signal handling.
// SIGTERM or SIGINT is a graceful shutdown: the gateway drains (graceful_shutdown in the brewery,
// so the focus sends it no more dial-outs; new INVITEs get 503), waits up to `drainTimeoutMs` for
// its calls to end, then hangs up the rest and exits. A second signal hangs up at once.
import type { Logger } from '@plenum/kit';
import { PACKET_PROCESS_NODE_FLAGS, createPinoLogger, limitsYoungGeneration, runService } from '@plenum/kit/node';
import { loadSipGatewayConfig } from './config.ts';
import type { RunningSipGateway } from './start.ts';
import { startSipGateway } from './start.ts';

await runService({
  configFileEnv: 'PLENUM_SIP_CONFIG',
  async start(file) {
    const config = loadSipGatewayConfig({ env: process.env, ...(file !== undefined ? { file } : {}) });
    const log = createPinoLogger({ level: config.log.level, component: 'sip-gateway' });
    const running = await startSipGateway({ config, log });
    // Without the limit a call's audio waits out scavenges of 10-20 ms (docs/benchmarks.md, SIP gateway).
    if (!limitsYoungGeneration()) log.info('run node with these flags for steadier call audio', { flags: PACKET_PROCESS_NODE_FLAGS.join(' ') });
    let closing: Promise<void> | undefined;
    return { log, close: () => (closing ??= drainThenClose(running, config.drainTimeoutMs, log)) };
  },
});

async function drainThenClose(running: RunningSipGateway, timeoutMs: number, log: Logger): Promise<void> {
  const { gateway } = running;
  gateway.drain();
  if (gateway.callCount > 0 && timeoutMs > 0) {
    log.info('draining: waiting for calls to end', { calls: gateway.callCount, timeoutMs });
    // Registered while the first signal is being handled, so only a later one cuts the wait short.
    const hurry = new AbortController();
    const onSignal = (): void => hurry.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const isIdle = await gateway.whenIdle(timeoutMs, hurry.signal);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!isIdle) log.info('drain over: hanging up the remaining calls', { calls: gateway.callCount });
  }
  await running.close();
}
