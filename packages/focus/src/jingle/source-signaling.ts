// Tells participants about other participants' sources (protocols.md §2.3): every participant has
// a view (what its offer and later source-add/-remove said); after changes the focus waits
// `delayMs` to batch them (Jicofo's source-signaling-delays), then sends each active participant
// the difference between its view and the conference. A participant whose session is not active
// yet is caught up the moment it accepts.
import type { Cancel, Clock } from '@plenum/kit';
import type { ConferenceSources, SourceDiff } from './source-map.ts';
import { diffConferenceSources, isEmptyDiff } from './source-map.ts';

/** Where views come from and where differences go. */
export type SourceSignalingDeps = {
  readonly clock: Clock;
  readonly delayMs: number;
  /** What a participant should know now (everyone else's sources and the bridge's). */
  target(endpointId: string): ConferenceSources;
  /** Sends the difference to the participant (source-remove first, then source-add). */
  send(endpointId: string, diff: SourceDiff): void;
};

/** Per-participant source views and the batched flush. */
export class SourceSignaling {
  readonly #views = new Map<string, { known: ConferenceSources; isActive: boolean }>();
  #cancelFlush: Cancel | undefined;

  constructor(private readonly deps: SourceSignalingDeps) {}

  /** A new offer told the participant `known`; it is caught up when it becomes active. */
  offered(endpointId: string, known: ConferenceSources): void {
    this.#views.set(endpointId, { known, isActive: false });
  }

  /** The participant accepted: from now on it gets source-add/-remove; catches up at once. */
  activate(endpointId: string): void {
    const view = this.#views.get(endpointId);
    if (view === undefined) return;
    view.isActive = true;
    this.#flushOne(endpointId);
  }

  /** The participant's session ended (left or restarting). */
  forget(endpointId: string): void {
    this.#views.delete(endpointId);
  }

  /** Sources changed somewhere: flush after the batching delay. */
  changed(): void {
    if (this.#cancelFlush !== undefined) return;
    // Even with no delay the flush waits for the clock: the IQ that caused the change is answered first.
    this.#cancelFlush = this.deps.clock.setTimeout(() => this.flush(), this.deps.delayMs);
  }

  /** Sends every active participant what it is missing. */
  flush(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    for (const id of [...this.#views.keys()]) this.#flushOne(id);
  }

  /** Stops the pending flush (conference closing). */
  close(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    this.#views.clear();
  }

  #flushOne(endpointId: string): void {
    const view = this.#views.get(endpointId);
    if (view === undefined || !view.isActive) return;
    const target = this.deps.target(endpointId);
    const diff = diffConferenceSources(view.known, target);
    view.known = target;
    if (!isEmptyDiff(diff)) this.deps.send(endpointId, diff);
  }
}
