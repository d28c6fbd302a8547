// Per-sender media keys (protocols.md §8.7, JFrame-style): 16 slots addressed by the key index a
// frame's trailer carries. A key is 32 bytes of material; the AES-GCM key is derived from it with
// HKDF (salt `JFrameEncryptionKey`), and a ratchet step is HKDF again (salt `JFrameRatchetKey`):
// one-way, so whoever holds the material of step n+1 cannot compute step n. Runs in the worker, in
// the page and in Node (WebCrypto only).
import type { CryptoKey } from './webcrypto-key.ts';

/** Slots per sender; the trailer's key index is taken modulo this. */
export const KEY_RING_SIZE = 16;
/** Bytes of key material (what travels, encrypted, between participants). */
export const KEY_MATERIAL_BYTES = 32;

const ENCRYPTION_SALT = new TextEncoder().encode('JFrameEncryptionKey');
const RATCHET_SALT = new TextEncoder().encode('JFrameRatchetKey');
const INFO = new TextEncoder().encode('JFrameInfo');

/** AES-GCM key length used for media frames. */
export type MediaKeyBits = 128 | 256;

/** One slot: the material (kept to ratchet from) and the AES-GCM key derived from it. */
export type MediaKey = { readonly index: number; readonly material: Uint8Array<ArrayBuffer>; readonly key: CryptoKey };

async function hkdfBase(material: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveBits', 'deriveKey']);
}

/** The AES-GCM key of some material. */
export async function deriveMediaKey(material: Uint8Array<ArrayBuffer>, bits: MediaKeyBits = 128): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: ENCRYPTION_SALT, info: INFO },
    await hkdfBase(material), { name: 'AES-GCM', length: bits }, false, ['encrypt', 'decrypt'],
  );
}

/** The next material of the ratchet: one-way (HKDF), so the step before stays secret. */
export async function ratchetMaterial(material: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: RATCHET_SALT, info: INFO }, await hkdfBase(material), KEY_MATERIAL_BYTES * 8);
  return new Uint8Array(bits);
}

/** Fresh random material (a new key after someone left). */
export function freshMaterial(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(KEY_MATERIAL_BYTES));
}

/** How many ratchet steps past its newest key a receiver tries by itself (joins in quick succession; the slots behind stay older keys). */
export const MAX_RATCHET_AHEAD = 8;

/**
 * One sender's keys as a receiver (or the local sender) holds them. `set` stores what arrived in a
 * key message; `candidate` derives, without storing, the key a sender that ratcheted on a join uses
 * at an index we have no key for yet (the receiver commits it once a frame authenticates with it).
 */
export class KeyRing {
  readonly #slots: (MediaKey | undefined)[] = new Array<MediaKey | undefined>(KEY_RING_SIZE).fill(undefined);
  readonly #bits: MediaKeyBits;
  /** The index set or committed last (the sender's current one), or -1 before any key. */
  #newest = -1;

  constructor(bits: MediaKeyBits = 128) {
    this.#bits = bits;
  }

  get newestIndex(): number {
    return this.#newest;
  }

  get(index: number): MediaKey | undefined {
    return this.#slots[index % KEY_RING_SIZE];
  }

  /** Stores material at `index`; it becomes the newest key. */
  async set(index: number, material: Uint8Array<ArrayBuffer>): Promise<MediaKey> {
    const slot = index % KEY_RING_SIZE;
    const key: MediaKey = { index: slot, material: material.slice(), key: await deriveMediaKey(material, this.#bits) };
    this.#slots[slot] = key;
    this.#newest = slot;
    return key;
  }

  /** Commits a candidate that authenticated a frame. */
  commit(key: MediaKey): void {
    this.#slots[key.index] = key;
    this.#newest = key.index;
  }

  /** The ratcheted key at `index` if it is 1…MAX_RATCHET_AHEAD steps past the newest key; else undefined. */
  async candidate(index: number): Promise<MediaKey | undefined> {
    const base = this.#newest < 0 ? undefined : this.#slots[this.#newest];
    if (base === undefined) return undefined;
    const steps = (index - base.index + KEY_RING_SIZE) % KEY_RING_SIZE;
    if (steps < 1 || steps > MAX_RATCHET_AHEAD) return undefined;
    let material = base.material;
    for (let i = 0; i < steps; i++) material = await ratchetMaterial(material);
    return { index: index % KEY_RING_SIZE, material, key: await deriveMediaKey(material, this.#bits) };
  }

  /** Forgets every key (E2EE off, or the sender left). */
  clear(): void {
    this.#slots.fill(undefined);
    this.#newest = -1;
  }
}
