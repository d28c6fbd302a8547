// One conference on one bridge (Jicofo's Colibri2Session): requests go out one at a time in order,
// the first one creates the conference, the bridge's feedback sources come with the creation
// (protocols.md §3). Expiring an endpoint queued after its allocation can never overtake it.
//
// Batching: while a request is in flight, allocations pile up; the next request carries every
// pending allocation it may (COLIBRI2 takes several `<endpoint>` children per conference-modify),
// so the k-th participant of a burst waits at most two round trips instead of k. An allocation
// joins the batch unless something queued before it concerns the same endpoint (an update or
// expire, which then goes out after the batch as before) or the whole conference (its expire).
// Updates (answers, sources, force-mute) are batched the same way among themselves: the
// session-accepts of a conference that starts at once reach the bridge in one or two requests
// instead of one each. Expires go out one per request; the bridge's reply is matched by endpoint id.
//
// A refused batch: the bridge validates a conference-modify as a whole and applies all or
// nothing (packages/bridge/src/conference/apply-modify.ts), so a refusal means nothing was
// allocated or changed. When the refusal may be about one endpoint (an endpoint-level COLIBRI2
// reason such as UNKNOWN_ENDPOINT, or a stanza error such as bad-request), the batch is split: its
// allocations or updates go out again one per request, first in the queue and in their order, so
// only the endpoint the bridge refuses fails.
// When it cannot be about one endpoint — a timeout (the bridge is not answering; N requests
// would wait N timeouts), a stanza error saying the bridge was not reached (item-not-found,
// service-unavailable, …), CONFERENCE_NOT_FOUND / CONFERENCE_ALREADY_EXISTS / GRACEFUL_SHUTDOWN,
// or a conference already expired here — every allocation of the batch fails with that error and
// the conference's own retry logic (Conference#inviteFailed) handles each participant.
import type { Logger } from '@plenum/kit';
import type { Colibri2Endpoint, ConferenceModified, EndpointSources, IceUdpTransport } from '@plenum/xmpp/codec';
import type { BridgeAddress, BridgeControl } from '../ports.ts';
import { FocusError } from '../errors.ts';
import { EMPTY_SOURCES } from '../jingle/source-map.ts';
import { bridgeFailureOf } from './colibri-bridge-control.ts';
import { conferenceModify, endpointExpire, fromColibriSources } from './colibri-requests.ts';

/** What the bridge gave an endpoint. */
export type EndpointAllocation = {
  readonly transport: IceUdpTransport;
  /** The bridge opened an SCTP association for the data channel. */
  readonly hasSctp: boolean;
};

type Settle<T> = { readonly resolve: (value: T) => void; readonly reject: (error: unknown) => void };
/** A pending allocation; `isSolo` after its batch was refused (it goes out alone). */
type AllocateOp = { readonly kind: 'allocate'; readonly endpoint: Colibri2Endpoint; readonly isSolo: boolean } & Settle<EndpointAllocation>;
/** A pending update of an allocated endpoint; `isSolo` after its batch was refused. */
type UpdateOp = { readonly kind: 'update'; readonly endpoint: Colibri2Endpoint; readonly isSolo: boolean } & Settle<void>;
/** Any other request; `endpointId` undefined: it concerns the whole conference. */
type TaskOp = { readonly kind: 'task'; readonly endpointId: string | undefined; readonly run: () => Promise<unknown> } & Settle<unknown>;
type Op = AllocateOp | UpdateOp | TaskOp;

/** Refusals that are about the conference, not one endpoint: splitting the batch would not help. */
const CONFERENCE_REASONS: ReadonlySet<string> = new Set(['CONFERENCE_NOT_FOUND', 'CONFERENCE_ALREADY_EXISTS', 'GRACEFUL_SHUTDOWN']);
/** Stanza errors saying the bridge was not reached (RFC 6120 §8.3.3): the request was never judged. */
const UNREACHED_CONDITIONS: ReadonlySet<string> = new Set([
  'gone', 'item-not-found', 'recipient-unavailable', 'redirect', 'remote-server-not-found', 'remote-server-timeout', 'service-unavailable',
]);

/** The bridge side of one conference. */
export class BridgeSession {
  readonly #queue: Op[] = [];
  #isDraining = false;
  #isCreated = false;
  #isExpired = false;
  #feedbackSources: EndpointSources = EMPTY_SOURCES;
  readonly #endpoints = new Set<string>();

  constructor(
    private readonly deps: { readonly control: BridgeControl; readonly log: Logger; readonly requestTimeoutMs: number },
    readonly bridge: BridgeAddress,
    readonly meetingId: string,
    readonly roomJid: string,
  ) {}

  /** The bridge's own sources (owner `jvb`), known once the conference exists on the bridge. */
  get feedbackSources(): EndpointSources {
    return this.#feedbackSources;
  }

  /**
   * Takes over a conference another focus instance (or this one before a restart) created on the
   * bridge (focus state, src/state/): later requests modify it instead of creating it.
   */
  adopt(feedbackSources: EndpointSources, endpointIds: readonly string[]): void {
    this.#isCreated = true;
    this.#feedbackSources = feedbackSources;
    for (const id of endpointIds) this.#endpoints.add(id);
  }

  /** Endpoints allocated and not expired. */
  get endpointCount(): number {
    return this.#endpoints.size;
  }

  get isExpired(): boolean {
    return this.#isExpired;
  }

  /** Creates an endpoint (batched with the other pending allocations); resolves with the bridge's transport for it. */
  allocate(endpoint: Colibri2Endpoint): Promise<EndpointAllocation> {
    return new Promise<EndpointAllocation>((resolve, reject) => this.#push({ kind: 'allocate', endpoint, isSolo: false, resolve, reject }));
  }

  /** Changes an existing endpoint (its answer, sources, force-mute); batched with the other pending updates. */
  update(endpoint: Colibri2Endpoint): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#push({ kind: 'update', endpoint, isSolo: false, resolve, reject }));
  }

  /** Expires one endpoint; nothing is sent for an endpoint that was never allocated. Resolves true when one was expired. */
  expireEndpoint(endpointId: string): Promise<boolean> {
    return this.#task(endpointId, async () => {
      if (!this.#endpoints.delete(endpointId)) return false;
      await this.#send([endpointExpire(endpointId)]);
      return true;
    });
  }

  /** Expires the whole conference on the bridge (protocols.md §3 `expire="true"`); idempotent. */
  expire(): Promise<void> {
    return this.#task(undefined, async () => {
      if (this.#isExpired) return;
      this.#isExpired = true;
      this.#endpoints.clear();
      if (!this.#isCreated) return;
      await this.deps.control.modify(this.bridge, conferenceModify(this.meetingId, this.roomJid, { expire: true }, []),
        { timeoutMs: this.deps.requestTimeoutMs });
    });
  }

  async #send(endpoints: readonly Colibri2Endpoint[]): Promise<ConferenceModified> {
    if (this.#isExpired) throw FocusError.bridgeFailed('the conference was expired on the bridge', { kind: 'error', condition: 'gone' });
    const create = !this.#isCreated;
    const modified = await this.deps.control.modify(this.bridge,
      conferenceModify(this.meetingId, this.roomJid, { create }, endpoints), { timeoutMs: this.deps.requestTimeoutMs });
    if (create) {
      this.#isCreated = true;
      if (modified.sources !== undefined) this.#feedbackSources = fromColibriSources(modified.sources);
    }
    return modified;
  }

  #task<T>(endpointId: string | undefined, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.#push({ kind: 'task', endpointId, run, resolve: resolve as (v: unknown) => void, reject }));
  }

  #push(op: Op): void {
    this.#queue.push(op);
    if (this.#isDraining) return;
    this.#isDraining = true;
    // Started a microtask later (as the promise chain it replaces): allocations asked for in the
    // same turn go out together.
    queueMicrotask(() => void this.#drain());
  }

  /** Sends the queue one request at a time; a failed request never blocks the ones after it. */
  async #drain(): Promise<void> {
    try {
      for (let op = this.#queue.shift(); op !== undefined; op = this.#queue.shift()) {
        if (op.kind === 'task') {
          try {
            op.resolve(await op.run());
          } catch (error) {
            op.reject(error);
          }
        } else if (op.kind === 'update') {
          await this.#updateBatch(op.isSolo ? [op] : [op, ...this.#takeBatchable(op)]);
        } else {
          await this.#allocateBatch(op.isSolo ? [op] : [op, ...this.#takeBatchable(op)]);
        }
      }
    } finally {
      this.#isDraining = false;
    }
  }

  /**
   * Removes from the queue the allocations (or updates, as `first`) that may go out with `first`:
   * every one not preceded by a request for the same endpoint (or one already in the batch), up to
   * the first conference-wide one.
   */
  #takeBatchable<T extends AllocateOp | UpdateOp>(first: T): T[] {
    const taken: T[] = [];
    const inBatch = new Set([first.endpoint.id]);
    const blocked = new Set<string>();
    for (let i = 0; i < this.#queue.length; i++) {
      const op = this.#queue[i]!;
      if (op.kind === 'task') {
        if (op.endpointId === undefined) break;
        blocked.add(op.endpointId);
      } else if (op.kind !== first.kind || op.isSolo || blocked.has(op.endpoint.id) || inBatch.has(op.endpoint.id)) {
        blocked.add(op.endpoint.id);
      } else {
        taken.push(op as T);
        inBatch.add(op.endpoint.id);
        this.#queue.splice(i--, 1);
      }
    }
    return taken;
  }

  async #allocateBatch(batch: readonly AllocateOp[]): Promise<void> {
    const modified = await this.#sendBatch(batch, 'allocations');
    if (modified === undefined) return;
    const answers = new Map(modified.endpoints.map((e) => [e.id, e]));
    for (const op of batch) {
      const answer = answers.get(op.endpoint.id);
      const transport = answer?.transport?.iceUdp;
      if (transport === undefined) {
        op.reject(FocusError.bridgeFailed(`bridge ${this.bridge.id} gave endpoint no transport`, { kind: 'error', condition: 'bad-request' }));
        continue;
      }
      this.#endpoints.add(op.endpoint.id);
      op.resolve({ transport, hasSctp: answer?.transport?.sctp !== undefined || transport.sctp !== undefined });
    }
  }

  async #updateBatch(batch: readonly UpdateOp[]): Promise<void> {
    // An endpoint never allocated here, or expired meanwhile, has nothing to update.
    const live = batch.filter((op) => this.#endpoints.has(op.endpoint.id));
    for (const op of batch) if (!live.includes(op)) op.resolve();
    if (live.length === 0) return;
    if ((await this.#sendBatch(live, 'updates')) === undefined) return;
    for (const op of live) op.resolve();
  }

  /**
   * Sends a batch as one conference-modify. On a refusal it settles nothing itself: a batch the
   * refusal may be about one endpoint of goes back to the queue's front one per request (the file
   * comment), any other refusal rejects every op. Undefined then.
   */
  async #sendBatch<T extends AllocateOp | UpdateOp>(batch: readonly T[], what: string): Promise<ConferenceModified | undefined> {
    try {
      return await this.#send(batch.map((op) => op.endpoint));
    } catch (error) {
      if (batch.length > 1 && this.#isSplittable(error)) {
        this.deps.log.info(`bridge refused a batch of ${what}, retrying them one by one`,
          { bridge: this.bridge.id, endpoints: batch.length, err: (error as Error).message });
        this.#queue.unshift(...batch.map((op): T => ({ ...op, isSolo: true })));
      } else {
        for (const op of batch) op.reject(error);
      }
      return undefined;
    }
  }

  /** A refusal that may be about one endpoint of the batch (see the file comment). */
  #isSplittable(error: unknown): boolean {
    const failure = bridgeFailureOf(error);
    if (failure === undefined || this.#isExpired) return false;
    if (failure.kind === 'colibri') return !CONFERENCE_REASONS.has(failure.reason);
    return failure.kind === 'error' && !UNREACHED_CONDITIONS.has(failure.condition);
  }
}
