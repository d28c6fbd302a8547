// Who is at the other end of a DTLS handshake: the certificate must match a fingerprint the focus
// relayed from the endpoint's signalling (RFC 8122 §5, RFC 5763 §5), and the endpoint must prove
// it holds that certificate's key with a valid CertificateVerify (RFC 5246 §7.4.8) — werift-dtls's
// server stores the client certificate but never checks that signature. Pure.
import { X509Certificate, createHash, verify } from 'node:crypto';

/** A fingerprint as signalled (Jingle `<fingerprint hash>`, SDP `a=fingerprint`). */
export type RemoteFingerprint = { readonly hash: string; readonly value: string };

// RFC 8122 §5 hash names → node names, strongest first.
const HASHES: readonly (readonly [string, string])[] = [['sha-512', 'sha512'], ['sha-384', 'sha384'], ['sha-256', 'sha256'], ['sha-224', 'sha224'], ['sha-1', 'sha1']];
const normalize = (value: string): string => value.replace(/:/g, '').toLowerCase();

/**
 * RFC 8122 §5: take the fingerprints that use the strongest hash offered that we support, and
 * require the certificate to match one of them. No usable fingerprint → false.
 */
export function matchesFingerprint(certificateDer: Uint8Array, fingerprints: readonly RemoteFingerprint[]): boolean {
  for (const [name, nodeName] of HASHES) {
    const candidates = fingerprints.filter((f) => f.hash.toLowerCase() === name);
    if (candidates.length === 0) continue;
    const actual = createHash(nodeName).update(certificateDer).digest('hex');
    return candidates.some((f) => normalize(f.value) === actual);
  }
  return false;
}

// RFC 5246 §7.4.1.4.1 HashAlgorithm and SignatureAlgorithm codes.
const TLS_HASHES: Readonly<Record<number, string>> = { 2: 'sha1', 3: 'sha224', 4: 'sha256', 5: 'sha384', 6: 'sha512' };
const TLS_SIGNATURES: Readonly<Record<number, string>> = { 1: 'rsa', 3: 'ec' };

/**
 * RFC 5246 §7.4.8: `body` is the CertificateVerify message body (hash, signature algorithm,
 * 2-byte length, signature); `transcript` the handshake messages before it (RFC 6347 §4.2.6:
 * DTLS headers included, the cookie-less ClientHello and HelloVerifyRequest excluded).
 */
export function verifyCertificateVerify(transcript: Uint8Array, certificateDer: Uint8Array, body: Uint8Array): boolean {
  if (body.length < 4) return false;
  const hash = TLS_HASHES[body[0] ?? 0];
  const keyType = TLS_SIGNATURES[body[1] ?? 0];
  const length = ((body[2] ?? 0) << 8) | (body[3] ?? 0);
  if (hash === undefined || keyType === undefined || body.length !== 4 + length) return false;
  try {
    const key = new X509Certificate(certificateDer).publicKey;
    if (key.asymmetricKeyType !== keyType) return false;
    return verify(hash, transcript, { key, dsaEncoding: 'der' }, body.subarray(4));
  } catch {
    // A certificate node cannot parse, or a key it cannot use: not a proof of anything.
    return false;
  }
}
