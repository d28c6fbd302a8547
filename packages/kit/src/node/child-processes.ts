// Child processes that can never outlive the process that started them (the local cluster, tests,
// benchmarks), and free loopback ports for them.
import { spawn } from 'node:child_process';
import type { StdioOptions } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

/**
 * Runs the command as a child of a tiny shell that reports the command's pid on fd 3 and kills it
 * (SIGTERM) when the shell's stdin, a pipe from this process, reaches EOF. So however this process
 * ends, even by SIGKILL from a runner's timeout, the child goes with it. Background jobs of a
 * non-interactive shell get /dev/null as stdin, hence the copy of stdin on fd 4.
 */
const REAPER = `
exec 4<&0
"$@" </dev/null 3>&- 4<&- &
server=$!
echo "$server" >&3
exec 3>&-
{ read -r _ <&4; kill -TERM "$server" 2>/dev/null; } &
watcher=$!
wait "$server"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

/** A child started with {@link spawnReaped}. */
export type ReapedProcess = {
  /** The command's own pid (not the shell's), or undefined when it never started. */
  readonly pid: number | undefined;
  /** Resolves with the exit code or signal once the command has ended. */
  readonly exited: Promise<string>;
  /** True once `exited` has resolved. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; idempotent. */
  stop(timeoutMs?: number): Promise<void>;
};

/** Starts `command` under the reaper shell; stdout and stderr go where `output` says. */
export async function spawnReaped(command: string, args: readonly string[], opts: {
  readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly output?: 'ignore' | 'pipe' | number;
} = {}): Promise<ReapedProcess & { readonly stderr: NodeJS.ReadableStream | null }> {
  const output = opts.output ?? 'ignore';
  const stdio: StdioOptions = ['pipe', output, output, 'pipe'];
  const shell = spawn('sh', ['-c', REAPER, 'reaper', command, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio });
  let status: string | undefined;
  const exited = new Promise<string>((resolve) => {
    shell.once('exit', (code, signal) => {
      status = signal ?? String(code);
      resolve(status);
    });
  });
  const pid = await readPid(shell.stdio[3] as NodeJS.ReadableStream | null, exited);
  let stopped: Promise<void> | undefined;
  const stop = (timeoutMs = 5000): Promise<void> => (stopped ??= (async () => {
    shell.stdin?.end();
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
    ]);
    if (!timedOut) return;
    for (const p of [pid, shell.pid]) if (p !== undefined) killQuietly(p);
    await exited;
  })());
  return { pid, exited, hasExited: () => status !== undefined, stop, stderr: shell.stderr };
}

/** Sends SIGKILL, ignoring a process that is already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone, which is what we want.
  }
}

function readPid(stream: NodeJS.ReadableStream | null, exited: Promise<string>): Promise<number | undefined> {
  if (stream === null) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      const line = /^(\d+)\n/.exec(text);
      if (line?.[1] !== undefined) resolve(Number(line[1]));
    });
    void exited.then(() => resolve(undefined));
  });
}

/** A port that was free a moment ago on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/** A UDP port that was free a moment ago on the loopback interface. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, HOST, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
