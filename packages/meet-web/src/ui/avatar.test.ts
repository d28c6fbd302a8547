import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { avatarColour, initials } from './avatar.ts';
import { formatDuration } from './format-duration.ts';

test('initials take the first and last word, whatever the spacing or script', () => {
  assert.is(initials('Ada Lovelace'), 'AL');
  assert.is(initials('  grace  brewster murray hopper '), 'GH');
  assert.is(initials('Zoë'), 'Z');
  assert.is(initials('Émile Zola'), 'ÉZ');
  assert.is(initials('😀 Smile'), '😀S');
  assert.is(initials(''), '?');
});

test('the same name always gets the same avatar colour', () => {
  assert.is(avatarColour('Bob'), avatarColour('Bob'));
  assert.match(avatarColour('Bob'), /^#[0-9a-f]{6}$/);
  assert.ok(new Set(['Ann', 'Bob', 'Cy', 'Dee', 'Eve', 'Flo'].map(avatarColour)).size > 2);
});

test('speaking times read as m:ss, or h:mm:ss past an hour', () => {
  assert.is(formatDuration(0), '0:00');
  assert.is(formatDuration(65_400), '1:05');
  assert.is(formatDuration(3_725_000), '1:02:05');
  assert.is(formatDuration(-5), '0:00');
});

test.run();
