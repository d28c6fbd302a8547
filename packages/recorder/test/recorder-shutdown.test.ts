// SIGTERM to a recorder in the middle of a recording: the real `main.ts` process (as docker-compose
// and `npm run cluster` run it) against a testkit stack and a werift moderator sending a test
// pattern and a tone. The recorder finishes the recording before it exits — ffmpeg closes its files,
// so the composed MP4 and the per-source files decode — the room is told recording is off, the
// finalize hook runs with the manifest (and the process waits for it), and the process exits 0.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { spawnReaped } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest } from '../src/index.ts';
import { decodeErrors, ffprobe } from './media-tools.ts';
import { PatternSender } from './pattern-sender.ts';
import { RECORDER_SECRET, jibriIq, sleep, startOnceAvailable, startRecorderTestStack, statusIs } from './recorder-stack.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

test('SIGTERM while recording: the files are finished and playable, the room sees recording off, exit 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-rec-stop-'));
  let stack: RunningStack | undefined;
  let recorder: ReapedProcess | undefined;
  let host: MediaParticipant | undefined;
  let sender: PatternSender | undefined;
  try {
    stack = await startRecorderTestStack();
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
        PLENUM_RECORDER_COMPONENT_PORT: String(stack.server.componentPort), PLENUM_RECORDER_COMPONENT_SECRET: RECORDER_SECRET,
        PLENUM_RECORDER_OUTPUT_DIRECTORY: dir, PLENUM_RECORDER_LOG_LEVEL: 'warn', PLENUM_RECORDER_OUTPUT_FINALIZE_COMMAND: hook,
      },
      output: 'ignore',
    });
    host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'shutdown' });
    await host.connected();
    const h = host;
    sender = await PatternSender.start(h, 440);

    // The recorder process joins the brewery a moment after it started (its own process: give it longer).
    const started = await startOnceAvailable(h, jibriIq(h, 'start'), 100);
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
      assert.equal(await decodeErrors(join(recDir, file)), [], `${file} decodes without errors`);
    }
    const duration = Number((await ffprobe(join(recDir, 'composed.mp4'))).format.duration);
    assert.ok(duration > 2, `the composed file holds what was recorded (${duration} s)`);
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
