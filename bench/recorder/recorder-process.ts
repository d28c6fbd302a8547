// The recorder under measurement, in a process of its own so /proc shows its CPU and memory apart
// from the conference around it: configuration from PLENUM_RECORDER_* variables, media on
// loopback, "ready" on stdout once it is in the brewery, a clean stop on SIGTERM.
import { loadRecorderConfig, startRecorder } from '@plenum/recorder';

const config = loadRecorderConfig({ env: process.env });
const running = await startRecorder({ config, media: { interfaceAddress: '127.0.0.1' } });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void running.close().finally(() => process.exit(0));
});
