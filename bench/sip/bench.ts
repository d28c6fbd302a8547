// `npm run bench:sip`: concurrent dial-in calls one gateway process carries with clean audio.
// Our XMPP server, focus and bridge (testkit, in this process); N conferences of 4 talkers (werift
// participants replaying pre-encoded Opus speech: the gateway's own prompts, so the load generator
// does no encoding) in child processes of their own (talker-process.ts, --conferences-per-process
// conferences each); the gateway in a process of its own (gateway-process.ts); the CPU of each is
// read from /proc; one phone call per conference placed by sipp (dial-in-bench.xml, PCMU), whose RTP goes
// to this process's sockets (bench-phones.ts): μ-law speech in, and what the gateway sends is
// counted for loss (by sequence gaps and against the 50 packets/s a phone must get) and jitter.
// Per step: setup time (sipp's INVITE → 200 OK, which includes joining the room), then a measuring
// window: gateway CPU (cores), loss, jitter, how long the gateway waited for a CPU (schedstat: a
// starved gateway skips frames however cheap it is), the talkers' cores, this process's own cores
// (stack and phones) and the machine's load average. Steps ramp N
// (stopping at the first lossy step unless --keep-going); calls per core = N / cores at the largest
// N with loss < 1 %, and the marginal CPU per added call between steps. Everything shares this
// machine: the load generator's CPU is not the gateway's, but it competes for the same cores. Usage:
// The talkers all speak at once, each packet with the RFC 6464 level of its frame (the prompts'
// pauses, a quarter to a third of the frames, are at -80 to -90 dBov); the gateway decodes only
// the 3 loudest talkers (conferenceAudio.loudestTalkers) and nothing inaudible. --loudest-talkers
// 0 makes it decode and mix everyone audible; --constant-level makes every talker packet say
// -40 dBov (the workload measured before the gateway read levels). The calls ask for batched
// delivery (the gateway's default); --batch-interval-ms 0 makes the bridge send packet by packet.
// --gateway-node-flags="…" replaces the node flags the gateway runs with (those deployed gateways get,
// PACKET_PROCESS_NODE_FLAGS); with --trace-gc among them, each step also reports the gateway's
// collector pauses in its window. The gateway encodes callers at complexity 5 and drops to 1 while its
// event loop is busy (conferenceAudio.encoderComplexity/…UnderLoad); each step says for how much of
// its window it was backed off. --encoder-complexity N holds it at N (an A/B of the two settings),
// --encoder-complexity N/M sets both.
//   npm run bench:sip -- [--steps 10,25,50,100] [--window 10] [--rate 10] [--talkers 4] [--conferences-per-process 5] [--loudest-talkers N] [--constant-level] [--batch-interval-ms N] [--profile DIR] [--gateway-nice=N] [--gateway-node-flags="--max-semi-space-size=4 --trace-gc"] [--encoder-complexity N|N/M] [--keep-going] [--json]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PACKET_PROCESS_NODE_FLAGS } from '@plenum/kit/node';
import type { RunningStack } from '@plenum/testkit';
import { freeUdpPort, spawnReaped, startStack } from '@plenum/testkit';
import { encodeMulaw } from '../../packages/sip-gateway/src/media/g711.ts';
import { loadPrompts } from '../../packages/sip-gateway/src/media/prompt-player.ts';
import { treeUsage } from '../recorder/proc-usage.ts';
import { BenchPhones } from './bench-phones.ts';
import { GcTrace } from './gc-trace.ts';
import type { GcSummary } from './gc-trace.ts';
import type { PhoneCounters } from './bench-phones.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10,25,50,100' },
    window: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    talkers: { type: 'string', default: '4' },
    'conferences-per-process': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'gateway-nice': { type: 'string' },
    'gateway-node-flags': { type: 'string' },
    'loudest-talkers': { type: 'string' },
    'encoder-complexity': { type: 'string' },
    'batch-interval-ms': { type: 'string' },
    'constant-level': { type: 'boolean', default: false },
    'keep-going': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:sip -- [--steps 10,25,50,100] [--window S (10)] [--rate calls/s (10)] [--talkers per conference (4)] [--conferences-per-process N (5): talker processes hold N conferences each] [--loudest-talkers N: the gateway\'s conferenceAudio.loudestTalkers (its default 3; 0 = all)] [--batch-interval-ms N: the bridge\'s udp.batchIntervalMs for the calls\' batched delivery (default 20; 0 = packet by packet)] [--constant-level: every talker packet says -40 dBov] [--profile DIR: the gateway\'s --cpu-prof] [--gateway-nice=N: run it at nice N, e.g. =-5 on a shared machine] [--gateway-node-flags="F …": node flags for the gateway process, space-separated, instead of the deployed ones (--max-semi-space-size=2); = alone is V8\'s defaults; e.g. ="--max-semi-space-size=2 --trace-gc" (with --trace-gc each step reports its collector pauses)] [--encoder-complexity N or N/M: the gateway encodes callers at complexity N always, or at N with M while busy (its default 5/1)] [--keep-going: ramp on past a lossy step] [--json]');
  process.exit(0);
}
const steps = (args.steps ?? '').split(',').map(Number);
// As deployed gateways run, unless replaced (--gateway-node-flags= is V8's defaults).
const gatewayNodeFlags = args['gateway-node-flags'] === undefined ? [...PACKET_PROCESS_NODE_FLAGS] : args['gateway-node-flags'].split(' ').filter((f) => f !== '');
const traceGc = gatewayNodeFlags.includes('--trace-gc');
const windowS = Number(args.window);
const rate = Number(args.rate);
const talkersPerConference = Number(args.talkers);
const conferencesPerProcess = Number(args['conferences-per-process']);
if (!Number.isInteger(conferencesPerProcess) || conferencesPerProcess < 1 || steps.some((n) => !Number.isInteger(n) || n < 1) || !(windowS > 0) || !(rate > 0) || !Number.isInteger(talkersPerConference) || talkersPerConference < 1) {
  console.error('bad flags; see --help');
  process.exit(2);
}

const GATEWAY_DOMAIN = 'sip.plenum.localhost';
const SECRETS = { focus: 'f-secret', bridges: 'b-secret', gateway: 'g-secret' };
const MAX_LOSS = 0.01;
const SETTLE_MS = 2_000;
const SCENARIO = fileURLToPath(new URL('./dial-in-bench.xml', import.meta.url));
const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const progress = (msg: string): void => void process.stderr.write(`${msg}\n`);

// --- pre-encoded audio: speech for the phones (μ-law; the talker processes encode their own) ----

const voices = [...loadPrompts().values()];
function mulawSpeech(voice: Int16Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const narrow = new Int16Array(160);
  for (let at = 0; at + 960 <= voice.length; at += 960) {
    for (let i = 0; i < 160; i++) narrow[i] = voice[at + 6 * i]!; // crude 48→8 kHz: fine for a load, not for listening
    const out = new Uint8Array(160);
    encodeMulaw(narrow, out);
    frames.push(out);
  }
  return frames;
}
const phoneSpeech = mulawSpeech(voices[voices.length - 1]!);

// --- the talkers ------------------------------------------------------------------------------

/** Talker processes, each holding `conferencesPerProcess` conferences' talkers (talker-process.ts). */
class Talkers {
  readonly #procs: ChildProcess[] = [];
  #conferences = 0;

  get conferences(): number {
    return this.#conferences;
  }

  get pids(): number[] {
    return this.#procs.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  /** Adds conferences bench-<n>… up to `count`, a process per `conferencesPerProcess`, started one after another. */
  async growTo(count: number, port: number): Promise<void> {
    while (this.#conferences < count) {
      const rooms = Array.from({ length: Math.min(conferencesPerProcess, count - this.#conferences) }, (_, i) => `bench-${this.#conferences + i}`);
      const job = { port, rooms, talkersPerConference, constantLevel: args['constant-level'] };
      const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./talker-process.ts', import.meta.url)), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
      this.#procs.push(proc);
      const line = await new Promise<string>((resolve) => {
        let out = '';
        proc.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        proc.once('exit', (code) => resolve(`failed: exited (${code})`));
      });
      if (line !== 'ready') throw new Error(`talkers of ${rooms.join(', ')}: ${line} (the machine is overloaded?)`);
      this.#conferences += rooms.length;
    }
  }

  /** CPU seconds of every talker process so far. */
  cpuSeconds(): number {
    return this.pids.reduce((s, pid) => s + cpuSecondsOf(pid), 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.#procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        resolve();
      }, 10_000);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      p.kill('SIGTERM');
    })));
  }
}

// --- the gateway process ------------------------------------------------------------------------

/** The gateway's child process; with --trace-gc, its collector's pauses (timed from `spawnedAtMs`, near enough the isolate's start). */
type GatewayProcess = {
  readonly proc: ChildProcess; readonly sipPort: number; readonly spawnedAtMs: number; readonly gc: GcTrace | undefined;
  /** The encoders' complexity as the gateway reported it (`encoder-complexity N` lines), by this process's clock. */
  readonly complexity: ComplexityTimeline;
};

/** The complexity the gateway's encoders ran at over time: its normal one and the changes it reported. */
class ComplexityTimeline {
  readonly #changes: { atMs: number; complexity: number }[] = [];
  constructor(readonly normal: number) {}

  record(complexity: number): void {
    this.#changes.push({ atMs: performance.now(), complexity });
  }

  /** Share (0–1) of [fromMs, toMs] spent at a complexity other than the normal one. */
  backedOffShare(fromMs: number, toMs: number): number {
    let at = this.normal;
    let since = fromMs;
    let backedOffMs = 0;
    for (const change of this.#changes) {
      if (change.atMs <= fromMs) {
        at = change.complexity;
        continue;
      }
      if (change.atMs >= toMs) break;
      if (at !== this.normal) backedOffMs += change.atMs - since;
      at = change.complexity;
      since = change.atMs;
    }
    if (at !== this.normal) backedOffMs += toMs - since;
    return backedOffMs / Math.max(1, toMs - fromMs);
  }
}

/** --encoder-complexity: `N` (always N) or `N/M` (N, M while busy) as the gateway's conferenceAudio settings. */
function encoderComplexityValues(arg: string | undefined): { encoderComplexity: number; encoderComplexityUnderLoad: number } | undefined {
  if (arg === undefined) return undefined;
  const [normal, underLoad = normal] = arg.split('/').map(Number);
  if (normal === undefined || underLoad === undefined || !Number.isInteger(normal) || !Number.isInteger(underLoad)) throw new Error('--encoder-complexity takes N or N/M (0-10)');
  return { encoderComplexity: normal, encoderComplexityUnderLoad: underLoad };
}

async function startGatewayProcess(componentPort: number, maxCalls: number): Promise<GatewayProcess> {
  const sipPort = await freeUdpPort();
  const values = {
    component: { port: componentPort, secret: SECRETS.gateway },
    sip: { port: sipPort, tcp: false, invitesPerSecond: 1_000 },
    // Room for the previous step's calls still hanging up when the next step dials in.
    rtp: { portMin: 30_000, portMax: 30_000 + 8 * maxCalls + 100 },
    maxCalls: 2 * maxCalls + 10,
    log: { level: 'warn' },
    conferenceAudio: {
      ...(args['loudest-talkers'] === undefined ? {} : { loudestTalkers: Number(args['loudest-talkers']) }),
      ...encoderComplexityValues(args['encoder-complexity']),
    },
  };
  const complexity = new ComplexityTimeline(encoderComplexityValues(args['encoder-complexity'])?.encoderComplexity ?? 5);
  const profile = args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profile}`];
  const command = [process.execPath, ...gatewayNodeFlags, ...profile, '--import', 'tsx', fileURLToPath(new URL('./gateway-process.ts', import.meta.url)), JSON.stringify(values)];
  // nice execs the command: the pid stays the gateway's.
  if (args['gateway-nice'] !== undefined) command.unshift('nice', '-n', args['gateway-nice']);
  const spawnedAtMs = performance.now();
  const proc = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const gc = traceGc ? new GcTrace() : undefined;
  // Read from the start: the lines before "ready" are the collector's too.
  const rest: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => {
    if (gc === undefined) rest.push(d.toString());
    else rest.push(...gc.feed(d.toString()).map((l) => `${l}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the gateway did not start in 30 s')), 30_000);
    const untilReady = (): void => {
      out += rest.splice(0).join('');
      if (out.includes('ready')) {
        clearTimeout(timer);
        proc.stdout?.off('data', untilReady);
        resolve();
      }
      if (out.length > 1_000) out = out.slice(-200);
    };
    proc.stdout?.on('data', untilReady);
    proc.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
  });
  // Later lines are the gateway's warnings (pino JSON): show them, they explain bad steps.
  proc.stdout?.on('data', () => {
    const text = rest.splice(0).join('').replace(/^encoder-complexity (\d+)\n/gm, (_, n: string) => {
      complexity.record(Number(n));
      return '';
    });
    if (text !== '') process.stderr.write(`gateway: ${text}`);
  });
  return { proc, sipPort, spawnedAtMs, gc, complexity };
}

const cpuSecondsOf = (pid: number): number => treeUsage(pid).reduce((s, u) => s + u.cpuSeconds, 0);

/**
 * Nanoseconds the gateway's main thread has spent runnable but waiting for a CPU (schedstat(5)
 * field 2): how much the rest of the machine starves it, which the frame clock cannot make up.
 */
async function runQueueWaitNs(pid: number): Promise<number> {
  try {
    return Number((await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')).split(' ')[1]);
  } catch {
    return Number.NaN;
  }
}

// --- one step -----------------------------------------------------------------------------------

type StepResult = {
  readonly calls: number;
  readonly answered: number;
  readonly setupP50Ms: number;
  readonly setupP99Ms: number;
  readonly gatewayCores: number;
  readonly lossPct: number;
  readonly worstCallLossPct: number;
  /** Of the loss: packets missing by sequence number (dropped on the way) in all calls. */
  readonly seqLossPct: number;
  readonly jitterMs: number;
  /** Cores the talker processes used meanwhile (the load generator). */
  readonly talkerCores: number;
  /** Cores this process used meanwhile: the XMPP server, focus, bridge and the phones' sockets. */
  readonly stackCores: number;
  /** The machine's 1-minute load average at the end of the window. */
  readonly loadAverage: number;
  /** Milliseconds per second the gateway's main thread waited for a CPU while runnable. */
  readonly waitMsPerS: number;
  readonly rssMb: number;
  /** Share (percent) of the window the callers were encoded at the gateway's under-load complexity. */
  readonly backedOffPct: number;
  /** With --trace-gc: the gateway's collector pauses in the window, by kind (Scavenge, Mark-Compact…). */
  readonly gc?: Record<string, GcSummary>;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function runStep(calls: number, gateway: GatewayProcess, phones: BenchPhones, talkers: Talkers, workDir: string): Promise<StepResult> {
  const gatewayPid = gateway.proc.pid!;
  const rtpPorts = await phones.open(calls);
  const injection = ['SEQUENTIAL', ...rtpPorts.map((port, i) => `bench-${i};${port};`)].join('\n');
  const stepDir = await mkdtemp(join(workDir, `step-${calls}-`));
  await writeFile(join(stepDir, 'calls.csv'), `${injection}\n`);
  const rampMs = (calls / rate) * 1000;
  // Setups lag behind the ramp under load: allow for it.
  const setupSlackMs = 8_000 + 20 * calls;
  // Hold every call until the last is set up, settled and measured; then the phones hang up (BYE).
  const holdMs = Math.ceil(rampMs + setupSlackMs + SETTLE_MS + windowS * 1000);
  // sipp's remote control socket is UDP.
  const controlPort = await freeUdpPort();
  const sipp = await spawnReaped('sipp', [
    `127.0.0.1:${gateway.sipPort}`, '-sf', SCENARIO, '-inf', join(stepDir, 'calls.csv'), '-m', String(calls), '-l', String(calls), '-r', String(rate),
    '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-cp', String(controlPort), '-d', String(holdMs),
    '-trace_rtt', '-rtt_freq', '1', '-nostdin', '-timeout', String(Math.ceil(holdMs / 1000) + 60), '-timeout_error',
  ], { cwd: stepDir, output: 'pipe' });
  // sipp's complaints (e.g. it could not start) explain a step where nothing was answered.
  let sippErrors = '';
  sipp.stderr?.on('data', (d: Buffer) => {
    sippErrors = (sippErrors + d.toString()).slice(-2_000);
  });
  try {
    // Wait until every call is answered (sipp saw its 200: the caller is in the room) and its phone
    // hears the gateway, or the setup slack is over.
    const deadline = performance.now() + rampMs + setupSlackMs;
    while ((phones.connected < calls || (await readRtts(stepDir)).length < calls) && performance.now() < deadline) await sleep(250);
    const answered = Math.min(phones.connected, (await readRtts(stepDir)).length);
    if (answered === 0) progress(`  no call answered; sipp ${sipp.hasExited() ? 'exited' : 'runs'}: ${sippErrors.trim() || '(nothing on stderr)'}`);
    await sleep(SETTLE_MS);
    const before = phones.counters();
    const cpuBefore = cpuSecondsOf(gatewayPid);
    const waitBefore = await runQueueWaitNs(gatewayPid);
    const ownBefore = process.cpuUsage();
    const talkersBefore = talkers.cpuSeconds();
    const t0 = performance.now();
    const hr0 = hrNowMs();
    await sleep(windowS * 1000);
    const cpuAfter = cpuSecondsOf(gatewayPid);
    const waitAfter = await runQueueWaitNs(gatewayPid);
    const own = process.cpuUsage(ownBefore);
    const talkerSeconds = talkers.cpuSeconds() - talkersBefore;
    const loadAverage = loadavg()[0] ?? Number.NaN;
    const t1 = performance.now();
    const elapsedS = (t1 - t0) / 1000;
    // V8 stamps profile samples with this clock: `profile-summary.ts <file> <from> <to>` reads the window alone.
    if (args.profile !== undefined) progress(`  measuring window ${hr0.toFixed(0)} ${hrNowMs().toFixed(0)} (hrtime ms, for bench/signaling/profile-summary.ts)`);
    const after = phones.counters();
    const losses = after.map((a, i) => callLoss(before[i]!, a, elapsedS)).filter((l): l is number => l !== undefined);
    const rtts = await readRtts(stepDir);
    const rss = treeUsage(gatewayPid).reduce((s, u) => s + u.rssBytes, 0);
    // Let sipp hang every call up, so the next step starts with none left over.
    await Promise.race([sipp.exited, sleep(holdMs + 10_000)]);
    return {
      calls, answered,
      setupP50Ms: percentile(rtts, 50), setupP99Ms: percentile(rtts, 99),
      gatewayCores: (cpuAfter - cpuBefore) / elapsedS,
      // Calls that never got audio count as fully lost.
      lossPct: 100 * (losses.reduce((s, l) => s + l, 0) + (calls - losses.length)) / calls,
      worstCallLossPct: 100 * (losses.length < calls ? 1 : Math.max(0, ...losses)),
      seqLossPct: 100 * sumOf(after, (c) => c.seqLost - (before[after.indexOf(c)]?.seqLost ?? 0)) / Math.max(1, sumOf(after, (c) => c.received - (before[after.indexOf(c)]?.received ?? 0))),
      jitterMs: after.reduce((s, c) => s + c.jitterMs, 0) / Math.max(1, after.length),
      waitMsPerS: (waitAfter - waitBefore) / 1e6 / elapsedS,
      talkerCores: talkerSeconds / elapsedS,
      stackCores: (own.user + own.system) / 1e6 / elapsedS,
      loadAverage,
      rssMb: rss / 2 ** 20,
      backedOffPct: 100 * gateway.complexity.backedOffShare(t0, t1),
      // By now (after the hang-ups) the window's trace lines have long arrived.
      ...(gateway.gc === undefined ? {} : { gc: gateway.gc.summarise(t0 - gateway.spawnedAtMs, t1 - gateway.spawnedAtMs) }),
    };
  } finally {
    await sipp.stop();
    phones.closeAll();
    // Let the gateway hang the calls up before the next step.
    await sleep(2_000);
  }
}

const sumOf = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((s, x) => s + f(x), 0);

/** One call's loss over the window: the worse of sequence gaps and packets short of 50/s. */
function callLoss(before: PhoneCounters, after: PhoneCounters, elapsedS: number): number | undefined {
  if (before.received === 0) return undefined;
  const received = after.received - before.received;
  const gaps = after.seqLost - before.seqLost;
  const bySeq = gaps / Math.max(1, received + gaps);
  const byTime = Math.max(0, 1 - received / (elapsedS * 50));
  return Math.max(bySeq, byTime);
}

/** sipp's -trace_rtt file: `date_ms;response_time_ms;rtd_no` per answered call. */
async function readRtts(dir: string): Promise<number[]> {
  const file = (await readdir(dir)).find((f) => f.endsWith('_rtt.csv'));
  if (file === undefined) return [];
  const rows = (await readFile(join(dir, file), 'utf8')).split('\n').map((l) => l.split(';'));
  return rows.map((r) => Number(r[1])).filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
}

// --- main ---------------------------------------------------------------------------------------

const cpuModel = cpus()[0]?.model ?? 'unknown';
progress(`bench:sip on ${cpus().length} cores (${cpuModel}); steps ${steps.join(', ')} calls, ${talkersPerConference} talkers per conference (${conferencesPerProcess} conferences per talker process), gateway mixes ${args['loudest-talkers'] ?? 'its default (3)'} loudest, talker levels ${args['constant-level'] ? 'constant -40 dBov' : 'per frame'}, window ${windowS} s, gateway node flags ${gatewayNodeFlags.length === 0 ? 'none' : gatewayNodeFlags.join(' ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let stack: RunningStack | undefined;
let gateway: ChildProcess | undefined;
const talkers = new Talkers();
const phones = BenchPhones.create(phoneSpeech);
const workDir = await mkdtemp(join(tmpdir(), 'plenum-bench-sip-'));
const results: StepResult[] = [];
try {
  stack = await startStack({
    server: {
      components: { secrets: [`focus.plenum.localhost=${SECRETS.focus}`, `*.bridge.plenum.localhost=${SECRETS.bridges}`, `${GATEWAY_DOMAIN}=${SECRETS.gateway}`] },
      lobby: { whitelist: [GATEWAY_DOMAIN] },
    },
    focus: { component: { secret: SECRETS.focus }, moderation: { trustedServiceDomains: [GATEWAY_DOMAIN] } },
    // The bridge's default 200 endpoints would refuse the legs from 40 conferences of 4 talkers on.
    bridgeValues: () => ({
      xmpp: { secret: SECRETS.bridges }, maxEndpoints: 2_000,
      ...(args['batch-interval-ms'] === undefined ? {} : { udp: { batchIntervalMs: Number(args['batch-interval-ms']) } }),
    }),
  });
  const started = await startGatewayProcess(stack.server.componentPort, Math.max(...steps));
  gateway = started.proc;
  for (const calls of steps) {
    const t0 = performance.now();
    try {
      await talkers.growTo(calls, stack.server.tcpPort);
    } catch (error) {
      progress(`  the load generator failed: ${error instanceof Error ? error.message : String(error)}; stopping the ramp`);
      break;
    }
    progress(`${calls} conferences with ${talkersPerConference} talkers ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; placing ${calls} calls`);
    const r = await runStep(calls, started, phones, talkers, workDir);
    results.push(r);
    progress(`  ${JSON.stringify(r)}`);
    if (r.answered < calls || (r.lossPct >= 100 * MAX_LOSS && args['keep-going'] !== true)) {
      progress('  audio no longer clean (or calls failed): stopping the ramp');
      break;
    }
  }
} finally {
  phones.close();
  if (gateway !== undefined && gateway.exitCode === null) {
    // Wait for its exit: a --cpu-prof profile is written then.
    const exited = new Promise((r) => gateway?.once('exit', r));
    gateway.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  await talkers.close();
  await stack?.close();
  await rm(workDir, { recursive: true, force: true });
}

const clean = results.filter((r) => r.answered === r.calls && r.lossPct < 100 * MAX_LOSS);
const best = clean.at(-1);
if (args.json) {
  console.log(JSON.stringify({ machine: { cores: cpus().length, cpu: cpuModel }, results, callsPerCore: best === undefined ? null : best.calls / best.gatewayCores }, null, 2));
} else {
  console.log(`\nmachine: ${cpus().length} cores, ${cpuModel} (talker processes, XMPP server, focus, bridge and gateway share it)`);
  console.log('| calls | answered | setup p50 | setup p99 | gateway cores | CPU per call | loss to phone | worst call | jitter | gateway waited for CPU | gateway RSS | encoder backed off | talker cores | stack cores | load average |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.calls} | ${r.answered} | ${r.setupP50Ms.toFixed(0)} ms | ${r.setupP99Ms.toFixed(0)} ms | ${r.gatewayCores.toFixed(2)} | ${(1000 * r.gatewayCores / r.calls).toFixed(1)} m-core | ${r.lossPct.toFixed(2)} % | ${r.worstCallLossPct.toFixed(2)} % | ${r.jitterMs.toFixed(1)} ms | ${r.waitMsPerS.toFixed(0)} ms/s | ${r.rssMb.toFixed(0)} MB | ${r.backedOffPct.toFixed(0)} % | ${r.talkerCores.toFixed(2)} | ${r.stackCores.toFixed(2)} | ${r.loadAverage.toFixed(1)} |`);
  }
  for (let i = 1; i < results.length; i++) {
    const [a, b] = [results[i - 1]!, results[i]!];
    const perCall = (b.gatewayCores - a.gatewayCores) / (b.calls - a.calls);
    console.log(`marginal CPU per call ${a.calls} → ${b.calls}: ${(1000 * perCall).toFixed(1)} m-core (≈ ${perCall > 0 ? (1 / perCall).toFixed(0) : '∞'} calls per core without the fixed part)`);
  }
  for (const r of results) {
    if (r.gc === undefined) continue;
    const kinds = Object.entries(r.gc).map(([kind, g]) => `${kind} ${g.count} (${g.perS.toFixed(1)}/s), pause p50 ${g.p50Ms.toFixed(2)} ms, max ${g.maxMs.toFixed(2)} ms, ${g.totalMsPerS.toFixed(1)} ms/s`);
    console.log(`gateway GC at ${r.calls} calls: ${kinds.length === 0 ? 'none' : kinds.join('; ')}`);
  }
  console.log(best === undefined
    ? '\nno step had clean audio (loss < 1 %)'
    : `\ncalls per core: ${(best.calls / best.gatewayCores).toFixed(0)} (${best.calls} calls with clean audio on ${best.gatewayCores.toFixed(2)} gateway cores)`);
}
process.exit(0);
