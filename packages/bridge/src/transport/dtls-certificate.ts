// The bridge's DTLS identity: an ECDSA P-256 key and a self-signed X.509 certificate made at start,
// whose SHA-256 fingerprint is advertised in every transport (XEP-0320, RFC 8122 §5). Node can sign
// but has no certificate builder, so the certificate's DER (RFC 5280 §4.1) is written by hand here;
// node:crypto's X509Certificate parses and verifies the result. The media plane will serve DTLS
// with exactly this key and certificate, so the fingerprint the focus relays stays valid.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The key, the certificate (DER and PEM) and its fingerprint in SDP/Jingle form. */
export type DtlsCertificate = {
  readonly privateKey: KeyObject;
  readonly certificateDer: Buffer;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** `sha-256` as named in Jingle `<fingerprint hash>` and SDP `a=fingerprint`. */
  readonly hash: 'sha-256';
  /** Upper-case hex pairs joined by colons. */
  readonly fingerprint: string;
};

// DER (X.690) writers: tag, definite length, content.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit0 = (inner: Buffer): Buffer => tlv(0xa0, inner);
const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));

function integer(bytes: Buffer): Buffer {
  // Positive: strip leading zeros, then keep a zero byte if the top bit is set.
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
  if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return Number(iso.slice(0, 4)) < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const name = (cn: string): Buffer => sequence(set(sequence(oid('2.5.4.3'), utf8(cn))));

/** Upper-case colon-separated hex, as Jingle and SDP write fingerprints. */
export const formatFingerprint = (digest: Buffer): string => [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

/**
 * Makes a fresh key and a self-signed certificate valid from a day before `nowMs` for `validityDays`
 * (WebRTC endpoints check only the fingerprint, not the dates or the name).
 */
export function createDtlsCertificate(nowMs: number, opts: { commonName?: string; validityDays?: number } = {}): DtlsCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const dayMs = 86_400_000;
  const subject = name(opts.commonName ?? 'plenum-bridge');
  const tbs = sequence(
    explicit0(integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    subject,
    sequence(time(nowMs - dayMs), time(nowMs + (opts.validityDays ?? 30) * dayMs)),
    subject,
    spki,
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA-Sig-Value
  const certificateDer = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const x509 = new X509Certificate(certificateDer);
  // A broken encoder is a bug, not an input problem: fail loudly at start.
  if (!x509.verify(publicKey)) throw new Error('self-signed DTLS certificate does not verify');
  const b64 = certificateDer.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return {
    privateKey,
    certificateDer,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    hash: 'sha-256',
    fingerprint: formatFingerprint(createHash('sha256').update(certificateDer).digest()),
  };
}
