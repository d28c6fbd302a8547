// One 20 ms timer shared by every call: each tick runs every subscriber once. Ticks are scheduled
// against a monotonic (hrtime) timeline, so timer jitter does not accumulate into drift; a late
// timer runs the missed ticks back to back (up to a limit, then skips ahead), and ticks never
// overlap: a tick that arrives while the previous one is still running waits for the next slot.
import type { Logger } from '@plenum/kit';
import { silentLogger } from '@plenum/kit';
import { FRAME_MS } from './phone-audio.ts';

/** A source of monotonic time in milliseconds (injected in tests). */
export type MonotonicMs = () => number;

const hrtimeMs: MonotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** FrameClock settings; the defaults suit production. */
export type FrameClockOptions = {
  readonly periodMs?: number;
  /** Missed ticks run to catch up at most this many at once; beyond that the clock skips ahead. */
  readonly maxCatchUpTicks?: number;
  readonly now?: MonotonicMs;
  readonly log?: Logger;
};

/** The shared 20 ms tick for every call's audio (implements the call flow's FrameTicker). */
export class FrameClock {
  readonly #periodMs: number;
  readonly #maxCatchUp: number;
  readonly #now: MonotonicMs;
  readonly #log: Logger;
  readonly #subscribers = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #nextDueMs = 0;
  #isTicking = false;
  /** Ticks run since the clock (re)started. */
  ticks = 0;
  /** Ticks given up because the process was too late to catch up. */
  skippedTicks = 0;

  constructor(options: FrameClockOptions = {}) {
    this.#periodMs = options.periodMs ?? FRAME_MS;
    this.#maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.#now = options.now ?? hrtimeMs;
    this.#log = options.log ?? silentLogger;
  }

  /** Calls `tick` every period until the returned function is called. */
  onTick(tick: () => void): () => void {
    const subscriber = (): void => tick();
    this.#subscribers.add(subscriber);
    if (this.#timer === undefined) {
      this.#nextDueMs = this.#now() + this.#periodMs;
      this.#schedule();
    }
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.stop();
    };
  }

  /** Number of subscribers (calls on the clock). */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Stops the timer; it restarts with the next subscriber. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const delay = Math.max(0, this.#nextDueMs - this.#now());
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  #fire(): void {
    if (this.#isTicking) return; // cannot happen with synchronous subscribers; kept as the invariant
    this.#isTicking = true;
    try {
      let due = Math.floor((this.#now() - this.#nextDueMs) / this.#periodMs) + 1;
      if (due > this.#maxCatchUp) {
        this.skippedTicks += due - 1;
        this.#nextDueMs += (due - 1) * this.#periodMs;
        this.#log.warn('frame clock fell behind', { skippedTicks: due - 1 });
        due = 1;
      }
      for (let i = 0; i < due && this.#subscribers.size > 0; i++) {
        this.ticks++;
        for (const subscriber of this.#subscribers) {
          try {
            subscriber();
          } catch (error) {
            // One call's bug must not stop every other call's audio.
            this.#log.error('frame tick failed', { err: error instanceof Error ? error.message : String(error) });
          }
        }
        this.#nextDueMs += this.#periodMs;
      }
    } finally {
      this.#isTicking = false;
    }
    if (this.#subscribers.size > 0 && this.#timer !== undefined) this.#schedule();
  }
}
