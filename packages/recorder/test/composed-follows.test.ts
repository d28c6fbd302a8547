// Issue 7: the composed recording follows the meeting. Our XMPP server, focus and bridge, werift
// participants sending known tones and pictures, and the recorder: two people are recorded, a third
// joins 4 s in, the second leaves 4 s later, then the first shares their screen (a solid red
// picture). The composed file must cover the whole time, play through, have the joiner's tone only
// after the join and the leaver's only before the leave, and show the screen share large.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC_USER, child, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { RunningStack } from '@plenum/testkit';
import { nextEvent, screenSources } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest, RunningRecorder } from '../src/index.ts';
import { PatternSender } from './pattern-sender.ts';
import { startRecorderTestStack, startTestRecorder } from './recorder-stack.ts';

const run = promisify(execFile);
const ROOM = 'followed';
const WIDTH = 640;
const HEIGHT = 360;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const jibriIq = (p: MediaParticipant, action: 'start' | 'stop'): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action, recording_mode: 'file' }));
const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};
/** A presence update with a display name, as lib-jitsi-meet sends it. */
const setName = (p: MediaParticipant, name: string): void =>
  p.signalling.client.send(el('presence', { to: p.signalling.occupantJid }, el('nick', { xmlns: 'http://jabber.org/protocol/nick' }, name), el('SourceInfo', {}, '{}')));

/** Mean level (dB) of the composed audio between fromS and toS in a narrow band around `hz`. */
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
  const rgb = stdout;
  let red = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) if ((rgb[i] ?? 0) > 160 && (rgb[i + 1] ?? 0) < 90 && (rgb[i + 2] ?? 0) < 90) red++;
  return red / (rgb.length / 3);
}

test('people joining, leaving and sharing their screen mid-recording: the composed file follows and stays in time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-follow-'));
  let stack: RunningStack | undefined;
  let recorder: RunningRecorder | undefined;
  const people: MediaParticipant[] = [];
  const senders: PatternSender[] = [];
  try {
    stack = await startRecorderTestStack();
    recorder = await startTestRecorder(stack, {
      output: { directory: join(dir, 'out') },
      composed: { width: WIDTH, height: HEIGHT },
      log: { level: process.env.LOG === undefined ? 'silent' : 'info' },
    });
    const port = stack.server.tcpPort;
    const host = await MediaParticipant.join({ port, room: ROOM });
    people.push(host);
    const leaver = await MediaParticipant.join({ port, room: ROOM });
    people.push(leaver);
    await Promise.all(people.map((p) => p.connected()));
    senders.push(await PatternSender.start(host, 440));
    const leaverSender = await PatternSender.start(leaver, 660);
    senders.push(leaverSender);
    setName(host, 'Ada Host');
    setName(leaver, 'Léo Leaver');
    await host.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === host.signalling.occupantJid
      && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 5000, 'host is moderator');

    let started: El | undefined;
    for (let attempt = 0; attempt < 50 && started === undefined; attempt++) {
      const reply = await host.signalling.request(jibriIq(host, 'start'), 15_000);
      if (conditionOf(reply) === 'service-unavailable') await sleep(100);
      else started = reply;
    }
    assert.is(started?.attrs.type, 'result', 'the moderator\'s start is accepted');
    await host.signalling.client.next(statusIs(host, 'on'), 20_000, 'recording on');
    const onAt = Date.now();
    const at = (): number => (Date.now() - onAt) / 1000;

    await sleep(4_000);
    const joiner = await MediaParticipant.join({ port, room: ROOM });
    people.push(joiner);
    await joiner.connected();
    senders.push(await PatternSender.start(joiner, 880));
    setName(joiner, 'Jo Joiner');
    const joinedAt = at();

    await sleep(4_000);
    await leaverSender.stop();
    await leaver.close();
    const leftAt = at();

    await sleep(2_000);
    const shareSsrc = 0x5c_ee_00_01;
    const share = screenSources(host.id, shareSsrc - 30);
    const added = await host.signalling.sourceAdd(host.offer.sid, { ...share, video: share.video.slice(0, 1), videoGroups: [] });
    assert.is(added.attrs.type, 'result', 'the focus takes the screen share source');
    senders.push(await PatternSender.startVideo(host, shareSsrc));
    const sharedAt = at();

    // The share's layout comes with its first key frame (the test sender makes one a second; it
    // ignores PLI) plus a composer start: up to ~2.5 s on a loaded machine.
    await sleep(6_000);
    const recorded = nextEvent(recorder.recorder.events, 'recorded', () => true, 30_000);
    const stopped = await host.signalling.request(jibriIq(host, 'stop'), 15_000);
    const endAt = at();
    assert.is(stopped.attrs.type, 'result');
    const [manifestPath] = await recorded;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    const file = join(manifestPath, '..', 'composed.mp4');
    assert.is(manifest.composed?.file, 'composed.mp4', 'the segments were joined into one file');
    for (const name of [`${joiner.id}-a0`, `${joiner.id}-v0`, `${host.id}-v1`]) assert.ok(manifest.composed?.sources.includes(name) === true, `${name} was composed`);

    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    const duration = Number(stdout.trim());
    assert.ok(Math.abs(duration - endAt) <= 0.5, `composed duration ${duration} s, recording was on for ${endAt.toFixed(2)} s`);
    const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    // Every decoder error counts. The null muxer's "non monotonically increasing dts" lines do not:
    // they say two decoded frames fell on one output tick (seen now and then after the segments are
    // joined; the frames themselves decode), not that anything failed to decode.
    const decodeErrors = stderr.split('\n').filter((l) => l.trim() !== '' && !/\[null @ [^\]]+\] Application provided invalid, non monotonically increasing dts/.test(l));
    assert.equal(decodeErrors, [], 'the composed file plays through without decoding errors');

    const quiet = await bandLevel(file, 0, duration, 1500);
    const before = await bandLevel(file, 0.5, joinedAt - 1, 880);
    const during = await bandLevel(file, joinedAt + 1.5, leftAt - 0.5, 880);
    assert.ok(during > quiet + 20, `the joiner is heard after joining (${during} dB vs ${quiet} dB)`);
    assert.ok(before < during - 15, `and not before (${before} dB)`);
    const leaverIn = await bandLevel(file, 0.5, leftAt - 1, 660);
    const leaverAfter = await bandLevel(file, leftAt + 1.5, duration - 0.5, 660);
    assert.ok(leaverIn > quiet + 20, `the leaver is heard before leaving (${leaverIn} dB)`);
    assert.ok(leaverAfter < leaverIn - 15, `and not after (${leaverAfter} dB)`);
    assert.ok(await bandLevel(file, leftAt + 1.5, duration - 0.5, 440) > quiet + 20, 'the host is heard all along');

    const redBefore = await redShareOfLeft(file, sharedAt - 1.5);
    const redAfter = await redShareOfLeft(file, duration - 1);
    assert.ok(redAfter > 0.6, `the screen share fills the large area (${(redAfter * 100).toFixed(0)} % red)`);
    assert.ok(redBefore < 0.2, `which it did not before the share (${(redBefore * 100).toFixed(0)} % red)`);
  } finally {
    for (const s of senders) await s.stop();
    for (const p of people) await p.close().catch(() => undefined);
    await recorder?.close();
    await stack?.close();
    if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`kept in ${dir}`);
  }
});

test.run();
