// Issue 7's live-streaming proof: a moderator streams a 2-person conference (werift participants
// sending tones and a test pattern) to a real RTMP server on loopback — ffmpeg listening
// (`-listen 1`), which takes one stream and writes it to a file. The server is killed mid-stream
// and a new one started on the same port: the recorder reconnects and the stream goes on into it.
// ffprobe and ffmpeg check both received files (streams, decodable video; the tones in the first);
// the stream key never appears in the recorder's logs.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogFields, Logger } from '@plenum/kit';
import { decodeRecordingStatus } from '@plenum/xmpp/codec';
import type { ReapedProcess } from '@plenum/testkit';
import { errorCondition, freePort, killQuietly } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { bandLevel, decodedVideoFrames, ffprobe, rtmpServer } from './media-tools.ts';
import { PatternSender } from './pattern-sender.ts';
import {
  RecorderTestBed, becomesModerator, jibriIq, sleep, startOnceAvailable, statusIs, within,
} from './recorder-stack.ts';

const ROOM = 'streamed';
const KEY = 'k3y-9f8e7d6c5b4a';

/** Every line the recorder logs, as text, to check nothing leaks. */
function capturingLogger(lines: string[], bound: LogFields = {}): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields): void => {
    lines.push(`${level} ${msg} ${JSON.stringify({ ...bound, ...fields }, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => capturingLogger(lines, { ...bound, ...f }) };
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}
async function waitForBytes(file: string, bytes: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await sizeOf(file) < bytes) {
    if (Date.now() > deadline) throw new Error(`${file} got no media (${await sizeOf(file)} bytes)`);
    await sleep(100);
  }
}

test('a moderator streams the conference to an RTMP server; the server is killed and restarted: the stream resumes into the new one', async () => {
  const bed = await RecorderTestBed.create('stream-test');
  const { dir, people, senders } = bed;
  const logs: string[] = [];
  const servers: ReapedProcess[] = [];
  try {
    const { port: xmppPort } = await bed.start({
      output: { directory: join(dir, 'out') },
      stream: { reconnectMinDelayMs: 200, reconnectMaxDelayMs: 1_000, giveUpAfterMs: 30_000 },
      log: { level: 'trace' },
    }, capturingLogger(logs));
    for (let i = 0; i < 2; i++) people.push(await MediaParticipant.join({ port: xmppPort, room: ROOM }));
    await Promise.all(people.map((p) => p.connected()));
    const [host, guest] = people as [MediaParticipant, MediaParticipant];
    for (const [i, p] of people.entries()) senders.push(await PatternSender.start(p, 440 + 220 * i));
    await becomesModerator(host);

    const port = await freePort();
    const first = join(dir, 'first.flv');
    const second = join(dir, 'second.flv');
    servers.push(await rtmpServer(port, KEY, first));

    const started = await startOnceAvailable(host, jibriIq(host, 'start', 'stream', `rtmp://127.0.0.1:${port}/live/${KEY}`));
    assert.is(started?.attrs.type, 'result', 'the moderator\'s stream start is accepted');
    await guest.signalling.client.next(statusIs(guest, 'on'), 30_000, 'streaming on');
    await waitForBytes(first, 100_000, 20_000);
    await sleep(1_500);

    // The RTMP server dies; a new one comes up on the same port a moment later.
    killQuietly(servers[0]?.pid as number);
    await servers[0]?.exited;
    await sleep(1_000);
    servers.push(await rtmpServer(port, KEY, second));
    await waitForBytes(second, 100_000, 30_000);
    await sleep(1_500);
    assert.not.ok(guest.signalling.client.inbox.some(statusIs(guest, 'off')), 'the room never saw the stream end');

    const stopped = await host.signalling.request(jibriIq(host, 'stop', 'stream'), 15_000);
    assert.is(stopped.attrs.type, 'result');
    const off = decodeRecordingStatus(await guest.signalling.client.next(statusIs(guest, 'off'), 15_000, 'streaming off'));
    assert.ok(off.ok);
    assert.is(off.value?.failureReason, undefined, 'a clean end');
    // The recorder closes the RTMP connection: the second server finishes its file and exits.
    await within(servers[1]?.exited, 10_000);

    // A stream target that is not RTMP is refused as the moderator's mistake: the recorder writes or fetches nothing else.
    let refused: string | undefined = 'resource-constraint';
    for (let attempt = 0; attempt < 50 && refused === 'resource-constraint'; attempt++) {
      if (attempt > 0) await sleep(100);
      refused = errorCondition(await host.signalling.request(jibriIq(host, 'start', 'stream', `file://${join(dir, 'stolen.flv')}`), 15_000));
    }
    assert.is(refused, 'bad-request', 'a file:// stream target is refused');

    for (const file of [first, second]) {
      const probe = await ffprobe(file);
      assert.ok(probe.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264'), `${file}: H.264 video`);
      assert.ok(probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'), `${file}: AAC audio`);
      const frames = await decodedVideoFrames(file);
      assert.ok(frames >= 30, `${file}: ${frames} video frames decode (2 s at 15 fps)`);
    }
    // Both senders' tones are in the stream's audio mix.
    const quiet = await bandLevel(first, 1500);
    for (const hz of [440, 660]) {
      const level = await bandLevel(first, hz);
      assert.ok(level > quiet + 20, `${hz} Hz tone in the stream (${level} dB vs ${quiet} dB at 1500 Hz)`);
    }
    assert.ok(logs.length > 0, 'the recorder logged');
    assert.not.ok(logs.some((l) => l.includes(KEY)), `the stream key is never logged: ${logs.find((l) => l.includes(KEY)) ?? ''}`);
  } finally {
    await bed.close();
    for (const s of servers) await s.stop(2000);
  }
});

test.run();
