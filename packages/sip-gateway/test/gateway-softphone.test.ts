// Issue 8's proof, a real softphone: Debian's baresip (headless: no UI module, audio from a WAV
// file made here with ffmpeg, a 1 kHz tone) dials the gateway. baresip cannot add a room header,
// so the gateway runs with `dialIn.defaultRoom` (an operator's "this number is that room"). A
// werift participant in the room sees the softphone join and hears its tone (decoded Opus); when
// baresip quits it hangs up and the caller leaves the room.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReapedProcess } from '@plenum/testkit';
import { freeUdpPort, spawnReaped } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { OpusFrameDecoder } from '../src/media/opus-codec.ts';
import { callerPresence, displayNameOf, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';
import { dominantFrequency, rmsOf } from './gateway-phone.ts';

const run = promisify(execFile);
const ROOM = 'softphone';
const CALL_SECONDS = 14;

/** A baresip configuration directory: PCMU, a WAV as microphone, no UI, an account without registration. */
async function baresipHome(dir: string, listenPort: number): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=8000:duration=30', '-ac', '1', '-c:a', 'pcm_s16le', join(dir, 'tone.wav')]);
  await writeFile(join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${listenPort}`,
    `audio_source aufile,${join(dir, 'tone.wav')}`,
    `audio_player aufile,${join(dir, 'heard.wav')}`,
    'audio_alert aufile,/dev/null',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module account.so',
    'module_app menu.so',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'accounts'), '"Ann" <sip:+15550123@127.0.0.1>;regint=0\n');
}

test('baresip dials in (default room): the room sees it and hears its tone; its hang-up removes it', async () => {
  const env = await startGatewayStack({ dialIn: { defaultRoom: ROOM } });
  const dir = await mkdtemp(join(tmpdir(), 'plenum-baresip-'));
  let participant: MediaParticipant | undefined;
  let phone: ReapedProcess | undefined;
  try {
    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;
    await baresipHome(dir, await freeUdpPort());
    phone = await spawnReaped('baresip', ['-f', dir, '-n', '127.0.0.1', '-e', `/dial sip:meeting@127.0.0.1:${env.sipPort}`, '-t', String(CALL_SECONDS)]);

    const joined = await p.signalling.client.next(callerPresence(p), 20_000, 'the softphone\'s presence');
    assert.is(displayNameOf(joined), 'Phone •••• 23', 'named by its masked number, not its SIP display name');
    const occupant = joined.attrs.from as string;
    const nick = occupant.split('/')[1] as string;
    for (let i = 0; i < 200 && env.gateway.gateway.calls.get(nick)?.state !== 'in-conference'; i++) await sleep(100);
    const opus = (): typeof p.received => p.received.filter((r) => r.header.payloadType === p.negotiated.opusPayloadType);
    const from = opus().length;
    await sleep(2_000);
    const packets = opus().slice(from + 10);
    assert.ok(packets.length >= 50, `the softphone is heard in the room (${packets.length} packets in 2 s)`);
    const decoder = new OpusFrameDecoder();
    const frame = new Int16Array(960);
    const pcm = new Int16Array(packets.length * 960);
    packets.forEach((r, i) => {
      decoder.decode(r.payload, frame);
      pcm.set(frame, i * 960);
    });
    assert.ok(rmsOf(pcm) > 300, 'not silence');
    const f = dominantFrequency(pcm.subarray(Math.max(0, pcm.length - 48_000)), 48_000);
    assert.ok(Math.abs(f - 1000) <= 20, `the room hears the softphone's 1 kHz file (got ${f} Hz)`);

    // baresip quits after CALL_SECONDS and hangs up on its way out.
    await p.signalling.client.next(leftRoom(occupant), (CALL_SECONDS + 10) * 1000, 'the softphone leaves the room');
    await phone.exited;
    assert.is(env.gateway.gateway.callCount, 0);
  } finally {
    await phone?.stop();
    await participant?.close();
    await env.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
