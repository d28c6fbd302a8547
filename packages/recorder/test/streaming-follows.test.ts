// Issue 7: a live stream follows the meeting, like the composed file. Our XMPP server, focus and
// bridge, werift participants sending known tones and pictures, the recorder streaming to ffmpeg
// listening as an RTMP server (which writes what it receives to a file): the host streams alone,
// a joiner comes 4 s in and leaves 4 s later, then the host shares their screen (a solid red
// picture). The received stream must play through on one RTMP connection without a gap, have the
// joiner's tone only while they were there, the host's all along, and show the share large.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRecordingStatus } from '@plenum/xmpp/codec';
import type { ReapedProcess } from '@plenum/testkit';
import { freePort } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { NOT_A_DECODING_ERROR, bandLevel, decodeErrors, ffprobe, redShareOfLeft, rtmpServer, videoPacketTimes } from './media-tools.ts';
import { PatternSender } from './pattern-sender.ts';
import {
  RecorderTestBed, becomesModerator, jibriIq, joinLeaveShare, sleep, startOnceAvailable, statusIs, within,
} from './recorder-stack.ts';

const ROOM = 'streamed-follows';
const KEY = 'f0ll0w-k3y-2b3c';
const WIDTH = 640;
const HEIGHT = 360;

test('a live stream follows people joining, leaving and sharing their screen, on one RTMP connection without a gap', async () => {
  const bed = await RecorderTestBed.create('stream-follow');
  const { people, senders } = bed;
  let server: ReapedProcess | undefined;
  const file = join(bed.dir, 'received.flv');
  try {
    const { port } = await bed.start({
      output: { directory: join(bed.dir, 'out') },
      composed: { width: WIDTH, height: HEIGHT },
      stream: { videoBitrateKbps: 600 },
      log: { level: process.env.LOG === undefined ? 'silent' : 'info' },
    });
    const host = await MediaParticipant.join({ port, room: ROOM });
    people.push(host);
    await host.connected();
    senders.push(await PatternSender.start(host, 440));
    await becomesModerator(host);

    const rtmpPort = await freePort();
    server = await rtmpServer(rtmpPort, KEY, file);
    const started = await startOnceAvailable(host, jibriIq(host, 'start', 'stream', `rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`));
    assert.is(started?.attrs.type, 'result', 'the moderator\'s stream start is accepted');
    await host.signalling.client.next(statusIs(host, 'on'), 30_000, 'streaming on');
    const wall = (): number => Date.now() / 1000;

    const { joinedAt, leftAt, sharedAt } = await joinLeaveShare({ port, room: ROOM, host, shareSsrc: 0x5c_ee_00_02, now: wall, people, senders });

    // The share's layout comes with its first key frame (the test sender makes one a second) plus a composer start.
    await sleep(5_000);
    // The RTMP server takes one connection and ends with it: still running, it has had the one connection all along.
    assert.not.ok(server.hasExited(), 'the RTMP connection is still up at the stop');
    const stopped = await host.signalling.request(jibriIq(host, 'stop', 'stream'), 15_000);
    const stopAt = wall();
    assert.is(stopped.attrs.type, 'result');
    const off = decodeRecordingStatus(await host.signalling.client.next(statusIs(host, 'off'), 20_000, 'streaming off'));
    assert.is(off.ok && off.value?.failureReason, undefined, 'a clean end');
    // The recorder closes the connection: the server finishes its file and ends.
    await within(server.exited, 10_000);
    await server.stop(1_000);

    assert.equal(await decodeErrors(file, NOT_A_DECODING_ERROR), [], 'the received stream decodes without errors');
    const times = await videoPacketTimes(file);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(Math.max(...gaps) < 1.5, `the video runs on without a gap over 1.5 s (largest ${Math.max(...gaps).toFixed(2)} s)`);
    assert.ok(Math.min(...gaps) > 0, 'and only forward');
    const video = (await ffprobe(file)).streams.find((st) => st.codec_type === 'video');
    assert.equal([video?.width, video?.height], [WIDTH, HEIGHT], 'the composed frame size');

    // The stream ends when forwarding stopped (at the stop): its time t is the wall clock's stopAt - (duration - t).
    const duration = times.at(-1) ?? 0;
    const streamTime = (wallS: number): number => duration - (stopAt - wallS);
    assert.ok(streamTime(joinedAt) > 3, `the stream covers the time before the join (${duration.toFixed(1)} s in all)`);
    const [joined, left, shared] = [streamTime(joinedAt), streamTime(leftAt), streamTime(sharedAt)];
    const quiet = await bandLevel(file, 1500, { fromS: 0, toS: duration });
    const before = await bandLevel(file, 880, { fromS: 0.5, toS: joined - 0.5 });
    const during = await bandLevel(file, 880, { fromS: joined + 2, toS: left - 0.5 });
    const after = await bandLevel(file, 880, { fromS: left + 2, toS: duration - 0.5 });
    assert.ok(during > quiet + 20, `the joiner is heard while there (${during} dB vs ${quiet} dB)`);
    assert.ok(before < during - 15 && after < during - 15, `and not before (${before} dB) or after (${after} dB)`);
    assert.ok(await bandLevel(file, 440, { fromS: 0.5, toS: duration - 0.5 }) > quiet + 20, 'the host is heard all along');
    const redBefore = await redShareOfLeft(file, shared - 1, WIDTH, HEIGHT);
    const redAfter = await redShareOfLeft(file, duration - 1, WIDTH, HEIGHT);
    assert.ok(redAfter > 0.6, `the screen share fills the large area (${(redAfter * 100).toFixed(0)} % red)`);
    assert.ok(redBefore < 0.2, `which it did not before the share (${(redBefore * 100).toFixed(0)} % red)`);
    assert.ok((await stat(file)).size > 100_000, 'the stream carried media');
  } finally {
    await bed.close();
    await server?.stop(2_000);
  }
});

test.run();
