// How a password becomes what the user store keeps: a scrypt hash for PLAIN (RFC 7914) and the
// SCRAM verifiers StoredKey/ServerKey for SHA-1 and SHA-256 (RFC 5802 §3, RFC 7677). The password
// itself is never kept.
import { createHash, createHmac, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.ts';

/** Hash functions SCRAM is offered with (RFC 5802 SCRAM-SHA-1, RFC 7677 SCRAM-SHA-256). */
export type ScramHash = 'SHA-1' | 'SHA-256';

/** Every SCRAM hash, strongest first (the order mechanisms are offered in). */
export const SCRAM_HASHES: readonly ScramHash[] = ['SHA-256', 'SHA-1'];

/** RFC 5802 §5.1 verifiers for one hash; byte fields are padded Base64. */
export type ScramCredential = {
  readonly salt: string;
  readonly iterations: number;
  readonly storedKey: string;
  readonly serverKey: string;
};

/** A scrypt password hash (RFC 7914); byte fields are padded Base64. */
export type PasswordHash = {
  readonly algorithm: 'scrypt';
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: string;
  readonly hash: string;
};

/** Everything kept to check one user's password by PLAIN or SCRAM. */
export type UserCredentials = {
  readonly password: PasswordHash;
  readonly scram: Readonly<Record<ScramHash, ScramCredential>>;
};

/** RFC 7677 §4 asks for at least 4096 iterations. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;
const SCRYPT = { cost: 16_384, blockSize: 8, parallelization: 1, keyBytes: 32 } as const;
// scrypt needs 128 · N · r bytes; leave room above the default so stored parameters up to
// N = 2^17 still run.
const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;

const NODE_HASH: Readonly<Record<ScramHash, string>> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };

/** Output length of a SCRAM hash in bytes. */
export const scramHashBytes = (hash: ScramHash): number => (hash === 'SHA-1' ? 20 : 32);

/** RFC 5802 §2.2 HMAC(key, str). */
export const scramHmac = (hash: ScramHash, key: Uint8Array, data: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHmac(NODE_HASH[hash], key).update(data).digest());

/** RFC 5802 §2.2 H(str). */
export const scramDigest = (hash: ScramHash, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());

/** RFC 5802 §2.2 Hi(str, salt, i): PBKDF2 with HMAC as the PRF and one block of output. */
export function scramHi(hash: ScramHash, password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, scramHashBytes(hash), NODE_HASH[hash], (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/**
 * RFC 5802 §3: SaltedPassword = Hi(password, salt, i), ClientKey = HMAC(SaltedPassword, "Client Key"),
 * StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key"). `password` must
 * already be SASLprep'd.
 */
export async function deriveScramCredential(hash: ScramHash, password: string, salt: Uint8Array, iterations: number): Promise<ScramCredential> {
  const salted = await scramHi(hash, password, salt, iterations);
  const clientKey = scramHmac(hash, salted, 'Client Key');
  return {
    salt: encodeBase64(salt),
    iterations,
    storedKey: encodeBase64(scramDigest(hash, clientKey)),
    serverKey: encodeBase64(scramHmac(hash, salted, 'Server Key')),
  };
}

function runScrypt(password: string, salt: Uint8Array, p: { cost: number; blockSize: number; parallelization: number }, keyBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N: p.cost, r: p.blockSize, p: p.parallelization, maxmem: SCRYPT_MAX_MEMORY_BYTES }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/** Hashes a (SASLprep'd) password with scrypt N=16384, r=8, p=1 and a random 16-byte salt. */
export async function hashPassword(password: string, random: (size: number) => Uint8Array = randomBytes): Promise<PasswordHash> {
  const salt = random(SALT_BYTES);
  const hash = await runScrypt(password, salt, SCRYPT, SCRYPT.keyBytes);
  return {
    algorithm: 'scrypt', cost: SCRYPT.cost, blockSize: SCRYPT.blockSize, parallelization: SCRYPT.parallelization,
    salt: encodeBase64(salt), hash: encodeBase64(hash),
  };
}

/** Checks a (SASLprep'd) password against a stored hash in constant time; false for a damaged record. */
export async function verifyPassword(stored: PasswordHash, password: string): Promise<boolean> {
  const salt = decodeBase64(stored.salt);
  const expected = decodeBase64(stored.hash);
  if (salt === undefined || expected === undefined || expected.length === 0) return false;
  const actual = await runScrypt(password, salt, stored, expected.length);
  return timingSafeEqual(actual, expected);
}

/** Derives every credential kept for a (SASLprep'd) password, each with its own random salt. */
export async function createCredentials(password: string, random: (size: number) => Uint8Array = randomBytes): Promise<UserCredentials> {
  const [hash, sha256, sha1] = await Promise.all([
    hashPassword(password, random),
    deriveScramCredential('SHA-256', password, random(SALT_BYTES), SCRAM_ITERATIONS),
    deriveScramCredential('SHA-1', password, random(SALT_BYTES), SCRAM_ITERATIONS),
  ]);
  return { password: hash, scram: { 'SHA-256': sha256, 'SHA-1': sha1 } };
}
