// CPU accounting from Linux's /proc, so the server (Lua or Node) and the load generator are
// measured the same way, from outside.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system, all threads) used so far by a process and its descendants. */
export function processCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (proc(5)).
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process exited between listing and reading; it used nothing more.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
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
 * in interrupt and softirq context (loopback TCP is processed there), which no process is charged.
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
