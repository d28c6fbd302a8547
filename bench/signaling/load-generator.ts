// The parent's handle on the load-generator processes (load-worker.ts): splits the conferences
// between them, forks them, and turns their IPC messages into promises.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, RoundPlan, ToWorker, WorkerResult } from './protocol.ts';
import { assertUnreachable, exchange, killWorkers, waitForExit } from '../common/worker-pool.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
const CLOSE_TIMEOUT_MS = 10_000;

/** Worker processes, reused from round to round. */
export class LoadGenerator {
  readonly #children: ChildProcess[];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
  }

  /** Forks `workers` processes. */
  static start(workers: number): LoadGenerator {
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    return new LoadGenerator(Array.from({ length: workers }, () =>
      fork(WORKER_ENTRY, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
  }

  get size(): number {
    return this.#children.length;
  }

  /** Process ids, for CPU accounting. */
  get pids(): number[] {
    return this.#children.map((c) => c.pid ?? -1).filter((pid) => pid > 0);
  }

  /** Logs in every worker's participants (plan i goes to worker i); resolves with the slowest login time. */
  async login(plans: readonly RoundPlan[]): Promise<number> {
    const replies = await Promise.all(this.#children.map((c, i) => ask(c, { kind: 'login', plan: plans[i] as RoundPlan }, 'loggedIn')));
    return Math.max(...replies.map((r) => (r.kind === 'loggedIn' ? r.loginMs : 0)));
  }

  /**
   * Starts every participant at `startAtHrMs`. `onInitiated` fires once every worker has seen all
   * of its offers arrive (or fail); the promise resolves with the workers' reports.
   */
  async go(startAtHrMs: number, onInitiated: (atHrMs: number) => void): Promise<WorkerResult[]> {
    let pending = this.#children.length;
    let lastAt = 0;
    const listeners = this.#children.map((c) => {
      const listener = (m: FromWorker): void => {
        if (m.kind !== 'initiated') return;
        lastAt = Math.max(lastAt, m.atHrMs);
        if (--pending === 0) onInitiated(lastAt);
      };
      c.on('message', listener);
      return () => c.off('message', listener);
    });
    try {
      const replies = await Promise.all(this.#children.map((c) => ask(c, { kind: 'go', startAtHrMs }, 'result')));
      return replies.map((r) => (r.kind === 'result' ? r.result : assertUnreachable()));
    } finally {
      for (const off of listeners) off();
    }
  }

  /** Every participant leaves its room and closes its stream. */
  async leave(): Promise<void> {
    await Promise.all(this.#children.map((c) => ask(c, { kind: 'leave' }, 'left')));
  }

  /** Closes what is still open, then ends the workers. */
  async close(): Promise<void> {
    for (const c of this.#children) if (c.connected) c.send({ kind: 'close' } satisfies ToWorker);
    await waitForExit(this.#children, CLOSE_TIMEOUT_MS);
    this.kill();
  }

  /** Ends the workers at once (also on errors and Ctrl-C). Idempotent. */
  kill(): void {
    killWorkers(this.#children);
  }
}

/** exchange() typed with this bench's worker protocol. */
const ask = (child: ChildProcess, message: ToWorker, reply: FromWorker['kind']): Promise<FromWorker> =>
  exchange<ToWorker, FromWorker>(child, message, reply);
