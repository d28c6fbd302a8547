// Several bridges per host, as an operator runs them (README: several bridges per host): two
// standalone bridge processes (`node --import tsx packages/bridge/src/main.ts`, configured only by
// PLENUM_BRIDGE_* variables) with their own id, UDP port, HTTP port and brewery nickname, next to
// the XMPP server and the real focus. The focus sees both in the brewery and, going by the stress
// each reports, puts a second conference on the bridge the first one did not load.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import type { Jingle } from '@plenum/xmpp/codec';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import {
  ScriptedParticipant, assertNoLeakedHandles, bridgeHttpStats, focusUsesBridge, freePort, freeUdpPort, spawnReaped, startStack, waitUntil,
} from '@plenum/testkit';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const MAX_ENDPOINTS = 4;

type ChildBridge = { readonly id: string; readonly nick: string; readonly httpPort: number; readonly udpPort: number; readonly process: ReapedProcess };

async function startChildBridge(stack: RunningStack, id: string, taken: number[]): Promise<ChildBridge> {
  let udpPort = await freeUdpPort();
  while (taken.includes(udpPort)) udpPort = await freeUdpPort();
  let httpPort = await freePort();
  while (taken.includes(httpPort)) httpPort = await freePort();
  taken.push(udpPort, httpPort);
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    PLENUM_BRIDGE_ID: id,
    PLENUM_BRIDGE_XMPP_PORT: String(stack.server.componentPort),
    PLENUM_BRIDGE_XMPP_SECRET: stack.secrets.bridges,
    PLENUM_BRIDGE_HTTP_PORT: String(httpPort),
    PLENUM_BRIDGE_PUBLIC_UDP_PORT: String(udpPort),
    PLENUM_BRIDGE_MAX_ENDPOINTS: String(MAX_ENDPOINTS),
    PLENUM_BRIDGE_STATS_INTERVAL_MS: '200',
    // A short window, so the CPU of starting up (compiling TypeScript) has left the stress within seconds.
    PLENUM_BRIDGE_STRESS_WINDOW_MS: '1000',
    PLENUM_BRIDGE_LOG_LEVEL: 'warn',
  };
  const child = await spawnReaped(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO, env, output: 'ignore' });
  return { id, nick: `jvb-${id}`, httpPort, udpPort, process: child };
}

const stressSeen = (stack: RunningStack, nick: string): number => stack.focus.stats().bridges.find((b) => b.id === nick)?.stress ?? Number.NaN;

/** The bridge hosting a conference, by its `/colibri/stats` (what an operator would look at). */
async function hostsOf(bridges: readonly ChildBridge[]): Promise<string[]> {
  const hosting: string[] = [];
  for (const b of bridges) if ((await bridgeHttpStats(b)).conferences === 1) hosting.push(b.nick);
  return hosting;
}

const candidatePort = (offer: Jingle): number | undefined => offer.contents.find((c) => c.name === 'audio')?.transport?.candidates[0]?.port;

test('two bridge processes on one host: both in the brewery, nothing collides, conferences spread by stress', async () => {
  const baseline = process.getActiveResourcesInfo();
  // Only the reported stress decides here (no correction for endpoints placed recently).
  const stack = await startStack({ bridges: 0, focus: { bridges: { participantRampupMs: 0 } } });
  const bridges: ChildBridge[] = [];
  const people: ScriptedParticipant[] = [];
  try {
    const taken: number[] = [];
    for (const id of ['m1', 'm2']) bridges.push(await startChildBridge(stack, id, taken));
    await Promise.all(bridges.map((b) => focusUsesBridge(stack.focus, b.nick, 60_000)));
    assert.equal(stack.focus.stats().bridges.map((b) => b.id).sort(), ['jvb-m1', 'jvb-m2'], 'the focus sees both brewery members');
    for (const b of bridges) {
      const s = await bridgeHttpStats(b);
      assert.equal([s.healthy, s.conferences], [true, 0], `${b.nick} answers on its own HTTP port`);
    }
    // CPU is sampled once a second: the first rate comes a second after start.
    for (const b of bridges) await waitUntil(`${b.nick} measures its own process's CPU (a stress term)`, async () => Number((await bridgeHttpStats(b)).cpu_usage) > 0, 10_000);
    await waitUntil('both bridges report idle stress', () => bridges.every((b) => stressSeen(stack, b.nick) < 0.1), 30_000);

    const first = await ScriptedParticipant.join({ port: stack.server.tcpPort, room: 'multi-a' });
    people.push(first);
    const firstOffer = await first.nextJingle('session-initiate', 10_000);
    const [firstHost] = await hostsOf(bridges);
    const a = bridges.find((b) => b.nick === firstHost);
    const other = bridges.find((b) => b !== a);
    assert.ok(a !== undefined && other !== undefined, 'one bridge hosts the first conference');
    assert.is(candidatePort(firstOffer), a.udpPort, 'the offer points at that bridge process\'s own UDP port');
    await waitUntil(`the focus sees ${a.nick} loaded`, () => stressSeen(stack, a.nick) >= 1 / MAX_ENDPOINTS, 10_000);

    const second = await ScriptedParticipant.join({ port: stack.server.tcpPort, room: 'multi-b' });
    people.push(second);
    const secondOffer = await second.nextJingle('session-initiate', 10_000);
    assert.is(candidatePort(secondOffer), other.udpPort, 'the second conference goes to the less stressed bridge');
    assert.equal((await hostsOf(bridges)).sort(), ['jvb-m1', 'jvb-m2'], 'one conference on each');
    for (const b of bridges) assert.not.ok(b.process.hasExited(), `${b.nick} still running`);
  } finally {
    for (const p of people) p.close();
    await stack.close();
    await Promise.all(bridges.map((b) => b.process.stop()));
  }
  await assertNoLeakedHandles(baseline);
});

test.run();
