// Where dial-in PINs live: PIN → room and room → PIN, both unique. In memory for one focus; in
// Redis (redis-pin-store.ts) when focus instances share state, so any instance — another one, or
// this one restarted — answers the same PIN for the room's life.

export interface PinStore {
  /**
   * Gives `roomJid` the PIN `candidate` unless it already has one (that one is returned: stable for
   * the room's life); undefined when `candidate` belongs to another room (the caller draws again).
   */
  claim(roomJid: string, candidate: string): Promise<string | undefined>;
  roomOf(pin: string): Promise<string | undefined>;
  pinOf(roomJid: string): Promise<string | undefined>;
  /** Forgets the room's PIN (the conference ended). */
  release(roomJid: string): Promise<void>;
  close(): Promise<void>;
}

/** PINs in two Maps. */
export class MemoryPinStore implements PinStore {
  readonly #roomByPin = new Map<string, string>();
  readonly #pinByRoom = new Map<string, string>();

  async claim(roomJid: string, candidate: string): Promise<string | undefined> {
    const existing = this.#pinByRoom.get(roomJid);
    if (existing !== undefined) return existing;
    if (this.#roomByPin.has(candidate)) return undefined;
    this.#roomByPin.set(candidate, roomJid);
    this.#pinByRoom.set(roomJid, candidate);
    return candidate;
  }

  async roomOf(pin: string): Promise<string | undefined> {
    return this.#roomByPin.get(pin);
  }

  async pinOf(roomJid: string): Promise<string | undefined> {
    return this.#pinByRoom.get(roomJid);
  }

  async release(roomJid: string): Promise<void> {
    const pin = this.#pinByRoom.get(roomJid);
    if (pin === undefined) return;
    this.#pinByRoom.delete(roomJid);
    if (this.#roomByPin.get(pin) === roomJid) this.#roomByPin.delete(pin);
  }

  async close(): Promise<void> {
    this.#roomByPin.clear();
    this.#pinByRoom.clear();
  }
}
