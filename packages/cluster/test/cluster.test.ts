// `npm run cluster` end to end: the real processes start on loopback, every part answers its health
// check, `plenum status` (the real command, as a child process) lists the three bridges from the
// focus's brewery, the SIP gateway and the recorder from theirs (ffmpeg is installed here, so the
// cluster runs a recorder; the gateway's SIP port answers OPTIONS), and a conference a scripted
// participant starts, the web origin carries the XMPP
// WebSocket to the separate XMPP server, a bridge process killed with SIGKILL costs the participant
// a move to another bridge (not the meeting), and stopping leaves no process behind.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { ScriptedParticipant, WireClient, waitUntil } from '@plenum/testkit';
import type { ClusterStatus } from '../src/status.ts';
import type { RunningCluster } from '../src/cluster.ts';
import { startCluster } from '../src/cluster.ts';

const PLENUM = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'plenum.mjs');

/** Runs `plenum <args>` and resolves with its exit code and output. */
function plenum(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLENUM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends OPTIONS to the SIP port over UDP and resolves with the answer's first line ('' after 3 s). */
async function sipOptions(port: number): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const request = [
    `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKclusterping`,
    'From: <sip:test@127.0.0.1>;tag=t1', `To: <sip:ping@127.0.0.1:${port}>`, 'Call-ID: cluster-ping', 'CSeq: 1 OPTIONS',
    'Max-Forwards: 70', 'Content-Length: 0', '', '',
  ].join('\r\n');
  try {
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(''), 3000);
      socket.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString('latin1').split('\r\n')[0] ?? '');
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

test('the cluster starts every part, plenum status shows bridges and conferences, a killed bridge\'s participant moves, stop leaves nothing behind', async () => {
  let cluster: RunningCluster | undefined;
  let alice: ScriptedParticipant | undefined;
  try {
    // As npm run cluster, with the SIP gateway on a free port rather than 5080.
    cluster = await startCluster({ bridges: 3, logLevel: 'warn', recorder: true, sipPort: 0 });
    const c = cluster;
    const names = c.processes.map((p) => p.name).sort();
    for (const name of ['xmpp', 'focus', 'web', 'bridge-local-1', 'bridge-local-2', 'bridge-local-3', 'recorder', 'sip-gateway']) assert.ok(names.includes(name), `${name} runs`);
    assert.ok(c.sipGateway !== undefined && c.recorder !== undefined);
    assert.match(await sipOptions(c.sipGateway.sipPort), /^SIP\/2\.0 200 /, 'the gateway answers SIP on its port');
    for (const url of [`${c.focusUrl}/about/health`, `${c.url}/about/health`, ...c.bridges.map((b) => `http://127.0.0.1:${b.httpPort}/about/health`)]) {
      assert.is((await fetch(url)).status, 200, url);
    }

    // The brewery fills as the bridges join it.
    let status: ClusterStatus | undefined;
    await waitUntil('the focus sees three bridges', async () => {
      const r = await plenum(['status', '--focus', c.focusUrl, '--json']);
      status = r.code === 0 ? JSON.parse(r.stdout) as ClusterStatus : undefined;
      return status?.bridges.filter((b) => b.healthy).length === 3;
    }, 20_000);
    assert.equal(status?.bridges.map((b) => b.id), ['jvb-local-1', 'jvb-local-2', 'jvb-local-3']);
    assert.equal(status?.sipGateways, [{ id: 'sip-gateway-1', region: null, calls: 0, gracefulShutdown: false }], 'the gateway is in the jigasi brewery');
    assert.equal(status?.recorders, [{ id: 'recorder-1', busy: false, healthy: true }], 'the recorder is in the jibri brewery, idle');

    alice = await ScriptedParticipant.join({ port: c.xmpp.tcpPort, room: 'status-room' });
    await alice.nextJingle('session-initiate', 10_000);
    const after = await plenum(['status', '--focus', c.focusUrl, '--json']);
    const conferences = (JSON.parse(after.stdout) as ClusterStatus).conferences;
    assert.is(conferences.length, 1);
    assert.is(conferences[0]?.room, 'status-room@conference.plenum.localhost');
    assert.is(conferences[0]?.participants, 1);
    assert.ok(conferences[0]?.bridge?.startsWith('jvb-local-'), 'on one of the bridges');
    const table = await plenum(['status', '--focus', c.focusUrl]);
    assert.is(table.code, 0);
    assert.match(table.stdout, /^BRIDGE\s+REGION\s+STRESS\s+ENDPOINTS\s+CONFERENCES\s+STATE/m);
    assert.match(table.stdout, /status-room@conference\.plenum\.localhost\s+jvb-local-\d\s+1/);
    assert.match(table.stdout, /^SIP GATEWAY\s+REGION\s+CALLS\s+STATE\nsip-gateway-1\s+-\s+0\s+ready$/m);
    assert.match(table.stdout, /^RECORDER\s+STATE\nrecorder-1\s+idle$/m);

    // The web origin carries the XMPP WebSocket to the separate XMPP server.
    const ws = await WireClient.ws(`${c.url.replace(/^http/, 'ws')}/xmpp-websocket`);
    try {
      const jid = await ws.loginAnonymous('plenum.localhost');
      assert.match(jid, /@plenum\.localhost\//);
    } finally {
      ws.close();
    }

    // kill -9 the bridge hosting the conference: the participant is moved to another bridge process.
    const host = conferences[0]?.bridge ?? '';
    const victim = c.processes.find((p) => `jvb-${p.name.replace(/^bridge-/, '')}` === host);
    assert.ok(victim, `the process of ${host}`);
    const offer = await alice.nextJingle('session-initiate', 1).catch(() => undefined);
    assert.is(offer, undefined, 'no offer pending before the kill');
    process.kill(victim.pid, 'SIGKILL');
    const terminate = await alice.nextJingle('session-terminate', 10_000);
    assert.is(terminate.reason?.text, 'moving');
    await alice.nextJingle('session-initiate', 10_000);
    await waitUntil('the conference is on another bridge', async () => {
      const r = await plenum(['status', '--focus', c.focusUrl, '--json']);
      const s = JSON.parse(r.stdout) as ClusterStatus;
      return s.bridges.length === 2 && s.conferences[0]?.bridge !== host && s.conferences[0]?.bridge !== null;
    }, 10_000);

    const down = await plenum(['status', '--focus', 'http://127.0.0.1:9']);
    assert.is(down.code, 1, 'an unreachable focus is an error, not an empty status');
  } finally {
    alice?.close();
    await cluster?.stop();
  }
  for (const p of cluster?.processes ?? []) assert.not.ok(isAlive(p.pid), `${p.name} (pid ${p.pid}) is gone`);
});

test.run();
