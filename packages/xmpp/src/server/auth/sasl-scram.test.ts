import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { loadXmppConfig } from '../config.ts';
import { createAuthenticator } from './authenticator.ts';
import type { ScramHash } from './credentials.ts';
import { deriveScramCredential, hashPassword } from './credentials.ts';
import { ScramExchange } from './sasl-scram.ts';
import type { SaslContext, SaslExchange, SaslStep } from './types.ts';
import type { StoredUser } from './user-store.ts';
import { MemoryUserStore } from './user-store.ts';

const DOMAIN = 'plenum.localhost';
const CTX: SaslContext = { domain: DOMAIN, isSecure: true, transport: 'websocket', token: undefined };
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array(0));
const NODE: Record<ScramHash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' };
const MECH: Record<ScramHash, string> = { 'SHA-1': 'SCRAM-SHA-1', 'SHA-256': 'SCRAM-SHA-256' };

/** A tiny SCRAM client (RFC 5802 §3), written with node:crypto only so it shares no code with the server. */
async function scramClient(exchange: SaslExchange, hash: ScramHash, username: string, password: string, opts: {
  gs2?: string; clientNonce?: string; tamperProof?: boolean; finalOverride?: (withoutProof: string) => string;
} = {}): Promise<{ first: SaslStep; last: SaslStep; serverSignatureOk: boolean; clientFinal?: string }> {
  const gs2 = opts.gs2 ?? 'n,,';
  const bare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${opts.clientNonce ?? 'clientnonce0123456789'}`;
  const first = await exchange.step(utf8(gs2 + bare));
  if (first.kind !== 'challenge') return { first, last: first, serverSignatureOk: false };
  const serverFirst = text(first.data);
  const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s ?? '', 'base64'), Number(attrs.i), hash === 'SHA-1' ? 20 : 32, NODE[hash]);
  const hmac = (key: Buffer, data: string) => createHmac(NODE[hash], key).update(data).digest();
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(NODE[hash]).update(clientKey).digest();
  const withoutProof = opts.finalOverride?.(`c=${Buffer.from(gs2).toString('base64')},r=${attrs.r}`) ?? `c=${Buffer.from(gs2).toString('base64')},r=${attrs.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  if (opts.tamperProof) proof[0] = (proof[0] ?? 0) ^ 1;
  const clientFinal = `${withoutProof},p=${proof.toString('base64')}`;
  const last = await exchange.step(utf8(clientFinal));
  const expected = `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`;
  return { first, last, serverSignatureOk: last.kind === 'success' && text(last.data) === expected, clientFinal };
}

async function userWith(username: string, password: string, salts: Record<ScramHash, string>): Promise<StoredUser> {
  return {
    username,
    password: await hashPassword(password),
    scram: {
      'SHA-1': await deriveScramCredential('SHA-1', password, Buffer.from(salts['SHA-1'], 'base64'), 4096),
      'SHA-256': await deriveScramCredential('SHA-256', password, Buffer.from(salts['SHA-256'], 'base64'), 4096),
    },
  };
}

async function setup(opts: { nonce?: () => string } = {}) {
  const users = new MemoryUserStore();
  assert.ok((await users.add('alice', 'correct horse')).ok);
  const config = loadXmppConfig({ values: { auth: { anonymous: false } } }).auth;
  const auth = createAuthenticator({
    config, users, jwt: undefined, log: silentLogger, requireForPlain: true,
    fakeCredentialSecret: utf8('test-secret'), ...(opts.nonce ? { scramNonce: opts.nonce } : {}),
  });
  const start = (hash: ScramHash) => {
    const ex = auth.start(MECH[hash], CTX);
    if (ex === undefined) throw new Error('mechanism not offered');
    return ex;
  };
  return { users, auth, start };
}

const vectors = suite('scram: RFC test vectors');

vectors('RFC 5802 §5 SCRAM-SHA-1 example (user "user", password "pencil")', async () => {
  const users = new MemoryUserStore({ users: [await userWith('user', 'pencil', { 'SHA-1': 'QSXCR+Q6sek8bf92', 'SHA-256': 'W22ZaJ0SNY7soEsUEjb6gQ==' })] });
  const ex = new ScramExchange({ hash: 'SHA-1', domain: DOMAIN, users, fakeCredentialSecret: utf8('x'), nonce: () => '3rfcNHYJY1ZVvWVs7j', log: silentLogger });
  const s1 = await ex.step(utf8('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
  assert.is(s1.kind, 'challenge');
  assert.is(text(s1.kind === 'challenge' ? s1.data : undefined), 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
  const s2 = await ex.step(utf8('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='));
  assert.is(s2.kind, 'success');
  if (s2.kind !== 'success') return;
  assert.is(text(s2.data), 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  assert.equal(s2.identity, { kind: 'user', username: 'user', domain: DOMAIN });
});

vectors('RFC 7677 §3 SCRAM-SHA-256 example (user "user", password "pencil")', async () => {
  const users = new MemoryUserStore({ users: [await userWith('user', 'pencil', { 'SHA-1': 'QSXCR+Q6sek8bf92', 'SHA-256': 'W22ZaJ0SNY7soEsUEjb6gQ==' })] });
  const ex = new ScramExchange({ hash: 'SHA-256', domain: DOMAIN, users, fakeCredentialSecret: utf8('x'), nonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', log: silentLogger });
  const s1 = await ex.step(utf8('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.is(text(s1.kind === 'challenge' ? s1.data : undefined), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const s2 = await ex.step(utf8('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
  assert.is(s2.kind, 'success');
  assert.is(text(s2.kind === 'success' ? s2.data : undefined), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
});

vectors.run();

const flows = suite('scram: full exchanges');

for (const hash of ['SHA-256', 'SHA-1'] as const) {
  flows(`${MECH[hash]}: right password succeeds and the server proves itself`, async () => {
    const { start } = await setup();
    const r = await scramClient(start(hash), hash, 'alice', 'correct horse');
    assert.is(r.last.kind, 'success');
    assert.ok(r.serverSignatureOk, 'v= must be the ServerSignature');
    if (r.last.kind === 'success') assert.equal(r.last.identity, { kind: 'user', username: 'alice', domain: DOMAIN });
  });

  flows(`${MECH[hash]}: wrong password is not-authorized`, async () => {
    const { start } = await setup();
    const r = await scramClient(start(hash), hash, 'alice', 'wrong horse');
    assert.is(r.first.kind, 'challenge');
    assert.equal(r.last.kind === 'failure' ? r.last.condition : r.last.kind, 'not-authorized');
  });
}

flows('the username is case-insensitive (a localpart) and gs2 flag "y" is accepted', async () => {
  const { start } = await setup();
  const r = await scramClient(start('SHA-256'), 'SHA-256', 'ALICE', 'correct horse', { gs2: 'y,,' });
  assert.is(r.last.kind, 'success');
  assert.ok(r.serverSignatureOk);
});

flows('an authzid naming the account itself is accepted; another one is invalid-authzid', async () => {
  const { start } = await setup();
  const own = await scramClient(start('SHA-256'), 'SHA-256', 'alice', 'correct horse', { gs2: `n,a=alice@${DOMAIN},` });
  assert.is(own.last.kind, 'success');
  const other = await scramClient(start('SHA-256'), 'SHA-256', 'alice', 'correct horse', { gs2: `n,a=bob@${DOMAIN},` });
  assert.equal(other.first.kind === 'failure' ? other.first.condition : other.first.kind, 'invalid-authzid');
});

flows('unknown user: same flow as a wrong password, stable salt of the same shape', async () => {
  const { start } = await setup();
  const a = await scramClient(start('SHA-256'), 'SHA-256', 'mallory', 'whatever');
  const b = await scramClient(start('SHA-256'), 'SHA-256', 'mallory', 'whatever');
  const real = await scramClient(start('SHA-256'), 'SHA-256', 'alice', 'whatever');
  for (const r of [a, b, real]) {
    assert.is(r.first.kind, 'challenge');
    assert.equal(r.last.kind === 'failure' ? [r.last.condition, r.last.text] : r.last.kind, ['not-authorized', 'wrong user name or password']);
  }
  const saltOf = (s: SaslStep) => (s.kind === 'challenge' ? /,s=([^,]+),i=(\d+)$/.exec(text(s.data))?.slice(1) : undefined);
  assert.equal(saltOf(a.first), saltOf(b.first), 'the same unknown name gets the same salt');
  const [fakeSalt, fakeIterations] = saltOf(a.first) ?? [];
  const [realSalt, realIterations] = saltOf(real.first) ?? [];
  assert.is(Buffer.from(fakeSalt ?? '', 'base64').length, Buffer.from(realSalt ?? '', 'base64').length);
  assert.is(fakeIterations, realIterations);
});

flows('a tampered proof is not-authorized', async () => {
  const { start } = await setup();
  const r = await scramClient(start('SHA-1'), 'SHA-1', 'alice', 'correct horse', { tamperProof: true });
  assert.equal(r.last.kind === 'failure' ? r.last.condition : r.last.kind, 'not-authorized');
});

flows('changed channel binding data or nonce in the final message is not-authorized', async () => {
  const { start } = await setup();
  const downgraded = await scramClient(start('SHA-256'), 'SHA-256', 'alice', 'correct horse', {
    finalOverride: (w) => w.replace(/^c=[^,]*/, `c=${Buffer.from('y,,').toString('base64')}`),
  });
  assert.equal(downgraded.last.kind === 'failure' ? downgraded.last.condition : downgraded.last.kind, 'not-authorized');
  const renonced = await scramClient(start('SHA-256'), 'SHA-256', 'alice', 'correct horse', { finalOverride: (w) => `${w}x` });
  assert.equal(renonced.last.kind === 'failure' ? renonced.last.condition : renonced.last.kind, 'not-authorized');
});

flows('without an initial response the server asks with an empty challenge', async () => {
  const { start } = await setup();
  const ex = start('SHA-256');
  const s0 = await ex.step(undefined);
  assert.equal(s0.kind === 'challenge' ? [...s0.data] : s0.kind, []);
  const r = await scramClient(ex, 'SHA-256', 'alice', 'correct horse');
  assert.is(r.last.kind, 'success');
});

flows('the exchange is over after success', async () => {
  const { start } = await setup();
  const ex = start('SHA-256');
  await scramClient(ex, 'SHA-256', 'alice', 'correct horse');
  const again = await ex.step(utf8('n,,n=alice,r=abc'));
  assert.is(again.kind, 'failure');
});

flows('server nonces are fresh per exchange', async () => {
  const { start } = await setup();
  const nonces = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const s = await start('SHA-256').step(utf8('n,,n=alice,r=abc'));
    nonces.add(s.kind === 'challenge' ? text(s.data).split(',')[0] ?? '' : '');
  }
  assert.is(nonces.size, 5);
});

flows.run();

const malformed = suite('scram: malformed messages');

const conditionOf = (s: SaslStep) => (s.kind === 'failure' ? s.condition : s.kind);

malformed('client-first-message', async () => {
  const { start } = await setup();
  const cases = [
    '', 'n', 'n,', 'x,,n=alice,r=abc', 'p=tls-unique,,n=alice,r=abc', 'n,b=alice,n=alice,r=abc', 'n,a=,n=alice,r=abc',
    'n,,m=ext,n=alice,r=abc', 'n,,n=alice', 'n,,n=alice,r=', 'n,,r=abc,n=alice', 'n,,n=al=ice,r=abc', 'n,,n=,r=abc',
    'n,,n=alice,r=a,b', 'n,,n=alice,r=abc,1=x', `n,,n=alice,r=${'a'.repeat(5000)}`,
  ];
  for (const c of cases) assert.is(conditionOf(await start('SHA-256').step(utf8(c))), 'malformed-request', c.slice(0, 40));
  assert.is(conditionOf(await start('SHA-256').step(new Uint8Array([0x6e, 0x2c, 0x2c, 0xff]))), 'malformed-request');
  const ex = start('SHA-1');
  await ex.step(undefined);
  assert.is(conditionOf(await ex.step(undefined)), 'malformed-request');
});

malformed('client-final-message', async () => {
  const { start } = await setup({ nonce: () => 'SERVER' });
  const cases = [
    '', 'c=biws,r=abcSERVER', 'c=biws,r=abcSERVER,p=', 'c=biws,r=abcSERVER,p=!!!!', 'c=biws,r=abcSERVER,p=AAAA',
    'r=abcSERVER,c=biws,p=' + 'A'.repeat(43) + '=', 'c=bi ws,r=abcSERVER,p=' + 'A'.repeat(43) + '=', 'c=biws,p=' + 'A'.repeat(43) + '=',
    'c=biws,r=abcSERVER,1=x,p=' + 'A'.repeat(43) + '=',
  ];
  for (const c of cases) {
    const ex = start('SHA-256');
    assert.is((await ex.step(utf8('n,,n=alice,r=abc'))).kind, 'challenge');
    assert.is(conditionOf(await ex.step(utf8(c))), 'malformed-request', c);
  }
  const ex = start('SHA-256');
  await ex.step(utf8('n,,n=alice,r=abc'));
  assert.is(conditionOf(await ex.step(undefined)), 'malformed-request');
});

malformed('a username with escapes round-trips (=2C, =3D) and never matches another account', async () => {
  const { start } = await setup();
  const r = await scramClient(start('SHA-256'), 'SHA-256', 'ali,ce', 'correct horse');
  assert.is(conditionOf(r.last), 'not-authorized');
});

malformed.run();
