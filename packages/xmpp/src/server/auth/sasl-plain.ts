// SASL PLAIN (RFC 4616) against the local user store's scrypt hashes.
import type { Logger } from '@plenum/kit';
import { parseJid } from '../../codec/jid/jid.ts';
import type { PasswordHash } from './credentials.ts';
import { verifyPassword } from './credentials.ts';
import { decodeUtf8, emptyChallenge, failure, success } from './sasl-step.ts';
import type { SaslExchange, SaslStep } from './types.ts';
import type { UserStore } from './user-store.ts';
import { normaliseUsername, preparePassword } from './user-store.ts';

/** SASL mechanism name (RFC 4616). */
export const MECHANISM_PLAIN = 'PLAIN';

// RFC 4616 §2 lets each field be 255 octets; leave room for longer passwords the store allows.
const MAX_MESSAGE_BYTES = 4096;

// Checked when the user does not exist, so an unknown name costs the same scrypt run as a
// wrong password. Nothing can match it: the hash is not the output for any known password.
const DUMMY_HASH: PasswordHash = {
  algorithm: 'scrypt', cost: 16_384, blockSize: 8, parallelization: 1,
  salt: 'cGxlbnVtLWR1bW15c2FsdA==',
  hash: 'ZHVtbXktaGFzaC1uZXZlci1tYXRjaGVzLWFueXRoaW4=',
};

/** One PLAIN exchange. */
export class PlainExchange implements SaslExchange {
  readonly #deps: { readonly domain: string; readonly isEncryptionRequired: boolean; readonly users: UserStore; readonly log: Logger };
  #hasAskedForResponse = false;
  #isDone = false;

  constructor(deps: { readonly domain: string; readonly isEncryptionRequired: boolean; readonly users: UserStore; readonly log: Logger }) {
    this.#deps = deps;
  }

  async step(response: Uint8Array | undefined): Promise<SaslStep> {
    if (this.#isDone) return failure('malformed-request', 'the exchange is already over');
    if (this.#deps.isEncryptionRequired) {
      this.#isDone = true;
      // RFC 6120 §6.4.5 encryption-required: PLAIN sends the password in the clear.
      return failure('encryption-required', 'PLAIN needs an encrypted stream (STARTTLS first)');
    }
    if (response === undefined) {
      if (this.#hasAskedForResponse) return this.#fail('malformed-request', 'no credentials were sent');
      this.#hasAskedForResponse = true;
      return emptyChallenge();
    }
    this.#isDone = true;
    return this.#authenticate(response);
  }

  async #authenticate(response: Uint8Array): Promise<SaslStep> {
    const { domain, users, log } = this.#deps;
    // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd.
    const text = decodeUtf8(response, MAX_MESSAGE_BYTES);
    const fields = text?.split('\u0000');
    if (fields === undefined || fields.length !== 3) return failure('malformed-request', 'expected authzid NUL authcid NUL password');
    const [authzid, authcid, password] = fields as [string, string, string];
    if (authcid === '' || password === '') return failure('malformed-request', 'the user name or password is empty');

    const username = normaliseUsername(authcid);
    // RFC 6120 §6.3.8: an authzid must name the account itself; we do not let one user act for another.
    if (authzid !== '') {
      const jid = parseJid(authzid);
      if (!username.ok || !jid.ok || jid.value.resource !== '' || jid.value.local !== username.value || jid.value.domain !== domain) {
        return failure('invalid-authzid', 'the authorization identity is not this account');
      }
    }
    const prepared = preparePassword(password);
    const user = username.ok ? users.get(username.value) : undefined;
    let isValid: boolean;
    try {
      isValid = (await verifyPassword(user?.password ?? DUMMY_HASH, prepared.ok ? prepared.value : password)) && prepared.ok;
    } catch (error) {
      // scrypt refuses only parameters it cannot run (a damaged record); the client can't fix that.
      log.error('password check failed', { err: error });
      return failure('temporary-auth-failure');
    }
    if (user === undefined || !isValid) {
      log.debug('plain failed', { condition: 'not-authorized' });
      return failure('not-authorized', 'wrong user name or password');
    }
    return success({ kind: 'user', username: user.username, domain });
  }

  #fail(condition: 'malformed-request', text: string): SaslStep {
    this.#isDone = true;
    return failure(condition, text);
  }
}
