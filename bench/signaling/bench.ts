// `npm run bench:signaling`: conference allocations per second and join → session-initiate
// latency when many conferences start at once. Plenum's XMPP server, the focus and the bridges run
// as separate processes; simulated Jitsi clients in load-generator processes log in first, then
// all ask for their conference at the same instant. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuBetween, sampleCpu, type CpuSample } from './cpu.ts';
import { LoadGenerator } from './load-generator.ts';
import { USAGE, parseOptions, type BenchOptions } from './options.ts';
import type { RoundPlan } from './protocol.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile-summary.ts';
import { formatSettings, formatTable, summarize, type BridgeCount, type RoundSummary } from './report.ts';
import { Probe, bridgeStats, killStackSync, logMessages, startStack, type Stack } from './stack.ts';

const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const CLEANUP_TIMEOUT_MS = 15_000;
/**
 * After the sources settled the round's work is not quite over (bridge updates still queued behind
 * others, acks): CPU is sampled once more this long after, before anyone leaves, so the whole
 * round's cost is measured whatever part of it falls after the views settled.
 */
const ROUND_TAIL_MS = 1000;

/** Everything started so far, so that any way out of the bench stops it. */
const running: { stack: Stack | undefined; generator: LoadGenerator | undefined } = { stack: undefined, generator: undefined };

function installCleanup(): void {
  process.on('exit', () => {
    running.generator?.kill();
    killStackSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      progress(`\n${signal}: stopping the stack and the load generators`);
      running.generator?.kill();
      const stopping = running.stack?.stop() ?? Promise.resolve();
      const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
      void Promise.race([stopping, timeout]).finally(() => process.exit(130));
    });
  }
}

/** Rooms of a round, split between the workers (conference i goes to worker i mod W). */
function plans(stack: Stack, o: BenchOptions, label: string, conferences: number, round: number): RoundPlan[] {
  const tag = randomBytes(3).toString('hex');
  return Array.from({ length: o.workers }, (_, w) => {
    const mine = Array.from({ length: conferences }, (_, i) => i).filter((i) => i % o.workers === w);
    return {
      label,
      addresses: stack.addresses,
      rooms: mine.map((i) => `bench-${tag}-${label}-${i}@${stack.addresses.mucDomain}`),
      // --ramp-ms: conference i starts at i/C of the ramp, so conferences arrive at a steady rate.
      startOffsetsMs: mine.map((i) => (o.rampMs * i) / conferences),
      participantsPerRoom: o.participants,
      bridgeIds: stack.bridges.map((b) => b.id),
      ssrcBase: 1000 + (round * o.workers + w) * 50_000_000,
      loginConcurrency: 50,
      loginTimeoutMs: 30_000,
      sessionTimeoutMs: 30_000 + o.rampMs,
      settleTimeoutMs: 10_000,
    };
  });
}

async function readBridgeCounts(stack: Stack): Promise<Record<string, BridgeCount | null>> {
  const out: Record<string, BridgeCount | null> = {};
  for (const b of stack.bridges) {
    try {
      const s = await bridgeStats(b.httpPort);
      const n = (k: string): number => (typeof s[k] === 'number' ? s[k] : NaN);
      out[b.id] = { conferences: n('conferences'), endpoints: n('endpoints'), conferencesCreated: n('total_conferences_created'), participantsCreated: n('total_participants') };
    } catch {
      out[b.id] = null;
    }
  }
  return out;
}

/**
 * After everyone left: ms until every bridge reports no conference and no endpoint and every
 * room is gone (the focus left it and the MUC destroyed it), or null past the deadline.
 */
async function waitForCleanup(stack: Stack, rooms: readonly string[]): Promise<number | null> {
  const started = hrNowMs();
  const probe = await Probe.connect(stack.addresses);
  try {
    while (hrNowMs() - started < CLEANUP_TIMEOUT_MS) {
      const counts = Object.values(await readBridgeCounts(stack));
      if (counts.every((c) => c !== null && c.conferences === 0 && c.endpoints === 0) && await probe.existingRooms(rooms) === 0) {
        return hrNowMs() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return null;
  } finally {
    await probe.close();
  }
}

/** Samples CPU at an hrtime instant (timers fire late, so it spins the last 2 ms). */
function sampleAt(atHrMs: number, pids: ReadonlyMap<string, readonly number[]>): Promise<CpuSample> {
  return new Promise((resolve) => setTimeout(() => {
    while (hrNowMs() < atHrMs) { /* busy-wait below 2 ms */ }
    resolve(sampleCpu(pids));
  }, Math.max(0, atHrMs - hrNowMs() - 2)));
}

async function runRound(stack: Stack, generator: LoadGenerator, o: BenchOptions, label: string, conferences: number, round: number): Promise<RoundSummary> {
  progress(`${label}: logging in ${conferences * o.participants} participants`);
  const roundPlans = plans(stack, o, label, conferences, round);
  const loginMs = await generator.login(roundPlans);
  const pids = new Map<string, number[]>([
    ...stack.processes.map((p) => [p.name, [p.pid]] as [string, number[]]),
    ['load generator', generator.pids],
  ]);
  const startHrMs = hrNowMs() + 300;
  progress(`${label}: ${conferences} conferences × ${o.participants} participants join ${o.rampMs === 0 ? 'at once' : `over ${o.rampMs} ms`}`);
  const atStart = sampleAt(startHrMs, pids);
  let atInitiated: CpuSample | undefined;
  const workers = await generator.go(startHrMs, () => { atInitiated = sampleCpu(pids); });
  const atEnd = sampleCpu(pids);
  await new Promise((resolve) => setTimeout(resolve, ROUND_TAIL_MS));
  const atTail = sampleCpu(pids);
  const start = await atStart;
  const bridgeCounts = await readBridgeCounts(stack);
  progress(`${label}: leaving`);
  await generator.leave();
  const cleanupMs = await waitForCleanup(stack, roundPlans.flatMap((p) => p.rooms));
  return summarize({
    label, conferences, participantsPerConference: o.participants, startHrMs, loginMs, bridgeCounts, cleanupMs,
    cpuToLastInitiate: atInitiated === undefined ? null : cpuBetween(start, atInitiated),
    cpuToSettled: cpuBetween(start, atEnd),
    cpuToTail: cpuBetween(start, atTail),
  }, workers);
}

/** Where each server process spent the measured burst (start → last session-initiate), from its CPU profile. */
function profileSummaries(workDir: string, r: RoundSummary): { readonly title: string; readonly summary: ProfileSummary }[] {
  const dir = join(workDir, 'profiles');
  if (!existsSync(dir)) return [];
  const out: { title: string; summary: ProfileSummary }[] = [];
  for (const proc of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, proc)).filter((x) => x.endsWith('.cpuprofile'))) {
      const summary = summarizeProfile(join(dir, proc, f), r.startHrMs, r.startHrMs + r.lastInitiateMs, 12);
      // The tsx loader's thread is idle once the modules are loaded.
      if (summary.sampledMs - summary.idleMs >= 1) out.push({ title: `${proc} (${join('profiles', proc, f)}), measured burst start → last offer`, summary });
    }
  }
  return out;
}

function machine(): { cores: number; model: string; node: string; kernel: string } {
  return { cores: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version, kernel: release() };
}

/** The installed Prosody package's version (dpkg), for the report. */
function prosodyVersion(): string {
  const out = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'prosody'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.trim() !== '' ? out.stdout.trim() : 'version unknown';
}

function plenumLabel(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const git = (...args: string[]): string => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD');
  const isDirty = git('status', '--porcelain', '--', 'packages').length > 0;
  return commit === '' ? 'plenum' : `plenum ${commit}${isDirty ? '+dirty' : ''}`;
}

async function main(): Promise<number> {
  let o: BenchOptions | undefined;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    progress(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (o === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  installCleanup();
  const workDir = mkdtempSync(join(tmpdir(), 'plenum-bench-signaling-'));
  const rounds: RoundSummary[] = [];
  let failure: string | undefined;
  let logs: Record<string, Record<string, number>> = {};
  let limits: Stack['limits'] = [];
  try {
    progress(`starting the XMPP server (${o.xmpp}), the focus and ${o.bridges} bridge(s); scratch directory ${workDir}`);
    const largest = Math.max(o.conferences, o.warmupConferences);
    const stack = await startStack({
      bridges: o.bridges, participantsPerConference: o.participants, conferences: largest, clients: largest * o.participants,
      endpoints: largest * o.participants, workDir, logLevel: o.logLevel, cpuProf: o.cpuProf, xmpp: o.xmpp,
    });
    running.stack = stack;
    limits = stack.limits;
    const generator = LoadGenerator.start(o.workers);
    running.generator = generator;
    try {
      if (o.warmupConferences > 0) rounds.push(await runRound(stack, generator, o, 'warm-up', o.warmupConferences, 0));
      rounds.push(await runRound(stack, generator, o, 'measured', o.conferences, 1));
    } finally {
      await generator.close();
      running.generator = undefined;
      await stack.stop();
      running.stack = undefined;
      logs = Object.fromEntries(stack.processes.map((p) => [p.name, logMessages(p)]));
    }
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    progress(`FAILED: ${failure}`);
  }
  const measured = rounds.find((r) => r.label === 'measured');
  const m = machine();
  const label = plenumLabel();
  const profiles = o.cpuProf && measured !== undefined ? profileSummaries(workDir, measured) : [];
  if (o.isJson) {
    process.stdout.write(`${JSON.stringify({ options: o, machine: m, plenum: label, limits, rounds, logs, profiles, failure: failure ?? null }, null, 2)}\n`);
  } else if (measured !== undefined) {
    const warm = rounds.find((r) => r.label === 'warm-up');
    const when = o.rampMs === 0 ? 'joining at once' : `joining, conferences spread over ${o.rampMs} ms`;
    const server = o.xmpp === 'prosody' ? `, XMPP server: Debian's Prosody (${prosodyVersion()})` : '';
    const header = `Conference signaling benchmark (${label}${server}): ${o.conferences} conferences × ${o.participants} participants ${when}, ${o.bridges} bridge(s), ${o.workers} load-generator process(es)`
      + `\nmachine: ${m.cores} × ${m.model}, Node ${m.node}, Linux ${m.kernel}`
      + (warm === undefined ? '\nno warm-up round' : `\nafter a warm-up round of ${warm.conferences} conferences (p99 join → session-initiate ${warm.latency.joinToInitiate.p99.toFixed(1)} ms; ${warm.checks.isCorrect ? 'no errors' : 'WITH ERRORS'})`);
    process.stdout.write(`\n${formatTable(measured, header)}\n`);
    if (o.xmpp === 'prosody') process.stdout.write(`\n${formatSettings(limits)}\n`);
    const noisy = Object.entries(logs).filter(([, msgs]) => Object.keys(msgs).length > 0);
    if (noisy.length > 0) process.stdout.write(`\nlogged at ${o.logLevel} and above (both rounds and shutdown; files in ${workDir}):\n`);
    for (const [name, msgs] of noisy) for (const [msg, n] of Object.entries(msgs)) process.stdout.write(`  ${name}: ${n} × ${msg}\n`);
    for (const p of profiles) process.stdout.write(`\n${formatProfile(p.title, p.summary)}\n`);
  }
  if (failure !== undefined && !o.isJson) process.stdout.write(`\nnot measured: ${failure.split('\n')[0] ?? ''}\n`);
  const isCorrect = rounds.length > 0 && rounds.every((r) => r.checks.isCorrect);
  const hasLogs = Object.values(logs).some((msgs) => Object.keys(msgs).length > 0);
  if (failure !== undefined || !isCorrect || hasLogs || o.keepFiles || o.cpuProf) progress(`logs${o.cpuProf ? ' and CPU profiles' : ''} kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  return failure !== undefined || !isCorrect ? 1 : 0;
}

process.exitCode = await main();
