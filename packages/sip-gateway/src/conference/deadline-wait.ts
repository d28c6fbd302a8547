// A one-shot wait for something the XMPP side delivers (the room's answer to the join, the
// focus's session-initiate): settled by whoever receives it, by its deadline, or by the call hanging
// up. Always settles once; timers and listeners go with it.

/** One pending wait. */
export class DeadlineWait<T> {
  readonly promise: Promise<T>;
  #settle: ((outcome: { value: T } | { error: Error }) => void) | undefined;

  constructor(timeoutMs: number, onTimeout: () => Error, signal: AbortSignal, onAbort: () => Error) {
    this.promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle?.({ error: onTimeout() }), timeoutMs);
      const aborted = (): void => this.#settle?.({ error: onAbort() });
      signal.addEventListener('abort', aborted, { once: true });
      this.#settle = (outcome) => {
        this.#settle = undefined;
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        if ('value' in outcome) resolve(outcome.value);
        else reject(outcome.error);
      };
    });
    // Awaited by whoever waits, unless it gave up first: a later rejection must not go unhandled.
    this.promise.catch(() => undefined);
  }

  get isPending(): boolean {
    return this.#settle !== undefined;
  }

  resolve(value: T): void {
    this.#settle?.({ value });
  }

  reject(error: Error): void {
    this.#settle?.({ error });
  }
}
