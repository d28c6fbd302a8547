// The composed view must not stall when a participant stops sending (camera off, gone): two
// ffmpeg "participants" send a tone and a test pattern as RTP through the feed into the real
// composer (composer.ts), whose live MPEG-TS goes to an ffmpeg listening on loopback that copies it
// into a file; one participant stops for 5 s and comes back. Without the feed's gap filling
// ffmpeg's xstack/amix wait for the quiet input and the live output freezes (what the listener
// has received stops growing; an ingest would drop the stream). With it, the received stream
// pauses for a moment when the participant drops (measured 1.5-2 s: the feed fills video after
// VIDEO_GAP_MS, and the listener interleaves, so audio waits for video) and then runs on.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { ReapedProcess } from '@plenum/kit/node';
import { freePort, spawnReaped } from '@plenum/kit/node';
import { FeedTestBed, SOURCES } from '../../test/feed-participants.ts';
import { bandLevel, decodedVideoFrames, ffprobe } from '../../test/media-tools.ts';
import { Composer } from './composer.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A one-shot ffmpeg listening on `port` for MPEG-TS, copying it into `file` (Matroska); `received` is told how
 * far (seconds) what it has written reaches, from its -progress reports. Probing ends as soon as
 * both streams are known (no frame rate probing), or after 2 s: on a loaded machine the
 * composer's first video can come well after its first audio (with 0.5 s the listener once gave up
 * on the video and wrote a file with audio alone).
 */
async function tsListener(port: number, file: string, received: (seconds: number) => void): Promise<ReapedProcess> {
  const listener = await spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-analyzeduration', '2000000', '-fpsprobesize', '0',
    '-f', 'mpegts', '-i', `tcp://127.0.0.1:${port}?listen=1`, '-c', 'copy', '-progress', 'pipe:2', '-f', 'matroska', '-y', file], { output: 'pipe' });
  listener.stderr?.setEncoding('utf8');
  listener.stderr?.on('data', (text: string) => {
    for (const m of text.matchAll(/^out_time_us=(\d+)$/gm)) received(Number(m[1]) / 1e6);
  });
  return listener;
}

test('a participant going quiet for 5 s does not stall the composed view; their tone returns when they do', async () => {
  const bed = await FeedTestBed.open('plenum-feed-');
  const { feed } = bed;
  let composer: Composer | undefined;
  let listener: ReapedProcess | undefined;
  /** How far the received stream has got (seconds). */
  let outTime = 0;
  const file = join(bed.dir, 'received.mkv');
  try {
    const port = await freePort();
    listener = await tsListener(port, file, (s) => {
      outTime = s;
    });
    await sleep(500);
    composer = await Composer.start(SOURCES, bed.dir, 'ffmpeg', { width: 320, height: 180, frameRate: 15 }, silentLogger, {
      kind: 'stream', output: `tcp://127.0.0.1:${port}`, videoBitrateKbps: 300,
    });
    for (const s of SOURCES) feed.route(s, composer.ports.get(s.ssrc) as number);
    const t0 = Date.now();
    await bed.startSender(0, 440);
    const goesQuiet = await bed.startSender(1, 660);
    await sleep(5_000);
    await goesQuiet.stop(1_000);
    const quietFrom = (Date.now() - t0) / 1000;
    assert.ok(outTime > 1, `the stream was flowing before the gap (${outTime.toFixed(1)} s received)`);
    await sleep(2_000);
    const outWhenSettled = outTime;
    await sleep(3_000);
    const backAt = (Date.now() - t0) / 1000;
    const streamed = outTime - outWhenSettled;
    assert.ok(streamed > 2, `the stream went on during the last 3 s of the gap (${streamed.toFixed(1)} s streamed)`);
    await bed.startSender(1, 660);
    await sleep(5_000);
    const endAt = (Date.now() - t0) / 1000;
    // Forwarding ends: the composer's inputs go idle, it finishes and closes the connection.
    await bed.stopFeeding();
    await composer.finish(8_000);
    await listener.stop(5_000);
    const duration = Number((await ffprobe(file)).format.duration);
    assert.ok(duration > endAt - 1.5, `the composed stream covers the whole time (${duration} s of ${endAt.toFixed(1)} s)`);
    // The file starts with the first packet and ends with the last: wall clock → file time.
    const shift = endAt - duration;
    const gap = { fromS: quietFrom + 1 - shift, toS: backAt - 0.5 - shift };
    const again = { fromS: backAt + 1.5 - shift, toS: endAt - 0.5 - shift };
    const quiet = await bandLevel(file, 1500);
    assert.ok(await bandLevel(file, 440, gap) > quiet + 20, 'the other participant is heard during the gap');
    const missing = await bandLevel(file, 660, gap);
    const back = await bandLevel(file, 660, again);
    assert.ok(back > quiet + 20, `the quiet participant is heard again after coming back (${back} dB)`);
    assert.ok(missing < back - 15, `and was not during the gap (${missing} dB)`);
    const frames = await decodedVideoFrames(file);
    assert.ok(frames >= (endAt - 2) * 15 * 0.9, `video frames all along (${frames})`);
  } finally {
    await bed.stopFeeding();
    await composer?.finish(1_000);
    await listener?.stop(1_000);
    await bed.close();
  }
});

test.run();
