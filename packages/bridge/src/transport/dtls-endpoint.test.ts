// DtlsEndpoint against werift-dtls's DtlsClient over an in-memory pipe: handshake with the
// bridge's certificate, SRTP profile preference, fingerprint and CertificateVerify checks, keys
// that match the client's, and unauthenticated control records refused after the handshake.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import { createDtlsCertificate } from './dtls-certificate.ts';
import type { DtlsCertificate } from './dtls-certificate.ts';
import type { DtlsFailure } from './dtls-endpoint.ts';
import { DtlsEndpoint, screenDtlsRecords } from './dtls-endpoint.ts';
import type { SrtpMasterKeys } from './srtp-protection.ts';
import { newTransportCounters } from './transport-counters.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from './werift-dtls.ts';

const bridgeCert = createDtlsCertificate(Date.now());
const peerCert = createDtlsCertificate(Date.now());

type Outcome = { kind: 'connected'; profile: SrtpProfile; keys: SrtpMasterKeys } | { kind: 'failed'; reason: DtlsFailure };

function handshake(opts: { clientProfiles?: SrtpProfile[]; clientCert?: DtlsCertificate; fingerprints?: { hash: string; value: string }[] | 'later' } = {}) {
  const counters = newTransportCounters();
  let resolveOutcome: (o: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((r) => (resolveOutcome = r));
  const toServer: Buffer[] = [];
  const clientTransport: ConstructorParameters<typeof DtlsClient>[0]['transport'] = {
    type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: 1 }, closed: false,
    onData: (_d: Buffer, _a: unknown): void => undefined,
    send: (b: Buffer) => {
      toServer.push(b);
      setImmediate(() => endpoint.handle(toServer.shift() ?? Buffer.alloc(0)));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const endpoint: DtlsEndpoint = new DtlsEndpoint({
    certificate: bridgeCert, counters, log: silentLogger,
    send: (b) => setImmediate(() => clientTransport.onData(b, ['127.0.0.1', 0])),
    onConnected: (profile, keys) => resolveOutcome({ kind: 'connected', profile, keys }),
    onFailed: (reason) => resolveOutcome({ kind: 'failed', reason }),
    onApplicationData: () => undefined,
  });
  const cert = opts.clientCert ?? peerCert;
  if (opts.fingerprints !== 'later') endpoint.setRemoteFingerprints(opts.fingerprints ?? [{ hash: 'sha-256', value: peerCert.fingerprint }]);
  const client = new DtlsClient({
    transport: clientTransport, cert: cert.certificatePem, key: cert.privateKeyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: opts.clientProfiles ?? [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80], extendedMasterSecret: true,
  });
  const clientConnected = new Promise<void>((r) => client.onConnect.once(() => r()));
  void client.connect();
  return { endpoint, client, clientConnected, outcome, counters };
}

const test = suite('dtls endpoint');

test('handshake with the bridge certificate; GCM preferred; keys mirror the client\'s', async () => {
  const h = handshake();
  const [o] = await Promise.all([h.outcome, h.clientConnected]);
  assert.is(o.kind, 'connected');
  if (o.kind !== 'connected') return;
  assert.is(o.profile, ProtectionProfileAeadAes128Gcm);
  const ck = h.client.extractSessionKeys(16, 12) as Record<string, Buffer>;
  assert.equal(o.keys.localMasterKey, ck.remoteKey);
  assert.equal(o.keys.remoteMasterKey, ck.localKey);
  assert.equal(o.keys.remoteMasterSalt, ck.localSalt);
  assert.equal(h.client.remoteCertificate, bridgeCert.certificateDer, 'the client saw the advertised certificate');
  assert.ok(h.endpoint.isConnected);
  h.endpoint.close();
});

test('AES_CM_128_HMAC_SHA1_80 when that is all the client offers', async () => {
  const h = handshake({ clientProfiles: [ProtectionProfileAes128CmHmacSha1_80] });
  const o = await h.outcome;
  assert.equal(o.kind === 'connected' && o.profile, ProtectionProfileAes128CmHmacSha1_80);
  h.endpoint.close();
});

test('a certificate that does not match the relayed fingerprint is refused and counted', async () => {
  const h = handshake({ clientCert: createDtlsCertificate(Date.now()) });
  assert.equal(await h.outcome, { kind: 'failed', reason: 'fingerprint-mismatch' });
  assert.is(h.counters.fingerprintMismatches, 1);
  assert.not.ok(h.endpoint.isConnected);
});

test('the fingerprint may arrive after the handshake: verified then', async () => {
  const h = handshake({ fingerprints: 'later' });
  await h.clientConnected;
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(h.endpoint.isConnected, 'not without a fingerprint');
  h.endpoint.setRemoteFingerprints([{ hash: 'sha-256', value: peerCert.fingerprint }]);
  assert.is((await h.outcome).kind, 'connected');
  h.endpoint.close();
});

test('after the handshake, plaintext alerts and ClientHellos are dropped; garbage never throws', async () => {
  const h = handshake();
  await h.outcome;
  const alert = Buffer.from([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40]);
  const hello = Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 10, 0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const ccs = Buffer.from([20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]);
  assert.is(screenDtlsRecords(alert, true), 'unauthenticated-control');
  assert.is(screenDtlsRecords(alert, false), 'accept', 'a real handshake failure is reported by an alert');
  assert.is(screenDtlsRecords(Buffer.concat([ccs, hello]), true), 'unauthenticated-control');
  assert.is(screenDtlsRecords(Buffer.concat([ccs, hello]), false), 'accept');
  assert.is(screenDtlsRecords(ccs, true), 'accept', 'retransmitted flights pass');
  assert.is(screenDtlsRecords(Buffer.from([24, ...ccs.subarray(1)]), false), 'malformed', 'unknown content type');
  assert.is(screenDtlsRecords(ccs.subarray(0, 13), false), 'malformed', 'record shorter than its length');
  assert.is(screenDtlsRecords(Buffer.concat([ccs, ccs.subarray(0, 5)]), false), 'malformed', 'trailing partial record');
  h.endpoint.handle(alert);
  h.endpoint.handle(hello);
  assert.is(h.counters.dropped['dtls-unauthenticated-control'], 2);
  for (let i = 0; i < 500; i++) {
    const junk = Buffer.alloc(1 + (i % 200));
    for (let j = 0; j < junk.length; j++) junk[j] = (i * 31 + j * 17) & 0xff;
    junk[0] = 20 + (i % 44);
    h.endpoint.handle(junk);
  }
  assert.ok(h.endpoint.isConnected, 'still connected');
  h.endpoint.close();
  h.endpoint.close();
});

test.run();
