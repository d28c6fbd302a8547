// Inbound SRTP decryption of RTP with node:crypto directly, for every packet an endpoint sends:
// AEAD_AES_128_GCM (RFC 7714 §8, §9) and AES_CM_128_HMAC_SHA1_80 (RFC 3711 §3.3, §4.1.1, §4.2),
// with werift-rtp's session keys (the caller, rtp-srtp-session.ts or the bridge's SrtpProtection,
// keeps the index and replay window). Against
// werift's decryptRtp this saves parsing the header into an object (the caller already measured
// it), a zero-filled output buffer, the IV / counter writer's buffers and importing the raw key per
// packet. The result is a fresh buffer (the forwarding loop may keep it, e.g. in a packet cache).
import { timingSafeEqual } from 'node:crypto';
import { CM_TAG_BYTES, CmPacketKeys, GCM_TAG_BYTES, GcmPacketKeys } from './srtp-packet-keys.ts';

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

/** The plain packet: the header as it came, the decrypted payload after it. */
function plainPacket(packet: Buffer, headerLength: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(headerLength + payload.length);
  packet.copy(out, 0, 0, headerLength);
  payload.copy(out, headerLength);
  return out;
}

/** AEAD_AES_128_GCM: the header is the AAD, the 16-byte tag ends the packet. */
export class GcmRtpDecryptor implements RtpDecryptor {
  readonly tagBytes = GCM_TAG_BYTES;
  readonly #keys: GcmPacketKeys;

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    this.#keys = new GcmPacketKeys(sessionKey, sessionSalt);
  }

  decrypt(packet: Buffer, headerLength: number, ssrc: number, seq: number, roc: number): Buffer | undefined {
    const end = packet.length - GCM_TAG_BYTES;
    if (end < headerLength) return undefined;
    const decipher = this.#keys.decipher(ssrc, roc, seq);
    decipher.setAAD(packet.subarray(0, headerLength));
    decipher.setAuthTag(packet.subarray(end));
    const payload = decipher.update(packet.subarray(headerLength, end));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return plainPacket(packet, headerLength, payload);
  }
}

/** AES_CM_128_HMAC_SHA1_80: HMAC-SHA1(header ‖ payload ‖ ROC) truncated to 10 bytes is checked first, then the payload is decrypted. */
export class CmRtpDecryptor implements RtpDecryptor {
  readonly tagBytes = CM_TAG_BYTES;
  readonly #keys: CmPacketKeys;

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    this.#keys = new CmPacketKeys(sessionKey, sessionSalt, sessionAuthKey);
  }

  decrypt(packet: Buffer, headerLength: number, ssrc: number, seq: number, roc: number): Buffer | undefined {
    const end = packet.length - CM_TAG_BYTES;
    if (end < headerLength) return undefined;
    const expected = this.#keys.authDigest(packet.subarray(0, end), roc);
    if (!timingSafeEqual(expected.subarray(0, CM_TAG_BYTES), packet.subarray(end))) return undefined;
    return plainPacket(packet, headerLength, this.#keys.keyStream(ssrc, roc, seq).update(packet.subarray(headerLength, end)));
  }
}
