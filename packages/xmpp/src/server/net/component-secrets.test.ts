import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ComponentSecrets } from './component-secrets.ts';

test('exact domains and one-label wildcards', () => {
  const s = new ComponentSecrets(['focus.plenum.localhost=f', '*.bridge.plenum.localhost=b']);
  assert.is(s.secretFor('focus.plenum.localhost'), 'f');
  assert.is(s.secretFor('jvb-1.bridge.plenum.localhost'), 'b');
  assert.is(s.secretFor('bridge.plenum.localhost'), undefined, 'the wildcard does not cover its parent');
  assert.is(s.secretFor('a.b.bridge.plenum.localhost'), undefined, 'only one label deep');
  assert.is(s.secretFor('other.plenum.localhost'), undefined);
  assert.ok(s.isComponentDomain('x.bridge.plenum.localhost'));
});

test('malformed entries stop start-up with a clear message', () => {
  assert.throws(() => new ComponentSecrets(['no-equals-sign']), /domain=secret/);
  assert.throws(() => new ComponentSecrets(['empty.secret=']), /domain=secret/);
});

test.run();
