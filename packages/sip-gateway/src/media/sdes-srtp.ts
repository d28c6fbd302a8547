// SRTP keyed by SDES (RFC 4568) for phones that offer RTP/SAVP. Only AES_CM_128_HMAC_SHA1_80
// (RFC 3711 §4, the suite every SDES phone supports); the cipher is werift's SRTP implementation.
// Replay protection (RFC 3711 §3.3.2) is ours: a 128-packet window over the extended index.
import { RtpHeader, SrtpSession } from 'werift';
import { randomBytes } from 'node:crypto';
import { sequenceDistance } from './rtp-packet.ts';

/** The one crypto suite offered and accepted. */
export const SDES_SUITE = 'AES_CM_128_HMAC_SHA1_80';
const KEY_BYTES = 16;
const SALT_BYTES = 14;
const REPLAY_WINDOW = 128;

/** A master key and salt from an `inline:` key parameter. */
export type SdesKey = { readonly key: Buffer; readonly salt: Buffer };

/** Parses `inline:<base64 key||salt>[|lifetime][|mki:len]`; undefined when malformed or using an MKI. */
export function parseSdesKeyParams(keyParams: string): SdesKey | undefined {
  const m = /^inline:([A-Za-z0-9+/=]+)(?:\|([^|]+))?(?:\|([^|]+))?$/.exec(keyParams);
  if (m === null) return undefined;
  // MKI would add bytes to every packet; phones rarely use it and werift does not support it.
  if (m[3] !== undefined || (m[2] !== undefined && m[2].includes(':'))) return undefined;
  const bytes = Buffer.from(m[1]!, 'base64');
  if (bytes.length !== KEY_BYTES + SALT_BYTES) return undefined;
  return { key: bytes.subarray(0, KEY_BYTES), salt: bytes.subarray(KEY_BYTES) };
}

/** A fresh random key for our side of the stream, with its `inline:` key parameter. */
export function generateSdesKey(): { key: SdesKey; keyParams: string } {
  const bytes = randomBytes(KEY_BYTES + SALT_BYTES);
  return { key: { key: bytes.subarray(0, KEY_BYTES), salt: bytes.subarray(KEY_BYTES) }, keyParams: `inline:${bytes.toString('base64')}` };
}

/** RFC 3711 §3.3.2 replay list of one SSRC: a window over the 48-bit packet index. */
class ReplayWindow {
  readonly seen = new Float64Array(REPLAY_WINDOW).fill(-1);
  highest = -1;

  /** The packet index for `sequence` (RFC 3711 §3.3.1 estimate), or -1 if it is a replay or too old. */
  check(sequence: number): number {
    const index = this.highest < 0 ? sequence : this.highest + sequenceDistance(this.highest & 0xffff, sequence);
    if (this.highest >= 0 && (index < 0 || index <= this.highest - REPLAY_WINDOW || this.seen[index % REPLAY_WINDOW] === index)) return -1;
    return index;
  }

  accept(index: number): void {
    this.seen[index % REPLAY_WINDOW] = index;
    if (index > this.highest) this.highest = index;
  }
}

/** SSRCs tracked per call (a phone uses one; a PBX may switch a few times). */
const MAX_SOURCES = 8;

/** One call's SRTP contexts: ours for sending, the phone's for receiving. */
export class SdesSrtp {
  readonly #session: SrtpSession;
  readonly #header = new RtpHeader();
  readonly #windows = new Map<number, ReplayWindow>();

  constructor(local: SdesKey, remote: SdesKey) {
    this.#session = new SrtpSession({
      keys: { localMasterKey: local.key, localMasterSalt: local.salt, remoteMasterKey: remote.key, remoteMasterSalt: remote.salt },
      profile: 1, // ProtectionProfileAes128CmHmacSha1_80
    });
  }

  /** Encrypts and authenticates one RTP packet (12-byte header, no CSRC/extension). */
  protect(packet: Buffer, length: number): Buffer {
    const h = this.#header;
    h.payloadType = packet[1]! & 0x7f;
    h.marker = (packet[1]! & 0x80) !== 0;
    h.sequenceNumber = packet.readUInt16BE(2);
    h.timestamp = packet.readUInt32BE(4);
    h.ssrc = packet.readUInt32BE(8);
    return this.#session.encrypt(packet.subarray(12, length), h);
  }

  /** Authenticates, replay-checks and decrypts one SRTP packet; undefined when it must be dropped. */
  unprotect(packet: Buffer): Buffer | undefined {
    if (packet.length < 12 + 10) return undefined;
    const ssrc = packet.readUInt32BE(8);
    const window = this.#windows.get(ssrc) ?? new ReplayWindow();
    const index = window.check(packet.readUInt16BE(2));
    if (index < 0) return undefined;
    let clear: Buffer;
    try {
      clear = this.#session.decrypt(packet);
    } catch {
      // Authentication failed: forged, corrupt or keyed differently. RFC 3711 §3.3 says drop it.
      return undefined;
    }
    if (!this.#windows.has(ssrc)) {
      // Only an authenticated packet creates state; the oldest source makes room.
      if (this.#windows.size >= MAX_SOURCES) this.#windows.delete(this.#windows.keys().next().value!);
      this.#windows.set(ssrc, window);
    }
    window.accept(index);
    return clear;
  }
}
