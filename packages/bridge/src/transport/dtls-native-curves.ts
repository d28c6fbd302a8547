// Native (OpenSSL, node:crypto) handshake crypto for werift-dtls. werift-dtls 0.5.8 does its
// ephemeral key exchange in pure JavaScript: X25519 with tweetnacl (`box.keyPair`, `scalarMult`),
// P-256 with @noble/curves. Its ECDSA signatures (ServerKeyExchange, CertificateVerify) do use
// node:crypto, but re-import the PEM private key for every signature, and that import alone costs
// about 0.4 ms. packages/bridge/bench/dtls-handshake.bench.ts, bridge (server) side, CPU per
// handshake on this repo's 2-core machine: X25519 3.9–4.4 ms with werift's code, 1.7–1.8 ms with
// this module; P-256 5.5–6.0 ms → 1.7–1.9 ms (werift-dtls clients in the same process: 3.6–5.4 ms →
// 1.2–1.4 ms). All of it runs on the bridge's one event loop, where every packet of every conference
// waits meanwhile. What is left is werift's own record/handshake code and the certificate checks.
//
// How: werift-dtls is CommonJS, and its flights call these functions through the module object,
// `(0, namedCurve_1.generateKeyPair)(…)` and `(0, prf_1.prfPreMasterSecret)(…)`, looked up at each
// call; the signatures go through methods looked up on prototypes at each call. So replacing two
// `exports` properties and two prototype methods once at start takes effect for every DtlsServer
// and DtlsClient of this process.
// COMPAT(werift-dtls 0.5.8 and @fidm/x509 1.2.1, pinned in package-lock): this relies on their
// internal module layout. Install checks that every replaced function exists and can be replaced,
// and throws `werift-dtls-layout-changed` before touching anything otherwise;
// dtls-native-curves.test.ts proves that real handshakes go through the installed functions, so an
// update that moves or captures them fails there. werift's own bundled copy of the DTLS code (what
// `import 'werift'` loads for the recorder and the SIP gateway) is separate and is not touched.
//
// Byte compatibility with what werift expects and sends: X25519 keys as 32 raw bytes (RFC 7748);
// P-256 public keys as 65-byte uncompressed points, private keys as 32 bytes; the pre-master
// secret as the 32-byte shared secret (for P-256 its x coordinate, RFC 8422 §5.10); signatures
// DER-encoded as createSign makes them.
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign } from 'node:crypto';
import type { ECDH, KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { PlenumError } from '@plenum/kit';

/** TLS NamedCurve code points (RFC 8422 §5.1.1), as werift-dtls's NamedCurveAlgorithm numbers them. */
export const NAMED_CURVE_SECP256R1 = 23;
export const NAMED_CURVE_X25519 = 29;

/** A key pair as werift-dtls's `generateKeyPair` returns it. */
export type DtlsCurveKeyPair = { curve: number; privateKey: Buffer; publicKey: Buffer };

/** What installNativeDtlsCurves did. */
export type NativeDtlsCurvesInstall = 'installed' | 'already-installed';

/** Error code when werift-dtls no longer has the functions this module replaces. */
export type DtlsNativeCurvesErrorCode = 'werift-dtls-layout-changed';

// RFC 8410 §7 PKCS#8 framing of a raw X25519 private key (OID 1.3.101.110), for node:crypto's key import.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const RAW_KEY_BYTES = 32;

// The native key behind each private key handed to werift, so the shared secret needs no re-import
// (for P-256 that would cost another scalar multiplication). Weak: an entry lives as long as werift keeps the key.
const x25519PrivateKeys = new WeakMap<Buffer, KeyObject>();
const p256PrivateKeys = new WeakMap<Buffer, ECDH>();

/** werift-dtls's `generateKeyPair(namedCurve)` on node:crypto. */
export function nativeGenerateKeyPair(curve: number): DtlsCurveKeyPair {
  switch (curve) {
    case NAMED_CURVE_SECP256R1: {
      const ecdh = createECDH('prime256v1');
      const publicKey = ecdh.generateKeys(); // uncompressed point, 65 bytes
      const privateKey = leftPad(ecdh.getPrivateKey(), RAW_KEY_BYTES);
      p256PrivateKeys.set(privateKey, ecdh);
      return { curve, privateKey, publicKey };
    }
    case NAMED_CURVE_X25519: {
      // JWK export/import of raw keys is several times cheaper than OpenSSL's DER decoders.
      const pair = generateKeyPairSync('x25519');
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const privateKey = Buffer.from(jwk.d ?? '', 'base64url');
      const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
      x25519PrivateKeys.set(privateKey, pair.privateKey);
      return { curve, privateKey, publicKey };
    }
    default:
      // as werift's: a curve it neither offers nor accepts
      throw new Error(`unsupported named curve ${curve}`);
  }
}

/** werift-dtls's `prfPreMasterSecret(publicKey, privateKey, curve)` on node:crypto: the ECDH shared secret. Throws on a bad peer key, as werift's does. */
export function nativePreMasterSecret(publicKey: Buffer, privateKey: Buffer, curve: number): Buffer {
  switch (curve) {
    case NAMED_CURVE_SECP256R1: {
      let ecdh = p256PrivateKeys.get(privateKey);
      if (ecdh === undefined) {
        ecdh = createECDH('prime256v1');
        ecdh.setPrivateKey(privateKey);
      }
      return ecdh.computeSecret(publicKey); // throws for a point not on the curve
    }
    case NAMED_CURVE_X25519: {
      if (publicKey.length !== RAW_KEY_BYTES) throw new Error('bad X25519 public key size');
      // A key werift did not get from nativeGenerateKeyPair (JWK import would need its public half).
      const ours = x25519PrivateKeys.get(privateKey)
        ?? createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
      const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey.toString('base64url') }, format: 'jwk' });
      // OpenSSL refuses an all-zero result (a small-order peer key), as RFC 8422 §5.11 asks; tweetnacl did not.
      return diffieHellman({ privateKey: ours, publicKey: theirs });
    }
    default:
      throw new Error(`unsupported named curve ${curve}`);
  }
}

function leftPad(bytes: Buffer, length: number): Buffer {
  if (bytes.length >= length) return bytes;
  const padded = Buffer.alloc(length);
  bytes.copy(padded, length - bytes.length);
  return padded;
}

/** The certificate keys signed with, imported once each: a process has its bridge key and a few test peers' keys. */
const SIGNING_KEYS_MAX = 16;
const signingKeys = new Map<string, KeyObject>();

function signingKeyOf(pkcs8Der: Buffer): KeyObject {
  const id = pkcs8Der.toString('base64');
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
    if (signingKeys.size >= SIGNING_KEYS_MAX) signingKeys.delete(signingKeys.keys().next().value ?? '');
    signingKeys.set(id, key);
  }
  return key;
}

/** The part of @fidm/x509's PrivateKey that werift-dtls signs with. */
type FidmPrivateKey = { oid: string; toDER(): Buffer; sign(data: Buffer, hashAlgorithm: string): Buffer };
type FidmPrivateKeyClass = { prototype: FidmPrivateKey; _signers: Record<string, unknown> };

/** Modules as loaded by require: werift-dtls's and the @fidm/x509 it resolves. */
export type WeriftDtlsModuleLoader = (specifier: string) => unknown;

const NAMED_CURVE_MODULE = 'werift-dtls/lib/dtls/src/cipher/namedCurve.js';
const PRF_MODULE = 'werift-dtls/lib/dtls/src/cipher/prf.js';
const CIPHER_CONTEXT_MODULE = 'werift-dtls/lib/dtls/src/context/cipher.js';
/** Resolved from werift-dtls's own folder, so it is the copy werift-dtls uses. */
const FIDM_X509_MODULE = '@fidm/x509';

/** Loads werift-dtls's modules from the bridge, and @fidm/x509 from werift-dtls. */
function loadFromWeriftDtls(specifier: string): unknown {
  const require = createRequire(import.meta.url);
  if (specifier !== FIDM_X509_MODULE) return require(specifier);
  return createRequire(require.resolve(CIPHER_CONTEXT_MODULE))(specifier);
}

const layoutChanged = (detail: string, cause?: unknown): PlenumError<DtlsNativeCurvesErrorCode> =>
  new PlenumError('werift-dtls-layout-changed', `werift-dtls no longer has the expected internals (${detail}); see dtls-native-curves.ts`, cause === undefined ? {} : { cause });

/** The functions this module put in place, so a second install recognises them. */
const installedFunctions = new WeakSet<object>();

type AnyFunction = (...args: never[]) => unknown;
type Replacement = { readonly holder: Record<string, unknown>; readonly name: string; readonly replacement: object };

/** The object at `path` (property names) in a loaded module, or why not. */
function objectAt(load: WeriftDtlsModuleLoader, specifier: string, path: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = load(specifier);
  } catch (cause) {
    throw layoutChanged(`cannot load ${specifier}`, cause);
  }
  for (const name of path) {
    value = typeof value === 'object' || typeof value === 'function' ? (value as Record<string, unknown> | null)?.[name] : undefined;
  }
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) throw layoutChanged(`${specifier} has no ${path.join('.')}`);
  return value as Record<string, unknown>;
}

/** Checks that `holder[name]` is a replaceable function; undefined when it is already ours. */
function replacementOf(holder: Record<string, unknown>, where: string, name: string, makeReplacement: (original: AnyFunction) => object): Replacement | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(holder, name);
  const original: unknown = descriptor?.value;
  if (descriptor === undefined || typeof original !== 'function' || descriptor.writable !== true) {
    throw layoutChanged(`${where} has no replaceable function ${name}`);
  }
  return installedFunctions.has(original) ? undefined : { holder, name, replacement: makeReplacement(original as AnyFunction) };
}

/** Signs as @fidm/x509's PrivateKey.sign does (createSign with the key's PEM), with the key imported once. */
function makeFidmSign(fidmPrivateKey: FidmPrivateKeyClass, original: FidmPrivateKey['sign']): FidmPrivateKey['sign'] {
  return function signWithImportedKey(this: FidmPrivateKey, data: Buffer, hashAlgorithm: string): Buffer {
    // Keys with a registered external signer (Ed25519) keep @fidm's path.
    if (fidmPrivateKey._signers[this.oid] != null) return original.call(this, data, hashAlgorithm);
    return sign(hashAlgorithm, data, signingKeyOf(this.toDER()));
  };
}

/** werift-dtls's CipherContext.signatureData (the client's CertificateVerify): the same signature, through the key's sign. */
function signatureData(this: { localPrivateKey: FidmPrivateKey }, data: Buffer, hashAlgorithm: string): Buffer {
  return this.localPrivateKey.sign(data, hashAlgorithm);
}

/**
 * Makes werift-dtls's handshakes (every DtlsServer and DtlsClient in this process) use node:crypto
 * for X25519 and P-256 and sign with keys imported once. Idempotent. Throws a
 * `werift-dtls-layout-changed` PlenumError, before changing anything, if werift-dtls's modules lack
 * the expected replaceable functions. `load` is for tests that present a changed layout.
 */
export function installNativeDtlsCurves(load: WeriftDtlsModuleLoader = loadFromWeriftDtls): NativeDtlsCurvesInstall {
  const namedCurve = objectAt(load, NAMED_CURVE_MODULE, []);
  const prf = objectAt(load, PRF_MODULE, []);
  const cipherContext = objectAt(load, CIPHER_CONTEXT_MODULE, ['CipherContext', 'prototype']);
  const fidmClass = objectAt(load, FIDM_X509_MODULE, ['PrivateKey']);
  const fidmPrototype = objectAt(load, FIDM_X509_MODULE, ['PrivateKey', 'prototype']);
  if (typeof fidmClass['_signers'] !== 'object') throw layoutChanged(`${FIDM_X509_MODULE} PrivateKey has no _signers`);
  // All checked before anything is replaced.
  const replacements = [
    replacementOf(namedCurve, NAMED_CURVE_MODULE, 'generateKeyPair', () => nativeGenerateKeyPair),
    replacementOf(prf, PRF_MODULE, 'prfPreMasterSecret', () => nativePreMasterSecret),
    replacementOf(cipherContext, `${CIPHER_CONTEXT_MODULE} CipherContext.prototype`, 'signatureData', () => signatureData),
    replacementOf(fidmPrototype, `${FIDM_X509_MODULE} PrivateKey.prototype`, 'sign',
      (original) => makeFidmSign(fidmClass as unknown as FidmPrivateKeyClass, original as unknown as FidmPrivateKey['sign'])),
  ].filter((r) => r !== undefined);
  for (const { holder, name, replacement } of replacements) {
    installedFunctions.add(replacement);
    holder[name] = replacement;
  }
  return replacements.length === 0 ? 'already-installed' : 'installed';
}
