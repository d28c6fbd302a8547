import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConferenceSnapshot, ParticipantView } from '../client/conference-api.ts';
import { bestGrid, effectiveMode, stageItem, tileItems, wantedHeight } from './stage-layout.ts';

function person(id: string, extra: Partial<ParticipantView> = {}): ParticipantView {
  return {
    id, isLocal: false, displayName: id, role: 'participant', audioMuted: false, videoMuted: false, handRaisedAt: undefined,
    screenSharing: false, isPhone: false, connectionQuality: 'good', audioStream: undefined, cameraStream: undefined,
    screenStream: undefined, cameraSourceName: `${id}-v0`, screenSourceName: undefined, ...extra,
  };
}

function snapshot(participants: ParticipantView[], dominantSpeaker?: string): ConferenceSnapshot {
  return {
    state: 'joined', error: undefined, participants, dominantSpeaker, mediaPath: 'bridge',
    room: { name: 'r', locked: false, lobbyEnabled: false, meetingId: 'm', lobbyWaiting: [], waiting: undefined, justCreated: false,
      recording: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined }, phoneCalls: [] },
  };
}

test('screen shares are extra tiles and switch to speaker view unless the user chose', () => {
  const people = [person('me', { isLocal: true }), person('bob', { screenSharing: true }), person('cy')];
  assert.equal(tileItems(people).map((i) => i.key), ['me:camera', 'bob:camera', 'cy:camera', 'bob:screen']);
  assert.is(effectiveMode(undefined, snapshot(people)), 'speaker');
  assert.is(effectiveMode('tile', snapshot(people)), 'tile');
  assert.is(effectiveMode(undefined, snapshot([person('me', { isLocal: true })])), 'tile');
});

test('the stage shows a remote share, else pinned, else the dominant speaker, never ourselves first', () => {
  const me = person('me', { isLocal: true });
  const people = [me, person('bob'), person('cy')];
  const items = tileItems(people);
  assert.is(stageItem(items, snapshot(people, 'cy'), undefined)?.key, 'cy:camera');
  assert.is(stageItem(items, snapshot(people, 'cy'), 'bob')?.key, 'bob:camera');
  assert.is(stageItem(items, snapshot(people, 'me'), undefined)?.key, 'bob:camera');
  const sharing = [me, person('bob'), person('cy', { screenSharing: true })];
  assert.is(stageItem(tileItems(sharing), snapshot(sharing, 'bob'), 'bob')?.key, 'cy:screen');
  assert.is(stageItem(tileItems([me]), snapshot([me]), undefined)?.key, 'me:camera');
});

test('the grid fills a wide screen in rows and a phone in a column', () => {
  assert.equal(bestGrid(3, 1280, 680, 8), { columns: 2, tileWidth: 597, tileHeight: 336 });
  assert.equal(bestGrid(4, 1280, 680, 8).columns, 2);
  assert.equal(bestGrid(3, 374, 660, 8).columns, 1);
  assert.equal(bestGrid(9, 1280, 680, 8).columns, 3);
  assert.equal(bestGrid(0, 100, 100, 8), { columns: 1, tileWidth: 0, tileHeight: 0 });
});

test('small tiles ask for the low simulcast layer, large ones for the high', () => {
  assert.is(wantedHeight(120, 1), 180);
  assert.is(wantedHeight(120, 2), 360);
  assert.is(wantedHeight(600, 1), 720);
});

test.run();
