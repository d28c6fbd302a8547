// V8's `--trace-gc` lines from a child process's stdout, collected so a benchmark can summarise the
// collector's pauses over its measuring window. A line looks like
//   [pid:0x…]     1234 ms: Scavenge 10.2 (12.3) -> 9.8 (13.3) MB, 1.23 / 0.00 ms  (average mu = …) allocation failure;
// (the time is since the isolate started; the first "ms" figure is the main-thread pause).
// V8 writes these through C stdio, which a pipe buffers: lines arrive late and in bursts, so they
// are placed in time by their own timestamps, not by when they arrive.

const LINE = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: ([A-Za-z -]+?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;

export type GcEvent = { readonly atMs: number; readonly kind: string; readonly pauseMs: number };

/** Summary of the pauses of one kind of collection in a window. */
export type GcSummary = { readonly count: number; readonly perS: number; readonly p50Ms: number; readonly maxMs: number; readonly totalMsPerS: number };

export class GcTrace {
  readonly #events: GcEvent[] = [];
  #partial = '';

  /** Feeds a chunk of the child's stdout; returns the lines that were not GC trace lines. */
  feed(chunk: string): string[] {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const rest: string[] = [];
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m === null) rest.push(line);
      else this.#events.push({ atMs: Number(m[1]), kind: m[2]!, pauseMs: Number(m[3]) });
    }
    return rest;
  }

  /** Pauses of each kind (Scavenge, Mark-Compact, …) from `fromMs` to `toMs` of the child's time. */
  summarise(fromMs: number, toMs: number): Record<string, GcSummary> {
    const seconds = (toMs - fromMs) / 1000;
    const byKind = new Map<string, number[]>();
    for (const e of this.#events) {
      if (e.atMs < fromMs || e.atMs >= toMs) continue;
      byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e.pauseMs]);
    }
    const out: Record<string, GcSummary> = {};
    for (const [kind, pauses] of byKind) {
      pauses.sort((a, b) => a - b);
      const total = pauses.reduce((s, p) => s + p, 0);
      out[kind] = { count: pauses.length, perS: pauses.length / seconds, p50Ms: pauses[Math.floor((pauses.length - 1) / 2)]!, maxMs: pauses.at(-1)!, totalMsPerS: total / seconds };
    }
    return out;
  }
}
