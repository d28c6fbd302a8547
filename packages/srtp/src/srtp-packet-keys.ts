// What SRTP encryption and decryption of RTP share per endpoint and per packet: the session keys
// imported once into KeyObjects, and the IV (AEAD_AES_128_GCM) or counter (AES_CM) written into a
// buffer kept with them, so nothing is allocated for it per packet. The encryptors and decryptors
// (srtp-rtp-encryptor.ts, srtp-rtp-decryptor.ts) differ only in which way the bytes go.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey } from 'node:crypto';
import type { Cipher, CipherGCM, DecipherGCM, KeyObject } from 'node:crypto';

export type GcmSessionKeys = { readonly key: KeyObject; readonly salt: Buffer };
export type CmSessionKeys = { readonly key: KeyObject; readonly authKey: KeyObject; readonly salt: Buffer };

/** RFC 7714 §8: the AEAD tag ends the packet. */
export const GCM_TAG_BYTES = 16;
/** RFC 3711 §4.2 with AES_CM_128_HMAC_SHA1_80: HMAC-SHA1 truncated to 80 bits. */
export const CM_TAG_BYTES = 10;

export function gcmSessionKeys(sessionKey: Buffer, sessionSalt: Buffer): GcmSessionKeys {
  // werift-rtp derives 14 salt bytes for either profile; the KDF's output is a key stream, so the
  // first 12 are the 96-bit salt RFC 7714 §12 derives.
  if (sessionKey.length !== 16 || sessionSalt.length < 12) throw new RangeError('AEAD_AES_128_GCM needs a 16-byte key and a 12-byte salt');
  return { key: createSecretKey(Buffer.from(sessionKey)), salt: Buffer.from(sessionSalt.subarray(0, 12)) };
}

export function cmSessionKeys(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer): CmSessionKeys {
  if (sessionKey.length !== 16 || sessionSalt.length !== 14 || sessionAuthKey.length !== 20) {
    throw new RangeError('AES_CM_128_HMAC_SHA1_80 needs a 16-byte key, a 14-byte salt and a 20-byte authentication key');
  }
  return { key: createSecretKey(Buffer.from(sessionKey)), authKey: createSecretKey(Buffer.from(sessionAuthKey)), salt: Buffer.from(sessionSalt) };
}

/** RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt, into the 12-byte `iv`. */
export function writeGcmIv(iv: Buffer, salt: Buffer, ssrc: number, roc: number, seq: number): void {
  iv[0] = 0;
  iv[1] = 0;
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(seq & 0xffff, 10);
  for (let i = 0; i < 12; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
}

/** RFC 3711 §4.1.1: IV = (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16), index = ROC · 2^16 + SEQ, into the 16-byte `counter`. */
export function writeCmCounter(counter: Buffer, salt: Buffer, ssrc: number, roc: number, seq: number): void {
  counter.fill(0);
  counter.writeUInt32BE(ssrc >>> 0, 4);
  counter.writeUInt32BE(roc >>> 0, 8);
  counter.writeUInt16BE(seq & 0xffff, 12);
  for (let i = 0; i < 14; i++) counter[i] = (counter[i] ?? 0) ^ (salt[i] ?? 0);
}

/** One direction's AEAD_AES_128_GCM keys, and a packet's cipher under its index. */
export class GcmPacketKeys {
  readonly #keys: GcmSessionKeys;
  /** Rewritten per packet; OpenSSL copies it when the cipher is made. */
  readonly #iv = Buffer.alloc(12);

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    this.#keys = gcmSessionKeys(sessionKey, sessionSalt);
  }

  /** The cipher that encrypts the packet (ssrc, roc, seq). */
  cipher(ssrc: number, roc: number, seq: number): CipherGCM {
    writeGcmIv(this.#iv, this.#keys.salt, ssrc, roc, seq);
    return createCipheriv('aes-128-gcm', this.#keys.key, this.#iv);
  }

  /** The decipher that authenticates and decrypts the packet (ssrc, roc, seq). */
  decipher(ssrc: number, roc: number, seq: number): DecipherGCM {
    writeGcmIv(this.#iv, this.#keys.salt, ssrc, roc, seq);
    return createDecipheriv('aes-128-gcm', this.#keys.key, this.#iv);
  }
}

/** One direction's AES_CM_128_HMAC_SHA1_80 keys: a packet's key stream under its index, and its authentication tag. */
export class CmPacketKeys {
  readonly #keys: CmSessionKeys;
  /** Both rewritten per packet; OpenSSL copies the counter when the cipher is made, the HMAC reads the ROC at once. */
  readonly #counter = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    this.#keys = cmSessionKeys(sessionKey, sessionSalt, sessionAuthKey);
  }

  /** Counter mode both ways: the same key stream encrypts and decrypts the packet (ssrc, roc, seq). */
  keyStream(ssrc: number, roc: number, seq: number): Cipher {
    writeCmCounter(this.#counter, this.#keys.salt, ssrc, roc, seq);
    return createCipheriv('aes-128-ctr', this.#keys.key, this.#counter);
  }

  /**
   * RFC 3711 §4.2: HMAC-SHA1 over the authenticated portion (header and encrypted payload) and the
   * ROC; the packet's tag is the first {@link CM_TAG_BYTES} bytes of this digest.
   */
  authDigest(authenticated: Buffer, roc: number): Buffer {
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const mac = createHmac('sha1', this.#keys.authKey);
    mac.update(authenticated);
    mac.update(this.#roc);
    return mac.digest();
  }
}
