// CPU accounting from Linux's /proc, taken from outside the measured processes. A join burst lasts
// well under a second, so the 10 ms ticks of /proc/<pid>/stat are too coarse: per-thread
// /proc/<pid>/task/<tid>/schedstat gives time on CPU in nanoseconds (user and system together).
import { readFileSync, readdirSync } from 'node:fs';
import { processCpuSeconds as tickCpuSeconds } from '../xmpp/proc-stat.ts';

/** /proc/stat counts in USER_HZ, which is 100 on every Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Whole-machine CPU seconds from /proc/stat (all cores): busy, total, and the parts spent in interrupts and stolen by a hypervisor. */
function machineCpuSeconds(): { busy: number; total: number; interrupts: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  const s = (ticks: number): number => ticks / CLOCK_TICKS_PER_SECOND;
  return { busy: s(busy), total: s(busy + idle + iowait), interrupts: s(irq + softirq), steal: s(steal) };
}

/** CPU seconds used so far by all threads of a process; NaN once it is gone. */
export function processCpuSeconds(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between readdir and read, or schedstat is not compiled in: fall back below.
      return tickCpuSeconds(pid);
    }
  }
  return ns / 1e9;
}

/** CPU counters of named processes and of the whole machine at one instant. */
export type CpuSample = {
  readonly atHrMs: number;
  readonly processes: ReadonlyMap<string, number>;
  readonly machine: ReturnType<typeof machineCpuSeconds>;
};

/** Samples every process's CPU seconds and the machine's. */
export function sampleCpu(pids: ReadonlyMap<string, readonly number[]>): CpuSample {
  const processes = new Map<string, number>();
  for (const [name, list] of pids) processes.set(name, list.reduce((n, pid) => n + processCpuSeconds(pid), 0));
  const m = machineCpuSeconds();
  return { atHrMs: Number(process.hrtime.bigint()) / 1e6, processes, machine: m };
}

/** CPU used between two samples: seconds per process, and the machine's busy share of all cores. */
export type CpuUse = {
  readonly wallSeconds: number;
  readonly processes: readonly { readonly name: string; readonly cpuSeconds: number; readonly percentOfCore: number }[];
  /** Busy time of the whole machine in % of all its cores. */
  readonly machinePercent: number;
  /** Interrupt and softirq time (loopback TCP is processed there), in % of one core. */
  readonly interruptsPercentOfCore: number;
  /** Time a hypervisor gave to other guests while we wanted to run, in % of one core. */
  readonly stealPercentOfCore: number;
  /** Busy time accounted to none of the above (other jobs on the machine), in % of one core. */
  readonly otherPercentOfCore: number;
};

/** The CPU used between `a` and `b`. */
export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  const wallSeconds = (b.atHrMs - a.atHrMs) / 1000;
  const processes = [...b.processes].map(([name, end]) => {
    const cpuSeconds = end - (a.processes.get(name) ?? NaN);
    return { name, cpuSeconds, percentOfCore: (100 * cpuSeconds) / wallSeconds };
  });
  const busy = b.machine.busy - a.machine.busy;
  const total = b.machine.total - a.machine.total;
  const ours = processes.reduce((n, p) => n + (Number.isNaN(p.cpuSeconds) ? 0 : p.cpuSeconds), 0);
  const interrupts = b.machine.interrupts - a.machine.interrupts;
  const steal = b.machine.steal - a.machine.steal;
  return {
    wallSeconds, processes,
    machinePercent: total > 0 ? (100 * busy) / total : NaN,
    interruptsPercentOfCore: (100 * interrupts) / wallSeconds,
    stealPercentOfCore: (100 * steal) / wallSeconds,
    otherPercentOfCore: Math.max(0, (100 * (busy - ours - interrupts - steal)) / wallSeconds),
  };
}
