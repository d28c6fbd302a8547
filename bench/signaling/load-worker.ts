// A load-generator process, forked by bench.ts so that it never shares an event loop with the
// servers under test. Per round it logs in its share of the participants, starts them all at the
// parent's instant, and reports when each got its offer, accepted, and saw everyone else's sources.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EndpointSources } from '@plenum/xmpp/codec';
import { SSRCS_PER_PARTICIPANT, cameraSources } from './jitsi-client.ts';
import { Participant, type ParticipantContext } from './participant.ts';
import type { FromWorker, RoundPlan, ToWorker, WorkerResult } from './protocol.ts';

const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    process.send?.(m, undefined, undefined, () => resolve());
  });

/** hrtime milliseconds (CLOCK_MONOTONIC, shared with the parent) from the cheaper performance.now(). */
const HR_OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const nowMs = (): number => performance.now() + HR_OFFSET_MS;

function sleepUntil(atMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - nowMs())));
}

/** One round: its participants and what they saw. */
class Round {
  readonly #plan: RoundPlan;
  readonly #ctx: ParticipantContext;
  readonly #rooms = new Map<string, Participant[]>();
  readonly #all: Participant[] = [];
  readonly #complete = new Set<Participant>();
  readonly #received: Record<string, number> = {};
  readonly #eld = monitorEventLoopDelay({ resolution: 1 });
  #offersSettled = 0;
  #acceptsSettled = 0;
  #settledMs: number | undefined;
  #nextSsrc: number;
  #loginMs = 0;
  #wake: (() => void) | undefined;

  constructor(plan: RoundPlan) {
    this.#plan = plan;
    this.#nextSsrc = plan.ssrcBase;
    this.#ctx = {
      addresses: plan.addresses, bridgeIds: plan.bridgeIds, nowMs,
      maxSources: (plan.participantsPerRoom + 1) * SSRCS_PER_PARTICIPANT + 16,
      listener: {
        onSettledOffer: () => { this.#offersSettled++; this.#wake?.(); },
        onSettledAccept: (p) => {
          this.#acceptsSettled++;
          this.#checkRoom(p.room);
          this.#wake?.();
        },
        onSourcesChanged: (p) => this.#checkRoom(p.room),
        onReceived: (kind) => { this.#received[kind] = (this.#received[kind] ?? 0) + 1; },
      },
    };
  }

  /** Logs every participant in, a few at a time; none of them talks to the focus yet. */
  async login(): Promise<number> {
    const started = performance.now();
    const slots: string[] = [];
    for (const room of this.#plan.rooms) {
      this.#rooms.set(room, []);
      for (let i = 0; i < this.#plan.participantsPerRoom; i++) slots.push(room);
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let room = slots[next++]; room !== undefined; room = slots[next++]) {
        const inRoom = this.#rooms.get(room) ?? [];
        const p = await Participant.login(this.#ctx, room, this.#plan.loginTimeoutMs,
          (nick) => inRoom.some((x) => x.nick === nick), (nick) => this.#sources(nick));
        inRoom.push(p);
        this.#all.push(p);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#plan.loginConcurrency, slots.length) }, lane));
    this.#loginMs = performance.now() - started;
    return this.#loginMs;
  }

  /**
   * Starts every participant at the common instant (plus its conference's ramp offset); resolves
   * with the report once sources have settled (or timed out).
   */
  async run(startAtHrMs: number, onInitiated: (atHrMs: number) => void): Promise<WorkerResult> {
    await sleepUntil(startAtHrMs);
    // The timer fires a little late; spin the last stretch so every request leaves at the same instant.
    while (nowMs() < startAtHrMs) { /* busy-wait the last fraction of a millisecond */ }
    this.#eld.enable();
    const offsets = new Map(this.#plan.rooms.map((room, i) => [room, this.#plan.startOffsetsMs[i] ?? 0]));
    for (const p of this.#all) {
      const offsetMs = offsets.get(p.room) ?? 0;
      if (offsetMs <= 0) p.start();
      else setTimeout(() => p.start(), Math.max(0, startAtHrMs + offsetMs - nowMs()));
    }
    const total = this.#all.length;
    const sessionDeadline = startAtHrMs + this.#plan.sessionTimeoutMs;
    await this.#until(() => this.#offersSettled >= total, sessionDeadline);
    onInitiated(nowMs());
    await this.#until(() => this.#acceptsSettled >= total, sessionDeadline);
    await this.#until(() => this.#settledMs !== undefined, nowMs() + this.#plan.settleTimeoutMs);
    this.#eld.disable();
    return this.#result();
  }

  async leave(): Promise<void> {
    await Promise.all(this.#all.map((p) => p.leave()));
  }

  #sources(nick: string): EndpointSources {
    const base = this.#nextSsrc;
    this.#nextSsrc += SSRCS_PER_PARTICIPANT;
    return cameraSources(nick, (i) => base + i);
  }

  /** Waits until `done()` holds or the deadline passes; woken by the participants' callbacks. */
  async #until(done: () => boolean, deadlineMs: number): Promise<void> {
    while (!done() && nowMs() < deadlineMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(100, deadlineMs - nowMs())));
        this.#wake = () => { clearTimeout(timer); resolve(); };
      });
      this.#wake = undefined;
    }
  }

  /** A participant's view is complete when it holds exactly every other accepted participant's SSRCs (and the bridge's). */
  #problemOf(p: Participant, peers: readonly Participant[]): string | undefined {
    if (!p.hasAccepted) return p.error ?? 'never accepted';
    const expected = new Map<string, readonly number[]>();
    for (const q of peers) if (q !== p && q.hasAccepted) expected.set(q.nick, [...q.sources.audio, ...q.sources.video].map((s) => s.ssrc));
    for (const [owner, ssrcs] of expected) {
      const seen = p.view.get(owner);
      if (seen === undefined || seen.size !== ssrcs.length || ssrcs.some((s) => !seen.has(s))) {
        return `${p.nick} sees ${seen?.size ?? 0} of ${owner}'s ${ssrcs.length} SSRCs`;
      }
    }
    for (const [owner, seen] of p.view) {
      if (owner !== 'jvb' && !expected.has(owner) && seen.size > 0) return `${p.nick} was told of ${seen.size} SSRCs of "${owner}", who is not an accepted peer`;
    }
    return p.view.has('jvb') ? undefined : `${p.nick} has no bridge feedback sources`;
  }

  #checkRoom(room: string): void {
    const peers = this.#rooms.get(room) ?? [];
    for (const p of peers) {
      if (this.#problemOf(p, peers) === undefined) this.#complete.add(p);
      else this.#complete.delete(p);
    }
    if (this.#acceptsSettled >= this.#all.length && this.#complete.size === this.#all.filter((p) => p.hasAccepted).length) {
      this.#settledMs ??= nowMs();
      this.#wake?.();
    }
  }

  #result(): WorkerResult {
    for (const room of this.#rooms.keys()) this.#checkRoom(room);
    let firstSourceProblem: string | undefined;
    for (const [, peers] of this.#rooms) {
      for (const p of peers) firstSourceProblem ??= p.hasAccepted ? this.#problemOf(p, peers) : undefined;
    }
    return {
      participants: this.#all.map((p) => p.record()),
      sourceViewsComplete: this.#complete.size,
      firstSourceProblem,
      settledMs: this.#settledMs,
      received: { ...this.#received },
      eventLoopDelayMaxMs: this.#eld.max / 1e6,
      eventLoopDelayP99Ms: this.#eld.percentile(99) / 1e6,
      loginMs: this.#loginMs,
    };
  }
}

let round: Round | undefined;

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'login':
      round = new Round(message.plan);
      return send({ kind: 'loggedIn', loginMs: await round.login() });
    case 'go': {
      if (round === undefined) throw new Error('go before login');
      const result = await round.run(message.startAtHrMs, (atHrMs) => void send({ kind: 'initiated', atHrMs }));
      return send({ kind: 'result', result });
    }
    case 'leave':
      await round?.leave();
      round = undefined;
      return send({ kind: 'left' });
    case 'close':
      await round?.leave();
      return process.disconnect();
    default:
      throw new Error(`unknown message ${JSON.stringify(message satisfies never)}`);
  }
}

if (process.send === undefined) throw new Error('load-worker.ts runs only as a child of bench.ts');
process.on('message', (message: ToWorker) => {
  void handle(message).catch(async (e: unknown) => {
    await send({ kind: 'failed', reason: e instanceof Error ? e.message : String(e) });
  });
});
// The parent is gone (crashed or killed): nothing left to report to, so stop at once.
process.on('disconnect', () => process.exit(0));
