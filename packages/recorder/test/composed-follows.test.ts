// Issue 7: the composed recording follows the meeting. Our XMPP server, focus and bridge, werift
// participants sending known tones and pictures, and the recorder: two people are recorded, a third
// joins 4 s in, the second leaves 4 s later, then the first shares their screen (a solid red
// picture). The composed file must cover the whole time, play through, have the joiner's tone only
// after the join and the leaver's only before the leave, and show the screen share large.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextEvent } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest } from '../src/index.ts';
import { NOT_A_DECODING_ERROR, bandLevel, decodeErrors, ffprobe, redShareOfLeft } from './media-tools.ts';
import { PatternSender } from './pattern-sender.ts';
import {
  RecorderTestBed, becomesModerator, jibriIq, joinLeaveShare, setName, sleep, startOnceAvailable, statusIs,
} from './recorder-stack.ts';

const ROOM = 'followed';
const WIDTH = 640;
const HEIGHT = 360;

test('people joining, leaving and sharing their screen mid-recording: the composed file follows and stays in time', async () => {
  const bed = await RecorderTestBed.create('follow');
  const { people, senders } = bed;
  try {
    const { recorder, port } = await bed.start({
      output: { directory: join(bed.dir, 'out') },
      composed: { width: WIDTH, height: HEIGHT },
      log: { level: process.env.LOG === undefined ? 'silent' : 'info' },
    });
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
    await becomesModerator(host);

    const started = await startOnceAvailable(host, jibriIq(host, 'start'));
    assert.is(started?.attrs.type, 'result', 'the moderator\'s start is accepted');
    await host.signalling.client.next(statusIs(host, 'on'), 20_000, 'recording on');
    const onAt = Date.now();
    const at = (): number => (Date.now() - onAt) / 1000;

    const { joiner, joinedAt, leftAt, sharedAt } = await joinLeaveShare({
      port, room: ROOM, host, leaver: { participant: leaver, sender: leaverSender }, joinerName: 'Jo Joiner', shareSsrc: 0x5c_ee_00_01, now: at, people, senders,
    });

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

    const duration = Number((await ffprobe(file)).format.duration);
    assert.ok(Math.abs(duration - endAt) <= 0.5, `composed duration ${duration} s, recording was on for ${endAt.toFixed(2)} s`);
    assert.equal(await decodeErrors(file, NOT_A_DECODING_ERROR), [], 'the composed file plays through without decoding errors');

    const quiet = await bandLevel(file, 1500, { fromS: 0, toS: duration });
    const before = await bandLevel(file, 880, { fromS: 0.5, toS: joinedAt - 1 });
    const during = await bandLevel(file, 880, { fromS: joinedAt + 1.5, toS: leftAt - 0.5 });
    assert.ok(during > quiet + 20, `the joiner is heard after joining (${during} dB vs ${quiet} dB)`);
    assert.ok(before < during - 15, `and not before (${before} dB)`);
    const leaverIn = await bandLevel(file, 660, { fromS: 0.5, toS: leftAt - 1 });
    const leaverAfter = await bandLevel(file, 660, { fromS: leftAt + 1.5, toS: duration - 0.5 });
    assert.ok(leaverIn > quiet + 20, `the leaver is heard before leaving (${leaverIn} dB)`);
    assert.ok(leaverAfter < leaverIn - 15, `and not after (${leaverAfter} dB)`);
    assert.ok(await bandLevel(file, 440, { fromS: leftAt + 1.5, toS: duration - 0.5 }) > quiet + 20, 'the host is heard all along');

    const redBefore = await redShareOfLeft(file, sharedAt - 1.5, WIDTH, HEIGHT);
    const redAfter = await redShareOfLeft(file, duration - 1, WIDTH, HEIGHT);
    assert.ok(redAfter > 0.6, `the screen share fills the large area (${(redAfter * 100).toFixed(0)} % red)`);
    assert.ok(redBefore < 0.2, `which it did not before the share (${(redBefore * 100).toFixed(0)} % red)`);
  } finally {
    await bed.close();
  }
});

test.run();
