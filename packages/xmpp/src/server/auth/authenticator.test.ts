import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { loadXmppConfig } from '../config.ts';
import { createAuthenticator } from './authenticator.ts';
import type { SaslContext } from './types.ts';
import { MemoryUserStore } from './user-store.ts';

const DOMAIN = 'plenum.localhost';
const GUEST = 'guest.plenum.localhost';
const ctx = (over: Partial<SaslContext> = {}): SaslContext => ({ domain: DOMAIN, isSecure: true, transport: 'tcp', token: undefined, ...over });

function authenticator(auth: Record<string, unknown> = {}, requireForPlain = true) {
  const config = loadXmppConfig({ values: { auth: { guestDomain: GUEST, ...auth } } }).auth;
  return createAuthenticator({ config, users: new MemoryUserStore(), jwt: undefined, log: silentLogger, requireForPlain });
}

const test = suite('authenticator: mechanisms on offer');

test('order is SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, ANONYMOUS', () => {
  assert.equal(authenticator({ anonymous: true, localUsers: true }).mechanisms(ctx()), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'ANONYMOUS']);
});

test('local accounts only when localUsers is on', () => {
  assert.equal(authenticator({ anonymous: true, localUsers: false }).mechanisms(ctx()), ['ANONYMOUS']);
  assert.equal(authenticator({ anonymous: false, localUsers: true }).mechanisms(ctx()), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  assert.equal(authenticator({ anonymous: false, localUsers: false }).mechanisms(ctx()), []);
});

test('PLAIN is hidden on TCP before TLS when required; SCRAM stays', () => {
  const a = authenticator({ anonymous: false });
  assert.equal(a.mechanisms(ctx({ isSecure: false })), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
  assert.equal(a.mechanisms(ctx({ isSecure: false, transport: 'websocket' })), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  assert.equal(authenticator({ anonymous: false }, false).mechanisms(ctx({ isSecure: false })), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
});

test('the guest domain offers ANONYMOUS only, case-insensitively', () => {
  const a = authenticator({ anonymous: false });
  assert.equal(a.mechanisms(ctx({ domain: GUEST })), ['ANONYMOUS']);
  assert.equal(a.mechanisms(ctx({ domain: GUEST.toUpperCase() })), ['ANONYMOUS']);
  assert.is(a.start('PLAIN', ctx({ domain: GUEST })), undefined);
});

test('JWT on the main domain: ANONYMOUS only, whatever auth.anonymous says', () => {
  assert.equal(authenticator({ anonymous: false, jwt: { enabled: true } }).mechanisms(ctx()), ['ANONYMOUS']);
  assert.equal(authenticator({ anonymous: true, jwt: { enabled: true } }).mechanisms(ctx()), ['ANONYMOUS']);
});

test('start() refuses mechanisms that are not on offer or unknown', () => {
  const a = authenticator({ anonymous: false, localUsers: true });
  assert.is(a.start('ANONYMOUS', ctx()), undefined);
  assert.is(a.start('SCRAM-SHA-256-PLUS', ctx()), undefined);
  assert.is(a.start('DIGEST-MD5', ctx()), undefined);
  assert.is(a.start('scram-sha-256', ctx()), undefined);
  assert.ok(a.start('SCRAM-SHA-1', ctx()));
  assert.ok(a.start('PLAIN', ctx({ isSecure: false })), 'PLAIN starts so it can answer encryption-required');
  assert.is(authenticator({ localUsers: false }).start('PLAIN', ctx({ isSecure: false })), undefined);
});

test.run();
