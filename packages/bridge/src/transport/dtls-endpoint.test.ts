// DtlsEndpoint against werift-dtls's DtlsClient over an in-memory pipe: handshake with the
// bridge's certificate, SRTP profile preference, fingerprint and CertificateVerify checks, keys
// that match the client's, unauthenticated control records refused after the handshake, and a
// retransmitted ClientHello that gets no second HelloVerifyRequest within the backoff.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger, systemClock } from '@plenum/kit';
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import { createDtlsCertificate } from './dtls-certificate.ts';
import type { DtlsCertificate } from './dtls-certificate.ts';
import type { DtlsFailure } from './dtls-endpoint.ts';
import { CLIENT_HELLO_RESEND_MIN_MS, DtlsEndpoint, clientHelloKind, screenDtlsRecords } from './dtls-endpoint.ts';
import type { SrtpMasterKeys } from './srtp-protection.ts';
import { newTransportCounters } from './transport-counters.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from './werift-dtls.ts';

const bridgeCert = createDtlsCertificate(Date.now());
const peerCert = createDtlsCertificate(Date.now());

type Outcome = { kind: 'connected'; profile: SrtpProfile; keys: SrtpMasterKeys } | { kind: 'failed'; reason: DtlsFailure };

type HandshakeOptions = {
  clientProfiles?: SrtpProfile[];
  clientCert?: DtlsCertificate;
  fingerprints?: { hash: string; value: string }[] | 'later';
  /** Delivers the client's first datagram (its ClientHello) this many times, as a starved client retransmits it. */
  firstDatagramCopies?: number;
  /** Sees the client's first datagram (its ClientHello without a cookie). */
  onFirstDatagram?: (datagram: Buffer) => void;
};

function handshake(opts: HandshakeOptions = {}) {
  const counters = newTransportCounters();
  let resolveOutcome: (o: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((r) => (resolveOutcome = r));
  const toServer: Buffer[] = [];
  let sentByClient = 0;
  const clientTransport: ConstructorParameters<typeof DtlsClient>[0]['transport'] = {
    type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: 1 }, closed: false,
    onData: (_d: Buffer, _a: unknown): void => undefined,
    send: (b: Buffer) => {
      if (sentByClient === 0) opts.onFirstDatagram?.(Buffer.from(b));
      const copies = sentByClient++ === 0 ? (opts.firstDatagramCopies ?? 1) : 1;
      for (let i = 0; i < copies; i++) {
        toServer.push(b);
        setImmediate(() => endpoint.handle(toServer.shift() ?? Buffer.alloc(0)));
      }
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const endpoint: DtlsEndpoint = new DtlsEndpoint({
    certificate: bridgeCert, counters, log: silentLogger, clock: systemClock,
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
  const clientErrors: unknown[] = [];
  client.onError.subscribe((e: unknown) => clientErrors.push(e));
  void client.connect();
  return { endpoint, client, clientConnected, clientErrors, outcome, counters };
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

test('a retransmitted ClientHello gets no second HelloVerifyRequest (werift\'s client fails on one): the handshake completes', async () => {
  const h = handshake({ firstDatagramCopies: 3 });
  const [o] = await Promise.all([h.outcome, h.clientConnected]);
  assert.is(o.kind, 'connected');
  assert.equal(h.clientErrors, [], 'the client saw one HelloVerifyRequest and no error');
  assert.is(h.counters.dropped['dtls-client-hello-retransmission'], 2);
  h.endpoint.close();
});

/** A ClientHello as werift's client sends it first (no cookie), from a whole handshake (so no retransmission timers are left running). */
async function firstClientHello(): Promise<Buffer> {
  let hello: Buffer | undefined;
  const h = handshake({ onFirstDatagram: (b) => (hello = b) });
  await Promise.all([h.outcome, h.clientConnected]);
  h.endpoint.close();
  if (hello === undefined) throw new Error('no ClientHello seen');
  return hello;
}

test('ClientHello retransmissions are answered again only after a doubling backoff, and never once the cookie came back', async () => {
  const hello = await firstClientHello();
  assert.is(clientHelloKind(hello), 'without-cookie');
  // The same hello with a one-byte cookie: lengths are not checked by the classifier, only the cookie length byte.
  const cookieAt = 13 + 12 + 34 + 1 + (hello[13 + 12 + 34] ?? 0);
  const withCookie = Buffer.from(hello);
  withCookie[cookieAt] = 1;
  assert.is(clientHelloKind(withCookie), 'with-cookie');
  assert.is(clientHelloKind(hello.subarray(0, 40)), 'none', 'truncated');
  // The rest of a ClientHello split over two datagrams (Chromium's is): same message_seq, offset > 0.
  const laterFragment = Buffer.from(hello);
  laterFragment[21] = 100;
  assert.is(clientHelloKind(laterFragment), 'later-fragment');
  assert.is(clientHelloKind(Buffer.from([20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1])), 'none');

  const clock = new FakeClock();
  const counters = newTransportCounters();
  const sent: Buffer[] = [];
  const endpoint = new DtlsEndpoint({
    certificate: bridgeCert, counters, log: silentLogger, clock,
    send: (b) => sent.push(b), onConnected: () => undefined, onFailed: () => undefined, onApplicationData: () => undefined,
  });
  const HELLO_VERIFY_REQUEST = 3;
  const answers = (): number => sent.filter((b) => b[0] === 22 && b[13] === HELLO_VERIFY_REQUEST).length;
  const deliver = async (at: number): Promise<number> => {
    clock.advance(at - (clock.now() - start));
    endpoint.handle(hello);
    await new Promise((r) => setImmediate(r));
    return answers();
  };
  const start = clock.now();
  const B = CLIENT_HELLO_RESEND_MIN_MS;
  assert.is(await deliver(0), 1, 'the first is answered');
  assert.is(await deliver(B / 2), 1, 'a retransmission within the backoff is not');
  const droppedFragments = counters.dropped['dtls-client-hello-retransmission'];
  endpoint.handle(laterFragment);
  assert.is(counters.dropped['dtls-client-hello-retransmission'], droppedFragments + 1, 'nor the rest of it (werift would be left half a message)');
  assert.is(await deliver(B + 10), 2, 'after it, it is (a lost HelloVerifyRequest is recovered)');
  assert.is(await deliver(2 * B), 2, 'the backoff doubled');
  assert.is(await deliver(3 * B + 20), 3);
  assert.is(counters.dropped['dtls-client-hello-retransmission'], 3);
  endpoint.handle(withCookie);
  assert.is(await deliver(20 * B), 3, 'never once the client sent the cookie');
  endpoint.close();
});

test.run();
