// The live stream with real ffmpeg processes and no conference around it: participants are ffmpeg
// senders (a tone and a coloured picture each, as RTP) relayed into the composer feed, as the
// media leg does; the stream goes to ffmpeg listening as an RTMP server, which writes what it
// receives to a file.
// 1. The layout follows the scene over one RTMP connection: red alone, then red and blue side by
//    side (blue's tone heard), then red alone again. The received stream plays through without a
//    gap, keeps its frame size, and shows and sounds blue only in the middle.
// 2. An RTMP address where nothing listens: bounded retries, then the stream is reported failed.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { ReapedProcess } from '@plenum/kit/node';
import { createPinoLogger, freePort } from '@plenum/kit/node';
import { FeedTestBed, SOURCES, colourPicture } from '../../test/feed-participants.ts';
import { NOT_A_DECODING_ERROR, bandLevel, decodeErrors, rtmpServer, videoPacketTimes } from '../../test/media-tools.ts';
import type { ComposedScene } from './composed-layout.ts';
import type { RecordedSource } from './recorded-source.ts';
import { StreamPusher } from './stream-pusher.ts';
import { resolveStreamTarget } from './stream-target.ts';

const run = promisify(execFile);
const log = process.env.LOG === undefined ? silentLogger : createPinoLogger({ level: 'debug', component: 'recorder' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const WIDTH = 320;
const HEIGHT = 180;

const [RED_A, RED_V, BLUE_A, BLUE_V] = SOURCES;
const scene = (people: readonly (readonly [RecordedSource, RecordedSource])[]): ComposedScene => ({
  tiles: people.map(([, v]) => ({ owner: v.owner, label: '', video: v })), share: undefined, audios: people.map(([a]) => a),
});

/** Share of clearly blue pixels in the right half of the frame at `atS`. */
async function blueOnTheRight(file: string, atS: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', atS.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `crop=${WIDTH / 2}:${HEIGHT}:${WIDTH / 2}:0`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 });
  let blue = 0;
  for (let i = 0; i + 2 < stdout.length; i += 3) if ((stdout[i + 2] ?? 0) > 160 && (stdout[i] ?? 0) < 90 && (stdout[i + 1] ?? 0) < 90) blue++;
  return blue / (stdout.length / 3);
}

/** The frame sizes the video shows. */
async function videoFrameSizes(file: string): Promise<string[]> {
  const frames = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=width,height', '-of', 'compact=p=0:nk=1', file], { maxBuffer: 8 * 1024 * 1024 });
  const sizes = frames.stdout.split('\n').flatMap((l) => /^(\d+)\|(\d+)/.exec(l)?.slice(1, 3).join('x') ?? []);
  return [...new Set(sizes)];
}

test('the stream follows the scene over one RTMP connection: red alone, then red and blue, then red alone', async () => {
  const bed = await FeedTestBed.open('plenum-pusher-');
  const { dir, feed } = bed;
  let server: ReapedProcess | undefined;
  let pusher: StreamPusher | undefined;
  const file = join(dir, 'received.flv');
  try {
    const port = await freePort();
    const key = 'k3y-for-the-test';
    const url = `rtmp://127.0.0.1:${port}/live/${key}`;
    server = await rtmpServer(port, key, file);
    await bed.startSender(0, 440, colourPicture('red'));
    await bed.startSender(1, 880, colourPicture('blue'));
    // As the session does once a video's first key frame is seen: the feed keeps its latest one.
    feed.watch(RED_V);
    feed.watch(BLUE_V);
    while (!feed.hasKeyFrame(RED_V.ssrc) || !feed.hasKeyFrame(BLUE_V.ssrc)) await sleep(50);
    let now = scene([[RED_A, RED_V]]);
    const target = resolveStreamTarget(url, 'rtmp://unused');
    assert.ok(target.ok);
    pusher = new StreamPusher({
      target: target.value, composed: { width: WIDTH, height: HEIGHT, frameRate: 15 }, videoBitrateKbps: 300,
      reconnectMinDelayMs: 200, reconnectMaxDelayMs: 1_000, giveUpAfterMs: 20_000, dir, ffmpegPath: process.env.FFMPEG ?? 'ffmpeg', log,
      feed, scene: () => now, askKeyFrames: () => undefined,
    });
    const live = new Promise<void>((resolve) => pusher?.events.once('live', resolve));
    // The stream's time starts about when the first layout gets its inputs, a moment after this.
    const t0 = Date.now();
    const at = (): number => (Date.now() - t0) / 1000;
    await pusher.start();
    await live;
    await sleep(3_000);
    now = scene([[RED_A, RED_V], [BLUE_A, BLUE_V]]);
    pusher.relayout();
    const joinedAt = at();
    await sleep(5_000);
    now = scene([[RED_A, RED_V]]);
    pusher.relayout();
    const leftAt = at();
    await sleep(4_000);
    const endAt = at();
    if (process.env.LOG !== undefined) console.log({ t0, joinedAt, leftAt, endAt });
    assert.is(pusher.layouts, 3, 'one layout per scene');
    assert.is(pusher.attempts, 1, 'one RTMP connection all along');
    await Promise.all([pusher.finish(5_000), feed.close()]);
    await server.stop(5_000);

    // Two frames on one output tick (FLV's millisecond times; the composer's first audio frames) are no decoding error.
    assert.equal(await decodeErrors(file, NOT_A_DECODING_ERROR), [], 'the received stream decodes without errors');
    const times = await videoPacketTimes(file);
    assert.equal(await videoFrameSizes(file), [`${WIDTH}x${HEIGHT}`], 'one frame size all along');
    const last = times.at(-1) ?? 0;
    assert.ok(last > endAt - 1.5, `the stream covers the whole time (${last.toFixed(1)} s of ${endAt.toFixed(1)} s)`);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(Math.max(...gaps) < 1.5, `no gap over 1.5 s (largest ${Math.max(...gaps).toFixed(2)} s)`);
    assert.ok(Math.min(...gaps) > 0, 'video times only go forward');

    const quiet = await bandLevel(file, 1500, { fromS: 0, toS: last });
    // A change shows ~0.3 s (settling) plus a composer's start after the scene changed: windows keep 2 s clear.
    const blueBefore = await bandLevel(file, 880, { fromS: 0.5, toS: joinedAt - 0.5 });
    const blueDuring = await bandLevel(file, 880, { fromS: joinedAt + 2, toS: leftAt - 0.5 });
    const blueAfter = await bandLevel(file, 880, { fromS: leftAt + 2, toS: last - 0.3 });
    assert.ok(blueDuring > quiet + 20, `blue's tone once in the layout (${blueDuring} dB vs ${quiet} dB)`);
    assert.ok(blueBefore < blueDuring - 15 && blueAfter < blueDuring - 15, `and not before (${blueBefore} dB) or after (${blueAfter} dB)`);
    assert.ok(await bandLevel(file, 440, { fromS: 0.5, toS: last - 0.3 }) > quiet + 20, 'red\'s tone all along');
    const pictures = [await blueOnTheRight(file, joinedAt - 1), await blueOnTheRight(file, (joinedAt + leftAt) / 2 + 1), await blueOnTheRight(file, last - 1)];
    assert.ok((pictures[1] ?? 0) > 0.4, `blue on the right while in the layout (${pictures.map((p) => p.toFixed(2)).join(' / ')})`);
    assert.ok((pictures[0] ?? 1) < 0.05 && (pictures[2] ?? 1) < 0.05, 'not before nor after');
  } finally {
    await bed.stopFeeding();
    await pusher?.finish(1_000);
    await server?.stop(1_000);
    await bed.close();
  }
});

/** Long enough for two attempts: each learns the stream (~3 s) before it connects. */
const GIVE_UP_MS = 7_000;

test('an RTMP server that never answers: bounded retries, then the stream is reported failed', async () => {
  const target = resolveStreamTarget(`rtmp://127.0.0.1:${await freePort()}/live/nobody-home`, 'rtmp://unused');
  assert.ok(target.ok);
  const bed = await FeedTestBed.open('plenum-pusher-');
  const pusher = new StreamPusher({
    target: target.value, composed: { width: 160, height: 90, frameRate: 5 }, videoBitrateKbps: 100,
    reconnectMinDelayMs: 100, reconnectMaxDelayMs: 400, giveUpAfterMs: GIVE_UP_MS, dir: bed.dir, ffmpegPath: process.env.FFMPEG ?? 'ffmpeg', log,
    feed: bed.feed, scene: () => ({ tiles: [], share: undefined, audios: [RED_A] }), askKeyFrames: () => undefined,
  });
  try {
    await bed.startSender(0, 440, colourPicture('red'));
    let wentLive = false;
    pusher.events.on('live', () => {
      wentLive = true;
    });
    const failed = new Promise<string>((resolve) => pusher.events.once('failed', resolve));
    const startedAt = Date.now();
    await pusher.start();
    let timer: NodeJS.Timeout | undefined;
    const reason = await Promise.race([failed, new Promise<string>((_, reject) => {
      timer = setTimeout(() => reject(new Error('never gave up')), 20_000);
    })]).finally(() => clearTimeout(timer));
    assert.match(reason, /unreachable/);
    assert.ok(Date.now() - startedAt >= GIVE_UP_MS, 'not before giveUpAfterMs');
    assert.ok(pusher.attempts >= 2, `it retried (${pusher.attempts} attempts)`);
    assert.not.ok(wentLive);
    const attempts = pusher.attempts;
    await sleep(1_000);
    assert.is(pusher.attempts, attempts, 'no attempt after giving up');
  } finally {
    await Promise.all([pusher.finish(1_000), bed.stopFeeding()]);
    await bed.close();
  }
});

test.run();
