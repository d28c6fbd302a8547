// Command-line flags of `npm run bench:xmpp`.
import { parseArgs } from 'node:util';
import type { SendMode } from './protocol.ts';
import type { ServerKind } from './servers.ts';

/** A validated benchmark configuration. */
export type BenchOptions = {
  readonly clients: number;
  readonly rooms: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly drainSeconds: number;
  readonly mode: SendMode;
  readonly workers: number;
  readonly servers: readonly ServerKind[];
  readonly isJson: boolean;
  readonly keepFiles: boolean;
};

/** Printed by --help. */
export const USAGE = `Usage: npm run bench:xmpp -- [flags]

MUC groupchat throughput and latency of Plenum's XMPP server and of Debian's Prosody,
measured with the same load in the same run. See bench/README.md.

  --clients N     simulated participants (default 200)
  --rooms M       MUC rooms; clients are spread evenly (default 10)
  --seconds S     measured time per server (default 30)
  --warmup S      unmeasured sending before that (default 5)
  --rate R|max    messages per second per client, open loop; or "max" for a closed loop
                  where each client keeps --inflight messages outstanding (default max)
  --inflight K    closed loop window per client (default 1)
  --workers W     load-generator processes (default 1; rooms are split between them)
  --drain S       after sending stops, how long to wait for the last deliveries (default 10)
  --only NAME     run only "plenum" or only "prosody"
  --json          print one JSON document instead of the table
  --keep          keep the scratch directory (configs, logs) even on success
  --help          this text
`;

const positiveInt = (name: string, raw: string | undefined, def: number, min = 1): number => {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
};

/** Parses argv; throws with a readable message on bad flags. Returns undefined for --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      clients: { type: 'string' }, rooms: { type: 'string' }, seconds: { type: 'string' },
      warmup: { type: 'string' }, rate: { type: 'string' }, inflight: { type: 'string' },
      workers: { type: 'string' }, drain: { type: 'string' }, only: { type: 'string' },
      json: { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help === true) return undefined;
  const clients = positiveInt('clients', values.clients, 200);
  const rooms = positiveInt('rooms', values.rooms, 10);
  if (rooms > clients) throw new Error(`--rooms (${rooms}) must not exceed --clients (${clients})`);
  const workers = positiveInt('workers', values.workers, 1);
  if (workers > rooms) throw new Error(`--workers (${workers}) must not exceed --rooms (${rooms}): a room lives in one worker`);
  let mode: SendMode;
  const rate = values.rate ?? 'max';
  if (rate === 'max') {
    mode = { kind: 'max', inflight: positiveInt('inflight', values.inflight, 1) };
  } else {
    const ratePerSecond = Number(rate);
    if (!(ratePerSecond > 0 && ratePerSecond <= 10_000)) throw new Error(`--rate must be "max" or a number in (0, 10000], got ${rate}`);
    if (values.inflight !== undefined) throw new Error('--inflight only applies to --rate max');
    mode = { kind: 'rate', ratePerSecond };
  }
  const only = values.only;
  if (only !== undefined && only !== 'plenum' && only !== 'prosody') throw new Error(`--only must be plenum or prosody, got ${only}`);
  return {
    clients, rooms, workers, mode,
    seconds: positiveInt('seconds', values.seconds, 30),
    warmupSeconds: positiveInt('warmup', values.warmup, 5, 0),
    drainSeconds: positiveInt('drain', values.drain, 10, 1),
    servers: only === undefined ? ['plenum', 'prosody'] : [only],
    isJson: values.json === true,
    keepFiles: values.keep === true,
  };
}
