// Issue 7's live-streaming proof: a moderator streams a 2-person conference (werift participants
// sending tones and a test pattern) to a real RTMP server on loopback — ffmpeg listening
// (`-listen 1`), which takes one stream and writes it to a file. The server is killed mid-stream
// and a new one started on the same port: the recorder reconnects and the stream goes on into it.
// ffprobe and ffmpeg check both received files (streams, decodable video; the tones in the first);
// the stream key never appears in the recorder's logs.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogFields, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC_USER, child, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { freePort, killQuietly, spawnReaped } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { RunningRecorder } from '../src/index.ts';
import { PatternSender } from './pattern-sender.ts';
import { startRecorderTestStack, startTestRecorder } from './recorder-stack.ts';

const run = promisify(execFile);
const ROOM = 'streamed';
const KEY = 'k3y-9f8e7d6c5b4a';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Waits for `p`, at most `ms` (the timer does not outlive it). */
async function within(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => {
    timer = setTimeout(r, ms);
  })]).finally(() => clearTimeout(timer));
}

/** Every line the recorder logs, as text, to check nothing leaks. */
function capturingLogger(lines: string[], bound: LogFields = {}): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields): void => {
    lines.push(`${level} ${msg} ${JSON.stringify({ ...bound, ...fields }, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => capturingLogger(lines, { ...bound, ...f }) };
}

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const streamIq = (p: MediaParticipant, action: 'start' | 'stop', streamId?: string): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action, recording_mode: 'stream', ...(streamId !== undefined ? { streamid: streamId } : {}) }));
const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};

/** A one-shot RTMP server: takes one stream on `port` and copies it into `file`. */
const rtmpServer = (port: number, file: string): Promise<ReapedProcess> => spawnReaped('ffmpeg', [
  '-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv',
  '-i', `rtmp://127.0.0.1:${port}/live/${KEY}`, '-c', 'copy', '-y', file,
]);

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

type Probe = { format: { duration?: string }; streams: { codec_type: string; codec_name: string }[] };
async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}
/** Mean level (dB) of `file`'s audio in a narrow band around `hz`. */
async function bandLevel(file: string, hz: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-i', file, '-vn', '-af', `bandpass=f=${hz}:width_type=h:w=30,volumedetect`, '-f', 'null', '-']);
  const m = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`no volumedetect output for ${file}`);
  return Number(m[1]);
}
/** How many video frames of `file` decode. */
async function decodedVideoFrames(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

test('a moderator streams the conference to an RTMP server; the server is killed and restarted: the stream resumes into the new one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-stream-test-'));
  const logs: string[] = [];
  let stack: RunningStack | undefined;
  let recorder: RunningRecorder | undefined;
  const servers: ReapedProcess[] = [];
  const people: MediaParticipant[] = [];
  const senders: PatternSender[] = [];
  try {
    stack = await startRecorderTestStack();
    recorder = await startTestRecorder(stack, {
      output: { directory: join(dir, 'out') },
      stream: { reconnectMinDelayMs: 200, reconnectMaxDelayMs: 1_000, giveUpAfterMs: 30_000 },
      log: { level: 'trace' },
    }, capturingLogger(logs));
    for (let i = 0; i < 2; i++) people.push(await MediaParticipant.join({ port: stack.server.tcpPort, room: ROOM }));
    await Promise.all(people.map((p) => p.connected()));
    const [host, guest] = people as [MediaParticipant, MediaParticipant];
    for (const [i, p] of people.entries()) senders.push(await PatternSender.start(p, 440 + 220 * i));
    await host.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === host.signalling.occupantJid
      && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 5000, 'host is moderator');

    const port = await freePort();
    const first = join(dir, 'first.flv');
    const second = join(dir, 'second.flv');
    servers.push(await rtmpServer(port, first));

    let started: El | undefined;
    for (let attempt = 0; attempt < 50 && started === undefined; attempt++) {
      const reply = await host.signalling.request(streamIq(host, 'start', `rtmp://127.0.0.1:${port}/live/${KEY}`), 15_000);
      if (conditionOf(reply) === 'service-unavailable') await sleep(100);
      else started = reply;
    }
    assert.is(started?.attrs.type, 'result', 'the moderator\'s stream start is accepted');
    await guest.signalling.client.next(statusIs(guest, 'on'), 30_000, 'streaming on');
    await waitForBytes(first, 100_000, 20_000);
    await sleep(1_500);

    // The RTMP server dies; a new one comes up on the same port a moment later.
    killQuietly(servers[0]?.pid as number);
    await servers[0]?.exited;
    await sleep(1_000);
    servers.push(await rtmpServer(port, second));
    await waitForBytes(second, 100_000, 30_000);
    await sleep(1_500);
    assert.not.ok(guest.signalling.client.inbox.some(statusIs(guest, 'off')), 'the room never saw the stream end');

    const stopped = await host.signalling.request(streamIq(host, 'stop'), 15_000);
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
      refused = conditionOf(await host.signalling.request(streamIq(host, 'start', `file://${join(dir, 'stolen.flv')}`), 15_000));
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
    for (const s of senders) await s.stop();
    for (const p of people) await p.close();
    await recorder?.close();
    await stack?.close();
    for (const s of servers) await s.stop(2000);
    if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
  }
});

test.run();
