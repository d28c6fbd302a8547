// The live stream state read from the focus's presence, the start/stop IQ, what a stream may go to.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, child, el, encodeRecordingStatus } from '@plenum/xmpp/codec';
import { RoomLiveStream, liveStreamRequest, liveStreamTarget } from './room-live-stream.ts';

const FOCUS = 'room@conference.plenum.localhost/focus';
const ALICE = 'a1b2c3d4@plenum.localhost/web';
const focusPresence = (...children: El[]): El => el('presence', { from: FOCUS }, ...children);
const resolve = (jid: string) => (jid === ALICE ? { name: 'Alice', isLocal: true } : { name: undefined, isLocal: false });

test('stream-mode statuses only: pending → on → off with a failure; a recording\'s status does not touch it', () => {
  const l = new RoomLiveStream();
  assert.equal(l.view(resolve), { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined });
  assert.not.ok(l.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'on', recordingMode: 'file', sessionId: 's1', initiator: ALICE }))), 'a recording');
  assert.ok(l.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'pending', recordingMode: 'stream', sessionId: 's2', initiator: ALICE }))));
  assert.ok(l.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'on', recordingMode: 'stream', sessionId: 's2', initiator: ALICE }))));
  assert.equal(l.view(resolve), { status: 'on', initiatorName: 'Alice', startedByYou: true, failure: undefined });
  assert.not.ok(l.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'on', recordingMode: 'stream', sessionId: 's2', initiator: ALICE }))), 'a repeat');
  assert.ok(l.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'off', recordingMode: 'stream', sessionId: 's2', failureReason: 'error' }))));
  assert.equal(l.view(resolve), { status: 'off', initiatorName: undefined, startedByYou: false, failure: 'error' });
  assert.not.ok(l.readFocusPresence(focusPresence(el('jibri-recording-status', { xmlns: NS_JIBRI, status: 'live-ish', recording_mode: 'stream' }))), 'malformed');
});

test('the start IQ carries recording_mode="stream" and the streamid; the stop none', () => {
  const start = child(liveStreamRequest(FOCUS, 'start', 'abcd-efgh'), 'jibri', NS_JIBRI);
  assert.equal(start?.attrs, { xmlns: NS_JIBRI, action: 'start', recording_mode: 'stream', streamid: 'abcd-efgh' });
  const stop = child(liveStreamRequest(FOCUS, 'stop'), 'jibri', NS_JIBRI);
  assert.equal(stop?.attrs, { xmlns: NS_JIBRI, action: 'stop', recording_mode: 'stream' });
});

test('a stream goes to a key or an rtmp(s):// URL, nothing else', () => {
  assert.is(liveStreamTarget(' abcd-efgh-ijkl_1.2 '), 'abcd-efgh-ijkl_1.2');
  assert.is(liveStreamTarget('rtmp://127.0.0.1:1935/live/key'), 'rtmp://127.0.0.1:1935/live/key');
  assert.is(liveStreamTarget('RTMPS://a.rtmps.youtube.com/live2/k'), 'RTMPS://a.rtmps.youtube.com/live2/k');
  for (const bad of ['', '   ', 'file:///etc/passwd', 'http://example.org/x', 'key with spaces', '../../x', 'rtmp://', 'javascript:alert(1)', 'k'.repeat(3000)]) {
    assert.is(liveStreamTarget(bad), undefined, JSON.stringify(bad.slice(0, 30)));
  }
});

test.run();
