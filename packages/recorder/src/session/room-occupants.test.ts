import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { el } from '@plenum/xmpp/codec';
import { RoomOccupants, decodeSourceInfo } from './room-occupants.ts';

const presence = (...children: ReturnType<typeof el>[]): ReturnType<typeof el> => el('presence', {}, ...children);
const nick = (name: string): ReturnType<typeof el> => el('nick', { xmlns: 'http://jabber.org/protocol/nick' }, name);
const info = (json: string): ReturnType<typeof el> => el('SourceInfo', {}, json);

test('names and source states come from presence; a change is reported, a repeat is not', () => {
  const room = new RoomOccupants();
  assert.ok(room.update('ep1', presence(nick('Ada'), info('{"ep1-v0":{"muted":true,"videoType":"camera"},"ep1-v1":{"muted":false,"videoType":"desktop"}}'))));
  assert.is(room.nameOf('ep1'), 'Ada');
  assert.equal(room.sourceState('ep1', 'ep1-v0'), { isMuted: true, videoType: 'camera' });
  assert.equal(room.sourceState('ep1', 'ep1-v1'), { isMuted: false, videoType: 'desktop' });
  assert.not.ok(room.update('ep1', presence(nick('Ada'), info('{"ep1-v0":{"muted":true,"videoType":"camera"},"ep1-v1":{"muted":false,"videoType":"desktop"}}'))), 'nothing changed');
  assert.ok(room.update('ep1', presence(info('{"ep1-v0":{"muted":false}}'))), 'camera back on');
  assert.is(room.nameOf('ep1'), 'Ada', 'a presence without a nick keeps the name');
  assert.ok(room.remove('ep1'));
  assert.is(room.nameOf('ep1'), '');
});

test('a malformed or oversized SourceInfo is ignored: the previous state stays', () => {
  assert.is(decodeSourceInfo('{not json'), undefined);
  assert.is(decodeSourceInfo('[1,2]'), undefined);
  assert.is(decodeSourceInfo(`{"a":"${'x'.repeat(20_000)}"}`), undefined);
  assert.equal([...(decodeSourceInfo('{"a":1,"b":{"muted":"yes"}}') ?? [])], [['b', { isMuted: false, videoType: undefined }]]);
  const room = new RoomOccupants();
  room.update('ep1', presence(info('{"ep1-v0":{"muted":true}}')));
  room.update('ep1', presence(info('{broken')));
  assert.is(room.sourceState('ep1', 'ep1-v0')?.isMuted, true);
});

test.run();
