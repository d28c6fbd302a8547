// The SIP layer's pure parts: digest answers against the RFCs' own examples, session-timer
// decisions (RFC 4028), the allow-list and the INVITE rate limiter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '@plenum/kit';
import { AllowList } from '../src/sip/allow-list.ts';
import { digestAuthorization, parseDigestChallenge, pickDigestChallenge } from '../src/sip/digest.ts';
import { decideAsUac, decideAsUas, expiryDelayMs, refreshDelayMs } from '../src/sip/session-timer.ts';
import { TokenBucket } from '../src/sip/token-bucket.ts';

const responseOf = (authorization: string): string | undefined => /response="([0-9a-f]+)"/.exec(authorization)?.[1];

test('digest: RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  const challenge = parseDigestChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
  const authorization = digestAuthorization(challenge, {
    method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', cnonce: '0a4f113b', nonceCount: 1,
  });
  assert.is(responseOf(authorization), '6629fae49393a05397450978507c4ef1');
  assert.match(authorization, /nc=00000001/);
  assert.match(authorization, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);
});

test('digest: RFC 7616 §3.9.1 examples (SHA-256 preferred over MD5)', () => {
  const common = 'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const challenge = pickDigestChallenge([`Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`])!;
  assert.is(challenge.algorithm, 'SHA-256');
  const request = { method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle of Life', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nonceCount: 1 };
  assert.is(responseOf(digestAuthorization(challenge, request)), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  const md5 = parseDigestChallenge(`Digest ${common}, algorithm=MD5`)!;
  assert.is(responseOf(digestAuthorization(md5, request)), '8ca523f5e9506fed4657c9700eebdbec');
});

test('digest: challenges we cannot answer are refused', () => {
  assert.is(parseDigestChallenge('Basic realm="x"'), undefined);
  assert.is(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=AKAv1-MD5'), undefined);
  assert.is(parseDigestChallenge('Digest realm="x", nonce="n", qop="auth-int"'), undefined);
  assert.is(parseDigestChallenge('Digest nonce="n"'), undefined);
});

test('session timers: what a UAS settles on (RFC 4028 §9)', () => {
  assert.equal(decideAsUas({ sessionExpires: undefined, minSe: undefined, supportsTimer: false }, 1800), { kind: 'none' });
  assert.equal(decideAsUas({ sessionExpires: undefined, minSe: undefined, supportsTimer: true }, 1800), { kind: 'run', timer: { intervalSeconds: 1800, refresher: 'uas' } });
  assert.equal(decideAsUas({ sessionExpires: '60', minSe: undefined, supportsTimer: true }, 1800), { kind: 'too-small', minSeconds: 90 });
  assert.equal(decideAsUas({ sessionExpires: '3600;refresher=uas', minSe: '120', supportsTimer: true }, 1800), { kind: 'run', timer: { intervalSeconds: 1800, refresher: 'uas' } });
  assert.equal(decideAsUas({ sessionExpires: '600', minSe: '900', supportsTimer: false }, 300), { kind: 'run', timer: { intervalSeconds: 900, refresher: 'uas' } });
  assert.equal(decideAsUac('1200;refresher=uas'), { intervalSeconds: 1200, refresher: 'uas' });
  assert.is(decideAsUac(undefined), undefined);
  assert.is(refreshDelayMs({ intervalSeconds: 1800, refresher: 'uas' }), 900_000);
  assert.is(expiryDelayMs({ intervalSeconds: 90, refresher: 'uac' }), 60_000);
});

test('allow-list: addresses and CIDRs, IPv4-mapped IPv6, empty = everyone', () => {
  const list = new AllowList(['10.1.0.0/16', '192.0.2.7', '127.0.0.1/32']);
  assert.ok(list.allows('10.1.200.3'));
  assert.not.ok(list.allows('10.2.0.1'));
  assert.ok(list.allows('192.0.2.7'));
  assert.not.ok(list.allows('192.0.2.8'));
  assert.ok(list.allows('::ffff:127.0.0.1'));
  assert.not.ok(list.allows('::1'));
  assert.ok(new AllowList([]).allows('203.0.113.9'));
  assert.throws(() => new AllowList(['10.0.0.0/33']));
  assert.throws(() => new AllowList(['example.com']));
});

test('INVITE rate: a burst of one second, then the configured rate', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket(10, clock);
  let taken = 0;
  for (let i = 0; i < 50; i++) if (bucket.take()) taken++;
  assert.is(taken, 10);
  clock.advance(500);
  taken = 0;
  for (let i = 0; i < 50; i++) if (bucket.take()) taken++;
  assert.is(taken, 5);
});

test.run();
