// Issue 6 (second part): a focus restarted with the same Redis resumes its conferences without
// dropping media. Two werift peers talk through a real bridge; the focus (state in a real
// redis-server on loopback) shuts down and a new focus process-equivalent with the same instance id
// starts: the audio never stops, nobody gets session-terminate, and a newcomer is offered the same
// bridge while the first two learn its sources in their original sessions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jingle } from '@plenum/xmpp/codec';
import { freePort } from '@plenum/kit/node';
import { ScriptedParticipant, startStack, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { startFocus } from '../../src/start.ts';
import type { RunningFocus } from '../../src/start.ts';
import { startRedis } from '../state/redis-server.ts';
import type { TestRedis } from '../state/redis-server.ts';

const ROOM = 'restart';
const DEADLINE_MS = 15_000;

const hears = (to: MediaParticipant, from: MediaParticipant): number => to.received.filter((p) => p.header.ssrc === from.audioSsrc).length;
const candidatePort = (j: Jingle): number | undefined => j.contents.find((c) => c.transport !== undefined)?.transport?.candidates[0]?.port;

test('a restarted focus resumes its conference: media keeps flowing, sessions are kept, a newcomer joins the same bridge', async () => {
  let redis: TestRedis | undefined;
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let second: RunningFocus | undefined;
  const media: MediaParticipant[] = [];
  const people: ScriptedParticipant[] = [];
  let talking: ReturnType<typeof setInterval> | undefined;
  try {
    redis = await startRedis(await freePort());
    const focusValues = { redis: { url: redis.url, leaseMs: 2_000 }, instanceId: 'focus-a' };
    stack = await startStack({ bridges: 1, focus: focusValues });
    const s = stack;
    const alice = await MediaParticipant.join({ port: s.server.tcpPort, room: ROOM });
    media.push(alice);
    const bob = await MediaParticipant.join({ port: s.server.tcpPort, room: ROOM });
    media.push(bob);
    await Promise.all([alice.connected(), bob.connected()]);
    talking = setInterval(() => bob.sendAudio(Buffer.from([0xf8, 0xff, 0xfe])), 20);
    await waitUntil('bob\'s audio reaches alice', () => hears(alice, bob) > 0, DEADLINE_MS);

    // The focus goes away and comes back with the same instance id and Redis.
    await s.focus.close();
    const heardWhileDown = hears(alice, bob);
    second = await startFocus({
      values: {
        component: { host: '127.0.0.1', port: s.server.componentPort, secret: s.secrets.focus },
        jingle: { sourceSignalingDelayMs: 0 },
        log: { level: 'silent' },
        ...focusValues,
      },
    });
    const f = second;
    await waitUntil('the new focus runs the conference again', () => f.stats().conferences === 1 && f.stats().participants === 2, DEADLINE_MS);
    await waitUntil('audio keeps flowing', () => hears(alice, bob) > heardWhileDown + 25, DEADLINE_MS);

    const carol = await ScriptedParticipant.join({ port: s.server.tcpPort, room: ROOM });
    people.push(carol);
    const offer = await carol.nextJingle('session-initiate', DEADLINE_MS);
    assert.is(candidatePort(offer), candidatePort(alice.offer), 'the newcomer is offered the same bridge');
    const carolSsrc = 777_001;
    assert.is((await carol.accept(offer, { audio: [{ ssrc: carolSsrc, name: `${carol.nick}-a0`, parameters: [] }], audioGroups: [], video: [], videoGroups: [] })).attrs.type, 'result');
    for (const who of [alice, bob]) {
      for (;;) {
        const add = await who.signalling.nextJingle('source-add', DEADLINE_MS);
        if (!add.contents.some((c) => c.description?.sources.some((x) => x.ssrc === carolSsrc))) continue;
        assert.is(add.sid, who.offer.sid, `${who.id} keeps its original session`);
        break;
      }
      assert.not.ok(who.signalling.hasPendingJingle('session-terminate'), `${who.id} got no session-terminate`);
      assert.not.ok(who.signalling.hasPendingJingle('session-initiate'), `${who.id} was not re-invited`);
    }
    assert.is(s.bridges[0]?.stats().conferences, 1, 'still one conference on the bridge');
    const before = hears(alice, bob);
    await waitUntil('audio still flows', () => hears(alice, bob) > before + 10, DEADLINE_MS);
  } finally {
    if (talking !== undefined) clearInterval(talking);
    for (const m of media) await m.close();
    for (const p of people) p.close();
    await second?.close();
    await stack?.close();
    await redis?.stop();
  }
});

test.run();
