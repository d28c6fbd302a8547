// The state store in Redis (ioredis), shared by every focus instance of a deployment.
//
// Keys, under a prefix (default `plenum:focus:`):
//   owner:<room>   the owning instance id, SET with PX (the lease); claimed and renewed by Lua so
//                  that check-and-set is atomic
//   conf:<room>    ConferenceRecord as JSON
//   parts:<room>   hash endpoint id → ParticipantRecord as JSON
//   conferences    set of room JIDs
//
// Redis loss: commands fail at once instead of queueing (enableOfflineQueue off), so the focus
// never waits on a dead Redis; ioredis reconnects on its own and `restored` is emitted when it is
// back, for the focus to write its state again.
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import { Redis } from 'ioredis';
import type { ConferenceRecord, FocusStateStore, ParticipantRecord, StateStoreEvents, StoredConference } from './state-store.ts';

/** Takes the lease when free or already ours. */
const CLAIM = `local cur = redis.call('get', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
/** Extends the lease only while we hold it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
/** Drops the lease only when we hold it. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** Slowest reconnection pace: a returning Redis is noticed within this. */
const MAX_RETRY_DELAY_MS = 1_000;

/** Where the store connects. */
export type RedisStateStoreOptions = {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  readonly keyPrefix: string;
  /** A command that takes longer fails (the focus then goes on from memory). */
  readonly commandTimeoutMs: number;
};

/** State in Redis. */
export class RedisStateStore implements FocusStateStore {
  readonly events: TypedEmitter<StateStoreEvents>;
  readonly #redis: Redis;
  readonly #prefix: string;
  #isLost = false;
  #hasBeenReady = false;

  constructor(deps: { readonly log: Logger; readonly options: RedisStateStoreOptions }) {
    this.events = new TypedEmitter<StateStoreEvents>(deps.log);
    this.#prefix = deps.options.keyPrefix;
    this.#redis = new Redis(deps.options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: deps.options.commandTimeoutMs,
      connectTimeout: deps.options.commandTimeoutMs,
      retryStrategy: (times) => Math.min(100 * times, MAX_RETRY_DELAY_MS),
    });
    // The URL may carry a password: never logged.
    // Lost also before the first connection (Redis not up yet at start): its arrival then restores too.
    this.#redis.on('error', (error: Error) => {
      if (!this.#isLost && this.#hasBeenReady) deps.log.warn('redis lost: focus state kept in memory until it returns', { err: error.message });
      this.#isLost = true;
    });
    this.#redis.on('close', () => {
      this.#isLost = true;
    });
    this.#redis.on('ready', () => {
      const wasLost = this.#isLost;
      this.#isLost = false;
      this.#hasBeenReady = true;
      if (wasLost) {
        deps.log.info('redis back: writing the focus state again');
        this.events.emit('restored');
      }
    });
  }

  /** Resolves when connected (or rejects after the connect timeout): start-up fails fast on a wrong URL. */
  async connected(timeoutMs: number): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new Error(`redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#redis.once('ready', onReady);
    });
  }

  async claim(roomJid: string, owner: string, leaseMs: number): Promise<boolean> {
    return await this.#redis.eval(CLAIM, 1, this.#key('owner', roomJid), owner, String(leaseMs)) === 1;
  }

  async renew(roomJid: string, owner: string, leaseMs: number): Promise<boolean> {
    return await this.#redis.eval(RENEW, 1, this.#key('owner', roomJid), owner, String(leaseMs)) === 1;
  }

  async ownerOf(roomJid: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key('owner', roomJid))) ?? undefined;
  }

  async putConference(record: ConferenceRecord): Promise<void> {
    await this.#redis.multi()
      .set(this.#key('conf', record.roomJid), JSON.stringify(record))
      .sadd(`${this.#prefix}conferences`, record.roomJid)
      .exec();
  }

  async putParticipant(roomJid: string, record: ParticipantRecord): Promise<void> {
    await this.#redis.hset(this.#key('parts', roomJid), record.endpointId, JSON.stringify(record));
  }

  async removeParticipant(roomJid: string, endpointId: string): Promise<void> {
    await this.#redis.hdel(this.#key('parts', roomJid), endpointId);
  }

  async removeConference(roomJid: string, owner: string): Promise<void> {
    await this.#redis.multi()
      .del(this.#key('conf', roomJid), this.#key('parts', roomJid))
      .srem(`${this.#prefix}conferences`, roomJid)
      .eval(RELEASE, 1, this.#key('owner', roomJid), owner)
      .exec();
  }

  async conferences(): Promise<string[]> {
    return await this.#redis.smembers(`${this.#prefix}conferences`);
  }

  async load(roomJid: string): Promise<StoredConference | undefined> {
    const [conf, parts] = await Promise.all([this.#redis.get(this.#key('conf', roomJid)), this.#redis.hvals(this.#key('parts', roomJid))]);
    if (conf === null) return undefined;
    return {
      conference: JSON.parse(conf) as ConferenceRecord,
      participants: parts.map((p) => JSON.parse(p) as ParticipantRecord),
    };
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #key(kind: 'owner' | 'conf' | 'parts', roomJid: string): string {
    return `${this.#prefix}${kind}:${roomJid}`;
  }
}
