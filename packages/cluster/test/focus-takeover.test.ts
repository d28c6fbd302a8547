// Issue 6 (second part): two focus instances sharing their state in a real redis-server, as
// `npm run cluster` runs them. The active focus is killed with SIGKILL in the middle of a
// two-person conference of werift peers (bob's audio reaches alice through a real bridge): the
// standby becomes the focus component, takes the conference's lease once it expires, rejoins the
// room as `focus` and continues — a third participant joins and is offered a session on the same
// bridge, the first two keep their sessions (no session-terminate; they learn the newcomer's
// sources under their original Jingle sid), bob's audio keeps reaching alice throughout, and
// neither sees the focus leave the room (what ends the meeting for Jitsi's client). Then
// redis-server is killed: the conference goes on (a fourth participant joins), and when Redis
// returns the focus writes the conference back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import type { EndpointSources, Jingle } from '@plenum/xmpp/codec';
import { NS_FOCUS, el } from '@plenum/xmpp/codec';
import { spawnReaped } from '@plenum/kit/node';
import type { ReapedProcess } from '@plenum/kit/node';
import { ScriptedParticipant, cameraSources, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { ClusterStatus } from '../src/status.ts';
import type { RunningCluster } from '../src/cluster.ts';
import { startCluster } from '../src/cluster.ts';

const ROOM = 'takeover';
const ROOM_JID = `${ROOM}@conference.plenum.localhost`;
/** The issue's promise: a new participant can join within 5 s of the owner's death. */
const TAKEOVER_DEADLINE_MS = 5_000;

type Person = { readonly p: ScriptedParticipant; readonly audioSsrc: number; readonly offer: Jingle };

async function statusOf(focusUrl: string): Promise<ClusterStatus | undefined> {
  try {
    const res = await fetch(`${focusUrl}/stats`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? await res.json() as ClusterStatus : undefined;
  } catch {
    return undefined;
  }
}

/** Asks for the conference until a focus answers ready (the client's retry while no focus is there), then joins the room. */
async function joinWhenFocusAnswers(c: RunningCluster, people: ScriptedParticipant[], deadlineMs: number): Promise<ScriptedParticipant> {
  const p = await ScriptedParticipant.connect({ port: c.xmpp.tcpPort, room: ROOM });
  people.push(p);
  for (;;) {
    // While no focus is connected the server may not answer at all: ask again after a second.
    const reply = await p.request(el('iq', { type: 'set', to: p.focusDomain },
      el('conference', { xmlns: NS_FOCUS, room: p.roomJid, 'machine-uid': `test-${p.nick}` })), 1000).catch(() => undefined);
    if (reply?.attrs.type === 'result') break;
    if (Date.now() > deadlineMs) throw new Error('no focus answered the conference request in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  await p.enterRoom();
  return p;
}

async function acceptOffer(p: ScriptedParticipant, base: number, timeoutMs: number): Promise<Person> {
  const offer = await p.nextJingle('session-initiate', timeoutMs);
  const sources: EndpointSources = cameraSources(p.nick, base);
  assert.is((await p.accept(offer, sources)).attrs.type, 'result');
  return { p, audioSsrc: sources.audio[0]!.ssrc, offer };
}

/** `who` is told about `other`'s audio SSRC with a source-add in its original session. */
async function learnsInSameSession(who: Person, other: Person, timeoutMs: number): Promise<void> {
  const ssrc = other.audioSsrc;
  for (;;) {
    const add = await who.p.nextJingle('source-add', timeoutMs);
    if (add.contents.some((x) => x.description?.sources.some((s) => s.ssrc === ssrc))) {
      assert.is(add.sid, who.offer.sid, `${who.p.nick} keeps its session`);
      return;
    }
  }
}

/** One Redis command over RESP; the raw reply text (enough to look for a value in it). */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(1000, () => { socket.destroy(); reject(new Error('redis timeout')); });
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d) => {
      reply += d.toString('utf8');
      // Replies here are small: the first chunk that ends a line is complete enough.
      if (reply.endsWith('\r\n')) { socket.destroy(); resolve(reply); }
    });
  });
}

const candidatePort = (j: Jingle): number | undefined => j.contents[0]?.transport?.candidates[0]?.port;

test('the standby focus takes over a conference whose focus was killed, without touching its sessions; Redis loss breaks nothing', async () => {
  const people: ScriptedParticipant[] = [];
  const media: MediaParticipant[] = [];
  let talking: ReturnType<typeof setInterval> | undefined;
  let cluster: RunningCluster | undefined;
  let redisAgain: ReapedProcess | undefined;
  try {
    cluster = await startCluster({ bridges: 2, logLevel: 'warn' });
    const c = cluster;
    assert.ok(c.redisPort !== undefined, 'redis-server runs (scripts/install-test-deps.sh installs it)');
    assert.is(c.focusUrls.length, 2, 'two focus instances');
    const [activeUrl, standbyUrl] = c.focusUrls as [string, string];

    const aliceMedia = await MediaParticipant.join({ port: c.xmpp.tcpPort, room: ROOM });
    media.push(aliceMedia);
    const bobMedia = await MediaParticipant.join({ port: c.xmpp.tcpPort, room: ROOM });
    media.push(bobMedia);
    const alice: Person = { p: aliceMedia.signalling, audioSsrc: aliceMedia.audioSsrc, offer: aliceMedia.offer };
    const bob: Person = { p: bobMedia.signalling, audioSsrc: bobMedia.audioSsrc, offer: bobMedia.offer };
    await learnsInSameSession(alice, bob, 10_000);
    await Promise.all([aliceMedia.connected(), bobMedia.connected()]);
    talking = setInterval(() => bobMedia.sendAudio(Buffer.from([0xf8, 0xff, 0xfe])), 20);
    const heard = (): number => aliceMedia.received.filter((x) => x.header.ssrc === bobMedia.audioSsrc).length;
    await waitUntil('bob\'s audio reaches alice', () => heard() > 0, 10_000);
    const before = await statusOf(activeUrl);
    const host = before?.conferences[0]?.bridge;
    assert.ok(host, 'the conference is on a bridge');
    assert.is((await statusOf(standbyUrl))?.conferences.length, 0, 'the standby runs nothing while the other focus is active');
    assert.is((await fetch(`${standbyUrl}/about/health`)).status, 500, 'a standby is not healthy (not the active focus)');

    // kill -9 the active focus.
    const active = c.processes.find((p) => p.name === 'focus');
    assert.ok(active);
    const killedAt = Date.now();
    process.kill(active.pid, 'SIGKILL');
    const heardAtKill = heard();
    // While no focus runs: media goes on (50 packets a second).
    await waitUntil('audio flows without a focus', () => heard() > heardAtKill + 25, 5_000);

    const carolP = await joinWhenFocusAnswers(c, people, killedAt + TAKEOVER_DEADLINE_MS);
    const carol = await acceptOffer(carolP, 300, Math.max(1, killedAt + TAKEOVER_DEADLINE_MS - Date.now()));
    const takeoverMs = Date.now() - killedAt;
    console.log(`  focus takeover: a new participant was offered a session ${takeoverMs} ms after the kill`);
    assert.is(candidatePort(carol.offer), candidatePort(alice.offer), 'the newcomer is offered the same bridge');
    const after = await statusOf(standbyUrl);
    assert.is(after?.conferences[0]?.room, ROOM_JID, 'the standby runs the conference now');
    assert.is(after?.conferences[0]?.bridge, host, 'on the same bridge');
    assert.is(after?.conferences[0]?.participants, 3);
    await learnsInSameSession(alice, carol, 5_000);
    // Jitsi's client ends the meeting when the focus occupant leaves (FOCUS_LEFT): the XMPP server
    // holds the dead focus's rooms until the standby rejoins them (components.holdRoomsOf).
    const focusOccupant = `${ROOM_JID}/focus`;
    for (const who of [alice, bob]) {
      assert.not.ok(who.p.client.inbox.some((e) => e.name === 'presence' && e.attrs.from === focusOccupant && e.attrs.type === 'unavailable'), `${who.p.nick} never saw the focus leave`);
    }
    await learnsInSameSession(bob, carol, 5_000);
    const heardAfterTakeover = heard();
    await waitUntil('audio flows after the takeover', () => heard() > heardAfterTakeover + 25, 5_000);
    assert.not.ok(alice.p.hasPendingJingle('session-terminate') || bob.p.hasPendingJingle('session-terminate') || alice.p.hasPendingJingle('session-initiate'),
      'the first participants\' sessions were not touched');

    // Redis dies mid-conference: nothing breaks, a newcomer still joins.
    const redisProc = c.processes.find((p) => p.name === 'redis');
    assert.ok(redisProc);
    process.kill(redisProc.pid, 'SIGKILL');
    const dave = await acceptOffer(await ScriptedParticipant.join({ port: c.xmpp.tcpPort, room: ROOM }).then((p) => (people.push(p), p)), 400, 10_000);
    assert.is(candidatePort(dave.offer), candidatePort(alice.offer));
    await learnsInSameSession(alice, dave, 5_000);
    const heardWithoutRedis = heard();
    await waitUntil('audio flows without Redis', () => heard() > heardWithoutRedis + 25, 5_000);
    // Redis returns (empty): the focus writes its conference back.
    redisAgain = await spawnReaped('redis-server', ['--port', String(c.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    const port = c.redisPort;
    await waitUntil('the focus wrote the conference back to Redis', async () => {
      try {
        const owner = await redisCommand(port, 'GET', `plenum:focus:owner:${ROOM_JID}`);
        const parts = await redisCommand(port, 'HLEN', `plenum:focus:parts:${ROOM_JID}`);
        return owner.includes('focus-2') && parts.startsWith(':4');
      } catch {
        return false;
      }
    }, 10_000);
  } finally {
    if (talking !== undefined) clearInterval(talking);
    for (const m of media) await m.close();
    for (const p of people) p.close();
    await cluster?.stop();
    await redisAgain?.stop();
  }
});

test.run();
