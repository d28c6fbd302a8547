// What an occupant's presence says about its kind: a recorder (hidden by the core), a phone caller
// (a phone instead of a camera), with a gateway's call progress and legacy mute state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { el } from '@plenum/xmpp/codec';
import { FEATURE_PHONE, FEATURE_RECORDER, readOccupantPresence } from './presence.ts';

const ROOM = 'room@conference.plenum.localhost';
const features = (...vars: string[]) => el('features', {}, ...vars.map((v) => el('feature', { var: v })));

test('recorder and phone features, call progress and legacy <audiomuted> read from presence', () => {
  const recorder = readOccupantPresence(el('presence', { from: `${ROOM}/recorder` }, features(FEATURE_RECORDER)));
  assert.equal(recorder?.features, [FEATURE_RECORDER]);
  const phone = readOccupantPresence(el('presence', { from: `${ROOM}/sip-1` }, features(FEATURE_PHONE), el('status', {}, 'Ringing'), el('audiomuted', {}, 'true')));
  assert.equal([phone?.features, phone?.statusText, phone?.legacyAudioMuted], [[FEATURE_PHONE], 'Ringing', true]);
  const browser = readOccupantPresence(el('presence', { from: `${ROOM}/a1b2c3d4` }));
  assert.equal([browser?.features, browser?.statusText, browser?.legacyAudioMuted], [[], '', undefined]);
});

test('a flood of features or a huge status is bounded', () => {
  const many = Array.from({ length: 1000 }, (_, i) => `urn:x:${i}`);
  const p = readOccupantPresence(el('presence', { from: `${ROOM}/x` }, features(...many), el('status', {}, 'R'.repeat(10_000))));
  assert.is(p?.features.length, 32);
  assert.is(p?.statusText.length, 64);
});

test.run();
