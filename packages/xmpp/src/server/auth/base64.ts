// Strict Base64 decoding. Node's Buffer decoder skips characters it does not know and ignores
// padding, so two different strings can decode to the same bytes; a verifier that accepts
// either form lets a token or SCRAM message be altered without changing its meaning.

// RFC 4648 §4: the standard alphabet, padded to a multiple of four.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 4648 §5 without padding, as JWS uses it (RFC 7515 §2); a length of 1 mod 4 is impossible.
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes canonical padded Base64 (RFC 4648 §4); undefined for anything else. */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (!BASE64.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  // Non-zero bits in the last character's unused part would decode to the same bytes.
  return bytes.toString('base64') === s ? new Uint8Array(bytes) : undefined;
}

/** Decodes canonical unpadded Base64url (RFC 7515 §2); undefined for anything else. */
export function decodeBase64Url(s: string): Uint8Array | undefined {
  if (!BASE64URL.test(s) || s.length % 4 === 1) return undefined;
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? new Uint8Array(bytes) : undefined;
}

/** Encodes padded Base64 (RFC 4648 §4). */
export const encodeBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Encodes unpadded Base64url (RFC 7515 §2). */
export const encodeBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
