// `npm run bench:join`: time from loading a direct-join link (and from clicking Join on the
// pre-join page) to the first decoded frame of a remote video, for fresh joiners into a running
// three-person room on the one-command server (startAllInOne, in a process of its own as `npm start`
// runs it), in Debian's Chromium with fake
// devices. Every figure is measured inside the joiner's page with performance.now(); see
// bench/README.md. To see where one join's time goes on the joiner's main thread, trace.ts.
// The room is three Chromium pages in the joiner's browser (the default), or with `--room werift`
// three werift participants in a process of their own sending a pre-encoded VP8 clip and Opus
// (werift-room.ts): the room's senders then cost the machine little CPU, as participants on their
// own machines would.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { CHROMIUM_ARGS, ROOM, STEPS, directJoin, firstFrameOf, secondFrameOf, startRoom, startServer, startWeriftRoom, weriftRoomStats, type Marks } from './join-room.ts';
import { JOIN_PROBE, type SecondFrame } from './page-probe.ts';
import { CLIP_FPS, CLIP_HEIGHT, CLIP_WIDTH } from './vp8-clip.ts';
import type { SenderStats } from './werift-room.ts';

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
  ['  offer → setLocalDescription(answer) called', 'offerReceived', 'answerApplying'],
  ['  setLocalDescription(answer) → resolved', 'answerApplying', 'answerApplied'],
  ['  answer applied → session-accept sent', 'answerApplied', 'sessionAcceptSent'],
  ['offer → ICE connected', 'offerReceived', 'iceConnected'],
  ['  answer applied → ICE checking', 'answerApplied', 'iceChecking'],
  ['  ICE checking → connected', 'iceChecking', 'iceConnected'],
  ['ICE → DTLS connected', 'iceConnected', 'dtlsConnected'],
  ['DTLS → first remote frame decoded', 'dtlsConnected', 'firstRemoteFrame'],
  ['remote track announced → first frame', 'remoteVideoTrack', 'firstRemoteFrame'],
  ['total: start → first remote frame', 'start', 'firstRemoteFrame'],
];

const { values: args } = parseArgs({
  options: {
    joins: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'both' },
    room: { type: 'string', default: 'chromium' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:join -- [--joins N (10)] [--mode link|click|both (both)] [--room chromium|werift (chromium)] [--json]');
  process.exit(0);
}
const joins = Number(args.joins);
const modes = args.mode === 'both' ? ['link', 'click'] as const : [args.mode as 'link' | 'click'];
const room = args.room as 'chromium' | 'werift';
if (!Number.isInteger(joins) || joins < 1 || !modes.every((m) => m === 'link' || m === 'click') || (room !== 'chromium' && room !== 'werift')) {
  console.error('bad flags; see --help');
  process.exit(2);
}

const progress = (s: string) => process.stderr.write(`${s}\n`);

/** One join: the marks relative to its start (navigation or click), and the probe's look at the next frame. */
type Join = { readonly marks: Marks; readonly second: SecondFrame | undefined };

/** One fresh joiner (own profile). */
async function measureJoin(browser: Browser, origin: string, mode: 'link' | 'click', n: number): Promise<Join> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(JOIN_PROBE);
    const page = await context.newPage();
    const frame = firstFrameOf(page);
    const secondFrame = secondFrameOf(page);
    if (mode === 'link') {
      await page.goto(`${origin}${directJoin(`Joiner ${n}`)}`);
    } else {
      await page.goto(`${origin}/${ROOM}`);
      await page.getByRole('textbox', { name: 'Your name' }).fill(`Joiner ${n}`);
      await page.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
      await page.getByRole('button', { name: 'Join meeting' }).click();
    }
    const marks = await frame;
    const start = mode === 'click' ? marks.joinClicked ?? 0 : 0;
    const relative: Marks = {};
    for (const step of STEPS) if (marks[step] !== undefined && (mode === 'click' || step !== 'joinClicked')) relative[step] = Math.round((marks[step] - start) * 10) / 10;
    // The next frame normally follows within a frame interval or two; 10 s is plenty on a loaded machine.
    let timer: NodeJS.Timeout | undefined;
    const second = await Promise.race([secondFrame, new Promise<undefined>((r) => { timer = setTimeout(r, 10_000, undefined); })]);
    clearTimeout(timer);
    return { marks: relative, second };
  } finally {
    await context.close();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of this process's descendants but those under `except` (and their descendants): the
 * browser's processes. Each counts with its reaped children (cutime, cstime), so processes that
 * ended (a joiner's renderer) still count.
 */
function browserCpuSeconds(except: readonly number[]): number {
  const parents = new Map<number, number>();
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      parents.set(Number(name), Number(fields[1]));
      times.set(Number(name), (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100);
    } catch {
      // Gone meanwhile.
    }
  }
  const inside = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (except.includes(p)) return false;
      if (p === process.pid) return true;
    }
    return false;
  };
  let total = 0;
  for (const [pid, t] of times) if (!except.includes(pid) && inside(pid)) total += t;
  return total;
}

async function main(): Promise<void> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startServer(port);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  let weriftRoom: ChildProcess | undefined;
  try {
    if (room === 'werift') weriftRoom = await startWeriftRoom(server.xmppTcpPort);
    else await startRoom(browser, origin);
    progress(`room of 3 running (${room})`);
    const roomStartedAt = performance.now();
    const notBrowser = [server.pid as number, ...(weriftRoom?.pid !== undefined ? [weriftRoom.pid] : [])];
    type Result = { runs: Marks[]; seconds: (SecondFrame | undefined)[]; medianMs: number; p95Ms: number; serverCpuMs: number[]; browserCpuMs: number[]; roomCpuMs: number[] };
    const results: Record<string, Result> = {};
    for (const mode of modes) {
      const runs: Marks[] = [];
      const seconds: (SecondFrame | undefined)[] = [];
      const serverCpuMs: number[] = [];
      const browserCpuMs: number[] = [];
      const roomCpuMs: number[] = [];
      // One unmeasured join warms the server's and the browser's caches (bundle, JIT).
      await measureJoin(browser, origin, mode, 0);
      for (let i = 1; i <= joins; i++) {
        const cpuBefore = cpuSeconds(server.pid as number);
        const browserBefore = browserCpuSeconds(notBrowser);
        const roomBefore = weriftRoom?.pid === undefined ? 0 : cpuSeconds(weriftRoom.pid);
        const { marks, second } = await measureJoin(browser, origin, mode, i);
        runs.push(marks);
        seconds.push(second);
        serverCpuMs.push(Math.round((cpuSeconds(server.pid as number) - cpuBefore) * 1000));
        browserCpuMs.push(Math.round((browserCpuSeconds(notBrowser) - browserBefore) * 1000));
        roomCpuMs.push(weriftRoom?.pid === undefined ? 0 : Math.round((cpuSeconds(weriftRoom.pid) - roomBefore) * 1000));
        const next = second === undefined ? 'NO next frame' : `next frame ${second.afterMs.toFixed(0)} ms later, ${second.first} then ${second.second}`;
        progress(`${mode} join ${i}: first remote frame after ${marks.firstRemoteFrame} ms, ${next} (CPU meanwhile: server ${serverCpuMs.at(-1)} ms, Chromium ${browserCpuMs.at(-1)} ms${weriftRoom === undefined ? '' : `, werift room ${roomCpuMs.at(-1)} ms`})`);
        // The frames counted must be real pictures that advance (a miss is reported below); the werift room sends a known size.
        const sent = `${CLIP_WIDTH}x${CLIP_HEIGHT}`;
        if (room === 'werift' && second !== undefined && (second.first !== sent || second.second !== sent)) throw new Error(`${mode} join ${i}: frames of ${second.first} and ${second.second}, the room sends ${sent}`);
        // Let the leaver's endpoint go before the next one comes.
        await new Promise((r) => setTimeout(r, 500));
      }
      const sorted = runs.map((r) => r.firstRemoteFrame ?? NaN).sort((a, b) => a - b);
      results[mode] = { runs, seconds, medianMs: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), serverCpuMs, browserCpuMs, roomCpuMs };
    }
    const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, chromium: browser.version() };
    const senders = weriftRoom === undefined ? undefined : { secondsSinceReady: (performance.now() - roomStartedAt) / 1000, stats: await weriftRoomStats(weriftRoom) };
    if (args.json) {
      console.log(JSON.stringify({ machine, room, joins, results, senders }, null, 2));
      return;
    }
    const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
    console.log(`machine: ${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}, Chromium ${machine.chromium}`);
    console.log(room === 'werift'
      ? `room: 3 werift participants (one process) sending a pre-encoded ${CLIP_WIDTH}x${CLIP_HEIGHT} ${CLIP_FPS} fps VP8 clip and Opus; each sender so far: ${(senders?.stats as SenderStats[]).map((x) => `${x.framesSent} frames, ${((x.videoBytes * 8 * CLIP_FPS) / x.framesSent / 1000).toFixed(0)} kbit/s video, ${x.keyFramesOnRequest} key frames sent at once for ${x.keyFrameRequests} PLI/FIR`).join('; ')}`
      : 'room: 3 Chromium pages (fake camera and microphone) in the joiner\'s browser');
    for (const [mode, r] of Object.entries(results)) {
      console.log(`\n${mode === 'link' ? 'direct-join link load' : 'click on Join (pre-join page)'} → first remote video frame, ${joins} joins into a room of 3 (${room}):`);
      console.log(`  each join (ms): ${r.runs.map((m) => (m.firstRemoteFrame ?? NaN).toFixed(0)).join(', ')}`);
      console.log(`  median ${r.medianMs.toFixed(0)} ms, p95 ${r.p95Ms.toFixed(0)} ms (target: median < 1000 ms) ${r.medianMs < 1000 ? 'MET' : 'MISSED'}`);
      const missed = r.seconds.filter((x) => x === undefined).length;
      console.log(`  next decoded frame of the same video after the first (ms): ${r.seconds.map((x) => x?.afterMs.toFixed(0) ?? 'none').join(', ')}${missed > 0 ? ` (NONE within 10 s in ${missed} joins)` : ''}; sizes first/next: ${[...new Set(r.seconds.filter((x) => x !== undefined).map((x) => `${x.first}/${x.second}`))].join(', ')}`);
      console.log(`  server CPU per join (the whole join and the previous joiner's leave; media of the room included): median ${median(r.serverCpuMs)} ms`);
      console.log(`  Chromium CPU per join (all its processes: the joiner${room === 'chromium' ? ' and the room\'s three pages' : ''}): median ${median(r.browserCpuMs)} ms${room === 'werift' ? `; werift room process: median ${median(r.roomCpuMs)} ms` : ''}`);
      console.log('  where the time goes (median over the joins of each interval):');
      for (const [what, from, to] of PHASES) {
        const v = r.runs.map((m) => (to === undefined ? undefined : (m[to] ?? NaN) - (from === 'start' ? 0 : m[from] ?? NaN))).filter((x): x is number => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
        if (v.length > 0) console.log(`    ${what.padEnd(46)} ${quantile(v, 0.5).toFixed(0).padStart(6)} ms`);
      }
    }
  } finally {
    await browser.close();
    if (weriftRoom !== undefined && weriftRoom.exitCode === null) {
      weriftRoom.disconnect();
      await new Promise((r) => weriftRoom?.once('exit', r));
    }
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
  }
}

await main();
