/** Cancels a scheduled callback. */
export type Cancel = () => void;

/** Time source, injected so tests can drive timeouts without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): Cancel;
  setInterval(fn: () => void, intervalMs: number): Cancel;
}

/** The real clock; timers are unref'd so they never keep a process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, delayMs);
    t.unref?.();
    return () => clearTimeout(t);
  },
  setInterval(fn, intervalMs) {
    const t = setInterval(fn, intervalMs);
    t.unref?.();
    return () => clearInterval(t);
  },
};

type Timer = { at: number; fn: () => void; intervalMs: number | undefined; id: number };

/** A manual clock for unit tests: `advance(ms)` fires due timers in order. */
export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #nextId = 1;

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, delayMs: number): Cancel {
    return this.#add(fn, delayMs, undefined);
  }

  setInterval(fn: () => void, intervalMs: number): Cancel {
    return this.#add(fn, intervalMs, intervalMs);
  }

  /** Moves time forward, firing every timer that falls due. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#now = next.at;
      if (next.intervalMs === undefined) this.#timers.shift();
      else next.at += next.intervalMs;
      next.fn();
    }
    this.#now = end;
  }

  #add(fn: () => void, delayMs: number, intervalMs: number | undefined): Cancel {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), fn, intervalMs, id: this.#nextId++ };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
}
