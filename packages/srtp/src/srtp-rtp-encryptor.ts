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
import type { Cipher } from 'node:crypto';
import { CM_TAG_BYTES, CmPacketKeys, GCM_TAG_BYTES, GcmPacketKeys } from './srtp-packet-keys.ts';

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

/** The packet with room for its tag: the header copied, the payload encrypted by `cipher` after it. */
function encryptedPacket(packet: Buffer, headerLength: number, length: number, tagBytes: number, cipher: Cipher): Buffer {
  const out = Buffer.allocUnsafe(length + tagBytes);
  packet.copy(out, 0, 0, headerLength);
  cipher.update(packet.subarray(headerLength, length)).copy(out, headerLength);
  return out;
}

/** AEAD_AES_128_GCM: the header is the AAD, the payload is encrypted, the 16-byte tag follows. */
export class GcmRtpEncryptor implements RtpEncryptor {
  readonly tagBytes = GCM_TAG_BYTES;
  readonly #keys: GcmPacketKeys;

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    this.#keys = new GcmPacketKeys(sessionKey, sessionSalt);
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    const cipher = this.#keys.cipher(ssrc, roc, seq);
    // The AAD goes in before any payload.
    cipher.setAAD(packet.subarray(0, headerLength));
    const out = encryptedPacket(packet, headerLength, length, GCM_TAG_BYTES, cipher);
    cipher.final();
    cipher.getAuthTag().copy(out, length);
    return out;
  }
}

/** AES_CM_128_HMAC_SHA1_80: the payload is encrypted in counter mode, then HMAC-SHA1(header ‖ payload ‖ ROC) truncated to 10 bytes. */
export class CmRtpEncryptor implements RtpEncryptor {
  readonly tagBytes = CM_TAG_BYTES;
  readonly #keys: CmPacketKeys;

  constructor(sessionKey: Buffer, sessionSalt: Buffer, sessionAuthKey: Buffer) {
    this.#keys = new CmPacketKeys(sessionKey, sessionSalt, sessionAuthKey);
  }

  encrypt(packet: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): Buffer {
    const out = encryptedPacket(packet, headerLength, length, CM_TAG_BYTES, this.#keys.keyStream(ssrc, roc, seq));
    this.#keys.authDigest(out.subarray(0, length), roc).copy(out, length, 0, CM_TAG_BYTES);
    return out;
  }
}
