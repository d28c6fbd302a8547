// Focus failover time (issue 6): `npm run cluster`'s topology with Redis and two focus instances.
// Each round starts a two-person conference, kills the active focus with SIGKILL, and measures
// how long until a third participant — asking for the conference again and again as clients do —
// is offered a session; and until the standby reports itself healthy (it is the component).
// A fresh standby is started for the next round.
//
//   node --import tsx bench/failover/focus-failover.ts [--kills 5]
import { NS_FOCUS, el } from '@plenum/xmpp/codec';
import { ScriptedParticipant, cameraSources } from '@plenum/testkit';
import { startCluster } from '../../packages/cluster/src/cluster.ts';
import type { ClusterProcess } from '../../packages/cluster/src/cluster.ts';

const kills = Number(process.argv[process.argv.indexOf('--kills') + 1] ?? 5) || 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function isHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/about/health`, { signal: AbortSignal.timeout(500) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Joins `room`, asking again while no focus answers, and accepts the offer. */
async function joinAndAccept(port: number, room: string, base: number, people: ScriptedParticipant[]): Promise<void> {
  const p = await ScriptedParticipant.connect({ port, room });
  people.push(p);
  for (;;) {
    const reply = await p.request(el('iq', { type: 'set', to: p.focusDomain },
      el('conference', { xmlns: NS_FOCUS, room: p.roomJid, 'machine-uid': `bench-${p.nick}` })), 1000).catch(() => undefined);
    if (reply?.attrs.type === 'result') break;
    await sleep(100);
  }
  await p.enterRoom();
  const offer = await p.nextJingle('session-initiate', 20_000);
  await p.accept(offer, cameraSources(p.nick, base));
}

const cluster = await startCluster({ bridges: 2, logLevel: 'warn' });
const rows: { joinMs: number; componentMs: number }[] = [];
try {
  if (cluster.redisPort === undefined) throw new Error('redis-server is not installed');
  let active: ClusterProcess = cluster.processes.find((p) => p.name === 'focus') as ClusterProcess;
  let standby = { name: 'focus-2', url: cluster.focusUrls[1] as string };
  for (let round = 1; round <= kills; round++) {
    const people: ScriptedParticipant[] = [];
    try {
      const room = `failover-${round}`;
      await joinAndAccept(cluster.xmpp.tcpPort, room, 100, people);
      await joinAndAccept(cluster.xmpp.tcpPort, room, 200, people);
      // Let the lease be renewed at least once, as in a running conference.
      await sleep(1500);
      const killedAt = Date.now();
      process.kill(active.pid, 'SIGKILL');
      const component = (async () => {
        while (!(await isHealthy(standby.url))) await sleep(20);
        return Date.now() - killedAt;
      })();
      await joinAndAccept(cluster.xmpp.tcpPort, room, 300, people);
      const joinMs = Date.now() - killedAt;
      const componentMs = await component;
      rows.push({ joinMs, componentMs });
      console.log(`round ${round}: standby is the focus component (healthy) after ${componentMs} ms, newcomer offered a session after ${joinMs} ms`);
      active = cluster.processes.find((p) => p.name === standby.name) as ClusterProcess;
      const next = await cluster.addFocus();
      standby = { name: next.name, url: next.url };
      // addFocus resolved once the new standby answers its status endpoint; let it reach the server.
      await sleep(1000);
    } finally {
      for (const p of people) p.close();
    }
  }
  console.log(`\nkills: ${rows.length}; median: standby active ${median(rows.map((r) => r.componentMs))} ms, newcomer offered ${median(rows.map((r) => r.joinMs))} ms`
    + ` (min ${Math.min(...rows.map((r) => r.joinMs))}, max ${Math.max(...rows.map((r) => r.joinMs))})`);
} finally {
  await cluster.stop();
}
