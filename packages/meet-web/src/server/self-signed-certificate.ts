// A self-signed TLS certificate made at start (`tls.selfSigned`), so a LAN trial gets a secure
// context for camera and microphone without an operator's certificate. Node can sign but cannot
// build certificates, so the X.509 DER (RFC 5280 §4.1) is written here: an ECDSA P-256 key,
// subjectAltName with every name the server is reached by (browsers ignore the CN), serverAuth.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** PEM key and certificate for `https.createServer`. */
export type TlsIdentity = { readonly keyPem: string; readonly certPem: string };

// DER (X.690): tag, definite length, content.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** UTCTime (RFC 5280 §4.1.2.5.1; dates before 2050). */
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  return tlv(0x17, Buffer.from(`${iso.slice(2, 19).replace(/[-:T]/g, '')}Z`));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(all.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 0xff]; }));
}

/** A new key and a certificate for `names` (DNS names and IP addresses), valid for `validityDays` from a day ago. */
export function createSelfSignedCertificate(names: readonly string[], nowMs: number, validityDays = 365): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(16);
  // DER integers are minimal and this one positive: a non-zero first byte below 0x80.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const cn = names.find((n) => !isIPv4(n) && !isIPv6(n)) ?? 'plenum';
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
  const altNames = [...new Set(names)].map((n) =>
    isIPv4(n) || isIPv6(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')));
  const extensions = tlv(0xa3, seq(
    seq(oid('2.5.29.17'), tlv(0x04, seq(...altNames))),
    seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.1')))),
    // basicConstraints: not a CA.
    seq(oid('2.5.29.19'), tlv(0x04, seq())),
  ));
  const dayMs = 86_400_000;
  const tbs = seq(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(serial),
    ecdsaWithSha256,
    name,
    seq(utcTime(nowMs - dayMs), utcTime(nowMs + validityDays * dayMs)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem };
}
