// Issue 9, dial-in to an end-to-end encrypted meeting, all real: the one-command server
// (startAllInOne with its SIP gateway, `dialIn.defaultRoom` because baresip cannot add a room
// header), Alice in Chromium creating the room encrypted (the server default) with a 440 Hz file as
// her microphone, and Debian's baresip as the phone (a 1 kHz WAV as microphone, what it hears
// recorded by its sndfile module). The gateway holds the meeting's keys:
// - Alice hears the phone: her browser's E2EE worker counts frames decrypted from the caller's
//   participant (read from the worker itself), and her inbound audio carries sound;
// - the phone hears the meeting: its recording is Alice's 440 Hz, not its own tone nor noise;
// - what the gateway sends through the bridge is ciphertext: a keyless werift participant gets the
//   caller's Opus packets with the E2EE trailer, random-looking past the TOC byte.
// Run under the browser lock: flock /tmp/plenum-browser.lock node --import tsx <this file>.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jingle } from '@plenum/xmpp/codec';
import { freeUdpPort, spawnReaped, type ReapedProcess } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { eventually, joinDirectly, receivedAudio, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { concat, entropyBitsPerByte, hasE2eeTrailer } from './ciphertext-analysis.ts';
import { e2eeBadge, workerStats } from './e2ee-pages.ts';

const run = promisify(execFile);
const ROOM = 'encrypted-dial-in';
/** baresip's own limit: the test hangs up long before. */
const CALL_SECONDS = 60;

/** baresip's configuration: PCMU, `tone.wav` as microphone, no UI; its sndfile module writes what it hears to `dump-…-dec.wav`. */
async function baresipHome(dir: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=8000:duration=60', '-ac', '1', '-c:a', 'pcm_s16le', join(dir, 'tone.wav')]);
  await writeFile(join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${await freeUdpPort()}`,
    `audio_source aufile,${join(dir, 'tone.wav')}`,
    `audio_player aufile,${join(dir, 'heard.wav')}`,
    'audio_alert aufile,/dev/null',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module sndfile.so',
    `snd_path ${dir}`,
    'module account.so',
    'module_app menu.so',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'accounts'), '"Ann" <sip:+15550123@127.0.0.1>;regint=0\n');
}

/** The samples and rate of a 16-bit mono WAV, read to the end of the file (the header's sizes may not be final). */
function readWav(bytes: Buffer): { samples: Int16Array; rate: number } {
  let at = 12;
  let rate = 8000;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(at + 12);
    if (id === 'data') {
      const data = bytes.subarray(at + 8);
      return { samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1))), rate };
    }
    at += 8 + size;
  }
  throw new Error('no data chunk in the WAV');
}

/** Goertzel power of `hz`. */
function powerAt(pcm: Int16Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s0 = pcm[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/** The caller's audio SSRC in a session-initiate (JSON sources or XEP-0339 `owner`). */
function audioSsrcOf(offer: Jingle, nick: string): number | undefined {
  const json = offer.jsonSources?.[nick]?.audio[0]?.ssrc;
  if (json !== undefined) return json;
  return offer.contents.flatMap((c) => (c.description?.media === 'audio' ? c.description.sources : [])).find((s) => s.owner?.endsWith(`/${nick}`))?.ssrc;
}

test('a phone dials into an end-to-end encrypted meeting: both hear each other through the gateway\'s keys; the bridge carries ciphertext', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-e2ee-dial-in-'));
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10', '-ac', '1', '-c:a', 'pcm_s16le', join(dir, 'alice.wav')]);
  await baresipHome(dir);
  const sipPort = await freeUdpPort();
  const e2e: E2e = await startE2e({
    web: { p2p: { enabled: false }, e2ee: { default: true } },
    sipGateway: { sip: { port: sipPort }, dialIn: { defaultRoom: ROOM } },
    chromiumArgs: [`--use-file-for-fake-audio-capture=${join(dir, 'alice.wav')}`],
  });
  let phone: ReapedProcess | undefined;
  let werift: MediaParticipant | undefined;
  try {
    const gateway = e2e.plenum.sipGateway;
    assert.ok(gateway !== undefined, 'the one-command server runs a SIP gateway');
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    await e2eeBadge(alice).waitFor();

    phone = await spawnReaped('baresip', ['-f', dir, '-n', '127.0.0.1', '-e', `/dial sip:meeting@127.0.0.1:${sipPort}`, '-t', String(CALL_SECONDS)]);
    const nick = await eventually(async () => [...gateway.gateway.calls].find(([, c]) => c.state === 'in-conference')?.[0], (n) => n !== undefined, 20_000, 'the phone is in the meeting') as string;
    await alice.getByLabel('2 in the meeting').waitFor();

    // Alice hears the phone: her worker decrypts the caller's frames (fail-closed: undecryptable ones would be dropped), and they are sound.
    const first = await eventually(() => workerStats(alice), (s) => (s.decryptedBy[nick] ?? 0) > 0, 15_000, 'Alice decrypts the phone\'s frames');
    const audioBefore = await receivedAudio(alice);
    await new Promise((r) => setTimeout(r, 3000));
    const later = await workerStats(alice);
    const decryptedFromPhone = (later.decryptedBy[nick] ?? 0) - (first.decryptedBy[nick] ?? 0);
    const droppedMeanwhile = Object.values(later.dropped).reduce((a, b) => a + b, 0) - Object.values(first.dropped).reduce((a, b) => a + b, 0);
    console.log(`Alice's worker in 3 s: ${decryptedFromPhone} frames decrypted from the phone, ${droppedMeanwhile} dropped`);
    assert.ok(decryptedFromPhone >= 100, `Alice decrypts the phone's audio as it comes (${decryptedFromPhone} frames in 3 s)`);
    assert.ok(droppedMeanwhile < decryptedFromPhone / 10, `and drops hardly any (${droppedMeanwhile})`);
    const audioAfter = await receivedAudio(alice);
    // Mean power = Δenergy / Δduration (WebRTC stats: energy sums level² × duration); the phone's tone is at −18 dBFS.
    const meanLevel = Math.sqrt((audioAfter.energy - audioBefore.energy) / Math.max(1e-9, audioAfter.seconds - audioBefore.seconds));
    console.log(`Alice's inbound audio level over those 3 s: ${meanLevel.toFixed(3)}`);
    assert.ok(meanLevel > 0.03, `Alice's browser plays the phone's tone (mean level ${meanLevel.toFixed(3)})`);

    // A keyless participant receives what the bridge forwards from the gateway.
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    await werift.connected();
    const phoneSsrc = audioSsrcOf(werift.offer, nick);
    assert.ok(phoneSsrc !== undefined, 'the phone\'s audio source is signalled');
    const w = werift;
    const fromPhone = (): Uint8Array[] => w.received.filter((p) => p.header.ssrc === phoneSsrc && p.payload.length > 0).map((p) => new Uint8Array(p.payload));
    await eventually(async () => fromPhone().length, (n) => n >= 100, 15_000, 'the bridge forwards the phone\'s audio');
    const packets = fromPhone();
    assert.is(packets.filter((p) => !hasE2eeTrailer(p)).length, 0, 'every Opus packet of the phone ends with the E2EE trailer');
    const entropy = entropyBitsPerByte(concat(packets.map((p) => p.subarray(1, p.length - 14))));
    console.log(`bridge-forwarded from the phone: ${packets.length} Opus packets, entropy past the TOC ${entropy.toFixed(4)} bits/byte`);
    assert.ok(entropy > 7.9, `the phone's audio is ciphertext at the bridge (${entropy.toFixed(4)} bits/byte)`);
    await werift.close();
    werift = undefined;

    // The phone heard the meeting: its recording (closed when the call ends) is Alice's 440 Hz.
    gateway.gateway.calls.get(nick)?.hangup('the test is done');
    await eventually(async () => gateway.gateway.callCount, (n) => n === 0, 10_000, 'the call ended');
    await new Promise((r) => setTimeout(r, 500));
    const heard = (await readdir(dir)).find((f) => /^dump-.*-dec\.wav$/.test(f));
    assert.ok(heard !== undefined, `the phone recorded what it heard (${(await readdir(dir)).join(', ')})`);
    const { samples, rate } = readWav(await readFile(join(dir, heard)));
    const tail = samples.subarray(Math.max(0, samples.length - 3 * rate), samples.length - rate / 4);
    const p440 = powerAt(tail, 440, rate);
    console.log(`the phone recorded ${(samples.length / rate).toFixed(1)} s; in the last seconds 440 Hz is ${(10 * Math.log10(p440 / powerAt(tail, 1000, rate))).toFixed(1)} dB above 1 kHz`);
    for (const other of [300, 660, 1000]) assert.ok(p440 > 100 * powerAt(tail, other, rate), `the phone hears Alice's 440 Hz, 20 dB above ${other} Hz`);
  } finally {
    await werift?.close().catch(() => undefined);
    await phone?.stop(1000);
    await e2e.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
