// The gateway under measurement, in a process of its own so /proc shows its CPU apart from the
// conference and the phones around it: configuration values as JSON in argv[2], media on loopback,
// "ready <sip port>" on stdout once it is up, a clean stop on SIGTERM.
import { startSipGateway } from '../../packages/sip-gateway/src/index.ts';

const running = await startSipGateway({ values: JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>, media: { interfaceAddress: '127.0.0.1' } });
process.stdout.write(`ready ${running.sipPort}\n`);
// The bench tells from these lines how much of a window the callers were encoded at the under-load complexity.
let reported = running.encoderLoad.complexity;
process.stdout.write(`encoder-complexity ${reported}\n`);
setInterval(() => {
  if (running.encoderLoad.complexity === reported) return;
  reported = running.encoderLoad.complexity;
  process.stdout.write(`encoder-complexity ${reported}\n`);
}, 100).unref();
process.once('SIGTERM', () => {
  void running.close().finally(() => process.exit(0));
});
