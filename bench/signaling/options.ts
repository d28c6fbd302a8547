// Command-line flags of `npm run bench:signaling`.
import { parseArgs } from 'node:util';
import type { XmppServerKind } from './stack.ts';

/** A validated benchmark configuration. */
export type BenchOptions = {
  readonly conferences: number;
  readonly participants: number;
  readonly bridges: number;
  readonly workers: number;
  /** The XMPP server under the focus and bridges: Plenum's own, or Debian's Prosody in its place. */
  readonly xmpp: XmppServerKind;
  /** Conferences start spread evenly over this many ms instead of all at once (0: at once). */
  readonly rampMs: number;
  /** Conferences of the unmeasured warm-up round (0: none). */
  readonly warmupConferences: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly cpuProf: boolean;
  readonly isJson: boolean;
  readonly keepFiles: boolean;
};

/** Printed by --help. */
export const USAGE = `Usage: npm run bench:signaling -- [flags]

Conference signaling under a join burst: the XMPP server, the focus and the bridges run as
separate processes; simulated Jitsi clients log in first, then all ask for their conference at
the same instant, join the room and accept the focus's offer. Measures allocations per second
and join-to-session-initiate latency. See bench/README.md.

  --conferences N   conferences in the burst (default 100)
  --participants P  participants per conference (default 5)
  --bridges B       bridge processes (default 2)
  --workers W       load-generator processes (default 1; conferences are split between them)
  --xmpp S          XMPP server: plenum (default) or prosody (Debian's Prosody 0.12 in its place,
                    the same focus and bridges as XEP-0114 components; needs the prosody package)
  --ramp-ms MS      start the conferences evenly over MS milliseconds instead of all at once
                    (default 0; a conference's participants still start together)
  --warmup N        conferences of an unmeasured warm-up round first (default 20; 0 = none)
  --log-level L     log level of server, focus and bridges: trace|debug|info|warn|error (default warn)
  --cpu-prof        run server, focus and bridges under node --cpu-prof (profiles kept in the scratch directory)
  --json            print one JSON document instead of the table
  --keep            keep the scratch directory (logs) even on success
  --help            this text
`;

const int = (name: string, raw: string | undefined, def: number, min: number, max: number): number => {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return n;
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Parses argv; throws with a readable message on bad flags. Returns undefined for --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      conferences: { type: 'string' }, participants: { type: 'string' }, bridges: { type: 'string' },
      workers: { type: 'string' }, xmpp: { type: 'string' }, warmup: { type: 'string' }, 'ramp-ms': { type: 'string' }, 'log-level': { type: 'string' },
      'cpu-prof': { type: 'boolean' }, json: { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help === true) return undefined;
  const conferences = int('conferences', values.conferences, 100, 1, 5000);
  const workers = int('workers', values.workers, 1, 1, 16);
  if (workers > conferences) throw new Error(`--workers (${workers}) must not exceed --conferences (${conferences}): a conference lives in one worker`);
  const xmpp = values.xmpp ?? 'plenum';
  if (xmpp !== 'plenum' && xmpp !== 'prosody') throw new Error(`--xmpp must be plenum or prosody, got ${xmpp}`);
  const logLevel = values['log-level'] ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  return {
    conferences, workers, xmpp,
    participants: int('participants', values.participants, 5, 1, 500),
    bridges: int('bridges', values.bridges, 2, 1, 16),
    // Bridges expire endpoints that never start ICE after 30 s (ice.consentTimeoutMs), and the
    // bench's participants never do: a round must end well before that.
    rampMs: int('ramp-ms', values['ramp-ms'], 0, 0, 20_000),
    warmupConferences: Math.min(int('warmup', values.warmup, 20, 0, 5000), conferences),
    logLevel: logLevel as BenchOptions['logLevel'],
    cpuProf: values['cpu-prof'] === true,
    isJson: values.json === true,
    keepFiles: values.keep === true,
  };
}
