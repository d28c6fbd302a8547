// Issue 7's proof, first part: a file recording of a real conference without a browser. Our XMPP
// server, focus and bridge (testkit startStack), three werift participants sending a tone and a
// test pattern, and the recorder component: a moderator starts a recording, 10 s later stops it.
// ffprobe/ffmpeg check the files; the room sees the status; a guest's start is refused; the
// moderator alone gets the download link, which serves the recording over HTTP.
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { child } from '@plenum/xmpp/codec';
import { errorCondition, freePort, nextEvent } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest } from '../src/index.ts';
import { bandLevel, decodeErrors, ffprobe } from './media-tools.ts';
import { PATTERN_HEIGHT, PATTERN_WIDTH, PatternSender } from './pattern-sender.ts';
import { RecorderTestBed, becomesModerator, jibriIq, sleep, startOnceAvailable, statusIs } from './recorder-stack.ts';

const ROOM = 'recorded';
const RECORD_MS = 10_000;

const isRecordingLink = (e: El): boolean => e.name === 'message' && String(child(e, 'json-message', 'http://jitsi.org/jitmeet')?.children[0] ?? '').includes('"recording-link"');

test('a moderator records 10 s of a 3-person conference: composed MP4, one WebM per source, a manifest; guests are refused', async () => {
  const bed = await RecorderTestBed.create('rec');
  const { dir, people, senders } = bed;
  try {
    const finalizeScript = join(dir, 'finalize.sh');
    await writeFile(finalizeScript, `#!/bin/sh\necho "$1" > "${join(dir, 'finalized.txt')}"\n`);
    await chmod(finalizeScript, 0o755);
    const { recorder, port } = await bed.start({
      output: { directory: join(dir, 'out'), finalizeCommand: finalizeScript },
      download: { port: await freePort() },
      log: { level: 'silent' },
    });
    for (let i = 0; i < 3; i++) people.push(await MediaParticipant.join({ port, room: ROOM }));
    await Promise.all(people.map((p) => p.connected()));
    const [host, guest] = people as [MediaParticipant, MediaParticipant, MediaParticipant];
    for (const [i, p] of people.entries()) senders.push(await PatternSender.start(p, 440 + 220 * i));
    await becomesModerator(host);

    const refused = await guest.signalling.request(jibriIq(guest, 'start'));
    assert.is(errorCondition(refused), 'forbidden', 'a guest may not start a recording');

    const started = await startOnceAvailable(host, jibriIq(host, 'start'));
    assert.is(started?.attrs.type, 'result', 'the moderator\'s start is accepted');
    await guest.signalling.client.next(statusIs(guest, 'on'), 20_000, 'recording on');
    const onAt = Date.now();
    await sleep(RECORD_MS);
    const recorded = nextEvent(recorder.recorder.events, 'recorded', () => true, 20_000);
    const stopped = await host.signalling.request(jibriIq(host, 'stop'), 15_000);
    const stoppedAt = Date.now();
    assert.is(stopped.attrs.type, 'result');
    const [manifestPath, , link] = await recorded;
    await guest.signalling.client.next(statusIs(guest, 'off'), 10_000, 'recording off');

    // The download link reaches the moderator who started the recording, privately, and nobody else.
    assert.ok(link?.startsWith(`${recorder.downloadBaseUrl ?? '?'}/recordings/`), `a download link (${link})`);
    const linkMessage = await host.signalling.client.next(isRecordingLink, 10_000, 'recording link');
    assert.is(linkMessage.attrs.from, host.signalling.focusOccupant);
    assert.is((JSON.parse(String(child(linkMessage, 'json-message', 'http://jitsi.org/jitmeet')?.children[0])) as { url: string }).url, link);
    await sleep(300);
    for (const other of people.slice(1)) assert.not.ok(other.signalling.client.inbox.some(isRecordingLink), `${other.id} did not get the link`);
    const viaLink = await ffprobe(`${link}composed.mp4`);
    assert.ok(viaLink.streams.some((st) => st.codec_type === 'video'), 'the composed file plays over the link');
    assert.is((await fetch(`${link}composed.mp4`.replace(/recordings\/[^/]+\//, 'recordings/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/'))).status, 404, 'a wrong token is 404');

    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    const recDir = join(manifestPath, '..');
    assert.is(manifest.participants.length, 3, 'every participant is in the manifest');
    assert.is(manifest.tracks.filter((t) => t.segment === 0).length, 6, 'one track per source: 3 × (audio + video)');
    for (const p of people) {
      const mine = manifest.tracks.filter((t) => t.owner === p.id && t.segment === 0);
      assert.equal(mine.map((t) => t.ssrc).sort(), [p.audioSsrc, p.videoSsrcs[0]].sort(), `${p.id}'s sources`);
    }
    for (const t of manifest.tracks) {
      assert.ok(existsSync(join(recDir, t.file)), `${t.file} exists`);
      assert.equal(await decodeErrors(join(recDir, t.file)), [], `${t.file} decodes without errors`);
      const probe = await ffprobe(join(recDir, t.file));
      const stream = probe.streams[0];
      assert.is(stream?.codec_name, t.media === 'audio' ? 'opus' : 'vp8', `${t.file} codec copied, not transcoded`);
      if (t.media === 'video') assert.equal([stream?.width, stream?.height], [PATTERN_WIDTH, PATTERN_HEIGHT], `${t.file} frame size`);
      assert.ok(t.durationMs > RECORD_MS - 1000, `${t.file} covers the recording (${t.durationMs} ms)`);
    }

    assert.is(manifest.composed?.file, 'composed.mp4');
    const composed = await ffprobe(join(recDir, 'composed.mp4'));
    const duration = Number(composed.format.duration);
    const expected = (stoppedAt - onAt) / 1000;
    assert.ok(Math.abs(duration - expected) <= 0.5, `composed duration ${duration} s, recording was on for ${expected} s`);
    assert.ok(composed.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264'), 'composed video stream');
    assert.ok(composed.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'), 'composed audio stream');
    assert.equal(await decodeErrors(join(recDir, 'composed.mp4')), [], 'the composed file decodes');
    // Every participant's tone (440, 660, 880 Hz) is in the mix, well above a frequency nobody sent.
    const quiet = await bandLevel(join(recDir, 'composed.mp4'), 1500);
    for (const hz of [440, 660, 880]) {
      const level = await bandLevel(join(recDir, 'composed.mp4'), hz);
      assert.ok(level > quiet + 20, `${hz} Hz tone in the composed audio (${level} dB vs ${quiet} dB at 1500 Hz)`);
    }

    // The finalize hook ran with the manifest path.
    const deadline = Date.now() + 5000;
    while (!existsSync(join(dir, 'finalized.txt')) && Date.now() < deadline) await sleep(50);
    assert.is((await readFile(join(dir, 'finalized.txt'), 'utf8')).trim(), manifestPath);
  } finally {
    await bed.close();
  }
});

test.run();
