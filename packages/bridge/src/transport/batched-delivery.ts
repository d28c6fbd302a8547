// RTP for endpoints that asked for batched delivery (the COLIBRI2 capability, see
// @plenum/xmpp/codec plenum-batched-delivery): their SRTP packets wait in a queue per endpoint and go
// out together once per interval, in order. The receiver (a recorder, a SIP gateway) then wakes
// once per burst instead of once per packet, which is a large share of its CPU per packet. One timer
// serves every batched endpoint of the bridge, armed only while a queue holds packets.
//
// Bounded: a queue that reaches its packet limit goes out at once. A queue is sent to its endpoint's
// path as it is when the burst goes (a path that moved meanwhile gets it); a closed endpoint's queue
// is dropped. Only UDP paths are batched: an ICE-TCP stream coalesces by itself.
// Transport-wide sequence numbers are still stamped when a packet is queued, so a batched endpoint
// that negotiated transport-cc would see the wait as jitter in its bandwidth estimate; the
// components that ask for batches do not negotiate it.
import type { Cancel, Clock } from '@plenum/kit';

/** An endpoint whose queued packets a burst sends. */
export interface BatchedEndpoint {
  /** Sends what it has queued (nothing if it closed meanwhile). */
  flushBatch(): void;
}

export type BatchedDeliveryOptions = {
  readonly clock: Clock;
  /** How long a packet waits at most before its burst goes. */
  readonly intervalMs: number;
};

export class BatchedDelivery {
  readonly intervalMs: number;
  readonly #clock: Clock;
  readonly #due = new Set<BatchedEndpoint>();
  #cancel: Cancel | undefined;
  /** Bursts sent (all due endpoints at one tick count once). */
  bursts = 0;

  constructor(options: BatchedDeliveryOptions) {
    this.#clock = options.clock;
    this.intervalMs = options.intervalMs;
  }

  /** `endpoint` has queued packets: it is flushed at the next tick. */
  due(endpoint: BatchedEndpoint): void {
    this.#due.add(endpoint);
    this.#cancel ??= this.#clock.setTimeout(this.#tick, this.intervalMs);
  }

  /** Sends every queued packet now and stops the timer (the transport is closing). */
  close(): void {
    this.#cancel?.();
    this.#tick();
  }

  readonly #tick = (): void => {
    this.#cancel = undefined;
    if (this.#due.size === 0) return;
    this.bursts++;
    for (const endpoint of this.#due) endpoint.flushBatch();
    this.#due.clear();
  };
}
