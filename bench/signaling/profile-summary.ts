// Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists where the CPU went inside a time
// window: self time per function, and inclusive time (the function or anything it called). V8
// stamps samples with the monotonic clock in µs, the clock behind process.hrtime, so the bench can
// pass the measured burst's window and startup or shutdown stay out of the figures.
//
//   node --import tsx bench/signaling/profile-summary.ts <file.cpuprofile> [fromHrMs toHrMs] [top]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type CallFrame = { readonly functionName: string; readonly url: string; readonly lineNumber: number };
type ProfileNode = { readonly id: number; readonly callFrame: CallFrame; readonly children?: readonly number[] };
type CpuProfile = { readonly nodes: readonly ProfileNode[]; readonly startTime: number; readonly samples: readonly number[]; readonly timeDeltas: readonly number[] };

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One line of the summary: a function and its share of the window's samples. */
export type ProfileEntry = { readonly name: string; readonly ms: number; readonly percent: number };

/** Where the CPU went in a window. */
export type ProfileSummary = { readonly sampledMs: number; readonly idleMs: number; readonly self: ProfileEntry[]; readonly inclusive: ProfileEntry[] };

function frameName(f: CallFrame): string {
  if (f.url === '') return f.functionName === '' ? '(anonymous)' : f.functionName;
  const file = f.url.startsWith('file://') ? relative(REPO_ROOT, fileURLToPath(f.url)) : f.url;
  return `${f.functionName === '' ? '(anonymous)' : f.functionName} ${file.replace(/^node_modules\//, '')}:${f.lineNumber + 1}`;
}

/** Summarizes the samples taken between `fromHrMs` and `toHrMs` (whole profile when omitted). */
export function summarizeProfile(file: string, fromHrMs = -Infinity, toHrMs = Infinity, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n] as const));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = p.startTime;
  let sampledUs = 0;
  let idleUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    t += delta;
    const atMs = t / 1000;
    if (atMs < fromHrMs || atMs > toHrMs) continue;
    // A sample stands for the interval until the next one.
    const weight = p.timeDeltas[i + 1] ?? delta;
    const node = byId.get(p.samples[i] ?? -1);
    if (node === undefined) continue;
    sampledUs += weight;
    const name = frameName(node.callFrame);
    if (name === '(idle)') {
      idleUs += weight;
      continue;
    }
    self.set(name, (self.get(name) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (n === undefined) break;
      const key = frameName(n.callFrame);
      if (seen.has(key) || key === '(root)') continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + weight);
    }
  }
  const busyUs = sampledUs - idleUs;
  const rank = (m: Map<string, number>): ProfileEntry[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : NaN }));
  return { sampledMs: sampledUs / 1000, idleMs: idleUs / 1000, self: rank(self), inclusive: rank(inclusive) };
}

/** The summary as text. */
export function formatProfile(title: string, s: ProfileSummary): string {
  const lines = [`${title}: ${(s.sampledMs - s.idleMs).toFixed(0)} ms busy of ${s.sampledMs.toFixed(0)} ms sampled`, '  self time (% of busy):'];
  for (const e of s.self) lines.push(`    ${e.ms.toFixed(1).padStart(7)} ms ${e.percent.toFixed(1).padStart(5)} %  ${e.name}`);
  lines.push('  inclusive time (% of busy):');
  for (const e of s.inclusive) lines.push(`    ${e.ms.toFixed(1).padStart(7)} ms ${e.percent.toFixed(1).padStart(5)} %  ${e.name}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, from, to, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [fromHrMs toHrMs] [top]\n');
    process.exit(2);
  }
  const s = summarizeProfile(file, from === undefined ? undefined : Number(from), to === undefined ? undefined : Number(to), top === undefined ? 15 : Number(top));
  process.stdout.write(`${formatProfile(file, s)}\n`);
}
