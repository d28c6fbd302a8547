import type { El } from '../../codec/index.ts';
import { iqPayload } from '../../codec/index.ts';
import type { AuthIdentity } from '../auth/types.ts';

const PRESENCE_TYPES = new Set(['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error']);
const MESSAGE_TYPES = new Set(['chat', 'error', 'groupchat', 'headline', 'normal']);
const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 6120 §6.4.2: empty text = no initial response, "=" = an empty one, anything else base64. */
export function decodeSaslPayload(payload: string): Uint8Array | undefined | 'invalid' {
  const t = payload.trim();
  if (t === '') return undefined;
  if (t === '=') return new Uint8Array(0);
  if (!BASE64.test(t)) return 'invalid';
  return Buffer.from(t, 'base64');
}

/** The inverse, for challenges and success data. */
export const encodeSaslPayload = (d: Uint8Array | undefined): string | undefined =>
  d === undefined ? undefined : d.length === 0 ? '=' : Buffer.from(d).toString('base64');

/** Why a stanza is malformed (RFC 6120 §8.1–8.2), or undefined when it is fine. */
export function invalidStanza(e: El): string | undefined {
  const type = e.attrs.type;
  if (e.name === 'iq') {
    if (e.attrs.id === undefined || e.attrs.id === '') return 'iq needs an id';
    if (type === undefined || !IQ_TYPES.has(type)) return 'iq needs a type of get, set, result or error';
    if ((type === 'get' || type === 'set') && iqPayload(e) === undefined) return 'iq get/set needs exactly one payload';
    return undefined;
  }
  if (type === undefined) return undefined;
  if (e.name === 'presence' && !PRESENCE_TYPES.has(type)) return 'unknown presence type';
  if (e.name === 'message' && !MESSAGE_TYPES.has(type)) return 'unknown message type';
  return undefined;
}

/** XEP-0198 §5: only the entity that created a session may resume it. */
export function sameAccount(old: AuthIdentity, now: AuthIdentity | undefined, oldDomain: string, domain: string): boolean {
  if (now === undefined || oldDomain !== domain) return false;
  switch (old.kind) {
    case 'user':
      return now.kind === 'user' && now.username === old.username;
    case 'anonymous':
      // An anonymous guest has no account: knowing the unguessable session id is the proof.
      return now.kind === 'anonymous';
    case 'token':
      return now.kind === 'token' && now.claims.sub === old.claims.sub && now.claims.user?.id === old.claims.user?.id;
  }
}
