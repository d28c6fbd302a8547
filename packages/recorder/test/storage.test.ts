// Retention and the download link without a conference: recording directories as the recorder
// leaves them (manifest + files, the composed file made by ffmpeg), the retention sweep on a fake
// clock, and the real HTTP download server read by an HTTP client and by ffprobe.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import { DownloadServer } from '../src/http/download-server.ts';
import type { Manifest } from '../src/manifest.ts';
import { writeManifest } from '../src/manifest.ts';
import { DownloadTokens } from '../src/storage/download-tokens.ts';
import { RetentionSweeper } from '../src/storage/retention.ts';
import { ffprobe } from './media-tools.ts';

const run = promisify(execFile);
const DAY_MS = 24 * 60 * 60 * 1000;

const manifestFor = (sessionId: string, composed: boolean): Manifest => ({
  version: 1, sessionId, room: 'r@conference.plenum.localhost', mode: 'file', startedAt: new Date(0).toISOString(), endedAt: new Date(2000).toISOString(),
  durationMs: 2000, participants: [], composed: composed ? { file: 'composed.mp4', sources: [] } : undefined, tracks: [],
});

/** A finished recording directory; its manifest's mtime says when it ended. */
async function recording(root: string, name: string, endedMs: number, composed = false): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  if (composed) {
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-y', join(dir, 'composed.mp4')]);
  }
  const path = await writeManifest(dir, manifestFor(name, composed));
  await utimes(path, endedMs / 1000, endedMs / 1000);
  return dir;
}

test('the retention sweep deletes whole recordings older than the retention period, and nothing it did not make', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plenum-retention-'));
  const clock = new FakeClock(Date.now());
  const sweeper = new RetentionSweeper({ root, days: 7, sweepIntervalMs: 60_000, clock, log: silentLogger });
  try {
    const old = await recording(root, 'old', clock.now() - 8 * DAY_MS, true);
    const recent = await recording(root, 'recent', clock.now() - 6 * DAY_MS);
    // Someone else's directory, old too, and a directory with a manifest that is not ours.
    const foreign = join(root, 'holiday-photos');
    await mkdir(foreign);
    await writeFile(join(foreign, 'a.jpg'), 'x');
    await utimes(foreign, 0, 0);
    const notOurs = join(root, 'other-manifest');
    await mkdir(notOurs);
    await writeFile(join(notOurs, 'manifest.json'), '{"name":"something else"}');
    await utimes(join(notOurs, 'manifest.json'), 0, 0);

    sweeper.start();
    await sweeper.sweep();
    assert.not.ok(existsSync(old), 'the 8-day-old recording is gone');
    assert.ok(existsSync(recent), 'the 6-day-old one stays');
    assert.ok(existsSync(join(foreign, 'a.jpg')), 'a directory without a manifest is left alone');
    assert.ok(existsSync(join(notOurs, 'manifest.json')), 'a manifest the recorder did not write is left alone');

    // Two days later the periodic sweep takes the other one.
    clock.advance(2 * DAY_MS);
    // (The fake clock fires every due interval at once; those coalesce into one sweep at the first.)
    await new Promise((r) => setTimeout(r, 200));
    clock.advance(60_000);
    for (let i = 0; i < 50 && existsSync(recent); i++) await new Promise((r) => setTimeout(r, 20));
    assert.not.ok(existsSync(recent), 'the periodic sweep deleted it once it was past 7 days');
  } finally {
    await sweeper.stop();
    await rm(root, { recursive: true, force: true });
  }
});

test('retention 0 keeps everything', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plenum-retention-'));
  try {
    const old = await recording(root, 'ancient', Date.now() - 3650 * DAY_MS);
    const sweeper = new RetentionSweeper({ root, days: 0, sweepIntervalMs: 60_000, clock: new FakeClock(Date.now()), log: silentLogger });
    assert.equal(await sweeper.sweep(), []);
    assert.ok(existsSync(old));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the download server: a wrong token is 404, the right one lists and serves the files with ranges, ffprobe plays it over HTTP', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plenum-download-'));
  const tokens = new DownloadTokens();
  const server = new DownloadServer({ host: '127.0.0.1', port: 0, publicBaseUrl: undefined, tokens, log: silentLogger });
  try {
    const dir = await recording(root, 'meeting', Date.now(), true);
    await writeFile(join(dir, 'notes.txt'), 'not part of the recording');
    await server.start();
    const link = server.linkFor(await tokens.issue(dir));
    const token = /\/recordings\/([^/]+)\/$/.exec(link)?.[1] ?? '';
    assert.ok(Buffer.from(token, 'base64url').length >= 16, 'the token has at least 128 random bits');
    const base = `http://127.0.0.1:${server.port}`;
    assert.is(link, `${base}/recordings/${token}/`);

    // Anything but the right token and a listed file: the same 404.
    const wrongToken = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const path of [`/recordings/${wrongToken}/`, `/recordings/${wrongToken}/composed.mp4`, `/recordings/${token}/notes.txt`,
      `/recordings/${token}/../meeting/manifest.json`, `/recordings/${token}/%2e%2e%2fx`, '/recordings/', '/', `/recordings/${token}/.download-token`]) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      assert.is(res.status, 404, `${path} is 404`);
      assert.is(await res.text(), 'not found\n');
    }

    const listing = await fetch(link);
    assert.is(listing.status, 200);
    const html = await listing.text();
    assert.match(html, 'href="composed.mp4"');
    assert.match(html, 'href="manifest.json"');
    assert.not.match(html, 'notes.txt');
    assert.is(listing.headers.get('referrer-policy'), 'no-referrer');

    const whole = await fetch(`${link}composed.mp4`);
    assert.is(whole.status, 200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    const part = await fetch(`${link}composed.mp4`, { headers: { range: 'bytes=100-199' } });
    assert.is(part.status, 206);
    assert.is(part.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200)), 'the range is those bytes');
    const beyond = await fetch(`${link}composed.mp4`, { headers: { range: `bytes=${bytes.length}-` } });
    assert.is(beyond.status, 416);
    await beyond.arrayBuffer();

    const probe = await ffprobe(`${link}composed.mp4`);
    assert.equal(probe.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
    assert.ok(Math.abs(Number(probe.format.duration) - 2) < 0.2, `duration ${probe.format.duration}`);

    // After a restart the link still works (the token lives with the recording); once retention deletes it, it is 404.
    const reloaded = new DownloadTokens();
    await reloaded.load(root);
    assert.is(reloaded.lookup(token), dir);
    const sweeper = new RetentionSweeper({ root, days: 1, sweepIntervalMs: 60_000, clock: new FakeClock(Date.now() + 2 * DAY_MS), log: silentLogger, onDeleted: (d) => tokens.forget(d) });
    assert.equal(await sweeper.sweep(), [dir]);
    assert.is((await fetch(link)).status, 404);
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});

test.run();
