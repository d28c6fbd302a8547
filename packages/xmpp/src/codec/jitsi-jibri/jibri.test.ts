import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXml, serialize } from '../xml/index.ts';
import type { El } from '../xml/index.ts';
import {
  decodeJibriIq, decodeJibriStatus, decodeRecordingStatus, encodeJibriIq, encodeJibriStatus, encodeRecordingStatus,
} from './index.ts';

// Fixtures written from protocols.md §6 (attribute names as Jicofo/Jibri put them on the wire).
const xml = (s: string): El => {
  const r = parseXml(s);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

test('a moderator\'s file start request decodes with the wire attribute names', () => {
  const r = decodeJibriIq(xml('<jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="file" app_data=\'{"file_recording_metadata":{"share":true}}\'/>'));
  assert.ok(r.ok);
  assert.equal(r.value, { action: 'start', recordingMode: 'file', appData: '{"file_recording_metadata":{"share":true}}' });
});

test('a stream start keeps streamid and the YouTube broadcast id', () => {
  const r = decodeJibriIq(xml('<jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="stream" streamid="abcd-1234" you_tube_broadcast_id="b1"/>'));
  assert.ok(r.ok);
  assert.equal(r.value, { action: 'start', recordingMode: 'stream', streamId: 'abcd-1234', youTubeBroadcastId: 'b1' });
});

test('the focus\'s start to a recorder round-trips: room, session_id, displayname', () => {
  const start = { action: 'start', recordingMode: 'file', room: 'standup@conference.plenum.localhost', sessionId: 's1', displayName: 'Rec' } as const;
  const wire = serialize(encodeJibriIq(start));
  assert.match(wire, 'session_id="s1"');
  assert.match(wire, 'recording_mode="file"');
  assert.match(wire, 'displayname="Rec"');
  const back = decodeJibriIq(xml(wire));
  assert.ok(back.ok);
  assert.equal(back.value, start);
});

test('a recorder\'s status report decodes status, failure_reason and should_retry', () => {
  const r = decodeJibriIq(xml('<jibri xmlns="http://jitsi.org/protocol/jibri" status="off" failure_reason="error" should_retry="false" session_id="s1"/>'));
  assert.ok(r.ok);
  assert.equal(r.value, { sessionId: 's1', status: 'off', failureReason: 'error', shouldRetry: false });
});

test('a final status may carry Plenum\'s recording-link extension', () => {
  const off = { sessionId: 's1', status: 'off', downloadUrl: 'https://rec.example/recordings/abc/' } as const;
  const wire = serialize(encodeJibriIq(off));
  assert.match(wire, '<recording-link xmlns="urn:plenum:recording:0" url="https://rec.example/recordings/abc/"/>');
  const back = decodeJibriIq(xml(wire));
  assert.ok(back.ok);
  assert.equal(back.value, off);
});

test('bad actions, modes and the wrong element are refused with typed errors', () => {
  const bad = decodeJibriIq(xml('<jibri xmlns="http://jitsi.org/protocol/jibri" action="pause"/>'));
  assert.ok(!bad.ok);
  assert.is(bad.error.code, 'jibri/bad-attribute');
  const mode = decodeJibriIq(xml('<jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="tape"/>'));
  assert.ok(!mode.ok);
  const other = decodeJibriIq(xml('<jibri xmlns="urn:other"/>'));
  assert.ok(!other.ok);
  assert.is(other.error.code, 'jibri/unexpected-element');
});

test('the brewery presence of a recorder: idle/busy and health', () => {
  const p = xml('<presence from="jibribrewery@internal.plenum.localhost/rec1"><jibri-status xmlns="http://jitsi.org/protocol/jibri"><busy-status status="idle"/><health-status xmlns="http://jitsi.org/protocol/health" status="healthy"/></jibri-status></presence>');
  const r = decodeJibriStatus(p);
  assert.ok(r.ok);
  assert.equal(r.value, { busy: 'idle', health: 'healthy' });
  const encoded = xml(serialize(xml(`<presence>${serialize(encodeJibriStatus({ busy: 'busy', health: 'unhealthy' }))}</presence>`)));
  const back = decodeJibriStatus(encoded);
  assert.ok(back.ok);
  assert.equal(back.value, { busy: 'busy', health: 'unhealthy' });
  const none = decodeJibriStatus(xml('<presence/>'));
  assert.ok(none.ok);
  assert.is(none.value, undefined);
  const broken = decodeJibriStatus(xml('<presence><jibri-status xmlns="http://jitsi.org/protocol/jibri"><busy-status status="sleepy"/></jibri-status></presence>'));
  assert.ok(!broken.ok);
});

test('jibri-recording-status in the focus presence round-trips with initiator and failure', () => {
  const s = { status: 'off', recordingMode: 'file', sessionId: 's1', initiator: 'alice@plenum.localhost/x', failureReason: 'error' } as const;
  const wire = serialize(encodeRecordingStatus(s));
  assert.match(wire, '<jibri-recording-status xmlns="http://jitsi.org/protocol/jibri" status="off" recording_mode="file" session_id="s1"');
  const back = decodeRecordingStatus(xml(`<presence>${wire}</presence>`));
  assert.ok(back.ok);
  assert.equal(back.value, s);
});

test.run();
