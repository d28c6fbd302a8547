// Issue 8 with issue 6's bridge failover: a call is in a conference on one of two real bridges when
// that bridge goes away. The focus ends the call's session with "moving" and offers a fresh one on
// the other bridge; the leg answers it on its own (new peer, same SSRC) and the call goes on: a
// participant joining afterwards (on the new bridge) hears the caller and is heard by it, and the
// call never ended — until everybody else left, which ends it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Encoder } from '@evan/opus';
import type { RunningStack } from '@plenum/testkit';
import { waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ConferenceLeg } from '../src/conference/index.ts';
import { legParams, withStack } from './conference-harness.ts';

const DEADLINE_MS = 15_000;

test('the conference\'s bridge fails: the call is moved to the other bridge and its audio flows again', () => withStack(async ({ stack, deps, route }) => {
  let leg: ConferenceLeg | undefined;
  const people: MediaParticipant[] = [];
  let talking: ReturnType<typeof setInterval> | undefined;
  try {
    const host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'failover' });
    people.push(host);
    await host.connected();
    leg = await ConferenceLeg.join({ ...deps, timeouts: { sessionMs: DEADLINE_MS } }, legParams('failover'), route);
    const ended: string[] = [];
    leg.events.on('ended', (reason) => ended.push(reason));

    // The caller talks all along (any Opus frame will do: the check is that it arrives).
    const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    const frame = encoder.encode(new Int16Array(960).fill(1000));
    talking = setInterval(() => leg?.sendAudio(frame, 20), 20);
    const call = leg;
    await waitUntil('the host hears the caller', () => host.received.some((p) => p.header.ssrc === call.ssrc), DEADLINE_MS);

    const before = stack.bridges.find((b) => b.stats().conferences === 1) as RunningStack['bridges'][number];
    assert.ok(before, 'one bridge hosts the conference');
    const other = stack.bridges.find((b) => b !== before) as RunningStack['bridges'][number];
    await before.close();
    await waitUntil('the conference moved to the other bridge', () => other.stats().conferences === 1, DEADLINE_MS);

    // Someone joining now lands on the other bridge: the call hears them and they hear the call.
    const newcomer = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'failover' });
    people.push(newcomer);
    await newcomer.connected();
    await waitUntil('the newcomer hears the caller through the other bridge', () => newcomer.received.some((p) => p.header.ssrc === call.ssrc), DEADLINE_MS);
    let heard = 0;
    call.events.on('audio', (ssrc) => {
      if (ssrc === newcomer.audioSsrc) heard++;
    });
    const payload = Buffer.from(frame);
    for (let i = 0; i < 25; i++) {
      newcomer.sendAudio(payload);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitUntil('the caller hears the newcomer', () => heard >= 20, DEADLINE_MS);
    assert.ok(call.isConnected, 'the call is connected');
    assert.equal(ended, [], 'the call never ended');

    // Everybody else leaves: the caller does not stay on alone.
    for (const p of people.splice(0)) await p.close();
    await waitUntil('the call ends when it is alone', () => ended.length > 0, DEADLINE_MS);
    assert.equal(ended, ['everyone else left']);
  } finally {
    if (talking !== undefined) clearInterval(talking);
    await leg?.leave();
    for (const p of people) await p.close();
  }
}, { bridges: 2 }));

test.run();
