// Outbound SRTP encryption of RTP with node:crypto directly, the send hot path of every forwarded
// packet: AEAD_AES_128_GCM (RFC 7714 §8) and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2).
// werift-rtp still derives the session keys (srtp-protection.ts); only the per-packet work is here.
// Against werift's encryptRtp this saves, per packet: the IV / counter writer's buffers (and a
// BigInt for AES-CM), importing the raw key into a new OpenSSL key (the KeyObjects are made once),
// and Buffer.concat's list and length walk. What remains is node:crypto's floor: one cipher (and
// for AES-CM one HMAC) object, the buffers its update / tag calls return, the two views it needs
// (header, payload), and the output packet (from Node's buffer pool; it must be a fresh buffer, as
// dgram may still hold it after send returns). Byte-exact with werift-rtp (srtp-protection.test.ts).
import { createCipheriv, createHmac, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** Encrypts outbound RTP for one endpoint. */
export interface RtpEncryptor {
  /** Bytes the packet grows by: the authentication tag. */
  readonly tagBytes: number;
  /**
   * Encrypts `packet[0, length)`, an RTP packet whose header (CSRCs and extension included) is
   * `headerLength` bytes, with the packet index (roc, seq) of its SSRC; returns a new buffer.
   */
  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer;
}

/** AEAD_AES_128_GCM: the header is the AAD, the payload is encrypted, the 16-byte tag follows. */
export class GcmRtpEncryptor implements RtpEncryptor {
  readonly tagBytes = 16;
  readonly #key: KeyObject;
  readonly #salt: Buffer;
  /** Rewritten per packet; OpenSSL copies it when the cipher is made. */
  readonly #iv = Buffer.alloc(12);

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    // werift-rtp derives 14 salt bytes for either profile; the KDF's output is a key stream, so the
    // first 12 are the 96-bit salt RFC 7714 §12 derives.
    if (sessionKey.length !== 16 || sessionSalt.length < 12) throw new RangeError('AEAD_AES_128_GCM needs a 16-byte key and a 12-byte salt');
    this.#key = createSecretKey(Buffer.from(sessionKey));
    this.#salt = Buffer.from(sessionSalt.subarray(0, 12));
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    // RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt.
    const iv = this.#iv;
    iv[0] = 0;
    iv[1] = 0;
    iv.writeUInt32BE(ssrc >>> 0, 2);
    iv.writeUInt32BE(roc >>> 0, 6);
    iv.writeUInt16BE(seq & 0xffff, 10);
    const salt = this.#salt;
    for (let i = 0; i < 12; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
    const out = Buffer.allocUnsafe(length + 16);
    packet.copy(out, 0, 0, headerLength);
    const cipher = createCipheriv('aes-128-gcm', this.#key, iv);
    cipher.setAAD(out.subarray(0, headerLength));
    cipher.update(packet.subarray(headerLength, length)).copy(out, headerLength);
    cipher.final();
    cipher.getAuthTag().copy(out, length);
    return out;
  }
}

/** AES_CM_128_HMAC_SHA1_80: the payload is encrypted in counter mode, then HMAC-SHA1(header ‖ payload ‖ ROC) truncated to 10 bytes. */
export class CmRtpEncryptor implements RtpEncryptor {
  readonly tagBytes = 10;
  readonly #key: KeyObject;
  readonly #authKey: KeyObject;
  readonly #salt: Buffer;
  readonly #counter = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    if (sessionKey.length !== 16 || sessionSalt.length !== 14 || sessionAuthKey.length !== 20) {
      throw new RangeError('AES_CM_128_HMAC_SHA1_80 needs a 16-byte key, a 14-byte salt and a 20-byte authentication key');
    }
    this.#key = createSecretKey(Buffer.from(sessionKey));
    this.#authKey = createSecretKey(Buffer.from(sessionAuthKey));
    this.#salt = Buffer.from(sessionSalt);
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    // RFC 3711 §4.1.1: IV = (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16), index = ROC · 2^16 + SEQ.
    const counter = this.#counter;
    counter.fill(0);
    counter.writeUInt32BE(ssrc >>> 0, 4);
    counter.writeUInt32BE(roc >>> 0, 8);
    counter.writeUInt16BE(seq & 0xffff, 12);
    const salt = this.#salt;
    for (let i = 0; i < 14; i++) counter[i] = (counter[i] ?? 0) ^ (salt[i] ?? 0);
    const out = Buffer.allocUnsafe(length + 10);
    packet.copy(out, 0, 0, headerLength);
    const cipher = createCipheriv('aes-128-ctr', this.#key, counter);
    cipher.update(packet.subarray(headerLength, length)).copy(out, headerLength);
    // RFC 3711 §4.2: the tag covers the authenticated portion (header and encrypted payload) and the ROC.
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const mac = createHmac('sha1', this.#authKey);
    mac.update(out.subarray(0, length));
    mac.update(this.#roc);
    mac.digest().copy(out, length, 0, 10);
    return out;
  }
}
