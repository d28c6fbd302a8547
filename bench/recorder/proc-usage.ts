// CPU time and resident memory of a process tree, read from Linux's /proc: the recorder's Node
// process and every process below it (its ffmpeg children and their reaper shells).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const getconf = (name: string, fallback: number): number => Number(spawnSync('getconf', [name], { encoding: 'utf8' }).stdout?.trim()) || fallback;
const TICKS_PER_SECOND = getconf('CLK_TCK', 100);
const PAGE_BYTES = getconf('PAGESIZE', 4096);

/**
 * One process: its command name, CPU seconds so far (user + system), resident bytes, and its
 * proportional share of them (PSS: a page shared by n processes counts 1/n for each).
 */
export type ProcessUsage = { readonly pid: number; readonly name: string; readonly cpuSeconds: number; readonly rssBytes: number; readonly pssBytes: number };

/** PSS from /proc/<pid>/smaps_rollup (Linux ≥ 4.14); falls back to RSS. */
function pssBytes(pid: number, rssBytes: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m?.[1] === undefined ? rssBytes : Number(m[1]) * 1024;
  } catch {
    return rssBytes;
  }
}

type Stat = { name: string; ppid: number; ticks: number; rssPages: number };

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // proc(5): "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
  const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After comm: [0] state, [1] ppid, [11] utime, [12] stime, [21] rss (fields 3, 4, 14, 15, 24).
  return { name, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]), rssPages: Number(rest[21]) };
}

/** `root` and all its living descendants. */
export function treeUsage(root: number): ProcessUsage[] {
  const stats = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s !== undefined) stats.set(Number(entry), s);
  }
  const inTree = new Set<number>([root]);
  // Parents have lower pids only most of the time: repeat until nothing is added.
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return [...inTree].flatMap((pid) => {
    const s = stats.get(pid);
    if (s === undefined) return [];
    const rssBytes = s.rssPages * PAGE_BYTES;
    return [{ pid, name: s.name, cpuSeconds: s.ticks / TICKS_PER_SECOND, rssBytes, pssBytes: pssBytes(pid, rssBytes) }];
  });
}
