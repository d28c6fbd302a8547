/** Counts open connections per remote address to enforce `limits.connectionsPerIp`. */
export class ConnectionCounter {
  readonly #byAddress = new Map<string, number>();
  readonly #max: number;

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** Registers a connection; false when the address is already at its limit. */
  acquire(address: string): boolean {
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.#max) return false;
    this.#byAddress.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.#byAddress.get(address) ?? 0;
    if (n <= 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, n - 1);
  }

  get total(): number {
    let t = 0;
    for (const n of this.#byAddress.values()) t += n;
    return t;
  }
}
