// The ICE-lite side of STUN (RFC 5389, RFC 8445 §7.3): read a Binding request bounds-checked,
// verify its MESSAGE-INTEGRITY (§15.4) with the local password and its FINGERPRINT (§15.5), and write
// the success response with XOR-MAPPED-ADDRESS (§15.2), MESSAGE-INTEGRITY and FINGERPRINT. Pure:
// never throws on input, never does I/O. Not a hot path (checks come every few seconds per
// endpoint), but the reader still walks the datagram in place and copies nothing but the USERNAME.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';

/** RFC 5389 §6: the magic cookie. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_PRIORITY = 0x0024;
const ATTR_USE_CANDIDATE = 0x0025;
const ATTR_FINGERPRINT = 0x8028;
const ATTR_ICE_CONTROLLED = 0x8029;
const ATTR_ICE_CONTROLLING = 0x802a;
const FINGERPRINT_XOR = 0x5354554e;
/**
 * Largest STUN datagram read. RFC 5389 §7.1 keeps STUN over UDP under the path MTU; a Binding
 * request with 256-character ufrags (RFC 8445 §5.3's maximum) stays far below this.
 */
export const MAX_STUN_BYTES = 1280;

/** Why a STUN datagram was not taken as a connectivity check. */
export type StunDropReason =
  | 'stun-truncated' | 'stun-oversized' | 'stun-malformed' | 'stun-bad-fingerprint'
  | 'stun-not-binding-request' | 'stun-unauthenticated';

/** A connectivity check (RFC 8445 §7.2.2), not yet authenticated. */
export type BindingRequest = {
  /** A view into the datagram: use before the datagram is reused. */
  readonly transactionId: Uint8Array;
  /** USERNAME before the colon: the bridge's ufrag (RFC 8445 §7.2.2). */
  readonly localUfrag: string;
  /** USERNAME after the colon: the endpoint's ufrag. */
  readonly remoteUfrag: string;
  /** USE-CANDIDATE: the controlling agent nominates this pair (RFC 8445 §7.2.2, §8.1.1). */
  readonly useCandidate: boolean;
  readonly priority: number | undefined;
  readonly role: 'controlling' | 'controlled' | undefined;
  /** Offset of the MESSAGE-INTEGRITY attribute, for verifyMessageIntegrity. */
  readonly integrityOffset: number;
};

// RFC 1952 CRC-32 (the one FINGERPRINT uses), table-driven.
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}
function crc32(bytes: Uint8Array, end: number): number {
  let c = -1;
  for (let i = 0; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const readU16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const readU32 = (b: Uint8Array, at: number): number => (readU16(b, at) * 0x10000 + readU16(b, at + 2)) >>> 0;

/** Reads a Binding request (RFC 5389 §6, §15; RFC 8445 §7.2.2 requires USERNAME, MESSAGE-INTEGRITY and FINGERPRINT). */
export function readBindingRequest(datagram: Uint8Array): Result<BindingRequest, StunDropReason> {
  const length = datagram.length;
  if (length > MAX_STUN_BYTES) return err('stun-oversized');
  if (length < HEADER_BYTES) return err('stun-truncated');
  if (((datagram[0] ?? 0) & 0xc0) !== 0 || readU32(datagram, 4) !== STUN_MAGIC_COOKIE) return err('stun-malformed');
  const bodyLength = readU16(datagram, 2);
  if (HEADER_BYTES + bodyLength > length) return err('stun-truncated');
  if (bodyLength % 4 !== 0 || HEADER_BYTES + bodyLength < length) return err('stun-malformed');

  let username: string | undefined;
  let useCandidate = false;
  let priority: number | undefined;
  let role: BindingRequest['role'];
  let integrityOffset = -1;
  let hasFingerprint = false;
  for (let at = HEADER_BYTES; at < length;) {
    if (hasFingerprint) return err('stun-malformed'); // §15.5: FINGERPRINT is the last attribute
    if (at + 4 > length) return err('stun-truncated');
    const type = readU16(datagram, at);
    const valueLength = readU16(datagram, at + 2);
    const value = at + 4;
    const next = value + valueLength + ((4 - (valueLength % 4)) % 4);
    if (next > length) return err('stun-truncated');
    if (type === ATTR_FINGERPRINT) {
      if (valueLength !== 4) return err('stun-malformed');
      if (((crc32(datagram, at) ^ FINGERPRINT_XOR) >>> 0) !== readU32(datagram, value)) return err('stun-bad-fingerprint');
      hasFingerprint = true;
    } else if (integrityOffset !== -1) {
      // §15.4: anything but FINGERPRINT after MESSAGE-INTEGRITY is ignored.
    } else if (type === ATTR_MESSAGE_INTEGRITY) {
      if (valueLength !== 20) return err('stun-malformed');
      integrityOffset = at;
    } else if (type === ATTR_USERNAME) {
      if (valueLength > 513) return err('stun-malformed'); // §15.3
      username = Buffer.from(datagram.buffer, datagram.byteOffset + value, valueLength).toString('utf8');
    } else if (type === ATTR_USE_CANDIDATE) {
      if (valueLength !== 0) return err('stun-malformed');
      useCandidate = true;
    } else if (type === ATTR_PRIORITY) {
      if (valueLength !== 4) return err('stun-malformed');
      priority = readU32(datagram, value);
    } else if (type === ATTR_ICE_CONTROLLING || type === ATTR_ICE_CONTROLLED) {
      if (valueLength !== 8) return err('stun-malformed');
      role = type === ATTR_ICE_CONTROLLING ? 'controlling' : 'controlled';
    }
    at = next;
  }
  // Only now: a datagram with a broken body is malformed whatever its type says.
  if (readU16(datagram, 0) !== BINDING_REQUEST) return err('stun-not-binding-request');
  if (!hasFingerprint || integrityOffset === -1 || username === undefined) return err('stun-unauthenticated');
  const colon = username.indexOf(':');
  if (colon <= 0 || colon === username.length - 1) return err('stun-unauthenticated');
  return ok({
    transactionId: datagram.subarray(8, HEADER_BYTES),
    localUfrag: username.slice(0, colon),
    remoteUfrag: username.slice(colon + 1),
    useCandidate, priority, role, integrityOffset,
  });
}

function integrityDigest(message: Uint8Array, integrityOffset: number, key: Uint8Array): Buffer {
  // §15.4: the HMAC covers the message up to MESSAGE-INTEGRITY, with the header's length field
  // counting up to the end of MESSAGE-INTEGRITY.
  const adjustedLength = integrityOffset - HEADER_BYTES + 24;
  const lengthField = Buffer.from([adjustedLength >> 8, adjustedLength & 0xff]);
  return createHmac('sha1', key)
    .update(message.subarray(0, 2)).update(lengthField).update(message.subarray(4, integrityOffset))
    .digest();
}

/** RFC 5389 §15.4 with short-term credentials: the key is the password's bytes (here, the bridge's ICE pwd). */
export function verifyMessageIntegrity(datagram: Uint8Array, integrityOffset: number, key: Uint8Array): boolean {
  if (integrityOffset < HEADER_BYTES || integrityOffset + 24 > datagram.length) return false;
  return timingSafeEqual(integrityDigest(datagram, integrityOffset, key), datagram.subarray(integrityOffset + 4, integrityOffset + 24));
}

/** The 4 or 16 address bytes of an IP literal; undefined when it is not one. IPv4-mapped IPv6 gives 4. */
export function ipAddressBytes(ip: string): Uint8Array | undefined {
  const zone = ip.indexOf('%');
  const text = zone === -1 ? ip : ip.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped?.[1] !== undefined) return ipAddressBytes(mapped[1]);
  if (!text.includes(':')) {
    const parts = text.split('.');
    if (parts.length !== 4) return undefined;
    const out = new Uint8Array(4);
    for (let i = 0; i < 4; i++) {
      const p = parts[i] ?? '';
      if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
      out[i] = Number(p);
    }
    return out;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = ipAddressBytes(g);
        if (v4?.length !== 4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = words(halves[0] ?? '');
  const tail = halves.length === 2 ? words(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * The Binding success response (RFC 8445 §7.3.1.1 → RFC 5389 §10.1.2): XOR-MAPPED-ADDRESS of where
 * the request came from, MESSAGE-INTEGRITY with the same key, FINGERPRINT. Undefined only if
 * `ip` is not an IP literal (a bug in the caller: dgram always gives one).
 */
export function writeBindingSuccess(transactionId: Uint8Array, ip: string, port: number, key: Uint8Array): Buffer | undefined {
  const address = ipAddressBytes(ip);
  if (address === undefined || transactionId.length !== 12) return undefined;
  const xorAddressBytes = 4 + 4 + address.length;
  const integrityAt = HEADER_BYTES + xorAddressBytes;
  const fingerprintAt = integrityAt + 24;
  const out = Buffer.alloc(fingerprintAt + 8);
  out.writeUInt16BE(BINDING_SUCCESS, 0);
  out.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  out.set(transactionId, 8);
  // XOR-MAPPED-ADDRESS (§15.2): port ^ top 16 bits of the cookie; address ^ cookie (‖ transaction id for IPv6).
  out.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, HEADER_BYTES);
  out.writeUInt16BE(4 + address.length, HEADER_BYTES + 2);
  out[HEADER_BYTES + 5] = address.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE((port ^ (STUN_MAGIC_COOKIE >>> 16)) & 0xffff, HEADER_BYTES + 6);
  for (let i = 0; i < address.length; i++) out[HEADER_BYTES + 8 + i] = (address[i] ?? 0) ^ (out[4 + i] ?? 0);
  out.writeUInt16BE(ATTR_MESSAGE_INTEGRITY, integrityAt);
  out.writeUInt16BE(20, integrityAt + 2);
  out.writeUInt16BE(integrityAt - HEADER_BYTES, 2);
  integrityDigest(out, integrityAt, key).copy(out, integrityAt + 4);
  out.writeUInt16BE(ATTR_FINGERPRINT, fingerprintAt);
  out.writeUInt16BE(4, fingerprintAt + 2);
  out.writeUInt16BE(fingerprintAt + 8 - HEADER_BYTES, 2);
  out.writeUInt32BE((crc32(out, fingerprintAt) ^ FINGERPRINT_XOR) >>> 0, fingerprintAt + 4);
  return out;
}
