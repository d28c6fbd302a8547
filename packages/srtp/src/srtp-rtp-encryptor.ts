// Outbound SRTP encryption of RTP with node:crypto directly, the send hot path of every forwarded
// packet: AEAD_AES_128_GCM (RFC 7714 §8) and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2).
// werift-rtp still derives the session keys and the caller (rtp-srtp-session.ts, the bridge's
// SrtpProtection) keeps the packet index; only the per-packet work is here.
// Against werift's encryptRtp this saves, per packet: the IV / counter writer's buffers (and a
// BigInt for AES-CM), importing the raw key into a new OpenSSL key (the KeyObjects are made once),
// and Buffer.concat's list and length walk. What remains is node:crypto's floor: one cipher (and
// for AES-CM one HMAC) object, the buffers its update / tag calls return, the two views it needs
// (header, payload), and the output packet (from Node's buffer pool; it must be a fresh buffer, as
// dgram may still hold it after send returns). Byte-exact with werift-rtp (werift-srtp.test.ts, the
// bridge's srtp-protection.test.ts).
import { createCipheriv, createHmac } from 'node:crypto';
import type { CmSessionKeys, GcmSessionKeys } from './srtp-packet-keys.ts';
import { cmSessionKeys, gcmSessionKeys, writeCmCounter, writeGcmIv } from './srtp-packet-keys.ts';

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
  readonly #keys: GcmSessionKeys;
  /** Rewritten per packet; OpenSSL copies it when the cipher is made. */
  readonly #iv = Buffer.alloc(12);

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    this.#keys = gcmSessionKeys(sessionKey, sessionSalt);
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    const iv = this.#iv;
    writeGcmIv(iv, this.#keys.salt, ssrc, roc, seq);
    const out = Buffer.allocUnsafe(length + 16);
    packet.copy(out, 0, 0, headerLength);
    const cipher = createCipheriv('aes-128-gcm', this.#keys.key, iv);
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
  readonly #keys: CmSessionKeys;
  readonly #counter = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    this.#keys = cmSessionKeys(sessionKey, sessionSalt, sessionAuthKey);
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    const counter = this.#counter;
    writeCmCounter(counter, this.#keys.salt, ssrc, roc, seq);
    const out = Buffer.allocUnsafe(length + 10);
    packet.copy(out, 0, 0, headerLength);
    const cipher = createCipheriv('aes-128-ctr', this.#keys.key, counter);
    cipher.update(packet.subarray(headerLength, length)).copy(out, headerLength);
    // RFC 3711 §4.2: the tag covers the authenticated portion (header and encrypted payload) and the ROC.
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const mac = createHmac('sha1', this.#keys.authKey);
    mac.update(out.subarray(0, length));
    mac.update(this.#roc);
    mac.digest().copy(out, length, 0, 10);
    return out;
  }
}
