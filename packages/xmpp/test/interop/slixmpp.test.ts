// Interop (L3): an independent client, Debian's python3-slixmpp, drives our server through the
// scenarios of the MUC issue: anonymous login, disco, ping, join, groupchat, private message, nick
// conflict, password room, kick, leave, and hostile input against an established session. The
// same scenarios run against Debian's Prosody first, as a control: if they fail there, the
// scripts (or the installed slixmpp) are wrong, not our server.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { startProsody } from '@plenum/testkit';
import type { RunningProsody } from '@plenum/testkit';

/** Debian's interpreter: the one python3-slixmpp is installed for (not a pyenv on PATH). */
const PYTHON = '/usr/bin/python3';
const SCENARIOS_PY = fileURLToPath(new URL('./slixmpp/scenarios.py', import.meta.url));
/** scenarios.py gives itself 18 s; this is only the backstop for a hung interpreter. */
const SCENARIO_KILL_MS = 25_000;
const SCENARIOS = ['login-disco-ping', 'muc', 'password-room', 'kick', 'hostile'] as const;

type Scenario = (typeof SCENARIOS)[number];
type Check = { readonly check: string; readonly ok: boolean; readonly detail: unknown };
type Target = { readonly port: number; readonly domain: string; readonly muc: string };
type Outcome = { readonly status: number | null; readonly checks: readonly Check[]; readonly stderr: string; readonly junk: readonly string[] };

function runScenario(target: Target, scenario: Scenario, extraArgs: readonly string[] = []): Promise<Outcome> {
  const args = [SCENARIOS_PY, '--host', '127.0.0.1', '--port', String(target.port), '--domain', target.domain,
    '--muc', target.muc, '--scenario', scenario, ...extraArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_KILL_MS);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      const checks: Check[] = [];
      const junk: string[] = [];
      for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
        try {
          checks.push(JSON.parse(line) as Check);
        } catch {
          junk.push(line); // Not a check line; shown in the failure message.
        }
      }
      resolve({ status, checks, stderr, junk });
    });
  });
}

/** Every check passed, the script said so with its exit status, and it printed nothing else. */
function assertAllPassed(scenario: Scenario, outcome: Outcome): void {
  const failed = outcome.checks.filter((c) => !c.ok);
  const report = [
    `${scenario}: exit status ${String(outcome.status)}, ${outcome.checks.length} checks, ${failed.length} failed`,
    ...failed.map((c) => `  ✗ ${c.check}: ${JSON.stringify(c.detail)}`),
    ...outcome.junk.map((l) => `  stdout: ${l}`),
    outcome.stderr === '' ? '' : `  stderr: ${outcome.stderr.slice(-2000)}`,
  ].join('\n');
  assert.ok(outcome.checks.length > 0 && failed.length === 0 && outcome.status === 0 && outcome.junk.length === 0, report);
}

function assertPrerequisites(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import slixmpp'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import slixmpp (install Debian's python3-slixmpp; scripts/install-test-deps.sh does): ${probe.stderr}`);
  }
}

// --- control: the scenarios against Debian's Prosody --------------------------------------------

/**
 * COMPAT(Prosody 0.12.3): a DTD before the stream header gets not-well-formed (RFC 6120 §11.1
 * asks for restricted-xml), and a flood is throttled by mod_limits (bytes/s, when enabled) but
 * never ended with a stream error, so the control expects no error there.
 */
const PROSODY_HOSTILE = ['--expect-dtd', 'not-well-formed', '--expect-flood', 'none'];

const prosody = suite<{ server: RunningProsody }>('slixmpp scenarios against Prosody (control)');

prosody.before(async (ctx) => {
  assertPrerequisites();
  ctx.server = await startProsody();
});
prosody.after(async (ctx) => {
  await ctx.server.stop();
});

for (const scenario of SCENARIOS) {
  prosody(scenario, async ({ server }) => {
    const outcome = await runScenario(server, scenario, scenario === 'hostile' ? PROSODY_HOSTILE : []);
    if (outcome.status !== 0) process.stderr.write(`prosody log tail:\n${server.logTail(15)}\n`);
    assertAllPassed(scenario, outcome);
  });
}

prosody.run();

// --- our server ---------------------------------------------------------------------------------

const plenum = suite<{ server: RunningXmppServer; baseline: string[] }>('slixmpp scenarios against Plenum');

plenum.before(async (ctx) => {
  assertPrerequisites();
  ctx.baseline = tcpHandles();
  ctx.server = await startXmppServer({
    values: {
      tcp: { port: 0 },
      http: { port: 0 },
      components: { port: 0 },
      muc: { restrictRoomCreation: false },
      log: { level: 'silent' },
    },
    // Guests only; an empty store keeps the run from reading a users file in the working dir.
    users: new MemoryUserStore(),
  });
});
plenum.after(async (ctx) => {
  await ctx.server.close();
  assert.equal(await tcpHandlesSettled(ctx.baseline.length), ctx.baseline, 'TCP listeners or sockets left after close');
});

/**
 * The TCP handles alive once they stop changing. net.Server's close callback runs a tick before
 * libuv releases the handle, so the count is polled (with a deadline), not read once.
 */
async function tcpHandlesSettled(expectedCount: number, deadlineMs = 2000): Promise<string[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const tcp = tcpHandles();
    if (tcp.length <= expectedCount || Date.now() > deadline) return tcp;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function tcpHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));
}

const PLENUM_TARGET = (server: RunningXmppServer): Target => ({
  port: server.tcpPort,
  domain: server.config.domain,
  muc: server.config.mucDomain,
});

for (const scenario of SCENARIOS) {
  // The hostile expectations are scenarios.py's defaults: not-well-formed, restricted-xml,
  // policy-violation (2 MiB > limits.maxStanzaBytes 256 KiB), policy-violation (5000 stanzas at
  // once > limits.stanzasPerSecond 100, burst 500).
  plenum(scenario, async ({ server }) => {
    assertAllPassed(scenario, await runScenario(PLENUM_TARGET(server), scenario));
  });
}

plenum.run();
