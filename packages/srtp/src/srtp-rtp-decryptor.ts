// Inbound SRTP decryption of RTP with node:crypto directly, for every packet an endpoint sends:
// AEAD_AES_128_GCM (RFC 7714 §8, §9) and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §3.3, §4.1.1, §4.2),
// with werift-rtp's session keys (the caller, rtp-srtp-session.ts or the bridge's SrtpProtection,
// keeps the index and replay window). Against
// werift's decryptRtp this saves parsing the header into an object (the caller already measured
// it), a zero-filled output buffer, the IV / counter writer's buffers and importing the raw key per
// packet. The result is a fresh buffer (the forwarding loop may keep it, e.g. in a packet cache).
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { CmSessionKeys, GcmSessionKeys } from './srtp-packet-keys.ts';
import { cmSessionKeys, gcmSessionKeys, writeCmCounter, writeGcmIv } from './srtp-packet-keys.ts';

/** Decrypts inbound SRTP from one endpoint. */
export interface RtpDecryptor {
  /** Bytes of the authentication tag at the end of each packet. */
  readonly tagBytes: number;
  /**
   * Authenticates and decrypts `packet`, whose RTP header is `headerLength` bytes, with the packet
   * index (roc, seq) of its SSRC: the plain RTP packet (a new buffer), or undefined when it does
   * not authenticate.
   */
  decrypt(packet: Buffer, headerLength: number, ssrc: number, seq: number, roc: number): Buffer | undefined;
}

/** AEAD_AES_128_GCM: the header is the AAD, the 16-byte tag ends the packet. */
export class GcmRtpDecryptor implements RtpDecryptor {
  readonly tagBytes = 16;
  readonly #keys: GcmSessionKeys;
  /** Rewritten per packet; OpenSSL copies it when the cipher is made. */
  readonly #iv = Buffer.alloc(12);

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    this.#keys = gcmSessionKeys(sessionKey, sessionSalt);
  }

  decrypt(packet: Buffer, headerLength: number, ssrc: number, seq: number, roc: number): Buffer | undefined {
    const end = packet.length - 16;
    if (end < headerLength) return undefined;
    const iv = this.#iv;
    writeGcmIv(iv, this.#keys.salt, ssrc, roc, seq);
    const decipher = createDecipheriv('aes-128-gcm', this.#keys.key, iv);
    decipher.setAAD(packet.subarray(0, headerLength));
    decipher.setAuthTag(packet.subarray(end));
    const payload = decipher.update(packet.subarray(headerLength, end));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, headerLength);
    payload.copy(out, headerLength);
    return out;
  }
}

/** AES_CM_128_HMAC_SHA1_80: HMAC-SHA1(header ‖ payload ‖ ROC) truncated to 10 bytes is checked first, then the payload is decrypted. */
export class CmRtpDecryptor implements RtpDecryptor {
  readonly tagBytes = 10;
  readonly #keys: CmSessionKeys;
  readonly #counter = Buffer.alloc(16);
  readonly #roc = Buffer.alloc(4);

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    this.#keys = cmSessionKeys(sessionKey, sessionSalt, sessionAuthKey);
  }

  decrypt(packet: Buffer, headerLength: number, ssrc: number, seq: number, roc: number): Buffer | undefined {
    const end = packet.length - 10;
    if (end < headerLength) return undefined;
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const mac = createHmac('sha1', this.#keys.authKey);
    mac.update(packet.subarray(0, end));
    mac.update(this.#roc);
    const expected = mac.digest();
    if (!timingSafeEqual(expected.subarray(0, 10), packet.subarray(end))) return undefined;
    const counter = this.#counter;
    writeCmCounter(counter, this.#keys.salt, ssrc, roc, seq);
    const decipher = createDecipheriv('aes-128-ctr', this.#keys.key, counter);
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, headerLength);
    decipher.update(packet.subarray(headerLength, end)).copy(out, headerLength);
    return out;
  }
}
