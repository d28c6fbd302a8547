// Local accounts for PLAIN and SCRAM logins (the `internal_hashed` role of a Jitsi deployment's
// Prosody, protocols.md §8.2). A record keeps only derived credentials (./credentials.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger, Result } from '@plenum/kit';
import { err, ok, silentLogger } from '@plenum/kit';
import { makeJid } from '../../codec/jid/jid.ts';
import { decodeBase64 } from './base64.ts';
import type { PasswordHash, ScramCredential, ScramHash, UserCredentials } from './credentials.ts';
import { createCredentials, scramHashBytes } from './credentials.ts';
import { saslPrep } from './saslprep.ts';

/** One local account as kept by a store (never the password). */
export type StoredUser = { readonly username: string } & UserCredentials;

/** Why a store refused or failed an operation. */
export type UserStoreError = {
  readonly code: 'invalid-username' | 'invalid-password' | 'exists' | 'not-found' | 'corrupt' | 'io';
  readonly text: string;
};

/** Local accounts by canonical username (an XMPP localpart); bad input and I/O failures come back as values. */
export interface UserStore {
  /** The account, or undefined when the name is unknown or not a valid localpart. */
  get(username: string): StoredUser | undefined;
  /** Creates an account; refuses an existing name. */
  add(username: string, password: string): Promise<Result<void, UserStoreError>>;
  /** Deletes an account; true when it existed. */
  remove(username: string): Promise<Result<boolean, UserStoreError>>;
  /** Replaces an existing account's credentials. */
  setPassword(username: string, password: string): Promise<Result<void, UserStoreError>>;
  /** Every canonical username, sorted. */
  list(): readonly string[];
}

/** Source of random bytes for salts (injected so tests can be deterministic). */
export type RandomBytes = (size: number) => Uint8Array;

const MAX_PASSWORD_BYTES = 1024;
const fail = (code: UserStoreError['code'], text: string) => err<UserStoreError>({ code, text });

/**
 * The canonical form of a username: RFC 6120 §6.3.8 makes the SASL simple user name the
 * localpart of the account's address, so it follows RFC 7622 §3.3 (lower case, no `@ / : < > & ' "`
 * or spaces). The domain is a placeholder: accounts are the same on every local domain.
 */
export function normaliseUsername(username: string): Result<string, UserStoreError> {
  if (username === '') return fail('invalid-username', 'the username is empty');
  const jid = makeJid(username, 'localhost');
  if (!jid.ok) return fail('invalid-username', `not a valid username: ${jid.error.text}`);
  // Anonymous guests get UUID nodes; an account that looks like one could pass for a guest (or a
  // guest for it) wherever the address is all there is to go on, as in the focus.
  if (ANONYMOUS_NODE.test(jid.value.local)) return fail('invalid-username', 'usernames shaped like a UUID are reserved for guests');
  return ok(jid.value.local);
}

/** The shape of the nodes the server gives anonymous logins. */
export const ANONYMOUS_NODE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** SASLprep (RFC 4013) plus length checks, as done both when a password is set and when it is checked. */
export function preparePassword(password: string): Result<string, UserStoreError> {
  const prepared = saslPrep(password);
  if (prepared === undefined) return fail('invalid-password', 'the password contains a control or otherwise prohibited character');
  if (prepared === '') return fail('invalid-password', 'the password is empty');
  if (Buffer.byteLength(prepared, 'utf8') > MAX_PASSWORD_BYTES) return fail('invalid-password', `the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return ok(prepared);
}

async function buildUser(username: string, password: string, random: RandomBytes): Promise<Result<StoredUser, UserStoreError>> {
  const name = normaliseUsername(username);
  if (!name.ok) return name;
  const prepared = preparePassword(password);
  if (!prepared.ok) return prepared;
  const credentials = await createCredentials(prepared.value, random);
  return ok(Object.freeze({ username: name.value, ...credentials }));
}

const sortedNames = (users: ReadonlyMap<string, StoredUser>): readonly string[] => Object.freeze([...users.keys()].sort());

/** Accounts held in memory only: for tests and throwaway servers. */
export class MemoryUserStore implements UserStore {
  readonly #users = new Map<string, StoredUser>();
  readonly #random: RandomBytes;

  constructor(deps: { readonly users?: Iterable<StoredUser>; readonly random?: RandomBytes } = {}) {
    for (const user of deps.users ?? []) this.#users.set(user.username, user);
    this.#random = deps.random ?? randomBytes;
  }

  get(username: string): StoredUser | undefined {
    const name = normaliseUsername(username);
    return name.ok ? this.#users.get(name.value) : undefined;
  }

  async add(username: string, password: string): Promise<Result<void, UserStoreError>> {
    if (this.get(username) !== undefined) return fail('exists', 'that user already exists');
    const user = await buildUser(username, password, this.#random);
    if (!user.ok) return user;
    // Checked again: another add may have finished while the hashes were computed.
    if (this.#users.has(user.value.username)) return fail('exists', 'that user already exists');
    this.#users.set(user.value.username, user.value);
    return ok(undefined);
  }

  async remove(username: string): Promise<Result<boolean, UserStoreError>> {
    const name = normaliseUsername(username);
    if (!name.ok) return name;
    return ok(this.#users.delete(name.value));
  }

  async setPassword(username: string, password: string): Promise<Result<void, UserStoreError>> {
    if (this.get(username) === undefined) return fail('not-found', 'no such user');
    const user = await buildUser(username, password, this.#random);
    if (!user.ok) return user;
    if (!this.#users.has(user.value.username)) return fail('not-found', 'no such user');
    this.#users.set(user.value.username, user.value);
    return ok(undefined);
  }

  list(): readonly string[] {
    return sortedNames(this.#users);
  }
}

// ---- the JSON file ------------------------------------------------------------------------

const FILE_VERSION = 1;
const ABSENT = 'absent';

type Users = ReadonlyMap<string, StoredUser>;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isBase64 = (x: unknown, bytes?: number): x is string => {
  if (typeof x !== 'string') return false;
  const decoded = decodeBase64(x);
  return decoded !== undefined && decoded.length > 0 && (bytes === undefined || decoded.length === bytes);
};
const isIntIn = (x: unknown, min: number, max: number): x is number => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;

function readPasswordHash(x: unknown): PasswordHash | undefined {
  if (!isObject(x) || x.algorithm !== 'scrypt') return undefined;
  const { cost, blockSize, parallelization, salt, hash } = x;
  // Bounds keep a hand-edited file from making every login allocate gigabytes.
  if (!isIntIn(cost, 2, 1 << 17) || (cost & (cost - 1)) !== 0) return undefined;
  if (!isIntIn(blockSize, 1, 32) || !isIntIn(parallelization, 1, 16)) return undefined;
  if (!isBase64(salt) || !isBase64(hash)) return undefined;
  return { algorithm: 'scrypt', cost, blockSize, parallelization, salt, hash };
}

function readScramCredential(x: unknown, hash: ScramHash): ScramCredential | undefined {
  if (!isObject(x)) return undefined;
  const { salt, iterations, storedKey, serverKey } = x;
  if (!isBase64(salt) || !isIntIn(iterations, 1, 10_000_000)) return undefined;
  if (!isBase64(storedKey, scramHashBytes(hash)) || !isBase64(serverKey, scramHashBytes(hash))) return undefined;
  return { salt, iterations, storedKey, serverKey };
}

function readUser(username: string, x: unknown): StoredUser | undefined {
  if (!isObject(x) || !isObject(x.scram)) return undefined;
  const name = normaliseUsername(username);
  if (!name.ok || name.value !== username) return undefined;
  const password = readPasswordHash(x.password);
  const sha256 = readScramCredential(x.scram['SHA-256'], 'SHA-256');
  const sha1 = readScramCredential(x.scram['SHA-1'], 'SHA-1');
  if (password === undefined || sha256 === undefined || sha1 === undefined) return undefined;
  return Object.freeze({ username, password, scram: { 'SHA-256': sha256, 'SHA-1': sha1 } });
}

/** Parses the users file; every record is validated so a damaged file is reported, not half-used. */
function parseUsersFile(text: string): Result<Users, UserStoreError> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    // JSON.parse reports bad input only by throwing; that is an expected failure here.
    return fail('corrupt', 'the users file is not valid JSON');
  }
  if (!isObject(root) || root.version !== FILE_VERSION || !isObject(root.users)) {
    return fail('corrupt', `the users file is not a version ${FILE_VERSION} users file`);
  }
  const users = new Map<string, StoredUser>();
  for (const [username, record] of Object.entries(root.users)) {
    const user = readUser(username, record);
    if (user === undefined) return fail('corrupt', `the users file has a damaged record for ${JSON.stringify(username)}`);
    users.set(username, user);
  }
  return ok(users);
}

function serialiseUsers(users: Users): string {
  const records = Object.fromEntries(
    [...users.values()]
      .sort((a, b) => (a.username < b.username ? -1 : 1))
      .map((u) => [u.username, { password: u.password, scram: { 'SHA-256': u.scram['SHA-256'], 'SHA-1': u.scram['SHA-1'] } }]),
  );
  return `${JSON.stringify({ version: FILE_VERSION, users: records }, null, 2)}\n`;
}

const fingerprintOf = (s: { ino: number; size: number; mtimeMs: number } | undefined): string =>
  s === undefined ? ABSENT : `${s.ino}:${s.size}:${s.mtimeMs}`;

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const ioFailure = (action: string, error: unknown) =>
  fail('io', `could not ${action}: ${(error as Error | undefined)?.message ?? String(error)}`);

/** Writes a file so readers see the old or the new content, never a mix: temp file, fsync, rename. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', 0o600);
    // The umask can only narrow the creation mode; chmod makes it exactly owner read/write.
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined); // the original error is the one worth reporting
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Accounts in a JSON file (mode 0600), rewritten atomically on every change. The file is
 * re-read whenever it changes on disk, so accounts added with the CLI work without a restart.
 * Changes made by this process are serialised; two processes writing at the same instant can
 * still lose one change (there is no cross-process lock).
 */
export class FileUserStore implements UserStore {
  /** Path of the users file. */
  readonly path: string;
  #users: Users;
  #fingerprint: string;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #log: Logger;
  readonly #random: RandomBytes;

  private constructor(path: string, users: Users, fingerprint: string, log: Logger, random: RandomBytes) {
    this.path = path;
    this.#users = users;
    this.#fingerprint = fingerprint;
    this.#log = log;
    this.#random = random;
  }

  /** Opens (but does not create) the users file; a missing file is an empty store. */
  static async open(path: string, deps: { readonly log?: Logger; readonly random?: RandomBytes } = {}): Promise<Result<FileUserStore, UserStoreError>> {
    const loaded = await FileUserStore.#load(path);
    if (!loaded.ok) return loaded;
    return ok(new FileUserStore(path, loaded.value.users, loaded.value.fingerprint, deps.log ?? silentLogger, deps.random ?? randomBytes));
  }

  static async #load(path: string): Promise<Result<{ users: Users; fingerprint: string }, UserStoreError>> {
    try {
      const fingerprint = fingerprintOf(await stat(path));
      const parsed = parseUsersFile(await readFile(path, 'utf8'));
      return parsed.ok ? ok({ users: parsed.value, fingerprint }) : parsed;
    } catch (error) {
      if (isMissing(error)) return ok({ users: new Map(), fingerprint: ABSENT });
      return ioFailure(`read ${path}`, error);
    }
  }

  get(username: string): StoredUser | undefined {
    const name = normaliseUsername(username);
    if (!name.ok) return undefined;
    this.#refresh();
    return this.#users.get(name.value);
  }

  list(): readonly string[] {
    this.#refresh();
    return sortedNames(this.#users);
  }

  add(username: string, password: string): Promise<Result<void, UserStoreError>> {
    return this.#change(async (users) => {
      const name = normaliseUsername(username);
      if (name.ok && users.has(name.value)) return fail('exists', 'that user already exists');
      const user = await buildUser(username, password, this.#random);
      if (!user.ok) return user;
      return ok(new Map(users).set(user.value.username, user.value));
    });
  }

  remove(username: string): Promise<Result<boolean, UserStoreError>> {
    let existed = false;
    return this.#change(async (users) => {
      const name = normaliseUsername(username);
      if (!name.ok) return name;
      existed = users.has(name.value);
      if (!existed) return ok(users);
      const next = new Map(users);
      next.delete(name.value);
      return ok(next);
    }).then((r) => (r.ok ? ok(existed) : r));
  }

  setPassword(username: string, password: string): Promise<Result<void, UserStoreError>> {
    return this.#change(async (users) => {
      const name = normaliseUsername(username);
      if (!name.ok) return name;
      if (!users.has(name.value)) return fail('not-found', 'no such user');
      const user = await buildUser(username, password, this.#random);
      if (!user.ok) return user;
      return ok(new Map(users).set(user.value.username, user.value));
    });
  }

  /**
   * Runs one change at a time: re-read the file (another process may have changed it), apply,
   * write, then adopt the result. A file that cannot be parsed is never overwritten.
   */
  #change(apply: (users: Users) => Promise<Result<Users, UserStoreError>>): Promise<Result<void, UserStoreError>> {
    const run = async (): Promise<Result<void, UserStoreError>> => {
      const current = await FileUserStore.#load(this.path);
      if (!current.ok) return current;
      const next = await apply(current.value.users);
      if (!next.ok) return next;
      if (next.value === current.value.users) {
        this.#users = current.value.users;
        this.#fingerprint = current.value.fingerprint;
        return ok(undefined);
      }
      try {
        await writeFileAtomic(this.path, serialiseUsers(next.value));
        this.#fingerprint = fingerprintOf(await stat(this.path));
      } catch (error) {
        return ioFailure(`write ${this.path}`, error);
      }
      this.#users = next.value;
      return ok(undefined);
    };
    const result = this.#queue.then(run);
    // The queue only orders changes; a change that failed unexpectedly (a bug, reported to its
    // own caller through `result`) must not block the ones after it.
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Adopts edits made by another process. Synchronous because `get` is (the session asks for a
   * user in the middle of a SASL step); a stat per login is cheap next to a scrypt hash.
   */
  #refresh(): void {
    try {
      const fingerprint = fingerprintOf(statSync(this.path, { throwIfNoEntry: false }));
      if (fingerprint === this.#fingerprint) return;
      const parsed = fingerprint === ABSENT ? ok(new Map<string, StoredUser>()) : parseUsersFile(readFileSync(this.path, 'utf8'));
      this.#fingerprint = fingerprint;
      if (parsed.ok) {
        this.#users = parsed.value;
        return;
      }
      this.#log.warn('users file unreadable, keeping previous accounts', { path: this.path, reason: parsed.error.text });
    } catch (error) {
      // A vanished or unreadable file mid-login must not take the server down: keep the last
      // good accounts and say so.
      this.#log.warn('users file unreadable, keeping previous accounts', { path: this.path, err: error });
    }
  }
}
