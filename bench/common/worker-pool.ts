// Talking to load-generator worker processes (forked with an IPC channel), shared by the benches.
import type { ChildProcess } from 'node:child_process';

/** Every worker message has a kind; a worker reports a fatal problem as `{ kind: 'failed', reason }`. */
export type WorkerMessage = { readonly kind: string };

/**
 * Sends one message and waits for the reply of the given kind; a `failed` reply or the worker's
 * exit rejects, so a broken worker never leaves the bench waiting.
 */
export function exchange<To, From extends WorkerMessage>(child: ChildProcess, message: To, reply: From['kind']): Promise<From> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: From): void => {
      if (m.kind === reply) {
        cleanup();
        resolve(m);
      } else if (m.kind === 'failed') {
        cleanup();
        reject(new Error(`load generator: ${(m as unknown as { reason?: string }).reason ?? 'failed'}`));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`load generator exited (${signal ?? code ?? '?'}) while waiting for '${reply}'`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(message as object);
  });
}

/** Resolves once every worker has exited, or after `timeoutMs`. */
export async function waitForExit(children: readonly ChildProcess[], timeoutMs: number): Promise<void> {
  const exited = Promise.all(children.map((c) => new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve(undefined);
    else c.once('exit', resolve);
  })));
  const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
  await Promise.race([exited, timeout]);
}

/** Ends workers at once (also on errors and Ctrl-C). Idempotent. */
export function killWorkers(children: readonly ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** For replies that a typed exchange has already narrowed. */
export function assertUnreachable(): never {
  throw new Error('worker answered with the wrong message kind');
}
