// The gateway under measurement, in a process of its own so /proc shows its CPU apart from the
// conference and the phones around it: configuration values as JSON in argv[2], media on loopback,
// "ready <sip port>" on stdout once it is up, a clean stop on SIGTERM.
import { startSipGateway } from '../../packages/sip-gateway/src/index.ts';

const running = await startSipGateway({ values: JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>, media: { interfaceAddress: '127.0.0.1' } });
process.stdout.write(`ready ${running.sipPort}\n`);
process.once('SIGTERM', () => {
  void running.close().finally(() => process.exit(0));
});
