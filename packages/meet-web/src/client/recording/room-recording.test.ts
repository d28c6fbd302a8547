// The recording state read from the focus's presence, and the focus's refusals as the user reads them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_JIBRI, el, encodeRecordingStatus } from '@plenum/xmpp/codec';
import { XmppError } from '../xmpp/xmpp-connection.ts';
import { RoomRecording, recordingRefusal, recordingRequest } from './room-recording.ts';

const FOCUS = 'room@conference.plenum.localhost/focus';
const ALICE = 'a1b2c3d4@plenum.localhost/web';
const focusPresence = (...children: El[]): El => el('presence', { from: FOCUS }, ...children);
const resolve = (jid: string) => (jid === ALICE ? { name: 'Alice', isLocal: false } : { name: undefined, isLocal: false });

test('pending → on → off as the focus announces it, with who started it; other presences change nothing', () => {
  const r = new RoomRecording();
  assert.equal(r.view(resolve), { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined });
  assert.not.ok(r.readFocusPresence(focusPresence(el('nick', {}, 'focus'))), 'a presence without the extension');
  assert.ok(r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'pending', recordingMode: 'file', sessionId: 's1', initiator: ALICE }))));
  assert.equal(r.view(resolve), { status: 'pending', initiatorName: 'Alice', startedByYou: false, failure: undefined, downloadUrl: undefined });
  assert.ok(r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'on', recordingMode: 'file', sessionId: 's1', initiator: ALICE }))));
  assert.not.ok(r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'on', recordingMode: 'file', sessionId: 's1', initiator: ALICE }))), 'a repeat is no change');
  assert.is(r.view(resolve).status, 'on');
  assert.not.ok(r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'off', recordingMode: 'stream', sessionId: 's9' }))), 'live streaming does not touch the recording');
  assert.ok(r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'off', recordingMode: 'file', sessionId: 's1', initiator: ALICE, failureReason: 'error' }))));
  assert.equal(r.view(resolve), { status: 'off', initiatorName: undefined, startedByYou: false, failure: 'error', downloadUrl: undefined });
});

test('a malformed status from the wire is ignored', () => {
  const r = new RoomRecording();
  assert.not.ok(r.readFocusPresence(focusPresence(el('jibri-recording-status', { xmlns: NS_JIBRI, status: 'recording-maybe' }))));
  assert.not.ok(r.readFocusPresence(focusPresence(el('jibri-recording-status', { xmlns: NS_JIBRI }))));
  assert.is(r.view(resolve).status, 'off');
});

test("the download link of a recording we started comes in the focus's private json-message; only web links", () => {
  const r = new RoomRecording();
  const message = (json: string, type = 'chat'): El => el('message', { from: FOCUS, type }, el('json-message', { xmlns: 'http://jitsi.org/jitmeet' }, json));
  assert.not.ok(r.readLinkMessage(message(JSON.stringify({ type: 'recording-link', url: 'javascript:alert(1)' }))));
  assert.not.ok(r.readLinkMessage(message('{not json')));
  assert.not.ok(r.readLinkMessage(message(JSON.stringify({ type: 'lobby-notify', url: 'https://x' }))));
  assert.not.ok(r.readLinkMessage(message(JSON.stringify({ type: 'recording-link', url: 'https://x' }), 'groupchat')), 'never from the room');
  assert.is(r.view(resolve).downloadUrl, undefined);
  assert.ok(r.readLinkMessage(message(JSON.stringify({ type: 'recording-link', url: 'https://meet.example/recordings/s1?token=abc', sessionId: 's1' }))));
  assert.is(r.view(resolve).downloadUrl, 'https://meet.example/recordings/s1?token=abc');
  r.readFocusPresence(focusPresence(encodeRecordingStatus({ status: 'pending', recordingMode: 'file', sessionId: 's2', initiator: ALICE })));
  assert.is(r.view(resolve).downloadUrl, undefined, 'a new recording replaces the old link');
});

test('the request is a file-mode jibri IQ to the focus occupant', () => {
  const iq = recordingRequest(FOCUS, 'start');
  assert.is(iq.attrs.to, FOCUS);
  assert.is(iq.attrs.type, 'set');
  const jibri = iq.children[0] as El;
  assert.equal([jibri.name, jibri.attrs.xmlns, jibri.attrs.action, jibri.attrs.recording_mode], ['jibri', NS_JIBRI, 'start', 'file']);
});

test("the focus's refusals become codes and sentences for the user", () => {
  const reply = (condition: string): XmppError => new XmppError('xmpp/error-reply', `error reply: ${condition}`, {
    cause: el('iq', { type: 'error' }, el('error', { type: 'cancel' }, el(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
  });
  assert.equal(recordingRefusal(reply('forbidden'), 'start'), { code: 'not-allowed', message: 'Only moderators can start the recording.' });
  assert.equal(recordingRefusal(reply('service-unavailable'), 'start'), { code: 'unavailable', message: 'Recording is not available: no recorder runs on this server.' });
  assert.equal(recordingRefusal(reply('resource-constraint'), 'start'), { code: 'busy', message: 'All recorders are busy. Try again in a few minutes.' });
  assert.is(recordingRefusal(new Error('timeout'), 'stop').code, 'failed');
});

test.run();
