import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { loadXmppConfig } from '../config.ts';
import { createAuthenticator } from './authenticator.ts';
import type { SaslContext, SaslStep } from './types.ts';
import { MemoryUserStore } from './user-store.ts';

const DOMAIN = 'plenum.localhost';
const SECURE: SaslContext = { domain: DOMAIN, isSecure: true, transport: 'tcp', token: undefined };
const plain = (authzid: string, authcid: string, password: string) => new TextEncoder().encode(`${authzid}\u0000${authcid}\u0000${password}`);
const outcome = (s: SaslStep) => (s.kind === 'failure' ? s.condition : s.kind);

async function setup(requireForPlain = true) {
  const users = new MemoryUserStore();
  assert.ok((await users.add('alice', 'correct horse')).ok);
  const auth = createAuthenticator({ config: loadXmppConfig().auth, users, jwt: undefined, log: silentLogger, requireForPlain });
  const login = async (message: Uint8Array | undefined, ctx: SaslContext = SECURE) => {
    const ex = auth.start('PLAIN', ctx);
    if (ex === undefined) throw new Error('PLAIN not offered');
    return ex.step(message);
  };
  return { auth, login };
}

const test = suite('sasl PLAIN');

test('the right password logs in as the account', async () => {
  const { login } = await setup();
  const s = await login(plain('', 'alice', 'correct horse'));
  assert.is(s.kind, 'success');
  if (s.kind === 'success') {
    assert.equal(s.identity, { kind: 'user', username: 'alice', domain: DOMAIN });
    assert.is(s.data, undefined);
  }
});

test('the user name is a localpart, so case does not matter', async () => {
  const { login } = await setup();
  assert.is(outcome(await login(plain('', 'Alice', 'correct horse'))), 'success');
});

test('a wrong password and an unknown user are both not-authorized, with the same text', async () => {
  const { login } = await setup();
  const wrong = await login(plain('', 'alice', 'wrong horse'));
  const unknown = await login(plain('', 'mallory', 'correct horse'));
  assert.equal(wrong, unknown);
  assert.is(outcome(wrong), 'not-authorized');
  assert.is(outcome(await login(plain('', 'not@valid', 'correct horse'))), 'not-authorized');
});

test('authzid: empty or the account itself; anything else is invalid-authzid', async () => {
  const { login } = await setup();
  assert.is(outcome(await login(plain(`alice@${DOMAIN}`, 'alice', 'correct horse'))), 'success');
  assert.is(outcome(await login(plain(`ALICE@${DOMAIN.toUpperCase()}`, 'alice', 'correct horse'))), 'success');
  assert.is(outcome(await login(plain(`bob@${DOMAIN}`, 'alice', 'correct horse'))), 'invalid-authzid');
  assert.is(outcome(await login(plain(`alice@elsewhere.example`, 'alice', 'correct horse'))), 'invalid-authzid');
  assert.is(outcome(await login(plain(`alice@${DOMAIN}/phone`, 'alice', 'correct horse'))), 'invalid-authzid');
});

test('encryption-required on plain TCP before STARTTLS, and PLAIN is not offered there', async () => {
  const { auth, login } = await setup(true);
  const insecureTcp: SaslContext = { ...SECURE, isSecure: false };
  assert.not.ok(auth.mechanisms(insecureTcp).includes('PLAIN'));
  const s = await login(plain('', 'alice', 'correct horse'), insecureTcp);
  assert.is(outcome(s), 'encryption-required');
  // WebSocket without TLS (behind a terminating proxy) is not covered by the TCP rule.
  assert.is(outcome(await login(plain('', 'alice', 'correct horse'), { ...insecureTcp, transport: 'websocket' })), 'success');
});

test('with tls.requireForPlain off, insecure TCP may use PLAIN', async () => {
  const { auth, login } = await setup(false);
  const insecureTcp: SaslContext = { ...SECURE, isSecure: false };
  assert.ok(auth.mechanisms(insecureTcp).includes('PLAIN'));
  assert.is(outcome(await login(plain('', 'alice', 'correct horse'), insecureTcp)), 'success');
});

test('malformed messages', async () => {
  const { login } = await setup();
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const m of [enc(''), enc('alice'), enc('\u0000alice'), enc('\u0000alice\u0000'), enc('\u0000\u0000pw'), enc('a\u0000b\u0000c\u0000d'), new Uint8Array([0, 0x61, 0, 0xff]), new Uint8Array(5000)]) {
    assert.is(outcome(await login(m)), 'malformed-request');
  }
});

test('no initial response: an empty challenge, then the credentials', async () => {
  const { auth } = await setup();
  const ex = auth.start('PLAIN', SECURE);
  assert.ok(ex);
  const first = await ex.step(undefined);
  assert.equal(first.kind === 'challenge' ? [...first.data] : first.kind, []);
  assert.is(outcome(await ex.step(plain('', 'alice', 'correct horse'))), 'success');
  assert.is(outcome(await ex.step(plain('', 'alice', 'correct horse'))), 'malformed-request');
});

test.run();
