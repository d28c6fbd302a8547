// Runs Debian's ffmpeg as a real peer for media tests: bytes in on stdin, bytes out on stdout.
import { spawn } from 'node:child_process';

/** A running ffmpeg: `output` resolves with stdout when it exits 0; `kill()` ends it early. */
export type FfmpegRun = { readonly output: Promise<Buffer>; kill(): void };

/** Starts `ffmpeg -hide_banner -loglevel error <args>`, feeding `input` on stdin. */
export function startFfmpeg(args: readonly string[], input?: Uint8Array, timeoutMs = 20_000): FfmpegRun {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const output = new Promise<Buffer>((resolve, reject) => {
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    const timer = setTimeout(kill, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => errOut.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited ${code}: ${Buffer.concat(errOut).toString().slice(0, 500)}`));
    });
  });
  child.stdin.on('error', () => undefined); // ffmpeg may close stdin early; its exit code tells.
  if (input !== undefined) child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  else child.stdin.end();
  return { output, kill };
}

/** Runs ffmpeg to completion; resolves stdout. */
export function runFfmpeg(args: readonly string[], input?: Uint8Array, timeoutMs = 20_000): Promise<Buffer> {
  return startFfmpeg(args, input, timeoutMs).output;
}
