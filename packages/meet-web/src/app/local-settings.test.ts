import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeyValueStore } from './key-value-store.ts';
import { LocalSettings } from './local-settings.ts';

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

test('recent rooms are newest first, one entry per room whatever its case, at most 8', () => {
  const settings = new LocalSettings(memoryStore());
  for (let i = 0; i < 10; i++) settings.rememberRoom(`room${i}`, 1000 + i);
  settings.rememberRoom('ROOM3', 5000);
  const names = settings.recentRooms().map((r) => r.name);
  assert.equal(names, ['ROOM3', 'room9', 'room8', 'room7', 'room6', 'room5', 'room4', 'room2']);
  settings.forgetRoom('room9');
  assert.not.ok(settings.recentRooms().some((r) => r.name === 'room9'));
});

test('what another settings object wrote is read back (it lives in the store)', () => {
  const store = memoryStore();
  new LocalSettings(store).setDisplayName('  Alice ');
  new LocalSettings(store).rememberRoom('Standup', 1);
  const again = new LocalSettings(store);
  assert.is(again.displayName(), 'Alice');
  assert.equal(again.recentRooms(), [{ name: 'Standup', lastJoinedAt: 1 }]);
});

test('garbage under our keys reads as nothing and is overwritten', () => {
  const store = memoryStore();
  store.data.set('plenum.recentRooms', '{not json');
  const settings = new LocalSettings(store);
  assert.equal(settings.recentRooms(), []);
  store.data.set('plenum.recentRooms', JSON.stringify([{ name: 5 }, null, { name: 'ok', lastJoinedAt: 2 }, { name: 'x', lastJoinedAt: 'y' }]));
  assert.equal(settings.recentRooms(), [{ name: 'ok', lastJoinedAt: 2 }]);
  settings.rememberRoom('new', 3);
  assert.equal(settings.recentRooms().map((r) => r.name), ['new', 'ok']);
});

test('a store that throws (blocked storage) or none at all never breaks the app', () => {
  const hostile: KeyValueStore = {
    getItem: () => { throw new Error('SecurityError'); },
    setItem: () => { throw new Error('QuotaExceededError'); },
  };
  for (const settings of [new LocalSettings(hostile), new LocalSettings(undefined)]) {
    settings.rememberRoom('a', 1);
    settings.setDisplayName('Bob');
    assert.equal(settings.recentRooms(), []);
    assert.is(settings.displayName(), '');
  }
});

test.run();
