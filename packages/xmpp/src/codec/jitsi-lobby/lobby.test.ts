// Jitsi lobby wire elements (protocols.md §8.4): lobby-notify json-messages round-trip and refuse
// bad input without throwing; the <lobbyroom> reference is read the way lib-jitsi-meet reads it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXml, serialize } from '../xml/index.ts';
import type { El } from '../xml/index.ts';
import type { LobbyNotify } from './lobby.ts';
import { decodeLobbyNotify, decodeLobbyRoomRef, encodeDisplayNameRequired, encodeLobbyNotify, encodeLobbyRoomRef } from './lobby.ts';

const NS = 'http://jitsi.org/jitmeet';

function parse(xml: string): El {
  const r = parseXml(xml);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
}

test('every lobby notice round-trips and carries type lobby-notify', () => {
  const notices: LobbyNotify[] = [
    { event: 'LOBBY-ENABLED', value: true },
    { event: 'LOBBY-ENABLED', value: false },
    { event: 'LOBBY-ACCESS-GRANTED', value: 'c4r01', name: 'Carol' },
    { event: 'LOBBY-ACCESS-DENIED', value: 'd4v3' },
  ];
  for (const n of notices) {
    const encoded = encodeLobbyNotify(n);
    assert.is(encoded.attrs.xmlns, NS);
    assert.is((JSON.parse(encoded.children[0] as string) as { type: string }).type, 'lobby-notify');
    assert.equal(decodeLobbyNotify(parse(serialize(encoded))), { ok: true, value: n });
  }
});

test('a notice as Prosody sends it (keys in any order) is read', () => {
  const wire = parse(`<json-message xmlns='${NS}'>{"value":"abcd","event":"LOBBY-ACCESS-DENIED","name":"Dave","type":"lobby-notify"}</json-message>`);
  assert.equal(decodeLobbyNotify(wire), { ok: true, value: { event: 'LOBBY-ACCESS-DENIED', value: 'abcd', name: 'Dave' } });
});

test('other json-messages and malformed ones are typed errors', () => {
  const cases: [string, string][] = [
    [`<json-message xmlns='${NS}'>{"type":"polls"}</json-message>`, 'lobby/not-lobby-notify'],
    [`<json-message xmlns='${NS}'>{"type":"lobby-notify","event":"LOBBY-EXPLODED"}</json-message>`, 'lobby/not-lobby-notify'],
    [`<json-message xmlns='${NS}'>{"type":"lobby-notify","event":"LOBBY-ENABLED","value":"yes"}</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='${NS}'>{"type":"lobby-notify","event":"LOBBY-ACCESS-GRANTED","value":7}</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='${NS}'>{"type":"lobby-notify","event":"LOBBY-ACCESS-GRANTED","value":"x","name":{}}</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='${NS}'>[1,2]</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='${NS}'>{"type":</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='${NS}'>${'x'.repeat(5000)}</json-message>`, 'lobby/bad-json'],
    [`<json-message xmlns='urn:other'>{}</json-message>`, 'lobby/unexpected-element'],
    [`<body>{}</body>`, 'lobby/unexpected-element'],
  ];
  for (const [xml, code] of cases) {
    const r = decodeLobbyNotify(parse(xml));
    assert.is(r.ok ? 'ok' : r.error.code, code, xml.slice(0, 80));
  }
});

test('a notice truncated at every length never throws', () => {
  const json = JSON.stringify({ type: 'lobby-notify', event: 'LOBBY-ACCESS-GRANTED', value: 'c4r01', name: 'Carol' });
  for (let n = 0; n < json.length; n++) {
    const r = decodeLobbyNotify({ name: 'json-message', attrs: { xmlns: NS }, children: [json.slice(0, n)] });
    assert.not.ok(r.ok, `length ${n}`);
  }
});

test('the lobby room reference: written in Jitsi\'s namespace, read from <error> in any namespace', () => {
  assert.is(serialize(encodeLobbyRoomRef('room@lobby.example')), `<lobbyroom xmlns="${NS}">room@lobby.example</lobbyroom>`);
  const refused = parse(`<presence type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='auth' code='407'><registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><lobbyroom xmlns='${NS}'>room@lobby.example</lobbyroom></error></presence>`);
  assert.is(decodeLobbyRoomRef(refused), 'room@lobby.example');
  const plain = parse(`<presence type='error'><error type='auth'><registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
  assert.is(decodeLobbyRoomRef(plain), undefined);
  assert.is(serialize(encodeDisplayNameRequired()), `<displayname-required xmlns="${NS}" lobby="true"/>`);
});

test.run();
