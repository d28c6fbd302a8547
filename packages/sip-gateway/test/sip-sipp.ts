// Runs Debian's sipp (3.6.1) against the user agent under test: scenario files live in
// fixtures/sip; sipp exits 0 when every call followed its scenario.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { freePort, freeUdpPort, spawnReaped } from '@plenum/kit/node';

export const SIP_FIXTURES = new URL('./fixtures/sip/', import.meta.url).pathname;

export type SippRun = {
  /** sipp's exit code: 0 = all calls succeeded. */
  readonly code: string;
  /** sipp's error log (unexpected messages), for assertion messages. */
  readonly errors: string;
};

/** Runs sipp to completion (or kills it after `timeoutSeconds`); `transport` 'tcp' = `-t t1`. */
export async function runSipp(target: string, args: readonly string[], opts: {
  readonly transport?: 'udp' | 'tcp'; readonly timeoutSeconds?: number; readonly port?: number;
} = {}): Promise<SippRun> {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-sipp-'));
  const port = opts.port ?? (opts.transport === 'tcp' ? await freePort() : await freeUdpPort());
  const timeoutSeconds = opts.timeoutSeconds ?? 20;
  const sipp = await spawnReaped('sipp', [
    target, ...args, '-i', '127.0.0.1', '-p', String(port), '-mp', String(await freeUdpPort()),
    '-t', opts.transport === 'tcp' ? 't1' : 'u1', '-nostdin', '-trace_err',
    '-timeout', `${timeoutSeconds}s`, '-timeout_error',
  ], { cwd: dir });
  try {
    const code = await Promise.race([
      sipp.exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('killed'), (timeoutSeconds + 5) * 1000).unref()),
    ]);
    let errors = '';
    for (const name of await readdir(dir)) errors += await readFile(join(dir, name), 'latin1');
    return { code, errors: errors.slice(0, 4000) };
  } finally {
    await sipp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts sipp in the background (a UAS waiting for our call); stop it in finally. */
export async function startSipp(args: readonly string[], opts: { readonly transport?: 'udp' | 'tcp'; readonly timeoutSeconds?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-sipp-'));
  const port = opts.transport === 'tcp' ? await freePort() : await freeUdpPort();
  const sipp = await spawnReaped('sipp', [
    ...args, '-i', '127.0.0.1', '-p', String(port), '-mp', String(await freeUdpPort()),
    '-t', opts.transport === 'tcp' ? 't1' : 'u1', '-nostdin', '-trace_err',
    '-timeout', `${opts.timeoutSeconds ?? 20}s`, '-timeout_error',
  ], { cwd: dir });
  await untilListening(port, opts.transport ?? 'udp');
  return {
    port,
    exited: sipp.exited,
    async errors(): Promise<string> {
      let text = '';
      for (const name of await readdir(dir)) text += await readFile(join(dir, name), 'latin1');
      return text.slice(0, 4000);
    },
    async stop(): Promise<void> {
      await sipp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits (up to 5 s) until sipp has bound its SIP port, so the first request is not refused. */
async function untilListening(port: number, transport: 'udp' | 'tcp'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await isBound(port, transport)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isBound(port: number, transport: 'udp' | 'tcp'): Promise<boolean> {
  if (transport === 'tcp') {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  }
  // A UDP port is taken once binding it fails.
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(true);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(false)));
  });
}
