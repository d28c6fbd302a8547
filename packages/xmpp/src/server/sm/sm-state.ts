import type { El } from '../../codec/index.ts';
import { SM_MODULO } from '../../codec/index.ts';

/** Outcome of an acknowledgement from the client. */
export type AckOutcome = { readonly ok: true; readonly acked: number } | { readonly ok: false; readonly reason: string };

/**
 * The counters and retransmission queue of one XEP-0198 session (§4): how many stanzas we
 * handled from the client, and which stanzas we sent that it has not acknowledged yet.
 */
export class SmState {
  /** Stanzas handled from the client, modulo 2^32. */
  inbound = 0;
  #ackedOutbound = 0;
  readonly #queue: El[] = [];
  readonly id: string | undefined;
  readonly maxUnacked: number;

  constructor(id: string | undefined, maxUnacked: number) {
    this.id = id;
    this.maxUnacked = maxUnacked;
  }

  get isResumable(): boolean {
    return this.id !== undefined;
  }

  get unacked(): number {
    return this.#queue.length;
  }

  /** Counts a stanza received from the client. */
  received(): void {
    this.inbound = (this.inbound + 1) % SM_MODULO;
  }

  /** Records a stanza sent to the client; false when the queue is over its bound. */
  sent(stanza: El): boolean {
    this.#queue.push(stanza);
    return this.#queue.length <= this.maxUnacked;
  }

  /** Applies the client's `h`: drops what it covers. An `h` beyond what was sent is a protocol error (§4). */
  ack(h: number): AckOutcome {
    const acked = (h - this.#ackedOutbound + SM_MODULO) % SM_MODULO;
    if (acked > this.#queue.length) return { ok: false, reason: 'acknowledged more stanzas than were sent' };
    this.#queue.splice(0, acked);
    this.#ackedOutbound = h;
    return { ok: true, acked };
  }

  /** The stanzas to retransmit after a resumption, oldest first; they stay queued until acknowledged. */
  pending(): readonly El[] {
    return this.#queue;
  }

  /** Empties the queue (the session is ending); returns what was never acknowledged. */
  drain(): El[] {
    return this.#queue.splice(0, this.#queue.length);
  }
}
