import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '@plenum/kit';
import { loadXmppConfig } from '../config.ts';
import type { JwtConfig, JwtError } from './jwt-verifier.ts';
import { JwtVerifier, MAX_TOKEN_CHARS, loadJwtKey, tokenAllowsRoom } from './jwt-verifier.ts';
import type { TokenClaims } from './types.ts';

const SECRET = 'a-shared-secret-of-reasonable-length';
const NOW_SECONDS = 1_700_000_000;
const { publicKey: RSA_PUBLIC_PEM, privateKey: RSA_PRIVATE_PEM } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const b64url = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

function hs256(payload: unknown, header: unknown = { alg: 'HS256', typ: 'JWT' }, secret: string | Buffer = SECRET): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function rs256(payload: unknown, header: unknown = { alg: 'RS256', typ: 'JWT' }, privateKey: string = RSA_PRIVATE_PEM): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'plenum', aud: 'jitsi', sub: 'meet.example.com', room: 'standup', exp: NOW_SECONDS + 3600, ...extra,
});

function jwtConfig(values: Record<string, unknown> = {}): JwtConfig {
  return loadXmppConfig({ values: { auth: { jwt: { enabled: true, appId: 'plenum', secret: SECRET, ...values } } } }).auth.jwt;
}

function verifier(values: Record<string, unknown> = {}, clock = new FakeClock(NOW_SECONDS * 1000)): JwtVerifier {
  const config = jwtConfig(values);
  const key = loadJwtKey(config, config.algorithm === 'RS256' ? RSA_PUBLIC_PEM : undefined);
  if (!key.ok) throw new Error(key.error.text);
  return new JwtVerifier({ config, key: key.value, clock });
}

function refused(v: JwtVerifier, token: string): JwtError {
  const r = v.verify(token);
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  return r.error;
}

function accepted(v: JwtVerifier, token: string): TokenClaims {
  const r = v.verify(token);
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const valid = suite('jwt: valid tokens');

valid('HS256 with the shared secret', () => {
  const c = accepted(verifier(), hs256(claims()));
  assert.is(c.room, 'standup');
  assert.is(c.iss, 'plenum');
  assert.is(c.aud, 'jitsi');
  assert.is(c.sub, 'meet.example.com');
  assert.is(c.exp, NOW_SECONDS + 3600);
  assert.is(c.raw.room, 'standup');
});

valid('RS256 with the configured public key', () => {
  const c = accepted(verifier({ algorithm: 'RS256', secret: undefined }), rs256(claims()));
  assert.is(c.room, 'standup');
});

valid('context.user, group and features are read; "true" strings become booleans', () => {
  const c = accepted(verifier(), hs256(claims({
    context: {
      user: { id: 42, name: 'Ada', email: 'ada@example.com', avatar: 'https://example.com/a.png', moderator: 'true' },
      group: 'team-a',
      features: { recording: 'true', livestreaming: false, transcription: true, 'outbound-call': 'false', bogus: 3 },
    },
  })));
  assert.equal(c.user, { id: '42', name: 'Ada', email: 'ada@example.com', avatar: 'https://example.com/a.png', moderator: true });
  assert.is(c.group, 'team-a');
  assert.equal(c.features, { recording: true, livestreaming: false, transcription: true, 'outbound-call': false });
});

valid('a typ header is optional and compared case-insensitively', () => {
  accepted(verifier(), hs256(claims(), { alg: 'HS256' }));
  accepted(verifier(), hs256(claims(), { alg: 'HS256', typ: 'jwt' }));
});

valid('aud may be an array; one accepted value is enough', () => {
  const c = accepted(verifier({ acceptedAudiences: ['meet'] }), hs256(claims({ aud: ['other', 'meet'] })));
  assert.equal(c.aud, ['other', 'meet']);
});

valid('issuers default to [appId]; an explicit list replaces it', () => {
  accepted(verifier({ appId: 'plenum' }), hs256(claims({ iss: 'plenum' })));
  accepted(verifier({ acceptedIssuers: ['a', 'b'] }), hs256(claims({ iss: 'b' })));
  assert.is(refused(verifier({ acceptedIssuers: ['a', 'b'] }), hs256(claims({ iss: 'plenum' }))).code, 'bad-issuer');
});

valid('without requireRoomClaim a token without room may join any room', () => {
  const c = accepted(verifier({ requireRoomClaim: false }), hs256(claims({ room: undefined })));
  assert.is(c.room, '*');
  assert.ok(tokenAllowsRoom(c, 'anything'));
});

valid('exp and nbf allow the configured clock skew', () => {
  const v = verifier({ clockSkewSeconds: 60 });
  accepted(v, hs256(claims({ exp: NOW_SECONDS - 59 })));
  assert.is(refused(v, hs256(claims({ exp: NOW_SECONDS - 60 }))).code, 'expired');
  accepted(v, hs256(claims({ nbf: NOW_SECONDS + 60 })));
  assert.is(refused(v, hs256(claims({ nbf: NOW_SECONDS + 61 }))).code, 'not-yet-valid');
});

valid('time comes from the injected clock', () => {
  const clock = new FakeClock(NOW_SECONDS * 1000);
  const v = verifier({ clockSkewSeconds: 0 }, clock);
  const token = hs256(claims({ exp: NOW_SECONDS + 10 }));
  accepted(v, token);
  clock.advance(10_000);
  assert.is(refused(v, token).code, 'expired');
});

valid.run();

const bad = suite('jwt: refused tokens');

bad('alg none is refused, with or without a signature', () => {
  const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
  assert.is(refused(verifier(), unsigned).code, 'bad-algorithm');
  assert.is(refused(verifier({ algorithm: 'RS256' }), unsigned).code, 'bad-algorithm');
  assert.is(refused(verifier(), hs256(claims(), { alg: 'none' })).code, 'bad-algorithm');
});

bad('any algorithm other than the pinned one is refused', () => {
  assert.is(refused(verifier(), hs256(claims(), { alg: 'HS512', typ: 'JWT' })).code, 'bad-algorithm');
  assert.is(refused(verifier(), rs256(claims())).code, 'bad-algorithm');
  assert.is(refused(verifier(), hs256(claims(), { typ: 'JWT' })).code, 'bad-algorithm');
});

bad('algorithm confusion: an HS256 token keyed with the RS256 public key is refused', () => {
  const forged = hs256(claims(), { alg: 'HS256', typ: 'JWT' }, RSA_PUBLIC_PEM);
  assert.is(refused(verifier({ algorithm: 'RS256' }), forged).code, 'bad-algorithm');
  // Even relabelled as RS256, an HMAC is no RSA signature.
  const [h, p, s] = forged.split('.');
  const relabelled = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${p}.${s}`;
  assert.ok(h !== undefined);
  assert.is(refused(verifier({ algorithm: 'RS256' }), relabelled).code, 'bad-signature');
});

bad('a wrong key is a bad signature', () => {
  assert.is(refused(verifier(), hs256(claims(), undefined, 'another-secret')).code, 'bad-signature');
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  assert.is(refused(verifier({ algorithm: 'RS256' }), rs256(claims(), undefined, other.privateKey)).code, 'bad-signature');
});

bad('a changed payload breaks the signature', () => {
  const [h, , s] = hs256(claims()).split('.');
  assert.is(refused(verifier(), `${h}.${b64url(claims({ room: '*' }))}.${s}`).code, 'bad-signature');
});

bad('wrong or missing audience', () => {
  const v = verifier({ acceptedAudiences: ['meet'] });
  assert.is(refused(v, hs256(claims({ aud: 'jitsi' }))).code, 'bad-audience');
  assert.is(refused(v, hs256(claims({ aud: [] }))).code, 'bad-audience');
  // token/util.lib.lua requires aud even when every audience is accepted.
  assert.is(refused(verifier(), hs256(claims({ aud: undefined }))).code, 'bad-audience');
});

bad('wrong or missing issuer', () => {
  assert.is(refused(verifier(), hs256(claims({ iss: 'someone-else' }))).code, 'bad-issuer');
  assert.is(refused(verifier(), hs256(claims({ iss: undefined }))).code, 'bad-issuer');
});

bad('expired, and exp missing or not a number', () => {
  assert.is(refused(verifier(), hs256(claims({ exp: NOW_SECONDS - 3600 }))).code, 'expired');
  assert.is(refused(verifier(), hs256(claims({ exp: undefined }))).code, 'bad-claim');
  assert.is(refused(verifier(), hs256(claims({ exp: String(NOW_SECONDS + 3600) }))).code, 'bad-claim');
});

bad('nbf in the future', () => {
  assert.is(refused(verifier(), hs256(claims({ nbf: NOW_SECONDS + 3600 }))).code, 'not-yet-valid');
  assert.is(refused(verifier(), hs256(claims({ nbf: 'soon' }))).code, 'bad-claim');
});

bad('missing room when a room claim is required', () => {
  assert.is(refused(verifier(), hs256(claims({ room: undefined }))).code, 'missing-room');
  assert.is(refused(verifier(), hs256(claims({ room: '' }))).code, 'missing-room');
  assert.is(refused(verifier(), hs256(claims({ room: 7 }))).code, 'bad-claim');
});

bad('typ other than JWT, and crit headers', () => {
  assert.is(refused(verifier(), hs256(claims(), { alg: 'HS256', typ: 'JOSE+JSON' })).code, 'bad-header');
  assert.is(refused(verifier(), hs256(claims(), { alg: 'HS256', crit: ['exp'] })).code, 'bad-header');
});

bad('structure: parts, JSON, strict Base64url, size', () => {
  const v = verifier();
  const good = hs256(claims());
  const [h, p, s] = good.split('.') as [string, string, string];
  const cases: Array<[string, JwtError['code']]> = [
    ['', 'malformed'],
    ['abc', 'malformed'],
    [`${h}.${p}`, 'malformed'],
    [`${good}.extra.part`, 'malformed'],
    [`${b64url('not json')}.${p}.${s}`, 'malformed'],
    [`${b64url([1, 2])}.${p}.${s}`, 'malformed'],
    [`${h}=.${p}.${s}`, 'malformed'],
    [`${h}.${p}.${s}=`, 'malformed'],
    [`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}+`, 'malformed'],
    [`${h} .${p}.${s}`, 'malformed'],
    [`${h}.${p}.${s}${'A'.repeat(MAX_TOKEN_CHARS)}`, 'malformed'],
  ];
  for (const [token, code] of cases) assert.is(refused(v, token).code, code, token.slice(0, 40));
});

bad('non-canonical Base64url (stray low bits) is refused, not normalised', () => {
  const [h, p, s] = hs256(claims()).split('.') as [string, string, string];
  // 32 bytes encode to 43 characters; the last one carries 2 unused bits.
  const last = s[s.length - 1] as string;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
  assert.is(refused(verifier(), `${h}.${p}.${s.slice(0, -1)}${twin}`).code, 'malformed');
});

bad('the refusal text never contains the token', () => {
  const token = hs256(claims({ exp: 1 }));
  const e = refused(verifier(), token);
  assert.not.ok(e.text.includes(token));
  assert.not.ok(e.text.includes(token.split('.')[2] as string));
});

bad('garbage and every truncation of a valid token: refused, never thrown', () => {
  const v = verifier();
  const rv = verifier({ algorithm: 'RS256' });
  const good = hs256(claims());
  for (let cut = 0; cut < good.length; cut++) {
    assert.not.ok(v.verify(good.slice(0, cut)).ok);
    assert.not.ok(v.verify(good.slice(cut + 1)).ok);
  }
  const rgood = rs256(claims());
  for (let cut = 0; cut < rgood.length; cut++) assert.not.ok(rv.verify(rgood.slice(0, cut)).ok);
  const garbage = ['..', '...', 'a.b.c', '\u0000.\u0000.\u0000', '💥.💥.💥', `${b64url('{"alg":"HS256"')}.e30.`,
    `${b64url({ alg: 'HS256' })}.${b64url('\uFFFF')}.AA`, `e30.e30.e30`, 'null.null.null', `${b64url({ alg: { toString: 1 } })}.e30.AA`];
  for (const g of garbage) {
    assert.not.ok(v.verify(g).ok);
    assert.not.ok(rv.verify(g).ok);
  }
  // Flip every character of the token in turn; each variant is refused without throwing.
  for (let i = 0; i < good.length; i++) {
    const c = good[i] === 'A' ? 'B' : 'A';
    const mutated = good.slice(0, i) + c + good.slice(i + 1);
    if (mutated !== good) assert.not.ok(v.verify(mutated).ok);
  }
  assert.not.ok(v.verify(undefined as unknown as string).ok);
});

bad('claims named like Object.prototype members are not inherited', () => {
  const c = accepted(verifier(), hs256(claims({ context: { features: JSON.parse('{"__proto__": true, "recording": true}') } })));
  assert.equal(Object.keys(c.features ?? {}).sort(), ['__proto__', 'recording']);
  assert.is(Object.getPrototypeOf(c.features), Object.prototype);
});

bad.run();

const keys = suite('jwt: keys');

keys('HS256 needs a secret', () => {
  const r = loadJwtKey(jwtConfig({ secret: undefined }), undefined);
  assert.is(r.ok ? 'ok' : r.error.code, 'bad-config');
});

keys('RS256 needs a valid RSA public key of at least 2048 bits', () => {
  const config = jwtConfig({ algorithm: 'RS256' });
  const codes = [undefined, '', 'not a pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'].map((pem) => {
    const r = loadJwtKey(config, pem);
    return r.ok ? 'ok' : r.error.code;
  });
  assert.equal(codes, ['bad-config', 'bad-config', 'bad-config', 'bad-config']);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  assert.not.ok(loadJwtKey(config, ec.publicKey).ok);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  assert.not.ok(loadJwtKey(config, small.publicKey).ok);
  assert.ok(loadJwtKey(config, RSA_PUBLIC_PEM).ok);
});

keys('a key for another algorithm than configured is a bug', () => {
  const hsKey = loadJwtKey(jwtConfig(), undefined);
  assert.ok(hsKey.ok);
  assert.throws(() => new JwtVerifier({ config: jwtConfig({ algorithm: 'RS256' }), key: hsKey.value, clock: new FakeClock() }));
});

keys.run();

const rooms = suite('jwt: tokenAllowsRoom');

rooms('"*" allows any room; a name allows that room, case-insensitively', () => {
  const base = accepted(verifier(), hs256(claims({ room: 'StandUp' })));
  assert.ok(tokenAllowsRoom(base, 'standup'));
  assert.ok(tokenAllowsRoom(base, 'STANDUP'));
  assert.not.ok(tokenAllowsRoom(base, 'retro'));
  assert.not.ok(tokenAllowsRoom(base, '[tenant]standup'));
  const any = accepted(verifier(), hs256(claims({ room: '*' })));
  assert.ok(tokenAllowsRoom(any, 'retro'));
});

rooms.run();
