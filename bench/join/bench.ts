// `npm run bench:join`: time from loading a direct-join link (and from clicking Join on the
// pre-join page) to the first decoded frame of a remote video, for fresh joiners into a running
// three-person room on the one-command server (startAllInOne, in a process of its own as `npm start`
// runs it), in Debian's Chromium with fake
// devices. Every figure is measured inside the joiner's page with performance.now(); see
// bench/README.md.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PACKET_PROCESS_NODE_FLAGS } from '@plenum/kit/node';
import { freePort } from '@plenum/testkit';
import { JOIN_PROBE } from './page-probe.ts';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];
const ROOM = 'bench-join';
const STEPS = ['joinClicked', 'domContentLoaded', 'getUserMediaCalled', 'getUserMediaDone', 'xmppSocketCreated', 'xmppSocketOpen', 'loggedIn', 'conferenceRequestSent', 'conferenceReady', 'mucJoinSent', 'sessionInitiateReceived', 'offerReceived', 'sessionAcceptSent', 'peerConnectionCreated', 'bridgeChannelOpen', 'iceConnected', 'dtlsConnected', 'remoteVideoTrack', 'firstRemoteFrame'] as const;
/** The intervals the report breaks a join into: label, from mark, to mark. */
const PHASES: readonly (readonly [string, (typeof STEPS)[number] | 'start', (typeof STEPS)[number]])[] = [
  ['page load, app start (start → DOMContentLoaded)', 'start', 'domContentLoaded'],
  ['camera + microphone (getUserMedia)', 'getUserMediaCalled', 'getUserMediaDone'],
  ['start → XMPP WebSocket created', 'start', 'xmppSocketCreated'],
  ['getUserMedia done → XMPP WebSocket created', 'getUserMediaDone', 'xmppSocketCreated'],
  ['XMPP WebSocket connect', 'xmppSocketCreated', 'xmppSocketOpen'],
  ['login, focus, MUC join → Jingle offer', 'xmppSocketOpen', 'offerReceived'],
  ['  WebSocket open → SASL success', 'xmppSocketOpen', 'loggedIn'],
  ['  SASL success → conference request sent', 'loggedIn', 'conferenceRequestSent'],
  ['  conference request → focus ready', 'conferenceRequestSent', 'conferenceReady'],
  ['  focus ready → MUC join sent', 'conferenceReady', 'mucJoinSent'],
  ['  MUC join sent → session-initiate received', 'mucJoinSent', 'sessionInitiateReceived'],
  ['  session-initiate → setRemoteDescription', 'sessionInitiateReceived', 'offerReceived'],
  ['offer → session-accept sent', 'offerReceived', 'sessionAcceptSent'],
  ['offer → ICE connected', 'offerReceived', 'iceConnected'],
  ['ICE → DTLS connected', 'iceConnected', 'dtlsConnected'],
  ['DTLS → first remote frame decoded', 'dtlsConnected', 'firstRemoteFrame'],
  ['remote track announced → first frame', 'remoteVideoTrack', 'firstRemoteFrame'],
  ['total: start → first remote frame', 'start', 'firstRemoteFrame'],
];
type Marks = Partial<Record<(typeof STEPS)[number], number>>;

const { values: args } = parseArgs({
  options: {
    joins: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'both' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:join -- [--joins N (10)] [--mode link|click|both (both)] [--json]');
  process.exit(0);
}
const joins = Number(args.joins);
const modes = args.mode === 'both' ? ['link', 'click'] as const : [args.mode as 'link' | 'click'];
if (!Number.isInteger(joins) || joins < 1 || !modes.every((m) => m === 'link' || m === 'click')) {
  console.error('bad flags; see --help');
  process.exit(2);
}

const directJoin = (name: string) => `/${ROOM}#config.prejoinConfig.enabled=false&userInfo.displayName=${encodeURIComponent(JSON.stringify(name))}`;
const progress = (s: string) => process.stderr.write(`${s}\n`);

/** Resolves when the page's probe saw the first remote frame; the probe's marks. */
async function waitForFirstFrame(page: Page): Promise<Marks> {
  // One call that the page answers when the frame comes: polling would load the very machine
  // being measured. Functions, not strings: the page's CSP forbids eval.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no remote video frame within 60 s')), 60_000); });
  try {
    return await Promise.race([page.evaluate(() => (globalThis as unknown as { __firstRemoteFrame: Promise<Marks> }).__firstRemoteFrame), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One fresh joiner (own profile); the marks are relative to the join's start (navigation or click). */
async function measureJoin(browser: Browser, origin: string, mode: 'link' | 'click', n: number): Promise<Marks> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(JOIN_PROBE);
    const page = await context.newPage();
    if (mode === 'link') {
      await page.goto(`${origin}${directJoin(`Joiner ${n}`)}`);
    } else {
      await page.goto(`${origin}/${ROOM}`);
      await page.getByRole('textbox', { name: 'Your name' }).fill(`Joiner ${n}`);
      await page.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
      await page.getByRole('button', { name: 'Join meeting' }).click();
    }
    const marks = await waitForFirstFrame(page);
    const start = mode === 'click' ? marks.joinClicked ?? 0 : 0;
    const relative: Marks = {};
    for (const step of STEPS) if (marks[step] !== undefined && (mode === 'click' || step !== 'joinClicked')) relative[step] = Math.round((marks[step] - start) * 10) / 10;
    return relative;
  } finally {
    await context.close();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** Starts the server process (server-process.ts); resolves once it listens. */
function startServer(port: number): Promise<ChildProcess> {
  // With the node flags `npm start` gives the all-in-one process.
  const child = fork(new URL('./server-process.ts', import.meta.url), [String(port)], { execArgv: [...PACKET_PROCESS_NODE_FLAGS, '--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready`)));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startServer(port);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    // The running room: three participants in one browser, each its own profile, all sending
    // video; each of them sees a remote frame once the next one is in.
    const hosts: Page[] = [];
    for (const name of ['Host A', 'Host B', 'Host C']) {
      const context = await browser.newContext({ viewport: { width: 640, height: 400 } });
      await context.addInitScript(JOIN_PROBE);
      const page = await context.newPage();
      await page.goto(`${origin}${directJoin(name)}`);
      hosts.push(page);
    }
    await Promise.all(hosts.map((page) => waitForFirstFrame(page)));
    progress('room of 3 running');
    const results: Record<string, { runs: Marks[]; medianMs: number; p95Ms: number; serverCpuMs: number[] }> = {};
    for (const mode of modes) {
      const runs: Marks[] = [];
      const serverCpuMs: number[] = [];
      // One unmeasured join warms the server's and the browser's caches (bundle, JIT).
      await measureJoin(browser, origin, mode, 0);
      for (let i = 1; i <= joins; i++) {
        const cpuBefore = cpuSeconds(server.pid as number);
        const marks = await measureJoin(browser, origin, mode, i);
        runs.push(marks);
        serverCpuMs.push(Math.round((cpuSeconds(server.pid as number) - cpuBefore) * 1000));
        progress(`${mode} join ${i}: first remote frame after ${marks.firstRemoteFrame} ms (server CPU meanwhile ${serverCpuMs.at(-1)} ms)`);
        // Let the leaver's endpoint go before the next one comes.
        await new Promise((r) => setTimeout(r, 500));
      }
      const sorted = runs.map((r) => r.firstRemoteFrame ?? NaN).sort((a, b) => a - b);
      results[mode] = { runs, medianMs: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), serverCpuMs };
    }
    const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, chromium: browser.version() };
    if (args.json) {
      console.log(JSON.stringify({ machine, joins, results }, null, 2));
      return;
    }
    console.log(`machine: ${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}, Chromium ${machine.chromium}`);
    for (const [mode, r] of Object.entries(results)) {
      console.log(`\n${mode === 'link' ? 'direct-join link load' : 'click on Join (pre-join page)'} → first remote video frame, ${joins} joins into a room of 3:`);
      console.log(`  each join (ms): ${r.runs.map((m) => (m.firstRemoteFrame ?? NaN).toFixed(0)).join(', ')}`);
      console.log(`  median ${r.medianMs.toFixed(0)} ms, p95 ${r.p95Ms.toFixed(0)} ms (target: median < 1000 ms) ${r.medianMs < 1000 ? 'MET' : 'MISSED'}`);
      console.log(`  server CPU per join (the whole join and the previous joiner's leave; media of the room included): median ${quantile([...r.serverCpuMs].sort((a, b) => a - b), 0.5)} ms`);
      console.log('  where the time goes (median over the joins of each interval):');
      for (const [what, from, to] of PHASES) {
        const v = r.runs.map((m) => (to === undefined ? undefined : (m[to] ?? NaN) - (from === 'start' ? 0 : m[from] ?? NaN))).filter((x): x is number => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
        if (v.length > 0) console.log(`    ${what.padEnd(46)} ${quantile(v, 0.5).toFixed(0).padStart(6)} ms`);
      }
    }
  } finally {
    await browser.close();
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
  }
}

await main();
