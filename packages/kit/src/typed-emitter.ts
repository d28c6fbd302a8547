import type { Logger } from './logger.ts';
import { silentLogger } from './logger.ts';

/** Disposes a subscription. */
export type Off = () => void;

type Listener<A extends unknown[]> = (...args: A) => void;
// Listeners of every event share one storage type; the public methods keep them typed.
type AnyListener = (...args: unknown[]) => void;

/**
 * A minimal typed event emitter. `on()` returns a disposer; a listener that throws is logged and
 * isolated so it never breaks the emitter or the other listeners.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #listeners = new Map<keyof Events, Set<AnyListener>>();
  readonly #log: Logger;

  constructor(log: Logger = silentLogger) {
    this.#log = log;
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Off {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as unknown as AnyListener);
    return () => {
      set.delete(listener as unknown as AnyListener);
    };
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Off {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(...(args as unknown[]));
      } catch (error) {
        // Isolation: a faulty listener is a bug in that listener, not in the emitter's owner.
        this.#log.error('event listener threw', { event: String(event), err: error });
      }
    }
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
