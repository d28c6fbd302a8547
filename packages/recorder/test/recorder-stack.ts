// What the recorder's integration tests run on: testkit's stack (XMPP server, focus, bridge) set up
// to admit the recorder's component and to treat it as a service, with a recorder on it (a
// RecorderTestBed, which closes it all), and what werift participants do in the room: become
// moderator, ask the focus to record or stream (jibri IQs), watch the status, and the
// join–leave–share script that the "follows the meeting" tests record.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC_USER, child, decodeRecordingStatus, el } from '@plenum/xmpp/codec';
import type { RunningStack } from '@plenum/testkit';
import { errorCondition, screenSources, startStack } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import * as assert from 'uvu/assert';
import type { RunningRecorder } from '../src/index.ts';
import { startRecorder } from '../src/index.ts';
import { PatternSender } from './pattern-sender.ts';

export const RECORDER_DOMAIN = 'recorder.plenum.localhost';
const SECRETS = { focus: 'f-secret', bridges: 'b-secret', recorder: 'r-secret' };
/** The recorder component's secret on the test stack (for a recorder started as its own process). */
export const RECORDER_SECRET = SECRETS.recorder;

export function startRecorderTestStack(): Promise<RunningStack> {
  return startStack({
    server: { components: { secrets: [`focus.plenum.localhost=${SECRETS.focus}`, `*.bridge.plenum.localhost=${SECRETS.bridges}`, `${RECORDER_DOMAIN}=${SECRETS.recorder}`] } },
    focus: { component: { secret: SECRETS.focus }, moderation: { trustedServiceDomains: [RECORDER_DOMAIN] } },
    bridgeValues: () => ({ xmpp: { secret: SECRETS.bridges } }),
  });
}

/**
 * What a recording test runs in and closes at its end: a temporary directory (kept with KEEP=1, for a
 * look with ffplay), the stack and a recorder on it, and the participants and senders the test adds
 * to `people` and `senders`.
 */
export class RecorderTestBed {
  readonly people: MediaParticipant[] = [];
  readonly senders: PatternSender[] = [];
  #stack: RunningStack | undefined;
  #recorder: RunningRecorder | undefined;

  private constructor(readonly dir: string) {}

  /** A bed with its temporary directory (`plenum-<name>-…`); nothing runs yet. */
  static async create(name: string): Promise<RecorderTestBed> {
    return new RecorderTestBed(await mkdtemp(join(tmpdir(), `plenum-${name}-`)));
  }

  /**
   * Starts the stack and a recorder on it with these settings (output, composed, stream, log…),
   * beside its component connection and with its media on loopback; `port` is the XMPP server's.
   */
  async start(values: Record<string, unknown>, log?: Logger): Promise<{ stack: RunningStack; recorder: RunningRecorder; port: number }> {
    const stack = await startRecorderTestStack();
    this.#stack = stack;
    const recorder = await startRecorder({
      values: { ...values, component: { port: stack.server.componentPort, secret: SECRETS.recorder } },
      ...(log !== undefined ? { log } : {}),
      media: { interfaceAddress: '127.0.0.1' },
    });
    this.#recorder = recorder;
    return { stack, recorder, port: stack.server.tcpPort };
  }

  async close(): Promise<void> {
    for (const s of this.senders) await s.stop();
    for (const p of this.people) await p.close().catch(() => undefined);
    await this.#recorder?.close();
    await this.#stack?.close();
    if (process.env.KEEP === undefined) await rm(this.dir, { recursive: true, force: true });
    else console.log(`kept in ${this.dir}`);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `p`, at most `ms` (the timer does not outlive it). */
export async function within(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => {
    timer = setTimeout(r, ms);
  })]).finally(() => clearTimeout(timer));
}

/** `p`'s request to the focus to start or stop recording to a file or streaming (to `streamId`, an RTMP URL or key). */
export const jibriIq = (p: MediaParticipant, action: 'start' | 'stop', mode: 'file' | 'stream' = 'file', streamId?: string): El =>
  el('iq', { type: 'set', to: p.signalling.focusOccupant },
    el('jibri', { xmlns: NS_JIBRI, action, recording_mode: mode, ...(streamId !== undefined ? { streamid: streamId } : {}) }));

/** Matches the focus's presence, as `p` gets it, saying the recording (or stream) is `status`. */
export const statusIs = (p: MediaParticipant, status: string) => (e: El): boolean => {
  if (e.name !== 'presence' || e.attrs.from !== p.signalling.focusOccupant) return false;
  const s = decodeRecordingStatus(e);
  return s.ok && s.value?.status === status;
};

/** Resolves once `p`'s own presence says it is a moderator (the first in a room is made one by the focus). */
export async function becomesModerator(p: MediaParticipant): Promise<void> {
  await p.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === p.signalling.occupantJid
    && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator', 5000, `${p.id} is moderator`);
}

/**
 * Sends `p`'s start request until the focus knows a recorder, and resolves with the first other
 * answer (undefined when it never did): the recorder's brewery presence may reach the focus a moment
 * after the recorder started. The focus waits up to 10 s for the recorder's ack (recording.requestTimeoutMs).
 */
export async function startOnceAvailable(p: MediaParticipant, start: El, attempts = 50): Promise<El | undefined> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const reply = await p.signalling.request(start, 15_000);
    if (errorCondition(reply) !== 'service-unavailable') return reply;
    await sleep(100);
  }
  return undefined;
}

/** A presence update with a display name, as lib-jitsi-meet sends it. */
export const setName = (p: MediaParticipant, name: string): void =>
  p.signalling.client.send(el('presence', { to: p.signalling.occupantJid }, el('nick', { xmlns: 'http://jabber.org/protocol/nick' }, name), el('SourceInfo', {}, '{}')));

/** A participant sending its tone (and test pattern). */
export type Sending = { readonly participant: MediaParticipant; readonly sender: PatternSender };

/**
 * What the "follows the meeting" tests do once the recording or stream is on: 4 s later a joiner
 * comes and sends 880 Hz; 4 s after that `leaver` leaves (the joiner itself when none is given); 2 s
 * after that the host shares their screen (a solid red picture, SSRC `shareSsrc`). Says when each
 * happened, by `now()`. Whoever joins and whatever starts sending is pushed to `people` and `senders`,
 * which the test closes.
 */
export async function joinLeaveShare(meeting: {
  readonly port: number; readonly room: string; readonly host: MediaParticipant; readonly leaver?: Sending;
  readonly joinerName?: string; readonly shareSsrc: number; readonly now: () => number;
  readonly people: MediaParticipant[]; readonly senders: PatternSender[];
}): Promise<{ joiner: MediaParticipant; joinedAt: number; leftAt: number; sharedAt: number }> {
  const { host, people, senders, now } = meeting;
  await sleep(4_000);
  const joiner = await MediaParticipant.join({ port: meeting.port, room: meeting.room });
  people.push(joiner);
  await joiner.connected();
  const joinerSender = await PatternSender.start(joiner, 880);
  senders.push(joinerSender);
  if (meeting.joinerName !== undefined) setName(joiner, meeting.joinerName);
  const joinedAt = now();

  await sleep(4_000);
  const leaver = meeting.leaver ?? { participant: joiner, sender: joinerSender };
  await leaver.sender.stop();
  await leaver.participant.close();
  const leftAt = now();

  await sleep(2_000);
  const share = screenSources(host.id, meeting.shareSsrc - 30);
  const added = await host.signalling.sourceAdd(host.offer.sid, { ...share, video: share.video.slice(0, 1), videoGroups: [] });
  assert.is(added.attrs.type, 'result', 'the focus takes the screen share source');
  senders.push(await PatternSender.startVideo(host, meeting.shareSsrc));
  return { joiner, joinedAt, leftAt, sharedAt: now() };
}
