// Collects a PIN from key presses: digits until `#` (or the longest PIN), `*` starts over. Pure:
// the inbound call feeds it digits from RFC 4733 events and SIP INFO alike.

export type PinEntryResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'entered'; readonly pin: string };

const PENDING: PinEntryResult = { kind: 'pending' };

export class PinEntry {
  #digits = '';

  constructor(private readonly maxDigits: number) {}

  /** The digits typed so far (for tests; never logged). */
  get typed(): string {
    return this.#digits;
  }

  push(key: string): PinEntryResult {
    if (key === '*') {
      this.#digits = '';
      return PENDING;
    }
    if (key === '#') {
      // A lone `#` (a caller pressing it before any digit) is not an attempt.
      if (this.#digits === '') return PENDING;
      return this.#take();
    }
    if (!/^[0-9]$/.test(key)) return PENDING;
    this.#digits += key;
    return this.#digits.length >= this.maxDigits ? this.#take() : PENDING;
  }

  #take(): PinEntryResult {
    const pin = this.#digits;
    this.#digits = '';
    return { kind: 'entered', pin };
  }
}
