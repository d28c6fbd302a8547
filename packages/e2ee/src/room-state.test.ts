import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOM_E2EE_OFF, changedRoomE2ee, mergeRoomE2ee, readRoomE2ee, writeRoomE2ee } from './room-state.ts';

test('a late joiner adopts the room state any occupant echoes; only a moderator turns it off', () => {
  const on = { on: true, at: 1000 };
  assert.equal(mergeRoomE2ee(ROOM_E2EE_OFF, on, false), on, 'ON from an ordinary participant is taken');
  const off = { on: false, at: 2000 };
  assert.equal(mergeRoomE2ee(on, off, false), on, 'OFF from a non-moderator is ignored');
  assert.equal(mergeRoomE2ee(on, off, true), off, 'OFF from a moderator is taken');
  assert.equal(mergeRoomE2ee(off, { on: true, at: 1500 }, true), off, 'an older change loses');
  assert.equal(changedRoomE2ee({ on: true, at: 5000 }, false, 10).at, 5001, 'a local change is later than what was seen');
});

test('the presence value round-trips; malformed values are no value', () => {
  assert.equal(readRoomE2ee(writeRoomE2ee({ on: true, at: 42 })), { on: true, at: 42 });
  for (const bad of ['', 'on', '{"on":"yes","at":1}', '{"on":true}', '{"on":true,"at":-1}', `{"on":true,"at":1,"x":"${'a'.repeat(300)}"}`]) assert.is(readRoomE2ee(bad), undefined, bad);
});

test.run();
