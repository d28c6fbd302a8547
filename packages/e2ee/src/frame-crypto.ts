// One encoded frame in, one encrypted (or decrypted) frame out (protocols.md §8.7, JFrame-style):
//
//   | clear bytes | AES-GCM(rest of the frame) + 16-byte tag | IV (12) | IV_LENGTH (1) | keyIndex (1) |
//
// The clear bytes are what the bridge and the receiver's depacketizer read: VP8's frame tag (3
// bytes; 10 on a key frame, with the start code and the dimensions), Opus's TOC byte. They are the
// additional data of the AES-GCM call, so they cannot be changed either. The IV is the sender's
// SSRC, the RTP timestamp and a per-sender counter: unique per key as long as a sender never reuses
// an SSRC with a key, which holds because keys only move forward.
//
// Fail-closed: a frame without a well-formed trailer, with a key we don't have, or failing
// authentication is dropped and counted, never passed through.
import type { KeyRing, MediaKey } from './key-ring.ts';
import { KEY_RING_SIZE } from './key-ring.ts';

export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** IV_LENGTH byte and key index byte. */
const TRAILER_TAIL_BYTES = 2;
const OVERHEAD_BYTES = TAG_BYTES + IV_BYTES + TRAILER_TAIL_BYTES;

/** What the encoded-transform API says a frame is (video frames carry `type`; audio frames none). */
export type FrameKind = 'audio' | 'video-key' | 'video-delta';

/** Bytes left in the clear: Opus TOC 1, VP8 key frame 10, VP8 delta frame 3 (protocols.md §8.7). */
export function clearBytesOf(kind: FrameKind): number {
  switch (kind) {
    case 'audio': return 1;
    case 'video-key': return 10;
    case 'video-delta': return 3;
    default: return assertNever(kind);
  }
}

/** Why a received frame was dropped. */
export type DropReason = 'too-short' | 'bad-trailer' | 'no-key' | 'auth-failed';
export const DROP_REASONS: readonly DropReason[] = ['too-short', 'bad-trailer', 'no-key', 'auth-failed'];

export type DecryptResult =
  | { readonly ok: true; readonly data: ArrayBuffer; /** A ratchet candidate that this frame authenticated (commit it). */ readonly ratcheted: MediaKey | undefined }
  | { readonly ok: false; readonly reason: DropReason };

/** Encrypts one sender's frames with its current key; one per sending context (SSRC space). */
export class FrameEncryptor {
  // Reused for every frame: WebCrypto copies its inputs when called.
  readonly #iv = new Uint8Array(IV_BYTES);
  readonly #ivView = new DataView(this.#iv.buffer);
  #counter = 0;

  /** `data` encrypted with `key`; the key's slot goes in the trailer. */
  async encrypt(key: MediaKey, data: ArrayBuffer, kind: FrameKind, ssrc: number, rtpTimestamp: number): Promise<ArrayBuffer> {
    const clear = Math.min(clearBytesOf(kind), data.byteLength);
    this.#ivView.setUint32(0, ssrc >>> 0);
    this.#ivView.setUint32(4, rtpTimestamp >>> 0);
    this.#ivView.setUint32(8, this.#counter);
    this.#counter = (this.#counter + 1) >>> 0;
    const bytes = new Uint8Array(data);
    const header = bytes.subarray(0, clear);
    const cipher = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: this.#iv, additionalData: header, tagLength: TAG_BYTES * 8 }, key.key, bytes.subarray(clear));
    const out = new Uint8Array(clear + cipher.byteLength + IV_BYTES + TRAILER_TAIL_BYTES);
    out.set(header, 0);
    out.set(new Uint8Array(cipher), clear);
    out.set(this.#iv, clear + cipher.byteLength);
    out[out.length - 2] = IV_BYTES;
    out[out.length - 1] = key.index;
    return out.buffer;
  }
}

/**
 * Decrypts one received frame with the sender's ring. A frame at an index past the newest key is
 * tried with the ratcheted key (the sender ratchets when someone joins, receivers follow by
 * themselves); the caller commits that key when this returns it.
 */
export async function decryptFrame(ring: KeyRing, data: ArrayBuffer, kind: FrameKind): Promise<DecryptResult> {
  const bytes = new Uint8Array(data);
  const clear = clearBytesOf(kind);
  if (bytes.length < clear + OVERHEAD_BYTES) return { ok: false, reason: 'too-short' };
  const ivLength = bytes[bytes.length - 2] as number;
  const index = bytes[bytes.length - 1] as number;
  if (ivLength !== IV_BYTES || index >= KEY_RING_SIZE) return { ok: false, reason: 'bad-trailer' };
  const ivStart = bytes.length - TRAILER_TAIL_BYTES - IV_BYTES;
  const iv = bytes.subarray(ivStart, ivStart + IV_BYTES);
  const header = bytes.subarray(0, clear);
  const cipher = bytes.subarray(clear, ivStart);
  const known = ring.get(index);
  if (known === undefined || index !== ring.newestIndex) {
    // An index ahead of ours may be the sender's ratchet after a join; an older slot is tried as is.
    const ahead = await ring.candidate(index);
    const plain = ahead === undefined ? undefined : await open(ahead, iv, header, cipher);
    if (plain !== undefined) return { ok: true, data: joined(header, plain), ratcheted: ahead };
  }
  if (known === undefined) return { ok: false, reason: 'no-key' };
  const plain = await open(known, iv, header, cipher);
  if (plain === undefined) return { ok: false, reason: 'auth-failed' };
  return { ok: true, data: joined(header, plain), ratcheted: undefined };
}

async function open(key: MediaKey, iv: Uint8Array<ArrayBuffer>, header: Uint8Array<ArrayBuffer>, cipher: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer | undefined> {
  try {
    return await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: header, tagLength: TAG_BYTES * 8 }, key.key, cipher);
  } catch {
    // OperationError: the tag did not verify (wrong key, or the frame was altered or never encrypted).
    return undefined;
  }
}

function joined(header: Uint8Array<ArrayBuffer>, plain: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(header.length + plain.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(plain), header.length);
  return out.buffer;
}

/** Dropped frames by reason (the worker reports them; tests and the UI read them). */
export class DropCounter {
  readonly counts: Record<DropReason, number> = { 'too-short': 0, 'bad-trailer': 0, 'no-key': 0, 'auth-failed': 0 };
  add(reason: DropReason): void {
    this.counts[reason]++;
  }
  get total(): number {
    return DROP_REASONS.reduce((sum, r) => sum + this.counts[r], 0);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled frame kind: ${String(x)}`);
}
