// The composed view must not stall when a participant stops sending (camera off, gone): two
// ffmpeg "participants" send a tone and a test pattern as RTP through the feed into the real
// composer (composer.ts), streaming to ffmpeg listening as an RTMP server; one participant stops
// for 5 s and comes back. Without the feed's gap filling ffmpeg's xstack/amix wait for the quiet
// input and the live output freezes (the composer's progress stops; an ingest would drop it).
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
import { freePort, spawnReaped } from '@plenum/kit/node';
import { Composer } from './composer.ts';
import { ComposerFeed } from './composer-feed.ts';
import type { RecordedSource } from './recorded-source.ts';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const source = (i: number, media: 'audio' | 'video'): RecordedSource => ({
  ssrc: 1000 + 2 * i + (media === 'video' ? 1 : 0), name: `p${i}-${media === 'audio' ? 'a0' : 'v0'}`, owner: `p${i}`, media,
  payloadType: media === 'audio' ? 111 : 100, codec: media === 'audio' ? 'opus' : 'VP8', clockRate: media === 'audio' ? 48_000 : 90_000,
  ...(media === 'audio' ? { channels: 2 } : {}),
});
const SOURCES = [source(0, 'audio'), source(0, 'video'), source(1, 'audio'), source(1, 'video')];

/** Loopback sockets a sender's RTP arrives on; every RTP packet goes into the feed (like the media leg's). */
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

const sender = (i: number, hz: number, ports: readonly number[]): Promise<ReapedProcess> => spawnReaped('ffmpeg', [
  '-hide_banner', '-nostdin', '-loglevel', 'error',
  '-re', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000`, '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15',
  '-map', '0:a', '-c:a', 'libopus', '-f', 'rtp', '-payload_type', '111', '-ssrc', String(1000 + 2 * i), `rtp://127.0.0.1:${ports[2 * i]}`,
  '-map', '1:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-f', 'rtp', '-payload_type', '100', '-ssrc', String(1001 + 2 * i),
  `rtp://127.0.0.1:${ports[2 * i + 1]}`,
]);

/** Video frames that decode in `file`. */
async function videoFrames(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

async function bandLevel(file: string, fromS: number, toS: number, hz: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-ss', String(fromS), '-t', String(toS - fromS), '-i', file, '-vn',
    '-af', `bandpass=f=${hz}:width_type=h:w=30,volumedetect`, '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? Number.NaN);
}

test('a participant going quiet for 5 s does not stall the composed view; their tone returns when they do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-feed-'));
  const feed = new ComposerFeed(() => Date.now());
  const { sockets, ports } = await relay(feed);
  const senders: ReapedProcess[] = [];
  let composer: Composer | undefined;
  let server: ReapedProcess | undefined;
  /** How far the composer's output has got (seconds), from its -progress reports. */
  let outTime = 0;
  const file = join(dir, 'received.flv');
  try {
    const url = `rtmp://127.0.0.1:${await freePort()}/live/k`;
    server = await spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv', '-i', url, '-c', 'copy', '-y', file]);
    await sleep(500);
    composer = await Composer.start(SOURCES, dir, 'ffmpeg', { width: 320, height: 180, frameRate: 15 }, silentLogger, {
      kind: 'rtmp', target: { url, redacted: url }, videoBitrateKbps: 300,
      onProgress: (key, value) => {
        if (key === 'out_time_us' && /^\d+$/.test(value)) outTime = Number(value) / 1e6;
      },
    });
    for (const s of SOURCES) feed.route(s, composer.ports.get(s.ssrc) as number);
    const t0 = Date.now();
    senders.push(await sender(0, 440, ports), await sender(1, 660, ports));
    await sleep(5_000);
    await senders[1]?.stop(1_000);
    const quietFrom = (Date.now() - t0) / 1000;
    const outAtQuiet = outTime;
    await sleep(5_000);
    const backAt = (Date.now() - t0) / 1000;
    assert.ok(outTime - outAtQuiet > 3.5, `the stream went on during the 5 s gap (${(outTime - outAtQuiet).toFixed(1)} s streamed)`);
    senders.push(await sender(1, 660, ports));
    await sleep(5_000);
    const endAt = (Date.now() - t0) / 1000;
    for (const s of senders) await s.stop(1_000);
    // Forwarding ends: the composer's inputs go idle and it finishes the file.
    await feed.close();
    await composer.finish(8_000);
    await server.stop(5_000);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    const duration = Number(stdout.trim());
    assert.ok(duration > endAt - 1.5, `the composed file covers the whole time (${duration} s of ${endAt.toFixed(1)} s)`);
    // The file starts with the first packet and ends with the last: wall clock → file time.
    const shift = endAt - duration;
    const gap = [quietFrom + 1 - shift, backAt - 0.5 - shift] as const;
    const again = [backAt + 1.5 - shift, endAt - 0.5 - shift] as const;
    const quiet = await bandLevel(file, 0, duration, 1500);
    assert.ok(await bandLevel(file, ...gap, 440) > quiet + 20, 'the other participant is heard during the gap');
    const missing = await bandLevel(file, ...gap, 660);
    const back = await bandLevel(file, ...again, 660);
    assert.ok(back > quiet + 20, `the quiet participant is heard again after coming back (${back} dB)`);
    assert.ok(missing < back - 15, `and was not during the gap (${missing} dB)`);
    const frames = await videoFrames(file);
    assert.ok(frames >= (endAt - 2) * 15 * 0.9, `video frames all along (${frames})`);
  } finally {
    for (const s of senders) await s.stop(1_000);
    await feed.close();
    await composer?.finish(1_000);
    await server?.stop(1_000);
    for (const s of sockets) s.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
