// The parent's handle on the load-generator processes (load-worker.ts): splits the rooms between
// them, forks them, and turns their IPC messages into promises.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, RoomPlan, SendMode, Timeline, ToWorker, WorkerPlan, WorkerResult } from './protocol.ts';
import { assertUnreachable, exchange, killWorkers, waitForExit } from '../common/worker-pool.ts';
import type { RunningServer } from './servers.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
const CLOSE_TIMEOUT_MS = 10_000;

/** What the load looks like. */
export type LoadShape = {
  readonly clients: number;
  readonly rooms: number;
  readonly workers: number;
  readonly mode: SendMode;
  /** Distinguishes this run's rooms from any left over on the server. */
  readonly runTag: string;
};

/** Client i joins room i mod M; room r is handled by worker r mod W. */
export function planRooms(shape: LoadShape, server: RunningServer): WorkerPlan[] {
  const rooms: RoomPlan[] = Array.from({ length: shape.rooms }, (_, r) => ({
    jid: `bench-${shape.runTag}-${r}@${server.mucDomain}`,
    clientIds: Array.from({ length: shape.clients }, (_, i) => i).filter((i) => i % shape.rooms === r),
  }));
  return Array.from({ length: shape.workers }, (_, w) => ({
    host: server.host,
    port: server.port,
    domain: server.domain,
    rooms: rooms.filter((_, r) => r % shape.workers === w),
    mode: shape.mode,
    connectConcurrency: 50,
    handshakeTimeoutMs: 30_000,
  }));
}

/** Worker processes that have connected and joined all their clients. */
export class LoadGenerator {
  readonly #children: ChildProcess[];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
  }

  /** Forks one process per plan and waits until every client has joined its room. */
  static async start(plans: readonly WorkerPlan[]): Promise<LoadGenerator> {
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    const children = plans.map(() => fork(WORKER_ENTRY, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const generator = new LoadGenerator(children);
    try {
      await Promise.all(children.map((c, i) => ask(c, { kind: 'connect', plan: plans[i] as WorkerPlan }, 'joined')));
    } catch (e) {
      generator.kill();
      throw e;
    }
    return generator;
  }

  /** Process ids, for CPU accounting. */
  get pids(): number[] {
    return this.#children.map((c) => c.pid ?? -1).filter((pid) => pid > 0);
  }

  /** Runs the timeline in every worker and collects their counts after the drain. */
  async run(timeline: Timeline): Promise<WorkerResult[]> {
    const replies = await Promise.all(this.#children.map((c) => ask(c, { kind: 'start', timeline }, 'result')));
    return replies.map((r) => (r.kind === 'result' ? r.result : assertUnreachable()));
  }

  /** Closes every client stream politely, then ends the workers. */
  async close(): Promise<void> {
    for (const c of this.#children) void ask(c, { kind: 'close' }, 'closed').catch(() => undefined);
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
