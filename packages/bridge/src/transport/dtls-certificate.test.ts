import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { createDtlsCertificate } from './dtls-certificate.ts';

test('a self-signed certificate that node parses and verifies, with its SHA-256 fingerprint', () => {
  const now = Date.UTC(2026, 7, 20);
  const c = createDtlsCertificate(now);
  const x = new X509Certificate(c.certificatePem);
  assert.ok(x.verify(x.publicKey), 'self-signed');
  assert.is(x.fingerprint256, c.fingerprint, 'the advertised fingerprint is the certificate fingerprint');
  assert.match(c.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.is(x.subject, 'CN=plenum-bridge');
  assert.ok(Date.parse(x.validFrom) < now && Date.parse(x.validTo) > now + 29 * 86_400_000);
  assert.ok(x.checkPrivateKey(c.privateKey));
  assert.match(c.privateKeyPem, /BEGIN PRIVATE KEY/);
  assert.is.not(createDtlsCertificate(now).fingerprint, c.fingerprint, 'a fresh key each time');
});

test('dates after 2049 use GeneralizedTime', () => {
  const x = new X509Certificate(createDtlsCertificate(Date.UTC(2060, 0, 1)).certificateDer);
  assert.is(new Date(x.validFrom).getUTCFullYear(), 2059);
});

test.run();
