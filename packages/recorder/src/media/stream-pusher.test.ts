// The live stream with real ffmpeg processes and no conference around it: participants are ffmpeg
// senders (a tone and a coloured picture each, as RTP) relayed into the composer feed, as the
// media leg does; the stream goes to ffmpeg listening as an RTMP server, which writes what it
// receives to a file.
// 1. The layout follows the scene over one RTMP connection: red alone, then red and blue side by
//    side (blue's tone heard), then red alone again. The received stream plays through without a
//    gap, keeps its frame size, and shows and sounds blue only in the middle.
// 2. An RTMP address where nothing listens: bounded retries, then the stream is reported failed.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { ReapedProcess } from '@plenum/kit/node';
import { createPinoLogger, freePort, spawnReaped } from '@plenum/kit/node';
import type { ComposedScene } from './composed-layout.ts';
import { ComposerFeed } from './composer-feed.ts';
import type { RecordedSource } from './recorded-source.ts';
import { StreamPusher } from './stream-pusher.ts';
import { resolveStreamTarget } from './stream-target.ts';

const run = promisify(execFile);
const log = process.env.LOG === undefined ? silentLogger : createPinoLogger({ level: 'debug', component: 'recorder' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const WIDTH = 320;
const HEIGHT = 180;

const source = (i: number, media: 'audio' | 'video'): RecordedSource => ({
  ssrc: 1000 + 2 * i + (media === 'video' ? 1 : 0), name: `p${i}-${media === 'audio' ? 'a0' : 'v0'}`, owner: `p${i}`, media,
  payloadType: media === 'audio' ? 111 : 100, codec: media === 'audio' ? 'opus' : 'VP8', clockRate: media === 'audio' ? 48_000 : 90_000,
  ...(media === 'audio' ? { channels: 2 } : {}),
});
const SOURCES = [source(0, 'audio'), source(0, 'video'), source(1, 'audio'), source(1, 'video')];
const [RED_A, RED_V, BLUE_A, BLUE_V] = SOURCES as [RecordedSource, RecordedSource, RecordedSource, RecordedSource];
const scene = (people: readonly (readonly [RecordedSource, RecordedSource])[]): ComposedScene => ({
  tiles: people.map(([, v]) => ({ owner: v.owner, label: '', video: v })), share: undefined, audios: people.map(([a]) => a),
});

/** Loopback sockets the senders' RTP arrives on; every packet goes into the feed (like the media leg's). */
async function relay(feed: ComposerFeed): Promise<{ sockets: Socket[]; ports: number[] }> {
  const sockets: Socket[] = [];
  for (let i = 0; i < SOURCES.length; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    s.on('message', (m) => {
      const pt = (m[1] ?? 0) & 0x7f;
      if (m.length > 12 && (pt < 64 || pt > 95)) feed.push(m.readUInt32BE(8), m, m.subarray(12), Date.now());
    });
    sockets.push(s);
  }
  return { sockets, ports: sockets.map((s) => s.address().port) };
}

/** Participant i: a tone and a solid colour (a little noise, so every frame is coded). */
const sender = (i: number, hz: number, colour: string, ports: readonly number[]): Promise<ReapedProcess> => spawnReaped('ffmpeg', [
  '-hide_banner', '-nostdin', '-loglevel', 'error',
  '-re', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000`, '-re', '-f', 'lavfi', '-i', `color=c=${colour}:size=320x240:rate=15,noise=alls=12:allf=t`,
  '-map', '0:a', '-c:a', 'libopus', '-f', 'rtp', '-payload_type', '111', '-ssrc', String(1000 + 2 * i), `rtp://127.0.0.1:${ports[2 * i]}`,
  '-map', '1:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-f', 'rtp', '-payload_type', '100', '-ssrc', String(1001 + 2 * i),
  `rtp://127.0.0.1:${ports[2 * i + 1]}`,
]);

const rtmpServer = (url: string, file: string): Promise<ReapedProcess> =>
  spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv', '-i', url, '-c', 'copy', '-y', file]);

async function bandLevel(file: string, fromS: number, toS: number, hz: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-ss', fromS.toFixed(2), '-t', (toS - fromS).toFixed(2), '-i', file, '-vn',
    '-af', `bandpass=f=${hz}:width_type=h:w=30,volumedetect`, '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? Number.NaN);
}

/** Share of clearly blue pixels in the right half of the frame at `atS`. */
async function blueOnTheRight(file: string, atS: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', atS.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `crop=${WIDTH / 2}:${HEIGHT}:${WIDTH / 2}:0`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 });
  let blue = 0;
  for (let i = 0; i + 2 < stdout.length; i += 3) if ((stdout[i + 2] ?? 0) > 160 && (stdout[i] ?? 0) < 90 && (stdout[i + 1] ?? 0) < 90) blue++;
  return blue / (stdout.length / 3);
}

/** Presentation times (s) of every video packet, and the frame sizes seen. */
async function videoTimeline(file: string): Promise<{ times: number[]; sizes: string[] }> {
  const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  const frames = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=width,height', '-of', 'compact=p=0:nk=1', file], { maxBuffer: 8 * 1024 * 1024 });
  const sizes = frames.stdout.split('\n').flatMap((l) => /^(\d+)\|(\d+)/.exec(l)?.slice(1, 3).join('x') ?? []);
  return { times: packets.stdout.trim().split('\n').map(Number), sizes: [...new Set(sizes)] };
}

test('the stream follows the scene over one RTMP connection: red alone, then red and blue, then red alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-pusher-'));
  const feed = new ComposerFeed(() => Date.now());
  const { sockets, ports } = await relay(feed);
  const senders: ReapedProcess[] = [];
  let server: ReapedProcess | undefined;
  let pusher: StreamPusher | undefined;
  const file = join(dir, 'received.flv');
  try {
    const url = `rtmp://127.0.0.1:${await freePort()}/live/k3y-for-the-test`;
    server = await rtmpServer(url, file);
    senders.push(await sender(0, 440, 'red', ports), await sender(1, 880, 'blue', ports));
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

    const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    // The null muxer's "non monotonically increasing dts" lines are no decoding errors: two frames fell on one
    // output tick (FLV's millisecond times; the composer's first audio frames), as with the composed file.
    const decodeErrors = stderr.split('\n').filter((l) => l.trim() !== '' && !/Application provided invalid, non monotonically increasing dts|Last message repeated/.test(l));
    assert.equal(decodeErrors, [], 'the received stream decodes without errors');
    const { times, sizes } = await videoTimeline(file);
    assert.equal(sizes, [`${WIDTH}x${HEIGHT}`], 'one frame size all along');
    const last = times.at(-1) ?? 0;
    assert.ok(last > endAt - 1.5, `the stream covers the whole time (${last.toFixed(1)} s of ${endAt.toFixed(1)} s)`);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(Math.max(...gaps) < 1.5, `no gap over 1.5 s (largest ${Math.max(...gaps).toFixed(2)} s)`);
    assert.ok(Math.min(...gaps) > 0, 'video times only go forward');

    const quiet = await bandLevel(file, 0, last, 1500);
    // A change shows ~0.3 s (settling) plus a composer's start after the scene changed: windows keep 2 s clear.
    const blueBefore = await bandLevel(file, 0.5, joinedAt - 0.5, 880);
    const blueDuring = await bandLevel(file, joinedAt + 2, leftAt - 0.5, 880);
    const blueAfter = await bandLevel(file, leftAt + 2, last - 0.3, 880);
    assert.ok(blueDuring > quiet + 20, `blue's tone once in the layout (${blueDuring} dB vs ${quiet} dB)`);
    assert.ok(blueBefore < blueDuring - 15 && blueAfter < blueDuring - 15, `and not before (${blueBefore} dB) or after (${blueAfter} dB)`);
    assert.ok(await bandLevel(file, 0.5, last - 0.3, 440) > quiet + 20, 'red\'s tone all along');
    const pictures = [await blueOnTheRight(file, joinedAt - 1), await blueOnTheRight(file, (joinedAt + leftAt) / 2 + 1), await blueOnTheRight(file, last - 1)];
    assert.ok((pictures[1] ?? 0) > 0.4, `blue on the right while in the layout (${pictures.map((p) => p.toFixed(2)).join(' / ')})`);
    assert.ok((pictures[0] ?? 1) < 0.05 && (pictures[2] ?? 1) < 0.05, 'not before nor after');
  } finally {
    for (const s of senders) await s.stop(1_000);
    await feed.close();
    await pusher?.finish(1_000);
    await server?.stop(1_000);
    for (const s of sockets) s.close();
    if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`kept in ${dir}`);
  }
});

/** Long enough for two attempts: each learns the stream (~3 s) before it connects. */
const GIVE_UP_MS = 7_000;

test('an RTMP server that never answers: bounded retries, then the stream is reported failed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-pusher-'));
  const feed = new ComposerFeed(() => Date.now());
  const { sockets, ports } = await relay(feed);
  const tone = await sender(0, 440, 'red', ports);
  const target = resolveStreamTarget(`rtmp://127.0.0.1:${await freePort()}/live/nobody-home`, 'rtmp://unused');
  assert.ok(target.ok);
  const pusher = new StreamPusher({
    target: target.value, composed: { width: 160, height: 90, frameRate: 5 }, videoBitrateKbps: 100,
    reconnectMinDelayMs: 100, reconnectMaxDelayMs: 400, giveUpAfterMs: GIVE_UP_MS, dir, ffmpegPath: process.env.FFMPEG ?? 'ffmpeg', log,
    feed, scene: () => ({ tiles: [], share: undefined, audios: [RED_A] }), askKeyFrames: () => undefined,
  });
  try {
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
    await Promise.all([pusher.finish(1_000), feed.close()]);
    await tone.stop(2_000);
    for (const s of sockets) s.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
