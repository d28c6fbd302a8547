import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXml, serialize } from '../xml/index.ts';
import type { El } from '../xml/index.ts';
import {
  decodeJigasiStats, decodeRayoDial, decodeRayoRef, encodeJigasiStats, encodeRayoDial, encodeRayoHangup, encodeRayoRef, isRayoHangup,
} from './index.ts';

// Fixtures written from protocols.md §7 (the dial IQ lib-jitsi-meet sends, jigasi's answer and presence).
const xml = (s: string): El => {
  const r = parseXml(s);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

test('a client\'s dial decodes to, from and the JvbRoomName/JvbRoomPassword headers', () => {
  const r = decodeRayoDial(xml('<dial xmlns="urn:xmpp:rayo:1" to="sip:+15550100@trunk.example" from="fromnumber">'
    + '<header name="JvbRoomName" value="standup@conference.plenum.localhost"/><header name="JvbRoomPassword" value="s3cret"/></dial>'));
  assert.ok(r.ok);
  assert.equal(r.value, { to: 'sip:+15550100@trunk.example', from: 'fromnumber', headers: { JvbRoomName: 'standup@conference.plenum.localhost', JvbRoomPassword: 's3cret' } });
});

test('a dial round-trips through the wire form; a missing from reads as empty', () => {
  const dial = { to: '+15550100', from: '', headers: { JvbRoomName: 'a@conference.x' } };
  const wire = serialize(encodeRayoDial(dial));
  assert.match(wire, '<dial xmlns="urn:xmpp:rayo:1" to="+15550100"');
  assert.match(wire, '<header name="JvbRoomName" value="a@conference.x"/>');
  const back = decodeRayoDial(xml(wire));
  assert.ok(back.ok);
  assert.equal(back.value, dial);
});

test('hostile dials get typed errors: no to, wrong namespace, duplicate or nameless headers, too many headers', () => {
  const cases: Array<[string, string]> = [
    ['<dial xmlns="urn:xmpp:rayo:1" from="x"/>', 'rayo/bad-attribute'],
    ['<dial xmlns="urn:xmpp:rayo:0" to="1"/>', 'rayo/unexpected-element'],
    ['<dial xmlns="urn:xmpp:rayo:1" to="1"><header name="JvbRoomName" value="a"/><header name="JvbRoomName" value="b"/></dial>', 'rayo/bad-attribute'],
    ['<dial xmlns="urn:xmpp:rayo:1" to="1"><header value="a"/></dial>', 'rayo/bad-attribute'],
    [`<dial xmlns="urn:xmpp:rayo:1" to="1">${Array.from({ length: 20 }, (_, i) => `<header name="h${i}" value="v"/>`).join('')}</dial>`, 'rayo/too-large'],
    [`<dial xmlns="urn:xmpp:rayo:1" to="${'9'.repeat(5000)}"/>`, 'rayo/too-large'],
  ];
  for (const [stanza, code] of cases) {
    const r = decodeRayoDial(xml(stanza));
    assert.ok(!r.ok, stanza.slice(0, 60));
    assert.is(r.error.code, code);
  }
  const proto = decodeRayoDial(xml('<dial xmlns="urn:xmpp:rayo:1" to="1"><header name="__proto__" value="x"/></dial>'));
  assert.ok(proto.ok);
  assert.is(Object.getPrototypeOf(proto.value.headers), Object.prototype);
  assert.is(Object.getOwnPropertyDescriptor(proto.value.headers, '__proto__')?.value, 'x');
});

test('the gateway\'s ref round-trips; a ref without uri is refused', () => {
  const wire = serialize(encodeRayoRef({ uri: 'xmpp:standup@conference.plenum.localhost/3f2a9c01' }));
  assert.is(wire, '<ref xmlns="urn:xmpp:rayo:1" uri="xmpp:standup@conference.plenum.localhost/3f2a9c01"/>');
  const back = decodeRayoRef(xml(wire));
  assert.ok(back.ok);
  assert.is(back.value.uri, 'xmpp:standup@conference.plenum.localhost/3f2a9c01');
  const none = decodeRayoRef(xml('<ref xmlns="urn:xmpp:rayo:1"/>'));
  assert.ok(!none.ok);
  assert.is(none.error.code, 'rayo/bad-attribute');
});

test('hangup is recognised only in the Rayo namespace', () => {
  assert.is(serialize(encodeRayoHangup()), '<hangup xmlns="urn:xmpp:rayo:1"/>');
  assert.ok(isRayoHangup(xml('<hangup xmlns="urn:xmpp:rayo:1"/>')));
  assert.not.ok(isRayoHangup(xml('<hangup xmlns="urn:other"/>')));
  assert.not.ok(isRayoHangup(undefined));
});

test('a gateway\'s brewery stats decode and round-trip; bad values are refused', () => {
  const p = xml('<presence from="jigasibrewery@internal.plenum.localhost/gw1"><stats xmlns="http://jitsi.org/protocol/colibri">'
    + '<stat name="supports_sip" value="true"/><stat name="participants" value="3"/><stat name="graceful_shutdown" value="false"/><stat name="region" value="eu"/></stats></presence>');
  const r = decodeJigasiStats(p);
  assert.ok(r.ok);
  assert.equal(r.value, { supportsSip: true, supportsTranscription: false, gracefulShutdown: false, participants: 3, region: 'eu' });
  const s = { supportsSip: true, supportsTranscription: false, gracefulShutdown: true, participants: 0 };
  const back = decodeJigasiStats(xml(`<presence>${serialize(encodeJigasiStats(s))}</presence>`));
  assert.ok(back.ok);
  assert.equal(back.value, s);
  const none = decodeJigasiStats(xml('<presence/>'));
  assert.ok(none.ok);
  assert.is(none.value, undefined);
  const broken = decodeJigasiStats(xml('<presence><stats xmlns="http://jitsi.org/protocol/colibri"><stat name="participants" value="-1"/></stats></presence>'));
  assert.ok(!broken.ok);
  const flag = decodeJigasiStats(xml('<presence><stats xmlns="http://jitsi.org/protocol/colibri"><stat name="supports_sip" value="yes"/></stats></presence>'));
  assert.ok(!flag.ok);
});

test.run();
