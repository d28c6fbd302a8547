import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes, sign } from 'node:crypto';
import { createDtlsCertificate } from './dtls-certificate.ts';
import { matchesFingerprint, verifyCertificateVerify } from './dtls-verify.ts';

const cert = createDtlsCertificate(Date.UTC(2026, 0, 1));
const other = createDtlsCertificate(Date.UTC(2026, 0, 1));
const hex = (alg: string, colon = true, upper = true): string => {
  const h = createHash(alg).update(cert.certificateDer).digest('hex');
  const s = upper ? h.toUpperCase() : h;
  return colon ? s.match(/../g)?.join(':') ?? '' : s;
};

test('fingerprints: the strongest offered hash decides; case and colons do not matter', () => {
  assert.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'sha-256', value: cert.fingerprint }]));
  assert.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'SHA-256', value: hex('sha256', false, false) }]));
  assert.not.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'sha-256', value: other.fingerprint }]));
  assert.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'sha-1', value: 'AA' }, { hash: 'sha-384', value: hex('sha384') }]));
  assert.not.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'sha-1', value: hex('sha1') }, { hash: 'sha-256', value: other.fingerprint }]),
    'a weaker matching hash does not rescue a stronger mismatch');
  assert.not.ok(matchesFingerprint(cert.certificateDer, []));
  assert.not.ok(matchesFingerprint(cert.certificateDer, [{ hash: 'md5', value: 'AA' }]));
});

test('CertificateVerify: a signature by the certificate key over the transcript verifies; anything else does not', () => {
  const transcript = randomBytes(900);
  const body = (sig: Buffer, hash = 4, alg = 3): Buffer => Buffer.concat([Buffer.from([hash, alg, sig.length >> 8, sig.length & 0xff]), sig]);
  const good = sign('sha256', transcript, cert.privateKey);
  assert.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(good)));
  assert.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(sign('sha384', transcript, cert.privateKey), 5)));
  assert.not.ok(verifyCertificateVerify(transcript, other.certificateDer, body(good)), 'someone else\'s certificate');
  assert.not.ok(verifyCertificateVerify(Buffer.concat([transcript, Buffer.from([0])]), cert.certificateDer, body(good)), 'another transcript');
  assert.not.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(sign('sha256', transcript, other.privateKey))), 'another key');
  assert.not.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(good, 4, 1)), 'claims RSA');
  assert.not.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(good, 9)), 'unknown hash');
  assert.not.ok(verifyCertificateVerify(transcript, cert.certificateDer, body(good).subarray(0, 20)), 'truncated');
  assert.not.ok(verifyCertificateVerify(transcript, randomBytes(300), body(good)), 'garbage certificate');
});

test.run();
