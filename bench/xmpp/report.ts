// Turns raw worker counts and CPU samples into per-server results, and prints them as a
// side-by-side table with a ratio line, or as JSON.
import { LatencyHistogram } from './histogram.ts';
import type { SendMode, WorkerResult } from './protocol.ts';
import type { ServerKind } from './servers.ts';

/** The performance target from the issue; it lives here and never in tests. */
export const TARGET = { throughputRatio: 2, p99NoWorse: true } as const;

/** CPU seconds used during the measured window. */
export type CpuUse = {
  readonly serverSeconds: number;
  readonly generatorSeconds: number;
  readonly machineBusySeconds: number;
  readonly machineInterruptSeconds: number;
  readonly machineTotalSeconds: number;
};

/** One server's measured figures. */
export type ServerResult = {
  readonly kind: ServerKind;
  readonly server: string;
  readonly clients: number;
  readonly rooms: number;
  readonly roomSize: { readonly min: number; readonly max: number };
  readonly mode: SendMode;
  readonly measuredSeconds: number;
  readonly sentMsgs: number;
  readonly deliveredMsgs: number;
  readonly sentPerSecond: number;
  readonly deliveredPerSecond: number;
  /** Deliveries per second the messages sent in the window asked for (sent × room size / window). */
  readonly offeredPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /**
   * Server, load generator and other processes in % of one core; machine in % of all cores.
   * kernelInterrupts is the machine's irq + softirq time (where loopback TCP is processed). This
   * kernel charges most of it to the interrupted process as well, so it overlaps the others.
   */
  readonly cpuPercent: {
    readonly server: number;
    readonly loadGenerator: number;
    readonly kernelInterrupts: number;
    readonly otherProcesses: number;
    readonly machine: number;
  };
  readonly correctness: {
    readonly expectedDeliveries: number;
    readonly lost: number;
    readonly duplicated: number;
    readonly reordered: number;
    readonly misrouted: number;
    readonly stanzaErrors: number;
    readonly disconnected: number;
    readonly firstDisconnectReason: string | null;
  };
  readonly loadGenerator: {
    readonly workers: number;
    /** Groupchat deliveries per socket read: how many stanzas the server packs into one TCP write. */
    readonly deliveriesPerRead: number;
    readonly joinSeconds: number;
    readonly maxSendLagMs: number;
    readonly maxPendingBytes: number;
  };
  readonly serverLog: { readonly file: string; readonly lines: number };
  /** Best guess at what limited the figures. */
  readonly bottleneck: string;
};

/** Inputs to `summarize` besides the worker counts. */
export type RunFacts = {
  readonly kind: ServerKind;
  readonly server: string;
  readonly clients: number;
  readonly rooms: number;
  readonly roomSizes: readonly number[];
  readonly mode: SendMode;
  readonly measuredSeconds: number;
  readonly cpu: CpuUse;
  readonly serverLog: { readonly file: string; readonly lines: number };
};

/** Above this much CPU use by other processes (% of one core) during the window, the report warns. */
const OTHER_CPU_WARNING_PERCENT = 15;

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Adds up the workers' counts. */
export function summarize(facts: RunFacts, workers: readonly WorkerResult[]): ServerResult {
  const histogram = new LatencyHistogram();
  const sum = (pick: (w: WorkerResult) => number): number => workers.reduce((n, w) => n + pick(w), 0);
  for (const w of workers) histogram.merge(w.latency);
  const seconds = facts.measuredSeconds;
  const cpu = facts.cpu;
  const cpuPercent = {
    server: round((100 * cpu.serverSeconds) / seconds, 1),
    loadGenerator: round((100 * cpu.generatorSeconds) / seconds, 1),
    kernelInterrupts: round((100 * cpu.machineInterruptSeconds) / seconds, 1),
    otherProcesses: round(Math.max(0, (100 * (cpu.machineBusySeconds - cpu.serverSeconds - cpu.generatorSeconds)) / seconds), 1),
    machine: round((100 * cpu.machineBusySeconds) / Math.max(cpu.machineTotalSeconds, 1e-9), 1),
  };
  const sentMsgs = sum((w) => w.sentMeasured);
  const deliveredMsgs = sum((w) => w.deliveredMeasured);
  const expectedDeliveries = sum((w) => w.expectedForMeasured);
  const result: Omit<ServerResult, 'bottleneck'> = {
    kind: facts.kind,
    server: facts.server,
    clients: facts.clients,
    rooms: facts.rooms,
    roomSize: { min: Math.min(...facts.roomSizes), max: Math.max(...facts.roomSizes) },
    mode: facts.mode,
    measuredSeconds: round(seconds, 3),
    sentMsgs,
    deliveredMsgs,
    sentPerSecond: round(sentMsgs / seconds, 1),
    deliveredPerSecond: round(deliveredMsgs / seconds, 1),
    offeredPerSecond: round(expectedDeliveries / seconds, 1),
    latencyMs: {
      p50: round(histogram.percentileMs(50), 3),
      p90: round(histogram.percentileMs(90), 3),
      p99: round(histogram.percentileMs(99), 3),
      max: round(histogram.maxMs, 3),
    },
    cpuPercent,
    correctness: {
      expectedDeliveries,
      lost: sum((w) => w.lost),
      duplicated: sum((w) => w.duplicated),
      reordered: sum((w) => w.reordered),
      misrouted: sum((w) => w.misrouted),
      stanzaErrors: sum((w) => w.stanzaErrors),
      disconnected: sum((w) => w.disconnected),
      firstDisconnectReason: workers.find((w) => w.firstDisconnectReason !== null)?.firstDisconnectReason ?? null,
    },
    loadGenerator: {
      workers: workers.length,
      deliveriesPerRead: round(deliveredMsgs / Math.max(1, sum((w) => w.readsMeasured)), 2),
      joinSeconds: round(Math.max(...workers.map((w) => w.joinMs)) / 1000, 2),
      maxSendLagMs: round(Math.max(...workers.map((w) => w.maxSendLagMs)), 1),
      maxPendingBytes: Math.max(...workers.map((w) => w.maxPendingBytes)),
    },
    serverLog: facts.serverLog,
  };
  return { ...result, bottleneck: guessBottleneck(result) };
}

/** An open-loop run in which the server delivered (nearly) everything it was offered. */
const keptUp = (r: Pick<ServerResult, 'mode' | 'deliveredPerSecond' | 'offeredPerSecond'>): boolean =>
  r.mode.kind === 'rate' && r.deliveredPerSecond >= 0.98 * r.offeredPerSecond;

function guessBottleneck(r: Omit<ServerResult, 'bottleneck'>): string {
  const cpu = r.cpuPercent;
  const generatorPerWorker = cpu.loadGenerator / r.loadGenerator.workers;
  const lowerBound = "a lower bound on the server's capacity";
  if (cpu.server >= 90) {
    if (generatorPerWorker < 80) return 'server CPU (its one core is saturated)';
    return `server CPU, with the load generator near saturation too (${Math.round(generatorPerWorker)} % of a core): ${lowerBound}`;
  }
  if (cpu.machine >= 90) {
    return `machine CPU (all cores busy; server ${Math.round(cpu.server)} %, load generator ${Math.round(cpu.loadGenerator)} %, other processes ${Math.round(cpu.otherProcesses)} % of a core): ${lowerBound}`;
  }
  if (generatorPerWorker >= 80) return `load generator CPU (${Math.round(generatorPerWorker)} % of a core): ${lowerBound}`;
  if (keptUp(r)) return 'none: the offered load is below capacity (try --rate max)';
  return 'not CPU: latency-bound (closed loop: raise --inflight) or waiting on I/O';
}

const modeText = (m: SendMode): string =>
  m.kind === 'rate' ? `open loop, ${m.ratePerSecond} msg/s per client` : `closed loop, ${m.inflight} in flight per client`;

const fmt = (x: number, digits = 0): string => (Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** The human-readable report. */
export function formatTable(results: readonly ServerResult[], header: string): string {
  const rows: [string, (r: ServerResult) => string][] = [
    ['clients / rooms (per room)', (r) => `${r.clients} / ${r.rooms} (${r.roomSize.min === r.roomSize.max ? r.roomSize.min : `${r.roomSize.min}–${r.roomSize.max}`})`],
    ['sent msgs', (r) => fmt(r.sentMsgs)],
    ['delivered msgs', (r) => fmt(r.deliveredMsgs)],
    ['delivered msgs/s', (r) => fmt(r.deliveredPerSecond)],
    ['latency p50 ms', (r) => fmt(r.latencyMs.p50, 2)],
    ['latency p99 ms', (r) => fmt(r.latencyMs.p99, 2)],
    ['latency max ms', (r) => fmt(r.latencyMs.max, 2)],
    ['server CPU % (of 1 core)', (r) => fmt(r.cpuPercent.server, 1)],
    ['load generator CPU %', (r) => fmt(r.cpuPercent.loadGenerator, 1)],
    ['other processes CPU %', (r) => fmt(r.cpuPercent.otherProcesses, 1)],
    ['machine CPU % (all cores)', (r) => fmt(r.cpuPercent.machine, 1)],
    ['deliveries per socket read', (r) => fmt(r.loadGenerator.deliveriesPerRead, 1)],
    ['lost / duplicated / reordered', (r) => `${r.correctness.lost} / ${r.correctness.duplicated} / ${r.correctness.reordered}`],
    ['misrouted / errors / dropped', (r) => `${r.correctness.misrouted} / ${r.correctness.stanzaErrors} / ${r.correctness.disconnected}`],
  ];
  const labelWidth = Math.max(...rows.map(([l]) => l.length)) + 2;
  const widths = results.map((r) => Math.max(r.server.length, ...rows.map(([, v]) => v(r).length)) + 3);
  const line = (label: string, cells: string[]): string =>
    label.padEnd(labelWidth) + cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('');
  const out = [header, '', line('', results.map((r) => r.server)), ...rows.map(([label, value]) => line(label, results.map(value)))];
  out.push('');
  for (const r of results) {
    out.push(`${r.server}: ${modeText(r.mode)}; bottleneck: ${r.bottleneck}`);
    if (r.correctness.firstDisconnectReason !== null) out.push(`  first dropped connection: ${r.correctness.firstDisconnectReason}`);
    if (r.cpuPercent.otherProcesses >= OTHER_CPU_WARNING_PERCENT) {
      out.push(`  WARNING: other processes used ${fmt(r.cpuPercent.otherProcesses)} % of a core meanwhile; on a busy machine the figures are unreliable`);
    }
    if (r.serverLog.lines > 0) out.push(`  server logged ${r.serverLog.lines} warning/error lines: ${r.serverLog.file}`);
    if (r.correctness.lost + r.correctness.duplicated + r.correctness.misrouted > 0) out.push('  DELIVERY ERRORS: see the lost / duplicated / misrouted counts above');
  }
  const ratio = compare(results);
  if (ratio !== undefined) out.push('', ratio.line, ratio.verdict);
  return out.join('\n');
}

/** The plenum/prosody comparison, when both ran. */
export function compare(results: readonly ServerResult[]): {
  ratio: number;
  p99PlenumMs: number;
  p99ProsodyMs: number;
  /** null when the run cannot tell: Prosody kept up with an open-loop load, so the ratio is ~1 by construction. */
  isTargetMet: boolean | null;
  line: string;
  verdict: string;
} | undefined {
  const plenum = results.find((r) => r.kind === 'plenum');
  const prosody = results.find((r) => r.kind === 'prosody');
  if (plenum === undefined || prosody === undefined) return undefined;
  const ratio = plenum.deliveredPerSecond / prosody.deliveredPerSecond;
  const target = `target (≥ ${TARGET.throughputRatio}× delivered msg/s at no worse p99)`;
  const isAssessable = !keptUp(prosody);
  const isTargetMet = isAssessable ? ratio >= TARGET.throughputRatio && plenum.latencyMs.p99 <= prosody.latencyMs.p99 : null;
  return {
    ratio: round(ratio, 2),
    p99PlenumMs: plenum.latencyMs.p99,
    p99ProsodyMs: prosody.latencyMs.p99,
    isTargetMet,
    line: `plenum/prosody delivered msg/s = ${ratio.toFixed(2)}×, p99 ${fmt(plenum.latencyMs.p99, 2)} ms vs ${fmt(prosody.latencyMs.p99, 2)} ms`,
    verdict: isTargetMet === null
      ? `${target}: not assessed, Prosody kept up with this open-loop load, so only the latencies compare (use --rate max for throughput)`
      : `${target}: ${isTargetMet ? 'met' : 'NOT met'}`,
  };
}
