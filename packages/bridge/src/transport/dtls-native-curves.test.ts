// dtls-native-curves: the node:crypto X25519 / P-256 functions agree with werift-dtls's own
// pure-JavaScript ones (and RFC 7748's known answer) in both directions; once installed, real
// handshakes between werift-dtls's client and the bridge's DtlsEndpoint go through them with each
// curve and both sides export the same SRTP keys; werift's bundled pure-JS client (the recorder's
// and SIP gateway's DTLS code) interoperates with the native endpoint; install is idempotent and
// refuses, with a typed error and before replacing anything, a werift-dtls whose layout changed.
import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PlenumError, silentLogger, systemClock } from '@plenum/kit';
import { DtlsClient as WeriftBundledDtlsClient } from 'werift';
import { ProtectionProfileAeadAes128Gcm } from 'werift-rtp';
import { createDtlsCertificate } from './dtls-certificate.ts';
import { DtlsEndpoint } from './dtls-endpoint.ts';
import type { DtlsCurveKeyPair, WeriftDtlsModuleLoader } from './dtls-native-curves.ts';
import { installNativeDtlsCurves, nativeGenerateKeyPair, nativePreMasterSecret, NAMED_CURVE_SECP256R1, NAMED_CURVE_X25519 } from './dtls-native-curves.ts';
import type { SrtpMasterKeys } from './srtp-protection.ts';
import { newTransportCounters } from './transport-counters.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from './werift-dtls.ts';

const require = createRequire(import.meta.url);
type GenerateKeyPair = (curve: number) => DtlsCurveKeyPair;
type PreMasterSecret = (publicKey: Buffer, privateKey: Buffer, curve: number) => Buffer;
type Sign = (this: unknown, data: Buffer, hash: string) => Buffer;
const namedCurveModule = require('werift-dtls/lib/dtls/src/cipher/namedCurve.js') as { generateKeyPair: GenerateKeyPair };
const prfModule = require('werift-dtls/lib/dtls/src/cipher/prf.js') as { prfPreMasterSecret: PreMasterSecret };
const cipherContextPrototype = (require('werift-dtls/lib/dtls/src/context/cipher.js') as { CipherContext: { prototype: { signatureData: Sign } } }).CipherContext.prototype;
const fidm = createRequire(require.resolve('werift-dtls/lib/dtls/src/context/cipher.js'))('@fidm/x509') as {
  PrivateKey: { prototype: { sign: Sign }; fromPEM(pem: Buffer): { sign(data: Buffer, hash: string): Buffer } };
};
// werift-dtls's own pure-JavaScript functions, taken before anything is installed.
const pureGenerateKeyPair = namedCurveModule.generateKeyPair;
const purePreMasterSecret = prfModule.prfPreMasterSecret;
const weriftSignatureData = cipherContextPrototype.signatureData;
const fidmSign = fidm.PrivateKey.prototype.sign;

const CURVES = [[NAMED_CURVE_X25519, 'X25519'], [NAMED_CURVE_SECP256R1, 'P-256']] as const;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

const test = suite('dtls native curves');

test('X25519: the known answer of RFC 7748 §6.1, native and werift\'s pure JS', () => {
  const alicePrivate = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePublic = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const bobPrivate = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  assert.equal(nativePreMasterSecret(bobPublic, alicePrivate, NAMED_CURVE_X25519), shared);
  assert.equal(nativePreMasterSecret(alicePublic, bobPrivate, NAMED_CURVE_X25519), shared);
  assert.equal(purePreMasterSecret(bobPublic, alicePrivate, NAMED_CURVE_X25519), shared);
});

for (const [curve, name] of CURVES) {
  test(`${name}: native and werift's pure-JS key pairs give one shared secret, whichever side computes it`, () => {
    for (let i = 0; i < 24; i++) {
      const native = nativeGenerateKeyPair(curve);
      const pure = pureGenerateKeyPair(curve);
      assert.is(native.curve, curve);
      assert.is(native.privateKey.length, 32);
      assert.is(native.publicKey.length, pure.publicKey.length, 'public key as werift writes it (32 bytes, or a 65-byte uncompressed point)');
      if (curve === NAMED_CURVE_SECP256R1) assert.is(native.publicKey[0], 0x04);
      const expected = purePreMasterSecret(native.publicKey, pure.privateKey, curve);
      assert.is(expected.length, 32);
      assert.equal(nativePreMasterSecret(pure.publicKey, native.privateKey, curve), expected, 'native side, pure peer');
      assert.equal(purePreMasterSecret(pure.publicKey, native.privateKey, curve), expected, 'werift\'s code takes the native private key');
      assert.equal(nativePreMasterSecret(native.publicKey, pure.privateKey, curve), expected, 'native code takes werift\'s private key');
    }
  });
}

test('P-256: a private key with a leading zero byte (1 in 256) is still 32 bytes, as werift\'s code needs it', () => {
  let native: DtlsCurveKeyPair | undefined;
  for (let i = 0; i < 5000 && native?.privateKey[0] !== 0; i++) native = nativeGenerateKeyPair(NAMED_CURVE_SECP256R1);
  if (native === undefined || native.privateKey[0] !== 0) throw new Error('no leading-zero key in 5000 tries');
  assert.is(native.privateKey.length, 32);
  const pure = pureGenerateKeyPair(NAMED_CURVE_SECP256R1);
  assert.equal(purePreMasterSecret(pure.publicKey, native.privateKey, NAMED_CURVE_SECP256R1), nativePreMasterSecret(native.publicKey, pure.privateKey, NAMED_CURVE_SECP256R1));
});

test('bad peer keys are refused as werift\'s code refuses them; X25519\'s all-zero result too', () => {
  const p256 = nativeGenerateKeyPair(NAMED_CURVE_SECP256R1);
  const offCurve = Buffer.from(p256.publicKey);
  offCurve[64] = (offCurve[64] ?? 0) ^ 1;
  assert.throws(() => nativePreMasterSecret(offCurve, p256.privateKey, NAMED_CURVE_SECP256R1));
  assert.throws(() => purePreMasterSecret(offCurve, p256.privateKey, NAMED_CURVE_SECP256R1));
  const x25519 = nativeGenerateKeyPair(NAMED_CURVE_X25519);
  assert.throws(() => nativePreMasterSecret(Buffer.alloc(31, 9), x25519.privateKey, NAMED_CURVE_X25519));
  assert.throws(() => purePreMasterSecret(Buffer.alloc(31, 9), x25519.privateKey, NAMED_CURVE_X25519));
  // RFC 8422 §5.11: a zero shared secret must abort the handshake (tweetnacl would return it).
  assert.throws(() => nativePreMasterSecret(Buffer.alloc(32), x25519.privateKey, NAMED_CURVE_X25519));
  assert.throws(() => nativeGenerateKeyPair(24), /unsupported named curve/);
});

test('install replaces werift-dtls\'s functions once; a second install changes nothing', () => {
  assert.is(installNativeDtlsCurves(), 'installed');
  assert.is(namedCurveModule.generateKeyPair, nativeGenerateKeyPair);
  assert.is(prfModule.prfPreMasterSecret, nativePreMasterSecret);
  const installedSign = fidm.PrivateKey.prototype.sign;
  assert.is(installNativeDtlsCurves(), 'already-installed');
  assert.is(fidm.PrivateKey.prototype.sign, installedSign, 'the signing wrapper is not wrapped again');
});

test('the installed signing makes the signature createSign made: DER ECDSA that verifies with the certificate', () => {
  installNativeDtlsCurves();
  const cert = createDtlsCertificate(Date.now());
  const data = Buffer.from('client_random || server_random || ServerECDHParams');
  const key = fidm.PrivateKey.fromPEM(Buffer.from(cert.privateKeyPem));
  const signature = key.sign(data, 'sha256');
  assert.is(signature[0], 0x30, 'DER SEQUENCE (RFC 8422 §5.4 ECDSA-Sig-Value)');
  assert.ok(verify('sha256', data, createPublicKey(cert.certificatePem), signature));
  assert.ok(verify('sha256', data, createPublicKey(cert.certificatePem), key.sign(data, 'sha256')), 'again, from the imported key');
});

/** A loader that serves made-up werift-dtls modules, as a future werift-dtls might lay them out (the real one cannot be changed here). */
function fakeWeriftDtls(overrides: Record<string, unknown>): { load: WeriftDtlsModuleLoader; namedCurve: { generateKeyPair: unknown } } {
  const namedCurve = { generateKeyPair: pureGenerateKeyPair };
  const modules: Record<string, unknown> = {
    'werift-dtls/lib/dtls/src/cipher/namedCurve.js': namedCurve,
    'werift-dtls/lib/dtls/src/cipher/prf.js': { prfPreMasterSecret: purePreMasterSecret },
    'werift-dtls/lib/dtls/src/context/cipher.js': { CipherContext: class { signatureData(): Buffer { return Buffer.alloc(0); } } },
    '@fidm/x509': { PrivateKey: Object.assign(class { sign(): Buffer { return Buffer.alloc(0); } }, { _signers: {} }) },
    ...overrides,
  };
  return {
    namedCurve,
    load: (specifier) => {
      if (modules[specifier] === undefined) throw new Error(`Cannot find module '${specifier}'`);
      return modules[specifier];
    },
  };
}

test('a werift-dtls whose functions moved, became getters or vanished is refused with a typed error, before anything is replaced', () => {
  const getterOnly = {};
  Object.defineProperty(getterOnly, 'prfPreMasterSecret', { enumerable: true, get: () => purePreMasterSecret });
  const layouts: Record<string, Record<string, unknown>> = {
    'export renamed': { 'werift-dtls/lib/dtls/src/cipher/prf.js': { preMasterSecret: purePreMasterSecret } },
    'export captured as a getter (esbuild-style CommonJS)': { 'werift-dtls/lib/dtls/src/cipher/prf.js': getterOnly },
    'method gone': { 'werift-dtls/lib/dtls/src/context/cipher.js': { CipherContext: class {} } },
    'module moved': { 'werift-dtls/lib/dtls/src/cipher/prf.js': undefined },
  };
  for (const [what, overrides] of Object.entries(layouts)) {
    const fake = fakeWeriftDtls(overrides);
    try {
      installNativeDtlsCurves(fake.load);
      assert.unreachable(`${what}: install did not refuse`);
    } catch (e) {
      assert.instance(e, PlenumError, what);
      assert.is((e as PlenumError).code, 'werift-dtls-layout-changed', what);
    }
    assert.is(fake.namedCurve.generateKeyPair, pureGenerateKeyPair, `${what}: nothing replaced`);
  }
  const intact = fakeWeriftDtls({});
  assert.is(installNativeDtlsCurves(intact.load), 'installed', 'the same fake, intact, is accepted');
  assert.is(intact.namedCurve.generateKeyPair, nativeGenerateKeyPair);
});

const bridgeCert = createDtlsCertificate(Date.now());
const peerCert = createDtlsCertificate(Date.now());
const ELLIPTIC_CURVES_EXTENSION = 10; // RFC 8422 §5.1.1 supported_groups

/** What the tests need of either werift client class (werift-dtls's, or the copy bundled in werift). */
type PeerClient = {
  extensions: { type: number; data: Buffer }[];
  cipher: { localKeyPair?: { curve: number } };
  onConnect: { once(f: () => void): void };
  connect(): Promise<void>;
  extractSessionKeys(keyLength: number, saltLength: number): unknown;
  close(): void;
};
type PeerClientOptions = ConstructorParameters<typeof DtlsClient>[0];

/** A handshake with the bridge's DtlsEndpoint over an in-memory pipe; the client offers only `curve`. */
async function handshake(makeClient: (options: PeerClientOptions) => PeerClient, curve: number): Promise<{ keys: SrtpMasterKeys; client: PeerClient }> {
  let settle: (o: { keys: SrtpMasterKeys } | { failed: string }) => void = () => undefined;
  const serverOutcome = new Promise<{ keys: SrtpMasterKeys } | { failed: string }>((r) => (settle = r));
  const clientTransport: PeerClientOptions['transport'] = {
    type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: 1 }, closed: false,
    onData: (): void => undefined,
    send: (b: Buffer) => {
      setImmediate(() => endpoint.handle(b));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const endpoint = new DtlsEndpoint({
    certificate: bridgeCert, counters: newTransportCounters(), log: silentLogger, clock: systemClock,
    send: (b) => setImmediate(() => clientTransport.onData(b, ['127.0.0.1', 0])),
    onConnected: (_profile, keys) => settle({ keys }),
    onFailed: (reason) => settle({ failed: reason }),
    onApplicationData: () => undefined,
  });
  endpoint.setRemoteFingerprints([{ hash: 'sha-256', value: peerCert.fingerprint }]);
  const client = makeClient({
    transport: clientTransport, cert: peerCert.certificatePem, key: peerCert.privateKeyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: [ProtectionProfileAeadAes128Gcm], extendedMasterSecret: true,
  });
  const offer = client.extensions.find((e) => e.type === ELLIPTIC_CURVES_EXTENSION);
  if (offer === undefined) throw new Error('the werift client offers no elliptic_curves extension');
  offer.data = Buffer.from([0, 2, curve >> 8, curve & 0xff]);
  const clientConnected = new Promise<void>((r) => client.onConnect.once(() => r()));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('handshake timed out')), 10_000)));
  try {
    void client.connect();
    const [outcome] = await Promise.race([Promise.all([serverOutcome, clientConnected]), deadline]);
    if ('failed' in outcome) throw new Error(`bridge side failed: ${outcome.failed}`);
    return { keys: outcome.keys, client };
  } finally {
    clearTimeout(timer);
    endpoint.close();
    client.close();
  }
}

/** The client's SRTP keys are the bridge's, mirrored (RFC 5764 §4.2). */
function assertKeysMirror(keys: SrtpMasterKeys, client: PeerClient): void {
  const c = client.extractSessionKeys(16, 12) as Record<'localKey' | 'localSalt' | 'remoteKey' | 'remoteSalt', Buffer>;
  assert.equal(keys.localMasterKey, c.remoteKey);
  assert.equal(keys.localMasterSalt, c.remoteSalt);
  assert.equal(keys.remoteMasterKey, c.localKey);
  assert.equal(keys.remoteMasterSalt, c.localSalt);
}

/** Counts calls to the installed functions by wrapping them where werift-dtls looks them up; restores on return. */
type Calls = Record<'generateKeyPair' | 'prfPreMasterSecret' | 'signatureData' | 'sign', number>;
async function counting<T>(run: () => Promise<T>): Promise<{ result: T; calls: Calls }> {
  const calls: Calls = { generateKeyPair: 0, prfPreMasterSecret: 0, signatureData: 0, sign: 0 };
  const installed = { generateKeyPair: namedCurveModule.generateKeyPair, prfPreMasterSecret: prfModule.prfPreMasterSecret, signatureData: cipherContextPrototype.signatureData, sign: fidm.PrivateKey.prototype.sign };
  assert.is(installed.generateKeyPair, nativeGenerateKeyPair);
  assert.is(installed.prfPreMasterSecret, nativePreMasterSecret);
  assert.is.not(installed.signatureData, weriftSignatureData);
  assert.is.not(installed.sign, fidmSign);
  namedCurveModule.generateKeyPair = (curve) => (calls.generateKeyPair++, installed.generateKeyPair(curve));
  prfModule.prfPreMasterSecret = (pub, priv, curve) => (calls.prfPreMasterSecret++, installed.prfPreMasterSecret(pub, priv, curve));
  cipherContextPrototype.signatureData = function (data, hash) { calls.signatureData++; return installed.signatureData.call(this, data, hash); };
  fidm.PrivateKey.prototype.sign = function (data, hash) { calls.sign++; return installed.sign.call(this, data, hash); };
  try {
    return { result: await run(), calls };
  } finally {
    namedCurveModule.generateKeyPair = installed.generateKeyPair;
    prfModule.prfPreMasterSecret = installed.prfPreMasterSecret;
    cipherContextPrototype.signatureData = installed.signatureData;
    fidm.PrivateKey.prototype.sign = installed.sign;
  }
}

for (const [curve, name] of CURVES) {
  test(`${name}: werift-dtls client ↔ bridge endpoint, both through the installed functions; SRTP keys agree`, async () => {
    installNativeDtlsCurves();
    const { result, calls } = await counting(() => handshake((o) => new DtlsClient(o), curve));
    assert.is(result.client.cipher.localKeyPair?.curve, curve, 'the curve negotiated');
    assertKeysMirror(result.keys, result.client);
    assert.is(calls.prfPreMasterSecret, 2, 'one shared secret on each side, computed natively');
    assert.ok(calls.generateKeyPair >= 2, 'key pairs on both sides generated natively');
    assert.is(calls.signatureData, 1, 'the client\'s CertificateVerify');
    assert.ok(calls.sign >= 2, 'ServerKeyExchange, and CertificateVerify through signatureData');
  });

  test(`${name}: werift's bundled pure-JS client (the recorder's and SIP gateway's DTLS) ↔ the native bridge endpoint; SRTP keys agree`, async () => {
    installNativeDtlsCurves();
    const { result, calls } = await counting(() => handshake((o) => new WeriftBundledDtlsClient(o as ConstructorParameters<typeof WeriftBundledDtlsClient>[0]) as unknown as PeerClient, curve));
    assert.is(result.client.cipher.localKeyPair?.curve, curve);
    assertKeysMirror(result.keys, result.client);
    assert.is(calls.prfPreMasterSecret, 1, 'the bridge side natively, the client in werift\'s own copy');
  });
}

test.run();
