// V8 settings for Plenum's packet-forwarding processes, which allocate a few short-lived objects
// per packet (node:crypto cipher objects and their output buffers, received datagrams). V8's
// young generation otherwise grows to 16 MB semi-spaces, and each scavenge of it stopped the
// bridge for 7–14 ms every ≈ 400 ms under load: the tail of every packet's added latency. With
// 2 MB semi-spaces the pauses are short enough to disappear in the p99, and the bridge also spends
// less CPU per packet (a young generation that fits the caches). The SIP gateway's pauses shrink
// from 10-20 ms to about 1 ms at the same CPU. Measured: docs/benchmarks.md, "Bridge forwarding"
// and "SIP gateway". A command-line setting: V8 sizes its heap before any code runs.

/** Node flags for a bridge or SIP gateway process (also allowed in NODE_OPTIONS). */
export const PACKET_PROCESS_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Whether this process runs with a young-generation limit, from its flags or NODE_OPTIONS. */
export function limitsYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const flag = /^--max[-_]semi[-_]space[-_]size(=|$)/;
  return execArgv.some((a) => flag.test(a)) || nodeOptions.split(/\s+/).some((a) => flag.test(a));
}
