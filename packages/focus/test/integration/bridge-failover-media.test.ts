// Issue 6's media-level proof of a bridge failure: two werift peers in a conference through the real
// focus and real bridges; bob's audio reaches alice; the bridge they are on closes; both are told
// "moving", answer the fresh offers with fresh peer connections (as lib-jitsi-meet does for a new
// session-initiate; testkit's MediaParticipant.followMoves), connect to the other bridge, and bob's
// audio reaches alice again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBridge } from '@plenum/bridge';
import { assertNoLeakedHandles, startStack, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';

const DEADLINE_MS = 15_000;

/** True once `to` decrypted an Opus packet of `from`'s current audio source on its current session. */
const hears = (to: MediaParticipant, from: MediaParticipant): boolean =>
  to.received.slice(to.sessionStarts.at(-1) ?? 0).some((p) => p.header.ssrc === from.audioSsrc && p.header.payloadType === from.negotiated.opusPayloadType);

test('a bridge failure: both peers are moved, reconnect to the other bridge, and audio flows again', async () => {
  const baseline = process.getActiveResourcesInfo();
  const stack = await startStack({ bridges: 2 });
  const people: MediaParticipant[] = [];
  let talking: ReturnType<typeof setInterval> | undefined;
  try {
    const alice = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'media-failover', timeoutMs: DEADLINE_MS });
    people.push(alice);
    const bob = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'media-failover', timeoutMs: DEADLINE_MS });
    people.push(bob);
    await Promise.all(people.map((p) => p.connected(DEADLINE_MS)));
    for (const p of people) p.followMoves();
    talking = setInterval(() => bob.sendAudio(Buffer.from([0xf8, 0xff, 0xfe])), 20);
    await waitUntil('bob\'s audio reaches alice', () => hears(alice, bob), DEADLINE_MS);

    const host = stack.bridges.find((b) => b.stats().conferences === 1) as RunningBridge;
    assert.ok(host, 'one bridge hosts the conference');
    const other = stack.bridges.find((b) => b !== host) as RunningBridge;
    await host.close();

    // Each client drops its old session and answers the new one, as lib-jitsi-meet does.
    await waitUntil('both answered a second session', () => people.every((p) => p.sessions === 2), DEADLINE_MS);
    for (const p of people) assert.equal(p.terminateReasons, ['moving'], `${p.id} was told it is moving`);
    await waitUntil('bob\'s audio reaches alice through the other bridge', () => hears(alice, bob), DEADLINE_MS);
    assert.is(other.stats().conferences, 1, 'the conference lives on the other bridge now');
  } finally {
    if (talking !== undefined) clearInterval(talking);
    for (const p of people) await p.close();
    await stack.close();
  }
  // werift's DTLS retransmission timers may outlive a closed handshake (bridge README, "Closing").
  await assertNoLeakedHandles(baseline, 30_000).catch((error: unknown) => assert.unreachable((error as Error).message));
});

test.run();
