// `npm run bench:xmpp`: MUC groupchat throughput and latency of Plenum's XMPP server and of
// Debian's Prosody, one after the other, under the same load from separate processes.
// See bench/README.md for what is measured and how to read it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadGenerator, planRooms, type LoadShape } from './load-generator.ts';
import { USAGE, parseOptions, type BenchOptions } from './options.ts';
import { machineCpuSeconds, processCpuSeconds } from './proc-stat.ts';
import type { WorkerResult } from './protocol.ts';
import { compare, formatTable, summarize, type CpuUse, type ServerResult } from './report.ts';
import { killServersSync, startServer, type RunningServer, type ServerKind } from './servers.ts';

const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Everything started so far, so that any way out of the bench stops it. */
const running = { servers: new Set<RunningServer>(), generators: new Set<LoadGenerator>(), isInterrupted: false };

function installCleanup(): void {
  process.on('exit', () => {
    for (const g of running.generators) g.kill();
    killServersSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      running.isInterrupted = true;
      progress(`\n${signal}: stopping servers and load generators`);
      for (const g of running.generators) g.kill();
      const stopping = Promise.all([...running.servers].map((s) => s.stop()));
      const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
      void Promise.race([stopping, timeout]).finally(() => process.exit(130));
    });
  }
}

/** Samples CPU counters when the measured window opens and closes. */
function sampleCpuAt(fromHrMs: number, untilHrMs: number, serverPid: number, generatorPids: readonly number[]): Promise<CpuUse & { wallSeconds: number }> {
  const sample = () => ({
    atMs: hrNowMs(),
    server: processCpuSeconds(serverPid),
    generator: generatorPids.reduce((n, pid) => n + processCpuSeconds(pid), 0),
    machine: machineCpuSeconds(),
  });
  const at = (hrMs: number) => new Promise<ReturnType<typeof sample>>((resolve) => setTimeout(() => resolve(sample()), Math.max(0, hrMs - hrNowMs())));
  return at(fromHrMs).then(async (start) => {
    const end = await at(untilHrMs);
    return {
      wallSeconds: (end.atMs - start.atMs) / 1000,
      serverSeconds: end.server - start.server,
      generatorSeconds: end.generator - start.generator,
      machineBusySeconds: end.machine.busy - start.machine.busy,
      machineInterruptSeconds: end.machine.interrupts - start.machine.interrupts,
      machineTotalSeconds: end.machine.total - start.machine.total,
    };
  });
}

async function measure(kind: ServerKind, options: BenchOptions, workDir: string): Promise<ServerResult> {
  const shape: LoadShape = { clients: options.clients, rooms: options.rooms, workers: options.workers, mode: options.mode, runTag: randomBytes(3).toString('hex') };
  const roomSizes = Array.from({ length: options.rooms }, (_, r) => Math.ceil((options.clients - r) / options.rooms));
  progress(`${kind}: starting`);
  const server = await startServer(kind, { workDir, maxRoomSize: Math.max(...roomSizes) });
  running.servers.add(server);
  let generator: LoadGenerator | undefined;
  try {
    progress(`${server.label}: listening on ${server.host}:${server.port} (pid ${server.pid}); joining ${options.clients} clients to ${options.rooms} rooms`);
    generator = await LoadGenerator.start(planRooms(shape, server));
    running.generators.add(generator);
    const startAtHrMs = hrNowMs() + 200;
    const measureFromHrMs = startAtHrMs + options.warmupSeconds * 1000;
    const measureUntilHrMs = measureFromHrMs + options.seconds * 1000;
    progress(`${server.label}: ${options.warmupSeconds} s warm-up, then ${options.seconds} s measured`);
    const cpu = sampleCpuAt(measureFromHrMs, measureUntilHrMs, server.pid, generator.pids);
    const workers: WorkerResult[] = await generator.run({ startAtHrMs, measureFromHrMs, measureUntilHrMs, drainMs: options.drainSeconds * 1000 });
    const used = await cpu;
    await generator.close();
    return summarize({
      kind, server: server.label, clients: options.clients, rooms: options.rooms, roomSizes, mode: options.mode,
      measuredSeconds: used.wallSeconds, cpu: used,
      serverLog: { file: server.logFile, lines: countLines(server.logFile) },
    }, workers);
  } finally {
    generator?.kill();
    if (generator !== undefined) running.generators.delete(generator);
    await server.stop();
    running.servers.delete(server);
  }
}

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}

function machine(): { cores: number; model: string; node: string; kernel: string } {
  return { cores: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version, kernel: release() };
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    progress(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  installCleanup();
  const workDir = mkdtempSync(join(tmpdir(), 'plenum-bench-xmpp-'));
  const results: ServerResult[] = [];
  const errors: Partial<Record<ServerKind, string>> = {};
  for (const kind of options.servers) {
    try {
      results.push(await measure(kind, options, workDir));
    } catch (e) {
      // Ctrl-C kills the load generators, which fails the run; the signal handler exits.
      if (running.isInterrupted) return 130;
      errors[kind] = e instanceof Error ? e.message : String(e);
      progress(`${kind}: FAILED: ${errors[kind]}`);
    }
  }
  const m = machine();
  if (options.isJson) {
    const ratio = compare(results);
    const { line: _line, verdict: _verdict, ...comparison } = ratio ?? { line: '', verdict: '' };
    process.stdout.write(`${JSON.stringify({
      options: { ...options, servers: [...options.servers] },
      machine: m,
      results,
      comparison: ratio === undefined ? null : comparison,
      errors,
    }, null, 2)}\n`);
  } else {
    const header = `XMPP MUC groupchat benchmark: ${options.clients} clients in ${options.rooms} rooms, ${options.seconds} s measured after ${options.warmupSeconds} s warm-up, ${options.workers} load-generator process(es)\nmachine: ${m.cores} × ${m.model}, Node ${m.node}, Linux ${m.kernel}`;
    if (results.length > 0) process.stdout.write(`\n${formatTable(results, header)}\n`);
    // The full error, with the server's log tail, went to stderr already; repeat only its first line.
    for (const [kind, message] of Object.entries(errors)) process.stdout.write(`\n${kind}: not measured: ${message.split('\n')[0] ?? ''}\n`);
  }
  const isFailed = Object.keys(errors).length > 0;
  const hasServerWarnings = results.some((r) => r.serverLog.lines > 0);
  if (isFailed || hasServerWarnings || options.keepFiles) progress(`configs and logs kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  return isFailed ? 1 : 0;
}

process.exitCode = await main();
