import type { Cancel, Clock } from '@plenum/kit';

/** What the watchdog reads from a stream. */
export interface WatchedStream {
  readonly lastActivityMs: number;
  readonly openedAtMs: number;
  readonly isBound: boolean;
  timeout(reason: string): void;
}

/**
 * One timer for all streams: closes streams that stay silent past the idle timeout or never
 * finish authenticating. Cheaper than a timer per stream that is reset on every packet.
 */
export class StreamWatchdog {
  readonly #streams = new Set<WatchedStream>();
  readonly #cancel: Cancel;

  constructor(clock: Clock, opts: { idleTimeoutMs: number; authTimeoutMs: number }) {
    const sweepMs = Math.max(250, Math.min(opts.idleTimeoutMs, opts.authTimeoutMs) / 4);
    this.#cancel = clock.setInterval(() => {
      const now = clock.now();
      for (const s of [...this.#streams]) {
        if (!s.isBound && now - s.openedAtMs > opts.authTimeoutMs) s.timeout('not authenticated in time');
        else if (now - s.lastActivityMs > opts.idleTimeoutMs) s.timeout('idle for too long');
      }
    }, sweepMs);
  }

  add(s: WatchedStream): void {
    this.#streams.add(s);
  }

  remove(s: WatchedStream): void {
    this.#streams.delete(s);
  }

  close(): void {
    this.#cancel();
    this.#streams.clear();
  }
}
