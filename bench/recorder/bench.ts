// `npm run bench:recorder`: what one recording costs. A 4-person conference (werift participants,
// each sending a tone and a 320×240 VP8 test pattern encoded live by ffmpeg) on our XMPP server,
// focus and bridge; the recorder runs in its own process (recorder-process.ts) and records for N
// seconds, once per mode:
//   - tracks: per-source files only (composed.enabled=false): RTP copied into WebM, no transcoding;
//   - composed: the same plus the composed 720p view (decode 4 videos, grid, H.264 + AAC).
// Measured from /proc over the recording window (after a warm-up): CPU seconds used by the
// recorder's Node process and its ffmpeg children per recorded minute, the cores that is, and the
// peak memory of the whole tree (PSS: the libraries the ffmpegs share are counted once, not per
// process as RSS would) with the Node process's own RSS. The conference itself (senders, bridge) runs in this
// process and is not counted. Before each recording, the same recorder process is measured idle
// (connected, in the brewery, not recording) for --idle-seconds: what a recorder costs before any
// recording, included in the recording's figure. Numbers are noisy on a shared machine: run it on a quiet one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC_USER, child, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { RunningStack } from '@plenum/testkit';
import { startStack } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { PatternSender } from '../../packages/recorder/test/pattern-sender.ts';
import type { ProcessUsage } from './proc-usage.ts';
import { treeUsage } from './proc-usage.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '10' },
    participants: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'tracks,composed' },
    'batch-interval-ms': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:recorder -- [--seconds N (30)] [--warmup S (3)] [--idle-seconds I (10)] [--participants P (4)] [--modes tracks,composed] [--batch-interval-ms N: the bridge\'s udp.batchIntervalMs for the recorder\'s batched delivery (default 20; 0 = packet by packet)] [--json]');
  process.exit(0);
}
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const idleSeconds = Number(args['idle-seconds']);
const participants = Number(args.participants);
const modes = (args.modes ?? '').split(',').filter((m) => m !== '');
if (!(seconds > 0) || !(warmup >= 0) || !(idleSeconds >= 0) || !Number.isInteger(participants) || participants < 1 || !modes.every((m) => m === 'tracks' || m === 'composed')) {
  console.error('bad flags; see --help');
  process.exit(2);
}

const ROOM = 'bench-recorder';
const RECORDER_DOMAIN = 'recorder.plenum.localhost';
const SECRETS = { focus: 'f-secret', bridges: 'b-secret', recorder: 'r-secret' };
const SAMPLE_MS = 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const progress = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

type Result = {
  readonly mode: string;
  readonly recordedSeconds: number;
  readonly nodeCpuSecondsPerMinute: number;
  readonly ffmpegCpuSecondsPerMinute: number;
  readonly cpuSecondsPerMinute: number;
  readonly cores: number;
  /** The same recorder process before the recording started (connected, idle). */
  readonly idleCores: number;
  /** Proportional set size of the tree: shared pages (ffmpeg's libraries) counted once overall. */
  readonly peakPssMb: number;
  readonly peakNodeRssMb: number;
  readonly ffmpegProcesses: number;
};

const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};
const jibriIq = (p: MediaParticipant, action: 'start' | 'stop'): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action, recording_mode: 'file' }));

/** Starts the recorder process for `mode`; resolves once it is in the brewery. */
async function startRecorderProcess(stack: RunningStack, mode: string, dir: string): Promise<ChildProcess> {
  const profile = process.env.BENCH_RECORDER_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_RECORDER_CPU_PROF}`];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', new URL('./recorder-process.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      PLENUM_RECORDER_COMPONENT_PORT: String(stack.server.componentPort),
      PLENUM_RECORDER_COMPONENT_SECRET: SECRETS.recorder,
      PLENUM_RECORDER_OUTPUT_DIRECTORY: dir,
      PLENUM_RECORDER_COMPOSED_ENABLED: mode === 'composed' ? 'true' : 'false',
      PLENUM_RECORDER_COMPOSED_WIDTH: '1280',
      PLENUM_RECORDER_COMPOSED_HEIGHT: '720',
      PLENUM_RECORDER_LOG_LEVEL: process.env.BENCH_RECORDER_LOG ?? 'warn',
    },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      // BENCH_RECORDER_LOG=info shows the recorder's own log.
      if (process.env.BENCH_RECORDER_LOG !== undefined) process.stderr.write(d);
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`recorder process exited (${code})`)));
  });
  return proc;
}

async function stopRecorderProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => {
    timer = setTimeout(r, 15_000);
  })]);
  clearTimeout(timer);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

async function measure(stack: RunningStack, host: MediaParticipant, mode: string): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), `plenum-bench-rec-${mode}-`));
  const proc = await startRecorderProcess(stack, mode, dir);
  try {
    const pid = proc.pid as number;
    const idleFrom = treeUsage(pid).reduce((a, u) => a + u.cpuSeconds, 0);
    const idleT0 = Date.now();
    await sleep(idleSeconds * 1000);
    const idleCores = idleSeconds === 0 ? 0 : (treeUsage(pid).reduce((a, u) => a + u.cpuSeconds, 0) - idleFrom) / ((Date.now() - idleT0) / 1000);
    let started: El | undefined;
    for (let attempt = 0; attempt < 100 && started === undefined; attempt++) {
      const reply = await host.signalling.request(jibriIq(host, 'start'), 15_000);
      if (reply.attrs.type === 'error') await sleep(200);
      else started = reply;
    }
    if (started === undefined) throw new Error('the recording did not start');
    await host.signalling.client.next(statusIs(host, 'on'), 30_000, 'recording on');
    progress(`${mode}: recording; warm-up ${warmup} s, then ${seconds} s measured`);
    await sleep(warmup * 1000);
    const first = new Map(treeUsage(pid).map((u) => [u.pid, u]));
    const last = new Map<number, ProcessUsage>(first);
    let peakPss = 0;
    let peakNodeRss = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(SAMPLE_MS);
      const now = treeUsage(pid);
      for (const u of now) last.set(u.pid, u);
      peakPss = Math.max(peakPss, now.reduce((a, u) => a + u.pssBytes, 0));
      peakNodeRss = Math.max(peakNodeRss, now.find((u) => u.pid === pid)?.rssBytes ?? 0);
    }
    const wall = (Date.now() - t0) / 1000;
    const used = (match: (u: ProcessUsage) => boolean): number =>
      [...last.values()].filter(match).reduce((a, u) => a + u.cpuSeconds - (first.get(u.pid)?.cpuSeconds ?? 0), 0);
    const nodeCpu = used((u) => u.pid === pid);
    const ffmpegCpu = used((u) => u.name === 'ffmpeg');
    const total = used(() => true);
    await host.signalling.request(jibriIq(host, 'stop'), 15_000);
    await host.signalling.client.next(statusIs(host, 'off'), 30_000, 'recording off');
    const perMinute = (s: number): number => (s / wall) * 60;
    return {
      mode, recordedSeconds: wall, nodeCpuSecondsPerMinute: perMinute(nodeCpu), ffmpegCpuSecondsPerMinute: perMinute(ffmpegCpu),
      cpuSecondsPerMinute: perMinute(total), cores: total / wall, idleCores, peakPssMb: peakPss / 2 ** 20, peakNodeRssMb: peakNodeRss / 2 ** 20,
      ffmpegProcesses: [...last.values()].filter((u) => u.name === 'ffmpeg').length,
    };
  } finally {
    await stopRecorderProcess(proc);
    await rm(dir, { recursive: true, force: true });
  }
}

function report(results: readonly Result[]): string {
  const rows = [
    ['mode', 'recorded s', 'CPU s/min: node', 'ffmpeg', 'total', 'cores', 'of which idle', 'recordings/core', 'peak PSS MB (node RSS)', 'ffmpegs'],
    ...results.map((r) => [
      r.mode, r.recordedSeconds.toFixed(1), r.nodeCpuSecondsPerMinute.toFixed(2), r.ffmpegCpuSecondsPerMinute.toFixed(2), r.cpuSecondsPerMinute.toFixed(2),
      r.cores.toFixed(3), r.idleCores.toFixed(3), r.cores > 0 ? (1 / r.cores).toFixed(1) : '∞', `${r.peakPssMb.toFixed(0)} (${r.peakNodeRssMb.toFixed(0)})`, String(r.ffmpegProcesses),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

let stack: RunningStack | undefined;
const people: MediaParticipant[] = [];
const senders: PatternSender[] = [];
try {
  stack = await startStack({
    server: { components: { secrets: [`focus.plenum.localhost=${SECRETS.focus}`, `*.bridge.plenum.localhost=${SECRETS.bridges}`, `${RECORDER_DOMAIN}=${SECRETS.recorder}`] } },
    focus: { component: { secret: SECRETS.focus }, moderation: { trustedServiceDomains: [RECORDER_DOMAIN] } },
    bridgeValues: () => ({ xmpp: { secret: SECRETS.bridges }, ...(args['batch-interval-ms'] === undefined ? {} : { udp: { batchIntervalMs: Number(args['batch-interval-ms']) } }) }),
  });
  for (let i = 0; i < participants; i++) people.push(await MediaParticipant.join({ port: stack.server.tcpPort, room: ROOM }));
  await Promise.all(people.map((p) => p.connected()));
  for (const [i, p] of people.entries()) senders.push(await PatternSender.start(p, 440 + 110 * i));
  const host = people[0] as MediaParticipant;
  await host.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === host.signalling.occupantJid
    && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 10_000, 'host is moderator');
  progress(`${participants} participants sending; modes: ${modes.join(', ')}`);
  const results: Result[] = [];
  for (const mode of modes) results.push(await measure(stack, host, mode));
  console.log(args.json ? JSON.stringify(results, null, 2) : report(results));
} finally {
  for (const s of senders) await s.stop();
  for (const p of people) await p.close();
  await stack?.close();
}
