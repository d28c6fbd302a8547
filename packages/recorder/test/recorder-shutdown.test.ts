// SIGTERM to a recorder in the middle of a recording: the real `main.ts` process (as docker-compose
// and `npm run cluster` run it) against a testkit stack and a werift moderator sending a test
// pattern and a tone. The recorder finishes the recording before it exits — ffmpeg closes its files,
// so the composed MP4 and the per-source files decode — the room is told recording is off, the
// finalize hook runs with the manifest (and the process waits for it), and the process exits 0.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { spawnReaped, startStack } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest } from '../src/index.ts';
import { PatternSender } from './pattern-sender.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const RECORDER_DOMAIN = 'recorder.plenum.localhost';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const jibriStart = (p: MediaParticipant): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action: 'start', recording_mode: 'file' }));
const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};
const isServiceUnavailable = (iq: El): boolean => iq.attrs.type === 'error' && JSON.stringify(iq).includes('service-unavailable');

/** Decodes the whole file; resolves with ffmpeg's error output (empty when it decoded cleanly). */
async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.trim();
}

test('SIGTERM while recording: the files are finished and playable, the room sees recording off, exit 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-rec-stop-'));
  let stack: RunningStack | undefined;
  let recorder: ReapedProcess | undefined;
  let host: MediaParticipant | undefined;
  let sender: PatternSender | undefined;
  try {
    stack = await startStack({
      server: { components: { secrets: ['focus.plenum.localhost=f-secret', '*.bridge.plenum.localhost=b-secret', `${RECORDER_DOMAIN}=r-secret`] } },
      focus: { component: { secret: 'f-secret' }, moderation: { trustedServiceDomains: [RECORDER_DOMAIN] } },
      bridgeValues: () => ({ xmpp: { secret: 'b-secret' } }),
    });
    // A slow finalize hook (an upload, say): it must still run to its end.
    const hook = join(dir, '..', `${dir.split('/').pop() ?? 'x'}-finalize.sh`);
    const finalized = `${hook}.out`;
    await writeFile(hook, `#!/bin/sh\nsleep 1\necho "$1" > "${finalized}"\n`);
    await chmod(hook, 0o755);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLENUM_')) env[k] = v;
    recorder = await spawnReaped(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...env,
        PLENUM_RECORDER_COMPONENT_PORT: String(stack.server.componentPort), PLENUM_RECORDER_COMPONENT_SECRET: 'r-secret',
        PLENUM_RECORDER_OUTPUT_DIRECTORY: dir, PLENUM_RECORDER_LOG_LEVEL: 'warn', PLENUM_RECORDER_OUTPUT_FINALIZE_COMMAND: hook,
      },
      output: 'ignore',
    });
    host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'shutdown' });
    await host.connected();
    const h = host;
    sender = await PatternSender.start(h, 440);

    // The recorder process joins the brewery a moment after it started: retry while the focus knows none.
    let started: El | undefined;
    for (let attempt = 0; attempt < 100 && started === undefined; attempt++) {
      const reply = await h.signalling.request(jibriStart(h), 15_000);
      if (isServiceUnavailable(reply)) await sleep(100);
      else started = reply;
    }
    assert.is(started?.attrs.type, 'result', 'the recording starts');
    await h.signalling.client.next(statusIs(h, 'on'), 20_000, 'recording on');
    await sleep(3_000);

    process.kill(recorder.pid as number, 'SIGTERM');
    await h.signalling.client.next(statusIs(h, 'off'), 15_000, 'the room is told recording is off');
    assert.is(await recorder.exited, '0', 'the recorder exits cleanly');

    const [recording] = await readdir(dir);
    assert.ok(recording, 'a recording directory');
    const recDir = join(dir, recording);
    assert.ok(existsSync(finalized), 'the finalize hook ran to its end before the recorder exited');
    assert.is((await readFile(finalized, 'utf8')).trim(), join(recDir, 'manifest.json'), 'with the manifest path');
    const manifest = JSON.parse(await readFile(join(recDir, 'manifest.json'), 'utf8')) as Manifest;
    assert.ok(manifest.tracks.length >= 2, 'the moderator\'s audio and video tracks');
    const files = [...(manifest.composed !== undefined ? [manifest.composed.file] : []), ...manifest.tracks.map((t) => t.file)];
    assert.ok(files.includes('composed.mp4'), 'the composed view');
    for (const file of files) {
      assert.ok(existsSync(join(recDir, file)), `${file} exists`);
      assert.is(await decodeErrors(join(recDir, file)), '', `${file} decodes without errors`);
    }
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(recDir, 'composed.mp4')]);
    assert.ok(Number(stdout) > 2, `the composed file holds what was recorded (${stdout.trim()} s)`);
  } finally {
    await sender?.stop();
    await host?.close();
    await recorder?.stop();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}-finalize.sh`, { force: true });
    await rm(`${dir}-finalize.sh.out`, { force: true });
  }
});

test.run();
