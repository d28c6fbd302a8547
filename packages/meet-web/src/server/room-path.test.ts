// Which paths name a room (Jitsi's rule: letters, digits, `-`, `_`, `.`; case-insensitive).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_ROOM_NAME_LENGTH, roomFromPath } from './room-path.ts';

const cases: [path: string, room: string | undefined][] = [
  ['/some-room', 'some-room'],
  ['/WeeklySync', 'weeklysync'],
  ['/team.weekly_2', 'team.weekly_2'],
  [`/${'a'.repeat(MAX_ROOM_NAME_LENGTH)}`, 'a'.repeat(MAX_ROOM_NAME_LENGTH)],
  [`/${'a'.repeat(MAX_ROOM_NAME_LENGTH + 1)}`, undefined],
  ['/', undefined],
  ['/.', undefined],
  ['/..', undefined],
  ['/a/b', undefined],
  ['/room/', undefined],
  ['/bad%20room', undefined],
  ['/caf%C3%A9', undefined],
  ['/café', undefined],
  ['/a b', undefined],
  ['/a@b', undefined],
  ['/a:b', undefined],
  ['room', undefined],
];

for (const [path, room] of cases) {
  test(`${path.length > 40 ? `${path.slice(0, 20)}… (${path.length - 1} chars)` : path} → ${room === undefined ? 'no room' : room.slice(0, 20)}`, () => {
    assert.is(roomFromPath(path), room);
  });
}

test.run();
