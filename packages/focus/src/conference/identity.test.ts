import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jid } from '@plenum/xmpp/codec';
import { classifyIdentity, isAuthenticated, tokenAllowsRoom, TokenBindings } from './identity.ts';

const jid = (local: string, domain: string, resource = 'r'): Jid => ({ local, domain, resource });
const domains = { main: 'plenum.localhost', guest: 'guest.plenum.localhost' };
const token = { room: '*', userId: 'u1', isModerator: true, expiresAtMs: 10_000 };

const test = suite('identity');
test('classifies by domain, node shape and bound token', () => {
  assert.equal(classifyIdentity(jid('alice', 'plenum.localhost'), undefined, domains), { kind: 'account', username: 'alice' });
  assert.equal(classifyIdentity(jid('0f8e3c1a-7d2b-4e5f-9a6b-1c2d3e4f5a6b', 'plenum.localhost'), undefined, domains), { kind: 'anonymous' });
  assert.equal(classifyIdentity(jid('bob', 'guest.plenum.localhost'), undefined, domains), { kind: 'anonymous' });
  assert.equal(classifyIdentity(jid('', 'recorder.example'), undefined, domains), { kind: 'anonymous' });
  assert.equal(classifyIdentity(jid('0f8e3c1a-7d2b-4e5f-9a6b-1c2d3e4f5a6b', 'plenum.localhost'), token, domains), { kind: 'token', userId: 'u1', isModerator: true });
  assert.ok(isAuthenticated({ kind: 'account', username: 'a' }) && !isAuthenticated({ kind: 'anonymous' }));
});
test('token room claims: * or the node, case-insensitive', () => {
  assert.ok(tokenAllowsRoom(token, 'standup'));
  assert.ok(tokenAllowsRoom({ ...token, room: 'StandUp' }, 'standup'));
  assert.not.ok(tokenAllowsRoom({ ...token, room: 'other' }, 'standup'));
});
test('bindings expire and are bounded', () => {
  const b = new TokenBindings(2);
  b.bind('a@d/1', token);
  b.bind('b@d/1', token);
  b.bind('c@d/1', token);
  assert.is(b.get('a@d/1', 0), undefined, 'the oldest went');
  assert.ok(b.get('c@d/1', 9_999));
  assert.is(b.get('c@d/1', 10_000), undefined, 'expired at exp');
  assert.is(b.size, 1);
});
test.run();
