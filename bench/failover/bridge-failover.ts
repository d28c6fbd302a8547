// Bridge failover time (issue 6): `npm run cluster`'s topology with two bridge processes. Each
// round starts a fresh cluster, a 3-person conference of werift participants with media (every one
// sends Opus-sized packets every 20 ms and hears the other two), kills the hosting bridge process
// with SIGKILL, and measures how long until all three hear each other again through the other bridge
// (packages/cluster/test/bridge-kill-round.ts). Issue target: within 5 s; the run fails if the
// median or the worst round misses it.
//
// `--freeze` sends SIGSTOP instead: the bridge hangs as on a host that froze or dropped off the
// network, its sockets stay open, and only the focus's health checks find it out.
//
//   npm run bench:failover:bridge -- [--kills 7] [--freeze]
import { startCluster } from '../../packages/cluster/src/cluster.ts';
import { bridgeKillRound } from '../../packages/cluster/test/bridge-kill-round.ts';

const TARGET_MS = 5000;
const kills = Number(process.argv[process.argv.indexOf('--kills') + 1] ?? 7) || 7;
const signal = process.argv.includes('--freeze') ? 'SIGSTOP' : 'SIGKILL';
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const times: number[] = [];
for (let round = 1; round <= kills; round++) {
  const cluster = await startCluster({ bridges: 2, logLevel: 'warn' });
  try {
    const r = await bridgeKillRound(cluster, `bridge-failover-${round}`, { people: 3, deadlineMs: 60_000, signal });
    if (r.to === null || r.to === r.from) throw new Error(`round ${round}: the conference did not move (${r.from} → ${String(r.to)})`);
    times.push(r.resumedMs);
    console.log(`round ${round}: ${r.from} got ${signal}, all three hear each other on ${r.to} after ${Math.round(r.resumedMs)} ms`);
  } finally {
    await cluster.stop();
  }
}
const med = median(times);
const max = Math.max(...times);
console.log(`\nkills: ${times.length}; media flowing again after a bridge ${signal}: median ${Math.round(med)} ms, min ${Math.round(Math.min(...times))} ms, max ${Math.round(max)} ms (target ${TARGET_MS} ms)`);
if (med > TARGET_MS || max > TARGET_MS) {
  console.error(`target missed: median ${Math.round(med)} ms, worst ${Math.round(max)} ms > ${TARGET_MS} ms`);
  process.exitCode = 1;
}
