// CPU accounting from Linux's /proc, so the server (Lua or Node) and the load generator are
// measured the same way, from outside.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** Fields of /proc/<pid>/stat after the parenthesised command name (field 3 onwards), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    // ENOENT: the process no longer exists.
    return undefined;
  }
}

/**
 * CPU seconds (user + system, all threads) used so far by a process and its descendants; NaN
 * when the process itself is gone, so a server that died mid-run shows no CPU figure at all.
 */
export function processCpuSeconds(pid: number): number {
  if (statFields(pid) === undefined) return NaN;
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    // proc(5): utime is field 14 and stime field 15, i.e. 11 and 12 after the state (field 3).
    const fields = statFields(p);
    if (fields !== undefined) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** False once the process has exited, including as a zombie nobody has reaped yet. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ')) {
      if (child === '') continue;
      out.push(Number(child), ...descendants(Number(child)));
    }
  }
  return out;
}

/**
 * CPU seconds of the whole machine (all cores), from /proc/stat: busy, total, and the part spent
 * in interrupt and softirq context (loopback TCP is processed there).
 */
export function machineCpuSeconds(): { busy: number; total: number; interrupts: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return {
    busy: busy / CLOCK_TICKS_PER_SECOND,
    total: (busy + idle + iowait) / CLOCK_TICKS_PER_SECOND,
    interrupts: (irq + softirq) / CLOCK_TICKS_PER_SECOND,
  };
}
