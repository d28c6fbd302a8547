// Retention (issue 7): recordings are deleted `retention.days` after they ended, by a periodic
// sweep of output.directory. Only directories with this recorder's manifest are deleted (whole);
// the age is the manifest's modification time. A recording still being written has no manifest
// yet and is never touched. 0 days keeps everything.
import { rm } from 'node:fs/promises';
import type { Clock, Logger } from '@plenum/kit';
import { listRecordingDirs } from './recording-dirs.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export type RetentionOptions = {
  readonly root: string;
  readonly days: number;
  readonly sweepIntervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called with each deleted directory (the download tokens go with it). */
  readonly onDeleted?: (dir: string) => void;
};

export class RetentionSweeper {
  #cancel: (() => void) | undefined;
  #running: Promise<string[]> | undefined;

  constructor(private readonly o: RetentionOptions) {}

  /** Sweeps now and then every sweepIntervalMs; nothing when days is 0. */
  start(): void {
    if (this.o.days === 0 || this.#cancel !== undefined) return;
    void this.sweep();
    this.#cancel = this.o.clock.setInterval(() => void this.sweep(), this.o.sweepIntervalMs);
  }

  stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    return this.#running?.then(() => undefined) ?? Promise.resolve();
  }

  /** Deletes the recordings older than the retention period; resolves with their paths. */
  sweep(): Promise<string[]> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<string[]> {
    if (this.o.days === 0) return [];
    const cutoff = this.o.clock.now() - this.o.days * DAY_MS;
    const deleted: string[] = [];
    for (const rec of await listRecordingDirs(this.o.root)) {
      if (rec.endedMs >= cutoff) continue;
      try {
        await rm(rec.path, { recursive: true, force: true });
        deleted.push(rec.path);
        this.o.onDeleted?.(rec.path);
      } catch (error) {
        this.o.log.warn('old recording could not be deleted', { sessionId: rec.manifest.sessionId, err: (error as Error).message });
      }
    }
    if (deleted.length > 0) this.o.log.info('old recordings deleted', { count: deleted.length, days: this.o.days });
    return deleted;
  }
}
