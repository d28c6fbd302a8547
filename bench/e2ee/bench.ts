// `node --import tsx bench/e2ee/bench.ts [--runs 2] [--seconds 15] [--part transform|meeting]`: what end-to-end encryption
// costs in Chromium. Two participants on the one-command server (startAllInOne), each sending the
// fake 720p camera (3 simulcast layers) and microphone and receiving the other, once with E2EE off
// and once on (PLENUM_WEB_E2EE_DEFAULT), alternating. Per run:
// - join time: Bob opens a direct-join link into Alice's room → first decoded frame of Alice's video;
// - CPU: the whole Chromium process tree's user+system time over a window once both see video, in
//   cores (1.0 = one core busy), and the video bytes each page sends and receives per second (what
//   the bandwidth estimate allows: often only the 180p layer on a loaded machine), and
// - first (`--part transform`), one 720p stream in a page without the bridge, with and without the
//   frame worker: the cost of encrypting and decrypting one 720p stream.
// Noisy on a shared machine: compare the off/on pairs of one invocation, not across invocations.
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { startAllInOne } from '@plenum/all-in-one';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];
const CLOCK_TICKS_PER_SECOND = 100;

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '2' }, seconds: { type: 'string', default: '15' }, part: { type: 'string', default: 'all' } } });
const runs = Number(args.runs);
const windowSeconds = Number(args.seconds);

/** user+system clock ticks of `root` and every process below it. */
function treeTicks(root: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while we listed /proc.
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

/** Decoded frames of the video in `name`'s tile (0 while there is none); searches through the shadow roots. */
const framesOf = (page: Page, name: string): Promise<number> => page.evaluate(`(() => {
  const find = (root) => {
    const hit = root.querySelector(${JSON.stringify(`[role=group][aria-label=${JSON.stringify(name)}] video`)});
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const inner = find(el.shadowRoot); if (inner) return inner; }
    return null;
  };
  const v = find(document);
  return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
})()`).then((n) => Number(n)).catch(() => 0);

/** Video bytes sent and received so far, and the largest received frame height. */
const videoBytes = (page: Page): Promise<{ sent: number; received: number; height: number }> => page.evaluate(`(async () => {
  const out = { sent: 0, received: 0, height: 0 };
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'outbound-rtp') out.sent += s.bytesSent ?? 0;
      if (s.type === 'inbound-rtp') { out.received += s.bytesReceived ?? 0; out.height = Math.max(out.height, s.frameHeight ?? 0); }
    });
  }
  return out;
})()`);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type RunResult = { e2ee: boolean; joinMs: number; cores: number; sentKBps: number; receivedKBps: number; receivedHeight: number };

async function run(e2ee: boolean): Promise<RunResult> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port, host: '127.0.0.1', publicUrl: origin, log: { level: 'silent' }, p2p: { enabled: false }, e2ee: { default: e2ee } },
  });
  const server = await chromium.launchServer({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(`window.__peerConnections = []; { const N = window.RTCPeerConnection; window.RTCPeerConnection = function (...a) { const pc = new N(...a); window.__peerConnections.push(pc); return pc; }; window.RTCPeerConnection.prototype = N.prototype; }`);
      return context.newPage();
    };
    const link = (name: string) => `${origin}/bench-e2ee#config.prejoinConfig.enabled=false&userInfo.displayName=${encodeURIComponent(JSON.stringify(name))}`;
    const alice = await page();
    await alice.goto(link('Alice'));
    await alice.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    if (e2ee) await alice.getByRole('button', { name: /^End-to-end encrypted/ }).waitFor();
    const bob = await page();
    const started = Date.now();
    await bob.goto(link('Bob'));
    await until('Bob sees Alice', async () => (await framesOf(bob, 'Alice')) > 0);
    const joinMs = Date.now() - started;
    await until('Alice sees Bob', async () => (await framesOf(alice, 'Bob')) > 0);
    if (e2ee) await bob.getByRole('button', { name: /^End-to-end encrypted/ }).waitFor();
    await new Promise((r) => setTimeout(r, 3000));
    const pid = server.process().pid ?? 0;
    const ticks0 = treeTicks(pid);
    const bytes0 = await Promise.all([videoBytes(alice), videoBytes(bob)]);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, windowSeconds * 1000));
    const ticks1 = treeTicks(pid);
    const bytes1 = await Promise.all([videoBytes(alice), videoBytes(bob)]);
    const seconds = (Date.now() - t0) / 1000;
    const per = (k: 'sent' | 'received'): number => ((bytes1[0][k] - bytes0[0][k]) + (bytes1[1][k] - bytes0[1][k])) / 2 / seconds / 1000;
    return {
      e2ee, joinMs, cores: (ticks1 - ticks0) / CLOCK_TICKS_PER_SECOND / seconds,
      sentKBps: per('sent'), receivedKBps: per('received'), receivedHeight: Math.min(bytes1[0].height, bytes1[1].height),
    };
  } finally {
    await server.close().catch(() => undefined);
    await plenum.close();
  }
}

/**
 * One 720p VP8 stream inside one page, from a sending to a receiving RTCPeerConnection (no bridge,
 * no bandwidth estimate in the way: 2.5 Mbit/s), with our frame worker (served by the web server,
 * as in a meeting) encrypting and decrypting it, or not. What one 720p stream costs: encrypt at the
 * sender + decrypt at one receiver.
 */
const LOOPBACK_720P = `(async (encrypt) => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 } });
  const pc1 = new RTCPeerConnection();
  const pc2 = new RTCPeerConnection();
  pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
  pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
  let worker;
  if (encrypt) {
    worker = new Worker(config.e2ee.workerUrl, { type: 'module' });
    const material = crypto.getRandomValues(new Uint8Array(32));
    worker.postMessage({ op: 'set-enabled', enabled: true });
    worker.postMessage({ op: 'set-local-key', index: 0, material });
    worker.postMessage({ op: 'set-key', participant: 'me', index: 0, material });
  }
  const t = pc1.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: [{ maxBitrate: 2500000 }] });
  if (encrypt) t.sender.transform = new RTCRtpScriptTransform(worker, { operation: 'encrypt', kind: 'video' });
  pc2.ontrack = (e) => {
    if (encrypt) e.receiver.transform = new RTCRtpScriptTransform(worker, { operation: 'decrypt', kind: 'video' });
    const v = document.createElement('video');
    v.muted = true; v.autoplay = true; v.srcObject = new MediaStream([e.track]);
    document.body.append(v);
    window.__loopVideo = v;
  };
  await pc1.setLocalDescription(await pc1.createOffer());
  await pc2.setRemoteDescription(pc1.localDescription);
  await pc2.setLocalDescription(await pc2.createAnswer());
  await pc1.setRemoteDescription(pc2.localDescription);
  window.__loop = { pc1, pc2 };
  if (encrypt) {
    for (let i = 0; i < 100; i++) {
      let ssrc;
      (await pc1.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') ssrc = s.ssrc; });
      if (ssrc !== undefined) { worker.postMessage({ op: 'ssrc-owners', owners: [[ssrc, 'me']] }); break; }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
})`;

const LOOPBACK_STATE = `(async () => {
  const out = { frames: 0, height: 0, sent: 0 };
  if (!window.__loop) return out;
  (await window.__loop.pc1.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') out.sent += s.bytesSent ?? 0; });
  (await window.__loop.pc2.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') { out.frames = s.framesDecoded ?? 0; out.height = s.frameHeight ?? 0; } });
  return out;
})()`;

async function loopback720p(encrypt: boolean, origin: string): Promise<{ cores: number; kbps: number; height: number }> {
  const server = await chromium.launchServer({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${origin}/`);
    await page.evaluate(`${LOOPBACK_720P}(${String(encrypt)})`);
    const state = (): Promise<{ frames: number; height: number; sent: number }> => page.evaluate(LOOPBACK_STATE);
    await until('720p frames decoded', async () => { const s = await state(); return s.frames > 90 && s.height >= 720; }, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const pid = server.process().pid ?? 0;
    const ticks0 = treeTicks(pid);
    const s0 = await state();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, windowSeconds * 1000));
    const ticks1 = treeTicks(pid);
    const s1 = await state();
    const seconds = (Date.now() - t0) / 1000;
    return { cores: (ticks1 - ticks0) / CLOCK_TICKS_PER_SECOND / seconds, kbps: ((s1.sent - s0.sent) * 8) / seconds / 1000, height: s1.height };
  } finally {
    await server.close().catch(() => undefined);
  }
}

async function transformCost(): Promise<void> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port, host: '127.0.0.1', publicUrl: origin, log: { level: 'silent' } },
  });
  try {
    const off: number[] = [];
    const on: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const encrypt of [false, true]) {
        const r = await loopback720p(encrypt, origin);
        (encrypt ? on : off).push(r.cores);
        console.log(`720p loopback run ${i + 1}, transform ${encrypt ? 'on ' : 'off'}: ${r.cores.toFixed(3)} cores, ${r.kbps.toFixed(0)} kbit/s, ${r.height}p`);
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`one 720p stream, encrypt + decrypt in the worker: ${((mean(on) - mean(off)) * 100).toFixed(1)} % of a core (off ${mean(off).toFixed(3)}, on ${mean(on).toFixed(3)} cores)`);
  } finally {
    await plenum.close();
  }
}

if (args.part !== 'meeting') await transformCost();

const results: RunResult[] = [];
for (let i = 0; i < (args.part === 'transform' ? 0 : runs); i++) {
  for (const e2ee of [false, true]) {
    const r = await run(e2ee);
    results.push(r);
    console.log(`run ${i + 1} E2EE ${e2ee ? 'on ' : 'off'}: join ${r.joinMs} ms, Chromium ${r.cores.toFixed(2)} cores for 2 participants, video ${r.sentKBps.toFixed(0)} kB/s sent and ${r.receivedKBps.toFixed(0)} kB/s received per participant (received ${r.receivedHeight}p)`);
  }
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
if (results.length === 0) process.exit(0);
const off = results.filter((r) => !r.e2ee);
const on = results.filter((r) => r.e2ee);
const extraCores = mean(on.map((r) => r.cores)) - mean(off.map((r) => r.cores));
console.log(`mean join: off ${mean(off.map((r) => r.joinMs)).toFixed(0)} ms, on ${mean(on.map((r) => r.joinMs)).toFixed(0)} ms (added ${(mean(on.map((r) => r.joinMs)) - mean(off.map((r) => r.joinMs))).toFixed(0)} ms)`);
console.log(`mean CPU: off ${mean(off.map((r) => r.cores)).toFixed(2)} cores, on ${mean(on.map((r) => r.cores)).toFixed(2)} cores; added per participant (encrypting its camera and microphone, decrypting the other's): ${(extraCores / 2 * 100).toFixed(1)} % of a core`);
