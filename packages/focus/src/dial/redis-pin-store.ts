// Dial-in PINs in Redis, next to the focus state (same server and key prefix, src/state/):
//   pin:<pin>     the room JID
//   pinof:<room>  the room's PIN
// Claimed and released by Lua so the pair stays consistent between focus instances.
import type { Logger } from '@plenum/kit';
import { Redis } from 'ioredis';
import type { PinStore } from './pin-store.ts';

/** Returns the room's PIN, claiming ARGV[1] when it has none; nil when ARGV[1] is someone else's. */
const CLAIM = `local cur = redis.call('get', KEYS[2])
if cur then return cur end
if redis.call('set', KEYS[1], ARGV[2], 'NX') then redis.call('set', KEYS[2], ARGV[1]) return ARGV[1] end
return false`;
/** Drops both keys, the PIN key only while it still names this room. */
const RELEASE = `local pin = redis.call('get', KEYS[1])
if not pin then return 0 end
redis.call('del', KEYS[1])
local key = ARGV[1] .. pin
if redis.call('get', key) == ARGV[2] then redis.call('del', key) end
return 1`;

export type RedisPinStoreOptions = { readonly url: string; readonly keyPrefix: string; readonly commandTimeoutMs: number };

export class RedisPinStore implements PinStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(deps: { readonly log: Logger; readonly options: RedisPinStoreOptions }) {
    this.#prefix = deps.options.keyPrefix;
    this.#redis = new Redis(deps.options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: deps.options.commandTimeoutMs,
      connectTimeout: deps.options.commandTimeoutMs,
      retryStrategy: (times) => Math.min(100 * times, 1_000),
    });
    // The state store reports Redis loss and return; here failures just reach the caller.
    this.#redis.on('error', (error: Error) => deps.log.debug('pin store: redis error', { err: error.message }));
  }

  /** Resolves when connected, rejects after `timeoutMs` (commands fail at once while disconnected). */
  async connected(timeoutMs: number): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new Error(`redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#redis.once('ready', onReady);
    });
  }

  async claim(roomJid: string, candidate: string): Promise<string | undefined> {
    const r = await this.#redis.eval(CLAIM, 2, `${this.#prefix}pin:${candidate}`, `${this.#prefix}pinof:${roomJid}`, candidate, roomJid);
    return typeof r === 'string' ? r : undefined;
  }

  async roomOf(pin: string): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#prefix}pin:${pin}`)) ?? undefined;
  }

  async pinOf(roomJid: string): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#prefix}pinof:${roomJid}`)) ?? undefined;
  }

  async release(roomJid: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, `${this.#prefix}pinof:${roomJid}`, `${this.#prefix}pin:`, roomJid);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
