// Issue 7: a live stream follows the meeting, like the composed file. Our XMPP server, focus and
// bridge, werift participants sending known tones and pictures, the recorder streaming to ffmpeg
// listening as an RTMP server (which writes what it receives to a file): the host streams alone,
// a joiner comes 4 s in and leaves 4 s later, then the host shares their screen (a solid red
// picture). The received stream must play through on one RTMP connection without a gap, have the
// joiner's tone only while they were there, the host's all along, and show the share large.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC_USER, child, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { freePort, screenSources, spawnReaped } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { RunningRecorder } from '../src/index.ts';
import { PatternSender } from './pattern-sender.ts';
import { startRecorderTestStack, startTestRecorder } from './recorder-stack.ts';

const run = promisify(execFile);
const ROOM = 'streamed-follows';
const KEY = 'f0ll0w-k3y-2b3c';
const WIDTH = 640;
const HEIGHT = 360;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const streamIq = (p: MediaParticipant, action: 'start' | 'stop', streamId?: string): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action, recording_mode: 'stream', ...(streamId !== undefined ? { streamid: streamId } : {}) }));
const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};

/** Mean level (dB) of the stream's audio between fromS and toS in a narrow band around `hz`. */
async function bandLevel(file: string, fromS: number, toS: number, hz: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-ss', fromS.toFixed(2), '-t', (toS - fromS).toFixed(2), '-i', file, '-vn',
    '-af', `bandpass=f=${hz}:width_type=h:w=30,volumedetect`, '-f', 'null', '-']);
  const m = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`no volumedetect output for ${file} ${fromS}-${toS}`);
  return Number(m[1]);
}

/** Share of pixels in the left three quarters of the frame at `atS` that are clearly red. */
async function redShareOfLeft(file: string, atS: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', atS.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `crop=${WIDTH * 3 / 4}:${HEIGHT}:0:0`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
  let red = 0;
  for (let i = 0; i + 2 < stdout.length; i += 3) if ((stdout[i] ?? 0) > 160 && (stdout[i + 1] ?? 0) < 90 && (stdout[i + 2] ?? 0) < 90) red++;
  return red / (stdout.length / 3);
}

test('a live stream follows people joining, leaving and sharing their screen, on one RTMP connection without a gap', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-stream-follow-'));
  let stack: RunningStack | undefined;
  let recorder: RunningRecorder | undefined;
  let server: ReapedProcess | undefined;
  const people: MediaParticipant[] = [];
  const senders: PatternSender[] = [];
  const file = join(dir, 'received.flv');
  try {
    stack = await startRecorderTestStack();
    recorder = await startTestRecorder(stack, {
      output: { directory: join(dir, 'out') },
      composed: { width: WIDTH, height: HEIGHT },
      stream: { videoBitrateKbps: 600 },
      log: { level: process.env.LOG === undefined ? 'silent' : 'info' },
    });
    const port = stack.server.tcpPort;
    const host = await MediaParticipant.join({ port, room: ROOM });
    people.push(host);
    await host.connected();
    senders.push(await PatternSender.start(host, 440));
    await host.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === host.signalling.occupantJid
      && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 5000, 'host is moderator');

    const rtmpPort = await freePort();
    server = await spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv',
      '-i', `rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`, '-c', 'copy', '-y', file]);
    let started: El | undefined;
    for (let attempt = 0; attempt < 50 && started === undefined; attempt++) {
      const reply = await host.signalling.request(streamIq(host, 'start', `rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`), 15_000);
      if (conditionOf(reply) === 'service-unavailable') await sleep(100);
      else started = reply;
    }
    assert.is(started?.attrs.type, 'result', 'the moderator\'s stream start is accepted');
    await host.signalling.client.next(statusIs(host, 'on'), 30_000, 'streaming on');
    const wall = (): number => Date.now() / 1000;

    await sleep(4_000);
    const joiner = await MediaParticipant.join({ port, room: ROOM });
    people.push(joiner);
    await joiner.connected();
    const joinerSender = await PatternSender.start(joiner, 880);
    senders.push(joinerSender);
    const joinedAt = wall();

    await sleep(4_000);
    await joinerSender.stop();
    await joiner.close();
    const leftAt = wall();

    await sleep(2_000);
    const shareSsrc = 0x5c_ee_00_02;
    const share = screenSources(host.id, shareSsrc - 30);
    const added = await host.signalling.sourceAdd(host.offer.sid, { ...share, video: share.video.slice(0, 1), videoGroups: [] });
    assert.is(added.attrs.type, 'result', 'the focus takes the screen share source');
    senders.push(await PatternSender.startVideo(host, shareSsrc));
    const sharedAt = wall();

    // The share's layout comes with its first key frame (the test sender makes one a second) plus a composer start.
    await sleep(5_000);
    // The RTMP server takes one connection and ends with it: still running, it has had the one connection all along.
    assert.not.ok(server.hasExited(), 'the RTMP connection is still up at the stop');
    const stopped = await host.signalling.request(streamIq(host, 'stop'), 15_000);
    const stopAt = wall();
    assert.is(stopped.attrs.type, 'result');
    const off = decodeRecordingStatus(await host.signalling.client.next(statusIs(host, 'off'), 20_000, 'streaming off'));
    assert.is(off.ok && off.value?.failureReason, undefined, 'a clean end');
    // The recorder closes the connection: the server finishes its file and ends.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([server.exited, new Promise((r) => {
      timer = setTimeout(r, 10_000);
    })]).finally(() => clearTimeout(timer));
    await server.stop(1_000);

    const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    // The null muxer's "non monotonically increasing dts" lines say two frames fell on one output tick, not a decoding error.
    const decodeErrors = stderr.split('\n').filter((l) => l.trim() !== '' && !/Application provided invalid, non monotonically increasing dts|Last message repeated/.test(l));
    assert.equal(decodeErrors, [], 'the received stream decodes without errors');
    const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { maxBuffer: 8 * 1024 * 1024 });
    const times = packets.stdout.trim().split('\n').map(Number);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    assert.ok(Math.max(...gaps) < 1.5, `the video runs on without a gap over 1.5 s (largest ${Math.max(...gaps).toFixed(2)} s)`);
    assert.ok(Math.min(...gaps) > 0, 'and only forward');
    const sizes = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
    assert.is(sizes.stdout.trim(), `${WIDTH},${HEIGHT}`, 'the composed frame size');

    // The stream ends when forwarding stopped (at the stop): its time t is the wall clock's stopAt - (duration - t).
    const duration = times.at(-1) ?? 0;
    const streamTime = (wallS: number): number => duration - (stopAt - wallS);
    assert.ok(streamTime(joinedAt) > 3, `the stream covers the time before the join (${duration.toFixed(1)} s in all)`);
    const [joined, left, shared] = [streamTime(joinedAt), streamTime(leftAt), streamTime(sharedAt)];
    const quiet = await bandLevel(file, 0, duration, 1500);
    const before = await bandLevel(file, 0.5, joined - 0.5, 880);
    const during = await bandLevel(file, joined + 2, left - 0.5, 880);
    const after = await bandLevel(file, left + 2, duration - 0.5, 880);
    assert.ok(during > quiet + 20, `the joiner is heard while there (${during} dB vs ${quiet} dB)`);
    assert.ok(before < during - 15 && after < during - 15, `and not before (${before} dB) or after (${after} dB)`);
    assert.ok(await bandLevel(file, 0.5, duration - 0.5, 440) > quiet + 20, 'the host is heard all along');
    const redBefore = await redShareOfLeft(file, shared - 1);
    const redAfter = await redShareOfLeft(file, duration - 1);
    assert.ok(redAfter > 0.6, `the screen share fills the large area (${(redAfter * 100).toFixed(0)} % red)`);
    assert.ok(redBefore < 0.2, `which it did not before the share (${(redBefore * 100).toFixed(0)} % red)`);
    assert.ok((await stat(file)).size > 100_000, 'the stream carried media');
  } finally {
    for (const s of senders) await s.stop();
    for (const p of people) await p.close().catch(() => undefined);
    await recorder?.close();
    await stack?.close();
    await server?.stop(2_000);
    if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`kept in ${dir}`);
  }
});

test.run();
