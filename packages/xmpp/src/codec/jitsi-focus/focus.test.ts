// Unit tests for the focus codecs (protocols.md §1.1, §8.5, §10): attribute spellings, defaults,
// properties, mute namespaces, start-muted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../xml/index.ts';
import { parseXml, serialize } from '../xml/index.ts';
import {
  NS_FOCUS, NS_JITSI_START_MUTED, NS_MUTE_AUDIO, NS_MUTE_DESKTOP, NS_MUTE_VIDEO, decodeConferenceRequest, decodeConferenceResponse,
  decodeMuteRequest, decodeStartMuted, encodeConferenceRequest, encodeConferenceResponse, encodeMuteRequest, encodeStartMuted,
} from './index.ts';

const xml = (s: string): El => {
  const r = parseXml(s.trim());
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};
const ROOM = 'standup@conference.meet.example.com';

const conference = suite('conference IQ (protocols.md §1.1)');

conference('request: exact attribute spellings on the wire', () => {
  const e = encodeConferenceRequest({ room: ROOM, machineUid: 'm', sessionId: 's', token: 't', properties: { 'visitors-version': '1' } });
  assert.is(serialize(e), `<conference xmlns="${NS_FOCUS}" room="${ROOM}" machine-uid="m" session-id="s" token="t"><property name="visitors-version" value="1"/></conference>`);
});

conference('response: ready as "true"/"false", lower-case focusjid, session-id, identity, vnode', () => {
  const e = encodeConferenceResponse({ room: ROOM, ready: false, focusJid: 'focus@auth.x', sessionId: 's', identity: 'i', vnode: 'v1', properties: {} });
  assert.is(serialize(e), `<conference xmlns="${NS_FOCUS}" room="${ROOM}" ready="false" focusjid="focus@auth.x" session-id="s" identity="i" vnode="v1"/>`);
});

conference('a minimal request; a response without ready reads as not ready; xs:boolean 1/0 accepted', () => {
  assert.equal(decodeConferenceRequest(xml(`<conference xmlns="${NS_FOCUS}" room="${ROOM}"/>`)), { ok: true, value: { room: ROOM, properties: {} } });
  const r = decodeConferenceResponse(xml(`<conference xmlns="${NS_FOCUS}" room="${ROOM}"/>`));
  assert.ok(r.ok && !r.value.ready);
  const one = decodeConferenceResponse(xml(`<conference xmlns="${NS_FOCUS}" room="${ROOM}" ready="1"/>`));
  assert.ok(one.ok && one.value.ready);
});

conference('properties: a later duplicate wins, a missing value is "", "__proto__" is an ordinary name', () => {
  const r = decodeConferenceRequest(xml(`<conference xmlns="${NS_FOCUS}" room="${ROOM}">
    <property name="a" value="1"/><property name="a" value="2"/><property name="b"/><property name="__proto__" value="x"/>
    <property xmlns="urn:other" name="c" value="ignored"/></conference>`));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(Object.keys(r.value.properties), ['a', 'b', '__proto__']);
  assert.is(r.value.properties.a, '2');
  assert.is(r.value.properties.b, '');
  assert.is(Object.getPrototypeOf(r.value.properties), Object.prototype);
  assert.is(encodeConferenceRequest(r.value).children.length, 3);
});

conference('refusals: wrong element or namespace, bad room', () => {
  const code = (s: string): string => {
    const r = decodeConferenceRequest(xml(s));
    return r.ok ? 'ok' : r.error.code;
  };
  assert.is(code(`<conference xmlns="http://jitsi.org/protocol/colibri" room="${ROOM}"/>`), 'focus/unexpected-element');
  assert.is(code(`<conf xmlns="${NS_FOCUS}" room="${ROOM}"/>`), 'focus/unexpected-element');
  assert.is(code(`<conference xmlns="${NS_FOCUS}" room=""/>`), 'focus/bad-room');
  assert.is(code(`<conference xmlns="${NS_FOCUS}" room="conference.meet.example.com"/>`), 'focus/bad-room');
  assert.is(code(`<conference xmlns="${NS_FOCUS}" room="a b@conference.meet.example.com"/>`), 'focus/bad-room');
});

conference.run();

const mute = suite('mute IQ (protocols.md §8.5)');

mute('each of the three namespaces maps to its media and back', () => {
  for (const [ns, media] of [[NS_MUTE_AUDIO, 'audio'], [NS_MUTE_VIDEO, 'video'], [NS_MUTE_DESKTOP, 'desktop']] as const) {
    const r = decodeMuteRequest(xml(`<mute xmlns="${ns}" jid="${ROOM}/ab"> true </mute>`));
    assert.equal(r, { ok: true, value: { media, jid: `${ROOM}/ab`, mute: true } });
    if (r.ok) assert.is(serialize(encodeMuteRequest(r.value)), `<mute xmlns="${ns}" jid="${ROOM}/ab">true</mute>`);
  }
  assert.is(serialize(encodeMuteRequest({ media: 'video', jid: `${ROOM}/ab`, mute: false, actor: `${ROOM}/cd` })),
    `<mute xmlns="${NS_MUTE_VIDEO}" jid="${ROOM}/ab" actor="${ROOM}/cd">false</mute>`);
});

mute('refusals: no text, odd text, bad jid, other element', () => {
  const code = (s: string): string => {
    const r = decodeMuteRequest(xml(s));
    return r.ok ? 'ok' : r.error.code;
  };
  assert.is(code(`<mute xmlns="${NS_MUTE_AUDIO}" jid="${ROOM}/ab"/>`), 'focus/bad-mute');
  assert.is(code(`<mute xmlns="${NS_MUTE_AUDIO}" jid="${ROOM}/ab">TRUE</mute>`), 'focus/bad-mute');
  assert.is(code(`<mute xmlns="${NS_MUTE_AUDIO}" jid="@@">true</mute>`), 'focus/bad-jid');
  assert.is(code(`<mute xmlns="${NS_MUTE_AUDIO}" jid="">true</mute>`), 'focus/missing-jid');
  assert.is(code(`<unmute xmlns="${NS_MUTE_AUDIO}" jid="${ROOM}/ab">true</unmute>`), 'focus/unexpected-element');
  assert.is(code(`<mute jid="${ROOM}/ab">true</mute>`), 'focus/unexpected-element');
});

mute.run();

const startMuted = suite('startmuted (protocols.md §2.2, §8.6)');

startMuted('decode/encode; missing attributes are false; garbage is refused', () => {
  const r = decodeStartMuted(xml(`<startmuted xmlns="${NS_JITSI_START_MUTED}" audio="true"/>`));
  assert.equal(r, { ok: true, value: { audio: true, video: false } });
  assert.is(serialize(encodeStartMuted({ audio: true, video: false })), `<startmuted xmlns="${NS_JITSI_START_MUTED}" audio="true" video="false"/>`);
  const bad = decodeStartMuted(xml(`<startmuted xmlns="${NS_JITSI_START_MUTED}" audio="loud"/>`));
  assert.is(bad.ok ? 'ok' : bad.error.code, 'focus/bad-attribute');
  const other = decodeStartMuted(xml('<startmuted audio="true"/>'));
  assert.is(other.ok ? 'ok' : other.error.code, 'focus/unexpected-element');
});

startMuted.run();
