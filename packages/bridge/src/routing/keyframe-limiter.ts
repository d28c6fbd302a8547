// Key frame requests (PLI, or FIR where the sender negotiated only ccm fir) to a sender, at most one per
// `minIntervalMs` (default 1 s) per media SSRC, whoever asks: a layer switch (Verdict.dropAwaitingKeyframe)
// or a receiver's relayed PLI/FIR. A sender answers one request with one key frame that every receiver
// of that SSRC can use, so further requests inside the interval only cost the sender bitrate.
//
// The clock is injected (C12). Memory is bounded: entries older than the interval are useless and are
// pruned whenever the table reaches `maxEntries`; `forget(ssrc)` drops a removed source at once.

import type { Clock } from '@plenum/kit';

export type KeyframeLimiterOptions = {
  clock: Pick<Clock, 'now'>;
  minIntervalMs?: number;
  maxEntries?: number;
};

export class KeyframeLimiter {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #minIntervalMs: number;
  readonly #maxEntries: number;
  readonly #lastRequestMs = new Map<number, number>();
  readonly #firSequence = new Map<number, number>();

  constructor(o: KeyframeLimiterOptions) {
    this.#clock = o.clock;
    this.#minIntervalMs = o.minIntervalMs ?? 1000;
    this.#maxEntries = o.maxEntries ?? 4096;
  }

  /** True (and the request is recorded) when a key frame may be requested from `ssrc` now. */
  tryRequest(ssrc: number): boolean {
    const now = this.#clock.now();
    const last = this.#lastRequestMs.get(ssrc);
    if (last !== undefined && now - last < this.#minIntervalMs && now >= last) return false;
    if (last === undefined && this.#lastRequestMs.size >= this.#maxEntries) this.#prune(now);
    if (last === undefined && this.#lastRequestMs.size >= this.#maxEntries) return false;
    this.#lastRequestMs.set(ssrc, now);
    return true;
  }

  /** The FIR command sequence number for the next FIR to `ssrc` (RFC 5104 §4.3.1.1: +1 per new request). */
  nextFirSequence(ssrc: number): number {
    const seq = this.#firSequence.get(ssrc) ?? 0;
    this.#firSequence.set(ssrc, (seq + 1) & 0xff);
    return seq;
  }

  /** The source is gone: forget its SSRC. */
  forget(ssrc: number): void {
    this.#lastRequestMs.delete(ssrc);
    this.#firSequence.delete(ssrc);
  }

  get size(): number {
    return this.#lastRequestMs.size;
  }

  #prune(now: number): void {
    for (const [ssrc, at] of this.#lastRequestMs) {
      if (now - at >= this.#minIntervalMs || now < at) this.#lastRequestMs.delete(ssrc);
    }
  }
}
