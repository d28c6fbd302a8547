import { createHmac } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import { loadXmppConfig } from '../config.ts';
import { createAuthenticator } from './authenticator.ts';
import { JwtVerifier, loadJwtKey } from './jwt-verifier.ts';
import type { SaslContext, SaslStep } from './types.ts';
import { MemoryUserStore } from './user-store.ts';

const DOMAIN = 'plenum.localhost';
const GUEST = 'guest.plenum.localhost';
const SECRET = 'jitsi-app-secret';
const NOW_SECONDS = 1_700_000_000;
const ctx = (token?: string, domain = DOMAIN): SaslContext => ({ domain, isSecure: true, transport: 'websocket', token });
const outcome = (s: SaslStep) => (s.kind === 'failure' ? s.condition : s.kind);
const b64url = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');

function token(payload: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: 'plenum', aud: 'jitsi', room: '*', exp: NOW_SECONDS + 60, ...payload })}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

function setup(auth: Record<string, unknown>, opts: { withVerifier?: boolean } = {}) {
  const config = loadXmppConfig({ values: { auth: { guestDomain: GUEST, ...auth, jwt: { appId: 'plenum', secret: SECRET, ...(auth.jwt as object | undefined) } } } }).auth;
  const key = loadJwtKey(config.jwt, undefined);
  assert.ok(key.ok);
  const jwt = config.jwt.enabled && opts.withVerifier !== false
    ? new JwtVerifier({ config: config.jwt, key: key.value, clock: new FakeClock(NOW_SECONDS * 1000) })
    : undefined;
  const authenticator = createAuthenticator({ config, users: new MemoryUserStore(), jwt, log: silentLogger, requireForPlain: true });
  const login = async (c: SaslContext, initial?: Uint8Array) => {
    const ex = authenticator.start('ANONYMOUS', c);
    return ex === undefined ? 'not offered' : ex.step(initial);
  };
  return { authenticator, login };
}

const anon = suite('sasl ANONYMOUS without JWT');

anon('offered on the main domain when auth.anonymous is on; no initial response needed (Strophe)', async () => {
  const { authenticator, login } = setup({ anonymous: true });
  assert.ok(authenticator.mechanisms(ctx()).includes('ANONYMOUS'));
  const s = await login(ctx());
  assert.equal(s, { kind: 'success', data: undefined, identity: { kind: 'anonymous', domain: DOMAIN } });
  assert.is(outcome(await login(ctx(), new TextEncoder().encode('trace@example.com')) as SaslStep), 'success');
  assert.is(outcome(await login(ctx(), new Uint8Array(0)) as SaslStep), 'success');
});

anon('a token is ignored when JWT is off', async () => {
  const { login } = setup({ anonymous: true });
  const s = await login(ctx('not even a token'));
  assert.equal(s !== 'not offered' && s.kind === 'success' ? s.identity : s, { kind: 'anonymous', domain: DOMAIN });
});

anon('not offered on the main domain when auth.anonymous is off, but always on the guest domain', async () => {
  const { authenticator, login } = setup({ anonymous: false });
  assert.not.ok(authenticator.mechanisms(ctx()).includes('ANONYMOUS'));
  assert.is(await login(ctx()), 'not offered');
  assert.equal(authenticator.mechanisms(ctx(undefined, GUEST)), ['ANONYMOUS']);
  const s = await login(ctx(undefined, GUEST));
  assert.equal(s !== 'not offered' && s.kind === 'success' ? s.identity : s, { kind: 'anonymous', domain: GUEST });
});

anon('an invalid trace is malformed-request; a second step after success fails', async () => {
  const { authenticator } = setup({ anonymous: true });
  const bad = authenticator.start('ANONYMOUS', ctx());
  assert.ok(bad);
  assert.is(outcome(await bad.step(new Uint8Array([0xc3, 0x28]))), 'malformed-request');
  const ex = authenticator.start('ANONYMOUS', ctx());
  assert.ok(ex);
  assert.is(outcome(await ex.step(undefined)), 'success');
  assert.is(outcome(await ex.step(undefined)), 'malformed-request');
});

anon.run();

const jwt = suite('sasl ANONYMOUS with JWT (Jitsi token auth)');

jwt('offered on the main domain even with auth.anonymous off; local-account mechanisms are not', () => {
  const { authenticator } = setup({ anonymous: false, jwt: { enabled: true } });
  assert.equal(authenticator.mechanisms(ctx()), ['ANONYMOUS']);
  assert.is(authenticator.start('SCRAM-SHA-256', ctx()), undefined);
});

jwt('a valid token logs in with its claims', async () => {
  const { login } = setup({ anonymous: false, jwt: { enabled: true } });
  const s = await login(ctx(token({ room: 'standup', context: { user: { name: 'Ada', moderator: true } } })));
  assert.ok(s !== 'not offered' && s.kind === 'success');
  assert.is(s.identity.kind, 'token');
  if (s.identity.kind !== 'token') return;
  assert.is(s.identity.domain, DOMAIN);
  assert.is(s.identity.claims.room, 'standup');
  assert.equal(s.identity.claims.user, { name: 'Ada', moderator: true });
});

jwt('an invalid token is not-authorized with a short reason that does not repeat the token', async () => {
  const { login } = setup({ jwt: { enabled: true } });
  const expired = token({ exp: NOW_SECONDS - 3600 });
  const s = await login(ctx(expired));
  assert.ok(s !== 'not offered' && s.kind === 'failure');
  assert.is(s.condition, 'not-authorized');
  assert.is(s.text, 'the token has expired');
  const input = expired.split('.').slice(0, 2).join('.');
  const forged = await login(ctx(`${input}.${createHmac('sha256', 'other secret').update(input).digest('base64url')}`));
  assert.is(forged !== 'not offered' && forged.kind === 'failure' ? forged.text : '', 'the token signature does not match');
  const garbage = await login(ctx('garbage'));
  assert.is(garbage !== 'not offered' ? outcome(garbage) : garbage, 'not-authorized');
});

jwt('no token: not-authorized unless allowEmptyToken, which makes a plain guest', async () => {
  const strict = setup({ jwt: { enabled: true } });
  for (const t of [undefined, '']) {
    const s = await strict.login(ctx(t));
    assert.equal(s !== 'not offered' && s.kind === 'failure' ? [s.condition, s.text] : s, ['not-authorized', 'a token is required']);
  }
  const lenient = setup({ jwt: { enabled: true, allowEmptyToken: true } });
  const s = await lenient.login(ctx());
  assert.equal(s !== 'not offered' && s.kind === 'success' ? s.identity : s, { kind: 'anonymous', domain: DOMAIN });
  // allowEmptyToken does not make a bad token acceptable.
  assert.is(outcome(await lenient.login(ctx('bad')) as SaslStep), 'not-authorized');
});

jwt('the guest domain stays anonymous and ignores tokens', async () => {
  const { login } = setup({ jwt: { enabled: true } });
  const s = await login(ctx(undefined, GUEST));
  assert.equal(s !== 'not offered' && s.kind === 'success' ? s.identity : s, { kind: 'anonymous', domain: GUEST });
});

jwt('JWT enabled without a verifier fails safe (temporary-auth-failure)', async () => {
  const { login } = setup({ jwt: { enabled: true } }, { withVerifier: false });
  assert.is(outcome(await login(ctx(token({}))) as SaslStep), 'temporary-auth-failure');
});

jwt.run();
