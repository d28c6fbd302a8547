// What the call's mixer needs from the bridge, through the real stack (our XMPP server, focus and
// bridge; werift participants): every participant's Opus packets reach the leg with the RFC 6464
// level the participant sent (the bridge forwards the extension under the leg's own id), and once
// ICE and DTLS are up those packets take the direct SRTP path (audio-peer.ts) rather than werift's
// ICE layer; STUN (ICE consent) still goes to werift, so the call stays connected. And the caller's
// silence (frames the call flow skips): the participant gets no packets for it, then packets whose
// RTP clock ran on, the first with the marker bit, sequence numbers without a hole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Encoder } from '@evan/opus';
import { waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ConferenceLeg } from '../src/conference/index.ts';
import { legParams, withStack } from './conference-harness.ts';
import { sineFrame } from './tone.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the leg gets each participant\'s packets with the level it sent, on the direct SRTP path', () => withStack(async ({ stack, deps, route }) => {
  const people: MediaParticipant[] = [];
  let leg: ConferenceLeg | undefined;
  try {
    const loud = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'levels' });
    const quiet = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'levels' });
    people.push(loud, quiet);
    await Promise.all(people.map((p) => p.connected()));
    leg = await ConferenceLeg.join(deps, legParams('levels'), route);
    const levels = new Map<number, number[]>();
    leg.events.on('audio', (ssrc, _seq, _ts, payload, level) => {
      assert.ok(payload.length > 2, 'an Opus payload');
      const seen = levels.get(ssrc) ?? [];
      seen.push(level);
      levels.set(ssrc, seen);
    });
    const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    for (let f = 0; f < 100; f++) {
      const packet = Buffer.from(encoder.encode(sineFrame(440, { startSample: f * 960 })));
      loud.sendAudio(packet, 0x80 | 25); // voice, −25 dBov
      quiet.sendAudio(packet, 127); // silence
      await sleep(20);
    }
    await waitUntil('both participants\' packets reached the leg', () => (levels.get(loud.audioSsrc)?.length ?? 0) >= 50 && (levels.get(quiet.audioSsrc)?.length ?? 0) >= 50, 5000);
    assert.ok(levels.get(loud.audioSsrc)!.every((l) => l === 25), `levels of the loud one: ${[...new Set(levels.get(loud.audioSsrc))].join(',')}`);
    assert.ok(levels.get(quiet.audioSsrc)!.every((l) => l === 127), 'levels of the quiet one');
    const received = levels.get(loud.audioSsrc)!.length + levels.get(quiet.audioSsrc)!.length;
    // Packets before the swap (DTLS just up) went through werift; the rest took the direct path.
    assert.ok(leg.srtpDatagramsTaken >= received - 20, `${leg.srtpDatagramsTaken} of ${received} on the direct path`);
    assert.ok(leg.isConnected, 'still connected: ICE consent (STUN) is werift\'s as before');
  } finally {
    await leg?.leave();
    await Promise.all(people.map((p) => p.close().catch(() => undefined)));
  }
}));

test('frames skipped for silence: the RTP clock runs on, the next packet starts a talkspurt, no sequence hole', () => withStack(async ({ stack, deps, route }) => {
  let host: MediaParticipant | undefined;
  let leg: ConferenceLeg | undefined;
  try {
    host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'pause' });
    await host.connected();
    leg = await ConferenceLeg.join(deps, legParams('pause'), route);
    const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    for (let f = 0; f < 40; f++) {
      if (f >= 10 && f < 25) leg.skipAudio();
      else leg.sendAudio(encoder.encode(sineFrame(440, { startSample: f * 960 })), 20);
      await sleep(20);
    }
    const fromLeg = (): MediaParticipant['received'] => host!.received.filter((p) => p.header.ssrc === leg!.ssrc);
    await waitUntil('the caller\'s 25 packets reach the participant', () => fromLeg().length >= 25, 5000);
    const packets = fromLeg().sort((a, b) => a.header.sequenceNumber - b.header.sequenceNumber);
    assert.is(packets.length, 25, 'nothing sent for the 15 skipped frames');
    const [before, after] = [packets[9]!.header, packets[10]!.header];
    assert.is((after.sequenceNumber - before.sequenceNumber) & 0xffff, 1, 'no sequence hole: nothing was lost');
    assert.is((after.timestamp - before.timestamp) >>> 0, 16 * 960, 'the clock ran on through 15 frames of silence');
    assert.ok(after.marker, 'the first packet after the pause starts a talkspurt');
    assert.ok(packets.slice(11).every((p) => !p.header.marker) && packets.slice(1, 10).every((p) => !p.header.marker), 'no other marker');
  } finally {
    await leg?.leave();
    await host?.close().catch(() => undefined);
  }
}));

test.run();
