// What the app remembers on this device, and only here: recent rooms and the display name. Storage
// can be missing or refuse writes (private windows, quota); the app then simply forgets.
import type { KeyValueStore } from './key-value-store.ts';

export type RecentRoom = { readonly name: string; readonly lastJoinedAt: number };

const RECENT_ROOMS_KEY = 'plenum.recentRooms';
const DISPLAY_NAME_KEY = 'plenum.displayName';
const MAX_RECENT_ROOMS = 8;

/** Recent rooms and display name over a `KeyValueStore`; every read validates what it finds. */
export class LocalSettings {
  constructor(private readonly store: KeyValueStore | undefined) {}

  /** Newest first. */
  recentRooms(): readonly RecentRoom[] {
    const parsed = this.#readJson(RECENT_ROOMS_KEY);
    if (!Array.isArray(parsed)) return [];
    const rooms: RecentRoom[] = [];
    for (const item of parsed as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { name, lastJoinedAt } = item as { name?: unknown; lastJoinedAt?: unknown };
      if (typeof name === 'string' && name !== '' && typeof lastJoinedAt === 'number' && Number.isFinite(lastJoinedAt)) {
        rooms.push({ name, lastJoinedAt });
      }
    }
    return rooms.sort((a, b) => b.lastJoinedAt - a.lastJoinedAt).slice(0, MAX_RECENT_ROOMS);
  }

  /** Moves `name` to the front (case-insensitively one entry per room). */
  rememberRoom(name: string, at: number): void {
    const others = this.recentRooms().filter((r) => r.name.toLowerCase() !== name.toLowerCase());
    this.#write(RECENT_ROOMS_KEY, JSON.stringify([{ name, lastJoinedAt: at }, ...others].slice(0, MAX_RECENT_ROOMS)));
  }

  forgetRoom(name: string): void {
    const rest = this.recentRooms().filter((r) => r.name.toLowerCase() !== name.toLowerCase());
    this.#write(RECENT_ROOMS_KEY, JSON.stringify(rest));
  }

  displayName(): string {
    const value = this.#read(DISPLAY_NAME_KEY);
    return value === undefined ? '' : value.slice(0, 64);
  }

  setDisplayName(name: string): void {
    this.#write(DISPLAY_NAME_KEY, name.trim());
  }

  #read(key: string): string | undefined {
    try {
      return this.store?.getItem(key) ?? undefined;
    } catch {
      // Storage blocked by the browser: behave as if nothing was stored.
      return undefined;
    }
  }

  #readJson(key: string): unknown {
    const text = this.#read(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Someone else's garbage under our key: treat as empty, it is overwritten on the next write.
      return undefined;
    }
  }

  #write(key: string, value: string): void {
    try {
      this.store?.setItem(key, value);
    } catch {
      // Quota or a private window: remembering is a convenience, the meeting goes on.
    }
  }
}
