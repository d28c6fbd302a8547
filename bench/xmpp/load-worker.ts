// A load-generator process, forked by bench.ts so that it never competes with the server for an
// event loop. It connects its share of the clients, sends groupchat messages on the parent's
// timeline and checks every delivery. Message bodies are `<sender id> <seq> <send time ms>`.
import { performance } from 'node:perf_hooks';
import { BenchClient } from './bench-client.ts';
import { LatencyHistogram } from './histogram.ts';
import type { FromWorker, RoomPlan, Timeline, ToWorker, WorkerPlan, WorkerResult } from './protocol.ts';

/** One client and everything the worker tracks about it. */
type Occupant = {
  readonly id: number;
  readonly room: Room;
  /** Position in its room, indexing the other occupants' `nextSeq`. */
  readonly position: number;
  readonly client: BenchClient;
  readonly messagePrefix: string;
  /** Next sequence number to send. */
  seq: number;
  /** Deliveries seen of each message this client sent, indexed by seq. */
  deliveries: Uint16Array;
  /** Per sender position in the room: the next seq expected from them (order check). */
  readonly nextSeq: Int32Array;
  /** Sequence numbers sent inside the measured window: [first, end). */
  firstMeasuredSeq: number;
  endMeasuredSeq: number;
  /** Open loop: when the next message is due (performance.now ms). */
  nextSendAtMs: number;
};

type Room = { readonly plan: RoomPlan; readonly size: number };

const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    process.send?.(m, undefined, undefined, () => resolve());
  });

const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

class LoadWorker {
  readonly #plan: WorkerPlan;
  readonly #byId: (Occupant | undefined)[] = [];
  readonly #occupants: Occupant[] = [];
  readonly #latency = new LatencyHistogram();
  #measureFromMs = Infinity;
  #measureUntilMs = Infinity;
  #sentMeasured = 0;
  #expectedTotal = 0;
  #deliveredTotal = 0;
  #deliveredMeasured = 0;
  #reordered = 0;
  #misrouted = 0;
  #stanzaErrors = 0;
  #disconnected = 0;
  #firstDisconnectReason: string | null = null;
  #maxPendingBytes = 0;
  #maxSendLagMs = 0;
  #joinMs = 0;
  #readsMeasured = 0;

  constructor(plan: WorkerPlan) {
    this.#plan = plan;
  }

  /** Connects and joins every client; resolves with the time it took. */
  async connect(): Promise<number> {
    const started = performance.now();
    const pending: { room: Room; id: number; position: number }[] = [];
    for (const plan of this.#plan.rooms) {
      const room: Room = { plan, size: plan.clientIds.length };
      plan.clientIds.forEach((id, position) => pending.push({ room, id, position }));
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let item = pending[next++]; item !== undefined; item = pending[next++]) {
        const occupant = this.#createOccupant(item.room, item.id, item.position);
        await occupant.client.join(this.#plan.handshakeTimeoutMs);
      }
    };
    const lanes = Math.min(this.#plan.connectConcurrency, pending.length);
    await Promise.all(Array.from({ length: lanes }, lane));
    this.#joinMs = performance.now() - started;
    return this.#joinMs;
  }

  #createOccupant(room: Room, id: number, position: number): Occupant {
    const { host, port, domain } = this.#plan;
    const client = new BenchClient(
      { host, port, domain, roomJid: room.plan.jid, nick: `c${id}` },
      {
        onGroupchat: (body) => this.#onGroupchat(occupant, body),
        onStanzaError: () => this.#stanzaErrors++,
        onLost: (reason) => {
          this.#disconnected++;
          this.#firstDisconnectReason ??= reason;
        },
      },
    );
    const occupant: Occupant = {
      id, room, position, client,
      messagePrefix: `<message to='${room.plan.jid}' type='groupchat' id='m`,
      seq: 0,
      deliveries: new Uint16Array(1024),
      nextSeq: new Int32Array(room.size),
      firstMeasuredSeq: -1,
      endMeasuredSeq: -1,
      nextSendAtMs: Infinity,
    };
    this.#byId[id] = occupant;
    this.#occupants.push(occupant);
    return occupant;
  }

  /** Runs the timeline and resolves with the counts once deliveries have drained. */
  async run(timeline: Timeline): Promise<WorkerResult> {
    // Both clocks are CLOCK_MONOTONIC; performance.now() is just cheaper to read on the hot path.
    const offsetMs = hrNowMs() - performance.now();
    const startAtMs = timeline.startAtHrMs - offsetMs;
    this.#measureFromMs = timeline.measureFromHrMs - offsetMs;
    this.#measureUntilMs = timeline.measureUntilHrMs - offsetMs;
    const sampler = setInterval(() => this.#samplePending(), 100);
    const totalReads = (): number => this.#occupants.reduce((n, o) => n + o.client.reads, 0);
    let readsAtStart = 0;
    const readsTimer = setTimeout(() => { readsAtStart = totalReads(); }, this.#measureFromMs - performance.now());
    await sleepUntil(startAtMs);
    const mode = this.#plan.mode;
    if (mode.kind === 'rate') {
      const periodMs = 1000 / mode.ratePerSecond;
      // Random phases spread the clients' sends evenly instead of in lockstep bursts.
      for (const o of this.#occupants) o.nextSendAtMs = startAtMs + Math.random() * periodMs;
      const ticker = setInterval(() => this.#tick(periodMs), 1);
      await sleepUntil(this.#measureUntilMs);
      clearInterval(ticker);
    } else {
      const now = performance.now();
      for (const o of this.#occupants) for (let i = 0; i < mode.inflight; i++) this.#sendFrom(o, now);
      await sleepUntil(this.#measureUntilMs);
    }
    clearTimeout(readsTimer);
    this.#readsMeasured = totalReads() - readsAtStart;
    const drainDeadlineMs = this.#measureUntilMs + timeline.drainMs;
    while (this.#deliveredTotal < this.#expectedTotal && performance.now() < drainDeadlineMs) await sleepUntil(performance.now() + 20);
    clearInterval(sampler);
    return this.#result();
  }

  #tick(periodMs: number): void {
    const now = performance.now();
    if (now >= this.#measureUntilMs) return;
    for (const o of this.#occupants) {
      while (o.nextSendAtMs <= now) {
        const lagMs = now - o.nextSendAtMs;
        if (lagMs > this.#maxSendLagMs && now >= this.#measureFromMs) this.#maxSendLagMs = lagMs;
        this.#sendFrom(o, now);
        o.nextSendAtMs += periodMs;
      }
    }
  }

  #sendFrom(o: Occupant, nowMs: number): void {
    const seq = o.seq++;
    if (seq >= o.deliveries.length) {
      const grown = new Uint16Array(o.deliveries.length * 2);
      grown.set(o.deliveries);
      o.deliveries = grown;
    }
    if (nowMs >= this.#measureFromMs && nowMs < this.#measureUntilMs) {
      if (o.firstMeasuredSeq < 0) o.firstMeasuredSeq = seq;
      o.endMeasuredSeq = seq + 1;
      this.#sentMeasured++;
    }
    this.#expectedTotal += o.room.size;
    o.client.send(`${o.messagePrefix}${seq}'><body>${o.id} ${seq} ${nowMs.toFixed(3)}</body></message>`);
  }

  #onGroupchat(recipient: Occupant, body: string): void {
    const now = performance.now();
    const a = body.indexOf(' ');
    const b = body.indexOf(' ', a + 1);
    const sender = a > 0 && b > a ? this.#byId[Number(body.slice(0, a))] : undefined;
    const seq = Number(body.slice(a + 1, b));
    const sentAtMs = Number(body.slice(b + 1));
    if (sender === undefined || sender.room !== recipient.room || !(seq >= 0 && seq < sender.seq) || Number.isNaN(sentAtMs)) {
      this.#misrouted++;
      return;
    }
    sender.deliveries[seq] = (sender.deliveries[seq] ?? 0) + 1;
    this.#deliveredTotal++;
    const expectedSeq = recipient.nextSeq[sender.position] ?? 0;
    if (seq >= expectedSeq) recipient.nextSeq[sender.position] = seq + 1;
    else if ((sender.deliveries[seq] ?? 0) <= sender.room.size) this.#reordered++;
    if (now >= this.#measureFromMs && now < this.#measureUntilMs) {
      this.#deliveredMeasured++;
      this.#latency.record(now - sentAtMs);
    }
    // Closed loop: a client's own echo (XEP-0045 §7.4 reflects to the sender too) releases its next message.
    if (sender === recipient && this.#plan.mode.kind === 'max' && now < this.#measureUntilMs) this.#sendFrom(recipient, now);
  }

  #samplePending(): void {
    for (const o of this.#occupants) if (o.client.pendingBytes > this.#maxPendingBytes) this.#maxPendingBytes = o.client.pendingBytes;
  }

  #result(): WorkerResult {
    let expectedForMeasured = 0;
    let lost = 0;
    let duplicated = 0;
    for (const o of this.#occupants) {
      if (o.firstMeasuredSeq < 0) continue;
      for (let seq = o.firstMeasuredSeq; seq < o.endMeasuredSeq; seq++) {
        const n = o.deliveries[seq] ?? 0;
        expectedForMeasured += o.room.size;
        if (n < o.room.size) lost += o.room.size - n;
        else duplicated += n - o.room.size;
      }
    }
    return {
      sentMeasured: this.#sentMeasured,
      deliveredMeasured: this.#deliveredMeasured,
      expectedForMeasured, lost, duplicated,
      reordered: this.#reordered,
      misrouted: this.#misrouted,
      stanzaErrors: this.#stanzaErrors,
      disconnected: this.#disconnected,
      firstDisconnectReason: this.#firstDisconnectReason,
      maxPendingBytes: this.#maxPendingBytes,
      maxSendLagMs: this.#maxSendLagMs,
      readsMeasured: this.#readsMeasured,
      joinMs: this.#joinMs,
      latency: this.#latency.toData(),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#occupants.map((o) => o.client.close()));
  }
}

function sleepUntil(atMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - performance.now())));
}

let worker: LoadWorker | undefined;

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'connect':
      worker = new LoadWorker(message.plan);
      return send({ kind: 'joined', joinMs: await worker.connect() });
    case 'start':
      if (worker === undefined) throw new Error('start before connect');
      return send({ kind: 'result', result: await worker.run(message.timeline) });
    case 'close':
      await worker?.close();
      await send({ kind: 'closed' });
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
