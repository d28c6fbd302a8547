// Authenticated key agreement between two participants and the media-key messages it protects.
//
// Each participant makes an X25519 identity key pair when it joins and advertises the public key
// in its presence (`jitsi_participant_e2ee.idKey.x25519`, protocols.md §8.6). A pair's shared
// secret is X25519(own private, peer public); HKDF turns it into a pairwise wrapping key and the
// bytes of the short authentication string (sas.ts). The HKDF salt is the SHA-256 of a transcript
// binding both endpoint ids and both public keys (sorted by id), so both sides compute the same
// values only if each saw the other's real key: a server that swapped keys in presence (a
// man in the middle) gives the two sides different SAS strings, which is what people compare.
//
// No signature: a signing key made per meeting would be advertised through the same untrusted
// presence as the X25519 key, so it would add nothing the SAS does not already check. (A long-term
// identity, remembered across meetings, is what would make a signature worth having.)
//
// Media keys travel in MUC private messages, `<json-message xmlns="http://jitsi.org/jitmeet">`
// with `{"type":"plenum-e2ee","v":1,"kind":"media-key","index":…,"iv":…,"key":…}`: AES-GCM-256
// with the pairwise key, the sender and recipient ids and the index as additional data (a message
// cannot be turned around or re-addressed). Not Jitsi's `olm` shapes: those carry Olm (double
// ratchet) sessions, which a Jitsi client would try to open and fail; a type of our own is ignored
// by it instead.
import type { Result } from '@plenum/kit';
import { PlenumError, err, ok } from '@plenum/kit';
import { KEY_MATERIAL_BYTES, KEY_RING_SIZE } from './key-ring.ts';
import type { CryptoKey, CryptoKeyPair } from './webcrypto-key.ts';

export const E2EE_MESSAGE_TYPE = 'plenum-e2ee';
export const E2EE_PROTOCOL_VERSION = 1;
const X25519_PUBLIC_BYTES = 32;
const WRAP_IV_BYTES = 12;

/** This participant's key pair for one meeting. */
export type Identity = { readonly privateKey: CryptoKey; readonly publicRaw: Uint8Array<ArrayBuffer>; readonly publicBase64: string };

/** What one pair shares: the key that wraps media keys, and the SAS bytes. */
export type PairSecrets = { readonly wrapKey: CryptoKey; readonly sasBytes: Uint8Array<ArrayBuffer> };

/** A media key message as it travels (JSON). */
export type MediaKeyMessage = {
  readonly type: typeof E2EE_MESSAGE_TYPE;
  readonly v: typeof E2EE_PROTOCOL_VERSION;
  readonly kind: 'media-key';
  readonly index: number;
  readonly iv: string;
  readonly key: string;
};

export type E2eeErrorCode = 'e2ee/bad-message' | 'e2ee/bad-identity-key' | 'e2ee/undecryptable';
const badRequest = (code: E2eeErrorCode, message: string): PlenumError<E2eeErrorCode> =>
  new PlenumError(code, message, { stanza: { type: 'modify', condition: 'bad-request' } });

export async function generateIdentity(): Promise<Identity> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicRaw, publicBase64: toBase64(publicRaw) };
}

/** A peer's advertised public key, checked for shape (32 bytes of base64). */
export function readIdentityKey(base64: string): Result<Uint8Array<ArrayBuffer>, PlenumError<E2eeErrorCode>> {
  const raw = fromBase64(base64);
  if (raw === undefined || raw.length !== X25519_PUBLIC_BYTES) return err(badRequest('e2ee/bad-identity-key', 'an identity key is 32 bytes of base64'));
  return ok(raw);
}

/** The pair's secrets; both sides get the same values when each has the other's real public key. */
export async function derivePairSecrets(
  me: { readonly id: string; readonly identity: Identity },
  peer: { readonly id: string; readonly publicRaw: Uint8Array<ArrayBuffer> },
): Promise<PairSecrets> {
  const peerKey = await crypto.subtle.importKey('raw', peer.publicRaw, { name: 'X25519' }, false, []);
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peerKey }, me.identity.privateKey, 256));
  const salt = new Uint8Array(await crypto.subtle.digest('SHA-256', transcript(me.id, me.identity.publicRaw, peer.id, peer.publicRaw)));
  const base = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey', 'deriveBits']);
  const info = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s);
  const wrapKey = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: info('plenum-e2ee v1 pairwise key') }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const sasBytes = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: info('plenum-e2ee v1 sas') }, base, 48));
  return { wrapKey, sasBytes };
}

/** Length-prefixed `plenum-e2ee v1 | id | key | id | key`, lower id first. */
function transcript(idA: string, keyA: Uint8Array<ArrayBuffer>, idB: string, keyB: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const [first, second] = idA < idB ? [[idA, keyA], [idB, keyB]] as const : [[idB, keyB], [idA, keyA]] as const;
  const parts = [new TextEncoder().encode('plenum-e2ee v1'), new TextEncoder().encode(first[0]), first[1], new TextEncoder().encode(second[0]), second[1]];
  const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out[at] = p.length >> 8;
    out[at + 1] = p.length & 0xff;
    out.set(p, at + 2);
    at += 2 + p.length;
  }
  return out;
}

const additionalData = (from: string, to: string, index: number): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(`${E2EE_MESSAGE_TYPE} v${E2EE_PROTOCOL_VERSION} media-key ${from}>${to} ${index}`);

/** The sender's media key `material` at `index`, wrapped for one recipient. */
export async function sealMediaKey(pair: PairSecrets, from: string, to: string, index: number, material: Uint8Array<ArrayBuffer>): Promise<MediaKeyMessage> {
  const iv = crypto.getRandomValues(new Uint8Array(WRAP_IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(from, to, index) }, pair.wrapKey, material);
  return { type: E2EE_MESSAGE_TYPE, v: E2EE_PROTOCOL_VERSION, kind: 'media-key', index, iv: toBase64(iv), key: toBase64(new Uint8Array(sealed)) };
}

/** Unwraps a media key sent by `from` to `to`; a message for someone else or altered does not open. */
export async function openMediaKey(pair: PairSecrets, from: string, to: string, m: MediaKeyMessage): Promise<Result<{ index: number; material: Uint8Array<ArrayBuffer> }, PlenumError<E2eeErrorCode>>> {
  const iv = fromBase64(m.iv);
  const sealed = fromBase64(m.key);
  if (iv === undefined || iv.length !== WRAP_IV_BYTES || sealed === undefined) return err(badRequest('e2ee/bad-message', 'media-key: iv or key is not base64 of the right size'));
  try {
    const material = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: additionalData(from, to, m.index) }, pair.wrapKey, sealed));
    if (material.length !== KEY_MATERIAL_BYTES) return err(badRequest('e2ee/bad-message', 'media-key: wrong key length'));
    return ok({ index: m.index, material });
  } catch (error) {
    return err(new PlenumError('e2ee/undecryptable', 'media-key did not authenticate with the pairwise key', { cause: error, stanza: { type: 'modify', condition: 'not-acceptable' } }));
  }
}

/** Reads a json-message's text as a media key message; anything else is a typed error. */
export function decodeMediaKeyMessage(json: string): Result<MediaKeyMessage, PlenumError<E2eeErrorCode>> {
  if (json.length > 4096) return err(badRequest('e2ee/bad-message', 'media-key message too long'));
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return err(badRequest('e2ee/bad-message', 'not JSON'));
  }
  if (typeof v !== 'object' || v === null) return err(badRequest('e2ee/bad-message', 'not an object'));
  const m = v as Record<string, unknown>;
  if (m.type !== E2EE_MESSAGE_TYPE || m.v !== E2EE_PROTOCOL_VERSION || m.kind !== 'media-key') return err(badRequest('e2ee/bad-message', 'not a plenum-e2ee v1 media-key'));
  if (typeof m.index !== 'number' || !Number.isInteger(m.index) || m.index < 0 || m.index >= KEY_RING_SIZE) return err(badRequest('e2ee/bad-message', 'index out of range'));
  if (typeof m.iv !== 'string' || typeof m.key !== 'string') return err(badRequest('e2ee/bad-message', 'iv and key must be strings'));
  return ok({ type: E2EE_MESSAGE_TYPE, v: E2EE_PROTOCOL_VERSION, kind: 'media-key', index: m.index, iv: m.iv, key: m.key });
}

export function toBase64(bytes: Uint8Array<ArrayBuffer>): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length > 1024) return undefined;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
