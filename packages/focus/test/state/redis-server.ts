// A throwaway redis-server on a loopback port for tests: no persistence, killed with the test.
import { connect } from 'node:net';
import { spawnReaped } from '@plenum/kit/node';
import type { ReapedProcess } from '@plenum/kit/node';

/** A running redis-server. */
export type TestRedis = { readonly port: number; readonly url: string; readonly process: ReapedProcess; stop(): Promise<void> };

/** Starts redis-server on `port` and resolves once it answers PING. */
export async function startRedis(port: number): Promise<TestRedis> {
  const proc = await spawnReaped('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (proc.hasExited() || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`redis-server did not start on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, process: proc, stop: () => proc.stop() };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
  });
}
