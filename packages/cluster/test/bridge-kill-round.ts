// One bridge failure as issue 6 describes it, on a running cluster: a conference of werift
// participants (real focus, real bridge processes, real media) that all hear each other; the bridge
// process hosting it is killed with SIGKILL (or frozen with SIGSTOP); each participant follows the focus's move to another
// bridge as lib-jitsi-meet does (session-terminate "moving", a fresh session); the round ends when
// every participant hears every other again through its new session. Shared by the cluster test and
// `npm run bench:failover -- --bridge` (which repeats it and reports the median).
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { RunningCluster } from '../src/cluster.ts';
import { fetchStatus } from '../src/status.ts';

export type BridgeKillRound = {
  /** From the signal until every participant heard every other on its new session. */
  readonly resumedMs: number;
  /** The bridge killed and the one the conference lives on now. */
  readonly from: string;
  readonly to: string | null;
};

/** An Opus TOC byte (the bridge reads it) and the sender's index: who sent a packet, whatever its SSRC. */
const OPUS_TOC = 0xf8;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Senders `p` heard on its current session. */
function heardOnLatestSession(p: MediaParticipant): Set<number> {
  const heard = new Set<number>();
  for (let i = p.sessionStarts.at(-1) ?? 0; i < p.received.length; i++) {
    const payload = p.received[i]?.payload;
    if (payload !== undefined && payload.length === 3 && payload[0] === OPUS_TOC) heard.add(payload[1] as number);
  }
  return heard;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

export type BridgeKillOptions = {
  readonly people?: number;
  readonly deadlineMs?: number;
  /**
   * SIGKILL (default): the process dies, its sockets close, the brewery sees it leave at once.
   * SIGSTOP: the bridge hangs as on a frozen or unreachable host (its sockets stay open): only the
   * focus's health checks can tell. It is killed once the round is over.
   */
  readonly signal?: 'SIGKILL' | 'SIGSTOP';
};

export async function bridgeKillRound(c: RunningCluster, room: string, opts: BridgeKillOptions = {}): Promise<BridgeKillRound> {
  const count = opts.people ?? 3;
  const signal = opts.signal ?? 'SIGKILL';
  const deadlineMs = opts.deadlineMs ?? 20_000;
  const people: MediaParticipant[] = [];
  let talking: NodeJS.Timeout | undefined;
  let frozen: number | undefined;
  try {
    for (let i = 0; i < count; i++) people.push(await MediaParticipant.join({ port: c.xmpp.tcpPort, room, timeoutMs: deadlineMs }));
    await Promise.all(people.map((p) => p.connected(deadlineMs)));
    for (const p of people) p.followMoves();
    // Everyone talks every 20 ms (as Opus does), through whatever session it has now.
    talking = setInterval(() => people.forEach((p, i) => p.sendAudio(Buffer.from([OPUS_TOC, i, 0]))), 20);
    const hearsEveryone = (): boolean => people.every((p, i) => heardOnLatestSession(p).size === count - 1 && !heardOnLatestSession(p).has(i));
    await until('everyone hears everyone', hearsEveryone, deadlineMs, 20);

    const before = await fetchStatus(c.focusUrl);
    const from = before.conferences.find((conf) => conf.room.startsWith(`${room.toLowerCase()}@`))?.bridge ?? null;
    const victim = c.processes.find((p) => `jvb-${p.name.replace(/^bridge-/, '')}` === from);
    if (from === null || victim === undefined) throw new Error(`no bridge process hosts ${room} (${String(from)})`);
    const sessionsBefore = people.map((p) => p.sessions);
    const killedAt = performance.now();
    process.kill(victim.pid, signal);
    if (signal === 'SIGSTOP') frozen = victim.pid;
    await until('everyone hears everyone through another bridge', () => people.every((p, i) => p.sessions > (sessionsBefore[i] as number)) && hearsEveryone(), deadlineMs);
    const resumedMs = performance.now() - killedAt;
    const after = await fetchStatus(c.focusUrl);
    const to = after.conferences.find((conf) => conf.room.startsWith(`${room.toLowerCase()}@`))?.bridge ?? null;
    return { resumedMs, from, to };
  } finally {
    if (talking !== undefined) clearInterval(talking);
    if (frozen !== undefined) process.kill(frozen, 'SIGKILL');
    await Promise.all(people.map((p) => p.close().catch(() => undefined)));
  }
}
