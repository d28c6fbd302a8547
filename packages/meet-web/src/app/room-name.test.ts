import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanRoomName, suggestRoomName } from './room-name.ts';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('suggestions are four capitalised words, letters only, and vary', () => {
  const random = seeded(7);
  const names = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const name = suggestRoomName(random);
    assert.match(name, /^([A-Z][a-z]+){4}$/);
    assert.is(cleanRoomName(name), name);
    names.add(name);
  }
  assert.ok(names.size > 45, `only ${names.size} distinct names in 50`);
});

test('the extremes of the random source still give a name', () => {
  assert.match(suggestRoomName(() => 0), /^([A-Z][a-z]+){4}$/);
  assert.match(suggestRoomName(() => 0.9999999999), /^([A-Z][a-z]+){4}$/);
});

test('typed names lose characters a room or a path cannot carry', () => {
  assert.is(cleanRoomName('  Team standup  '), 'Teamstandup');
  assert.is(cleanRoomName('a/b?c#d@e:f"g\'h&i<j>k%l\\m'), 'abcdefghijklm');
  assert.is(cleanRoomName('Café-Ü_1.2'), 'Caf-_1.2');
  assert.is(cleanRoomName('..'), undefined);
  assert.is(cleanRoomName(' / ? '), undefined);
  assert.is(cleanRoomName('x'.repeat(100))?.length, 64);
});

test.run();
