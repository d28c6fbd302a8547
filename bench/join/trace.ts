// `node --import tsx bench/join/trace.ts`: one join of `npm run bench:join` (direct-join link into
// the running three-person room) under a Chromium performance trace, read back into what the
// joiner's renderer main thread did between navigation and the first remote frame: how busy it
// was, which kinds of work (script, style, layout, paint, parsing, GC), which functions (sampled
// by V8, by source module of the unminified bundle), and every task of 3 ms or more on a timeline
// with the join's steps (page-probe.ts) between them. Flags: --warm N (unmeasured joins first, 1),
// --minify (trace the minified bundle), --out FILE (keep the raw trace, and FILE.meta.json: the
// marks and the bundle), --from FILE (read such a kept trace again instead of joining).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { CHROMIUM_ARGS, directJoin, firstFrameOf, startRoom, startServer, type Marks } from './join-room.ts';
import { JOIN_PROBE } from './page-probe.ts';

const { values: args } = parseArgs({
  options: { warm: { type: 'string', default: '1' }, minify: { type: 'boolean', default: false }, out: { type: 'string' }, from: { type: 'string' } },
});

type ProfileNode = { id: number; parent?: number; callFrame: { functionName: string; url?: string; lineNumber: number } };
/** The parts of trace events' `args` read here (thread names, call details, V8's samples). */
type TraceArgs = {
  readonly name?: string;
  readonly data?: {
    readonly functionName?: string; readonly type?: string; readonly url?: string; readonly startTime?: number;
    readonly cpuProfile?: { readonly nodes?: readonly ProfileNode[]; readonly samples?: readonly number[] };
    readonly timeDeltas?: readonly number[];
  };
};
type TraceEvent = {
  readonly name: string; readonly cat: string; readonly ph: string; readonly ts: number; readonly dur?: number;
  readonly pid: number; readonly tid: number; readonly id?: string; readonly args?: TraceArgs;
};

const CATEGORIES = [
  'devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing', 'v8.execute',
  'disabled-by-default-v8.cpu_profiler', 'loading', '__metadata',
];
const TOP_LEVEL = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

async function main(): Promise<void> {
  if (args.from !== undefined) {
    const { marks, bundle } = JSON.parse(readFileSync(`${args.from}.meta.json`, 'utf8')) as { marks: Marks; bundle: string };
    report(JSON.parse(readFileSync(args.from, 'utf8')).traceEvents as TraceEvent[], marks, bundle);
    return;
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startServer(port, { minify: args.minify });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    await startRoom(browser, origin);
    const join = async (n: number, traced: boolean): Promise<{ marks: Marks; trace?: Buffer; scriptUrl?: string }> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        await context.addInitScript(JOIN_PROBE);
        const page = await context.newPage();
        const frame = firstFrameOf(page);
        if (traced) await browser.startTracing(page, { categories: CATEGORIES });
        await page.goto(`${origin}${directJoin(`Joiner ${n}`)}`);
        const marks = await frame;
        // A little past the frame, so the last tasks are complete in the trace.
        await new Promise((r) => setTimeout(r, 300));
        const trace = traced ? await browser.stopTracing() : undefined;
        // How ICE got there: every candidate pair the bridge connection tried.
        const pairs = !traced ? [] : await page.evaluate(async () => {
          // No named inner functions: tsx's name helper (__name) does not exist in the page.
          type Stats = { forEach(f: (x: Record<string, unknown>) => void): void };
          const pcs = (globalThis as unknown as { __joinPeerConnections: { getStats(): Promise<Stats> }[] }).__joinPeerConnections;
          const stats = await (pcs[pcs.length - 1] as { getStats(): Promise<Stats> }).getStats();
          const byId = new Map<string, Record<string, unknown>>();
          stats.forEach((x) => byId.set(x['id'] as string, x));
          const out: string[] = [];
          for (const x of byId.values()) {
            if (x['type'] !== 'candidate-pair') continue;
            const [l, r] = [byId.get(x['localCandidateId'] as string) ?? {}, byId.get(x['remoteCandidateId'] as string) ?? {}];
            out.push(`${l['candidateType']} ${l['protocol']} ${l['address']}:${l['port']} → ${r['candidateType']} ${r['protocol']} ${r['address']}:${r['port']}: ${x['state']}${x['nominated'] ? ' nominated' : ''}, requests ${x['requestsSent']}, responses ${x['responsesReceived']}`);
          }
          return out;
        });
        if (traced) console.log(`candidate pairs:\n  ${pairs.join('\n  ')}`);
        const scriptUrl = await page.locator('script[type=module]').getAttribute('src').then((src) => (src === null ? '' : origin + src));
        return { marks, ...(trace ? { trace, scriptUrl } : {}) };
      } finally {
        await context.close();
      }
    };
    for (let i = 1; i <= Number(args.warm); i++) await join(i, false);
    const { marks, trace, scriptUrl } = await join(99, true);
    if (trace === undefined) return;
    const bundle = scriptUrl ? await (await fetch(scriptUrl)).text() : '';
    if (args.out !== undefined) {
      writeFileSync(args.out, trace);
      writeFileSync(`${args.out}.meta.json`, JSON.stringify({ marks, bundle }));
    }
    report(JSON.parse(trace.toString('utf8')).traceEvents as TraceEvent[], marks, bundle);
  } finally {
    await browser.close();
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
  }
}

/** Source module of each line of the unminified bundle (esbuild writes `// path` before each). */
function moduleOfLines(bundle: string): string[] {
  const out: string[] = [];
  let current = '(bundle)';
  for (const line of bundle.split('\n')) {
    const m = /^\/\/ (\S+\.(ts|js|mjs))$/.exec(line);
    if (m) current = (m[1] ?? '').replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '');
    out.push(current);
  }
  return out;
}

function report(events: TraceEvent[], marks: Marks, bundle: string): void {
  const stepEvents = events.filter((e) => e.name.startsWith('join:') && e.cat.includes('user_timing'));
  const dcl = stepEvents.find((e) => e.name === 'join:domContentLoaded');
  if (dcl === undefined || marks.domContentLoaded === undefined || marks.firstRemoteFrame === undefined) throw new Error('the trace has no join marks');
  const pid = dcl.pid;
  const navStartUs = dcl.ts - marks.domContentLoaded * 1000;
  const endUs = navStartUs + marks.firstRemoteFrame * 1000;
  const rel = (us: number): number => (us - navStartUs) / 1000;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain');
  if (main === undefined) throw new Error('no renderer main thread in the trace');
  const onMain = events.filter((e) => e.pid === pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined && e.ts + (e.dur ?? 0) >= navStartUs && e.ts <= endUs)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  // Self time by event name, and per top-level task.
  const selfByName = new Map<string, number>();
  type Task = { start: number; dur: number; self: Map<string, number>; functions: string[] };
  const tasks: Task[] = [];
  const stack: { e: TraceEvent; end: number; childUs: number }[] = [];
  let task: Task | undefined;
  const close = (until: number): void => {
    while (stack.length > 0 && (stack.at(-1) as { end: number }).end <= until) {
      const top = stack.pop() as { e: TraceEvent; end: number; childUs: number };
      const self = (top.e.dur ?? 0) - top.childUs;
      selfByName.set(top.e.name, (selfByName.get(top.e.name) ?? 0) + self);
      task?.self.set(top.e.name, (task.self.get(top.e.name) ?? 0) + self);
      const parent = stack.at(-1);
      if (parent !== undefined) parent.childUs += top.e.dur ?? 0;
    }
  };
  for (const e of onMain) {
    close(e.ts);
    if (stack.length === 0) {
      task = { start: rel(e.ts), dur: (e.dur ?? 0) / 1000, self: new Map(), functions: [] };
      tasks.push(task);
    }
    if (e.name === 'FunctionCall' || e.name === 'TimerFire' || e.name === 'EventDispatch') {
      const d = e.args?.data;
      const what = d?.functionName || d?.type || d?.url?.split('/').pop() || '';
      if (what !== '' && task !== undefined && task.functions.length < 4) task.functions.push(`${e.name === 'EventDispatch' ? 'event ' : ''}${what}`);
    }
    stack.push({ e, end: e.ts + (e.dur ?? 0), childUs: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  const windowMs = marks.firstRemoteFrame;
  const busyMs = tasks.reduce((s, t) => s + Math.max(0, Math.min(t.start + t.dur, windowMs) - Math.max(t.start, 0)), 0);
  console.log(`join: first remote frame ${windowMs.toFixed(0)} ms after navigation; renderer main thread busy ${busyMs.toFixed(0)} ms (${(100 * busyMs / windowMs).toFixed(0)} %) in ${tasks.length} tasks`);
  console.log('\nself time by trace event (whole window):');
  for (const [name, us] of [...selfByName].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${name}`);

  // V8's samples: self time by function and by source module.
  const lines = bundle === '' ? [] : moduleOfLines(bundle);
  const nodes = new Map<number, ProfileNode>();
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  // The main thread's profile only (a worker, such as the E2EE frame worker, has its own).
  const profile = events.find((e) => e.pid === pid && e.tid === main.tid && e.name === 'Profile');
  const chunks = events.filter((e) => e.pid === pid && e.name === 'ProfileChunk' && e.id === profile?.id);
  const samplesAt: { at: number; us: number; key: string }[] = [];
  let t = profile?.args?.data?.startTime ?? 0;
  for (const c of chunks) {
    const p = c.args?.data?.cpuProfile;
    for (const n of p?.nodes ?? []) nodes.set(n.id, n);
    const samples = p?.samples ?? [];
    const deltas = c.args?.data?.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i] ?? 0;
      const next = deltas[i + 1] ?? 0;
      if (t < navStartUs || t > endUs) continue;
      const n = nodes.get(samples[i] ?? -1);
      if (n === undefined) continue;
      const f = n.callFrame;
      if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
      const url = f.url ?? '';
      const module = url.includes('/assets/app-') ? lines[f.lineNumber] ?? '(bundle)' : url === '' ? `(${f.functionName || 'native'})` : url.replace(/^https?:\/\/[^/]+/, '');
      const key = `${f.functionName || '(anonymous)'}  ${module}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + next);
      byModule.set(module, (byModule.get(module) ?? 0) + next);
      samplesAt.push({ at: rel(t), us: next, key });
    }
  }
  /** The JS functions sampled most in [from, to] ms. */
  const topFunctions = (from: number, to: number): string => {
    const sum = new Map<string, number>();
    for (const x of samplesAt) if (x.at >= from && x.at <= to) sum.set(x.key, (sum.get(x.key) ?? 0) + x.us);
    return [...sum].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, us]) => `${k.replace(/ {2}.*\//, ' ')} ${(us / 1000).toFixed(1)}`).join(', ');
  };
  console.log('\nsampled JS self time by source module:');
  for (const [m, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${m}`);
  console.log('\nsampled JS self time by function:');
  for (const [f, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${f}`);

  console.log('\ntimeline (tasks ≥ 3 ms, and the join steps):');
  const steps = Object.entries(marks).filter(([, v]) => v !== undefined).map(([k, v]) => ({ at: v as number, text: `—— ${k}` }));
  const rows = [...steps, ...tasks.filter((x) => x.dur >= 3 && x.start <= windowMs).map((x) => ({
    at: x.start,
    text: `task ${x.dur.toFixed(1).padStart(6)} ms: ${x.dur >= 15 ? `JS: ${topFunctions(x.start, x.start + x.dur)} | ` : ''}${[...x.self].sort((a, b) => b[1] - a[1]).filter(([n]) => !TOP_LEVEL.has(n)).slice(0, 3).map(([n, us]) => `${n} ${(us / 1000).toFixed(1)}`).join(', ')}${x.functions.length ? ` [${x.functions.join('; ')}]` : ''}`,
  }))].sort((a, b) => a.at - b.at);
  for (const r of rows) console.log(`  ${r.at.toFixed(0).padStart(6)}  ${r.text}`);
}

await main();
