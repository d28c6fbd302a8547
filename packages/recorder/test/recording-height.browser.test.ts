// The recorder records the picture a camera sends, not the bridge's 180p default: it tells the
// bridge over the bridge channel (src/session/bridge-channel.ts) what height it needs. On the real
// one-command server (startAllInOne: XMPP, focus, bridge, the web app and its recorder, per-source
// files only), one person in Debian's Chromium with a fake 720p camera (the web app's default
// resolution; simulcast 180/360/720, layers nobody asks for switched off) starts a recording from the
// UI and stops it 10 s later; the tallest frame of her camera's file is ≥ 360 (720 when the machine
// keeps up: Chromium may adapt its layers under CPU load). Without the bridge channel every frame is 180p.
// Start Chromium only under the browser lock: `flock /tmp/plenum-browser.lock node --import tsx <this file>`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { RunningPlenum } from '@plenum/all-in-one';
import { startAllInOne } from '@plenum/all-in-one';
import { freePort } from '@plenum/testkit';
import type { Manifest } from '../src/index.ts';
import { NOT_A_DECODING_ERROR, decodeErrors, ffprobe } from './media-tools.ts';
import { sleep } from './recorder-stack.ts';

const ROOM = 'tall-picture';
const RECORD_MS = 10_000;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

const run = promisify(execFile);

/** The height of every decoded frame of `file`'s video, in order (VP8 may change size at a key frame). */
async function frameHeights(file: string): Promise<number[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=height', '-of', 'csv=p=0', file], { maxBuffer: 8 * 1024 * 1024 });
  return stdout.split('\n').map((l) => Number(l.trim())).filter((h) => h > 0);
}

async function findManifest(dir: string): Promise<{ manifest: Manifest; dir: string } | undefined> {
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, sub, 'manifest.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) return { manifest: JSON.parse(text) as Manifest, dir: join(dir, sub) };
  }
  return undefined;
}

async function clickMenuItem(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name }).click();
}

test('a recording of a 720p camera is taller than the bridge\'s 180p default', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-rec-height-'));
  let plenum: RunningPlenum | undefined;
  let browser: Browser | undefined;
  try {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    plenum = await startAllInOne({
      xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
      focus: { log: { level: 'silent' } },
      bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
      web: { port, host: '127.0.0.1', publicUrl: origin, log: { level: 'silent' } },
      recorder: { output: { directory: dir }, composed: { enabled: false }, log: { level: 'silent' } },
      sipGateway: false,
    });
    assert.ok(plenum.recorder, 'the one-command server runs a recorder');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(20_000);
    const alice = await context.newPage();
    await alice.goto(`${origin}/${ROOM}#config.prejoinConfig.enabled=false&userInfo.displayName=%22Alice%22`);
    await alice.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();

    await clickMenuItem(alice, 'Start recording');
    await alice.getByRole('img', { name: 'Recording', exact: true }).waitFor({ timeout: 30_000 });
    await sleep(RECORD_MS);
    await clickMenuItem(alice, 'Stop recording');
    await alice.getByRole('img', { name: 'Recording', exact: true }).waitFor({ state: 'detached', timeout: 30_000 });

    let found: Awaited<ReturnType<typeof findManifest>>;
    for (const deadline = Date.now() + 20_000; found === undefined && Date.now() < deadline;) {
      found = await findManifest(dir);
      if (found === undefined) await sleep(200);
    }
    assert.ok(found, 'the manifest is written');
    const video = found.manifest.tracks.find((t) => t.media === 'video' && t.packets > 0);
    assert.ok(video, `her camera was recorded (${JSON.stringify(found.manifest.tracks.map((t) => [t.media, t.packets]))})`);
    const file = join(found.dir, video.file);
    const heights = await frameHeights(file);
    const tallest = Math.max(0, ...heights);
    const header = (await ffprobe(file)).streams[0]?.height;
    const sizes = [...new Set(heights)].map((h) => `${h}p×${heights.filter((x) => x === h).length}`).join(', ');
    console.log(`${video.file}: header ${header}p, frames ${sizes}`);
    assert.ok(heights.length >= (RECORD_MS / 1000) * 3, `a few frames a second were recorded (${heights.length})`);
    assert.ok(tallest >= 360, `the recording has the camera's picture, not the 180p thumbnail (tallest frame ${tallest}p; ${sizes})`);
    // The bridge may switch layers while the sender ramps up (360p, then 720p): the file still decodes.
    assert.equal(await decodeErrors(file, NOT_A_DECODING_ERROR), [], 'the file decodes without an error');
  } finally {
    await browser?.close().catch(() => undefined);
    await plenum?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
