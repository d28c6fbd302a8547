// Jitsi-style presence (client/conference/presence.ts) and the grouping of the focus's remote
// sources by owner (client/conference/bridge-session.ts): what we write reads back as the roster
// shows it, hostile SourceInfo is ignored, XEP-0339 owners (occupant JIDs) and JSON owners agree.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { el, serialize, parseXml } from '@plenum/xmpp/codec';
import type { El } from '@plenum/xmpp/codec';
import { CLIENT_FEATURES, capsVer, ownPresence, readOccupantPresence } from '../../src/client/conference/presence.ts';
import { sourcesByOwner } from '../../src/client/conference/bridge-session.ts';

const ROOM = 'standup@conference.plenum.localhost';

/** Our presence as the room reflects it to others: from our occupant JID, with the MUC item added. */
function reflected(p: El, nick: string): El {
  const parsed = parseXml(serialize({ ...p, attrs: { ...p.attrs, from: `${ROOM}/${nick}` } }));
  if (!parsed.ok) throw new Error(parsed.error.text);
  parsed.value.children.push(el('x', { xmlns: 'http://jabber.org/protocol/muc#user' }, el('item', { affiliation: 'none', role: 'participant', jid: 'a@plenum.localhost/r' })));
  return parsed.value;
}

test('what our presence says reads back: name, mute state per source, raised hand, role', () => {
  const p = ownPresence(`${ROOM}/1a2b3c4d`, {
    nick: '1a2b3c4d', displayName: 'Ada <&> Lovelace', audioMuted: true, videoMuted: false, screenSharing: true,
    handRaisedAt: 1716190000123, statsId: 'Ada-1f2e', capsVer: 'x',
  }, {});
  const read = readOccupantPresence(reflected(p, '1a2b3c4d'));
  assert.ok(read);
  assert.is(read?.nick, '1a2b3c4d');
  assert.is(read?.displayName, 'Ada <&> Lovelace');
  assert.equal(read?.sources['1a2b3c4d-a0'], { muted: true });
  assert.equal(read?.sources['1a2b3c4d-v0'], { muted: false, videoType: 'camera' });
  assert.equal(read?.sources['1a2b3c4d-v1'], { muted: false, videoType: 'desktop' });
  assert.is(read?.handRaisedAt, 1716190000123);
  assert.is(read?.role, 'participant');
  assert.is(read?.realJid, 'a@plenum.localhost/r');
  // A join carries the MUC <x> (without history); an update does not.
  assert.ok(serialize(p).includes('http://jabber.org/protocol/muc"'));
  assert.not.ok(serialize(ownPresence(`${ROOM}/1a2b3c4d`, {
    nick: '1a2b3c4d', displayName: '', audioMuted: false, videoMuted: false, screenSharing: false, handRaisedAt: undefined, statsId: 's', capsVer: 'x',
  })).includes('http://jabber.org/protocol/muc"'));
});

test('hostile or broken SourceInfo and raised-hand values read as nothing', () => {
  for (const info of ['not json', '[1,2]', '{"x":5}', '{"__proto__":{"muted":true}}', 'x'.repeat(20_000)]) {
    const read = readOccupantPresence(el('presence', { from: `${ROOM}/bad` }, el('SourceInfo', {}, info), el('jitsi_participant_raisedHand', {}, 'soon')));
    assert.ok(read);
    assert.equal(Object.keys(read?.sources ?? {}).filter((k) => k !== '__proto__'), []);
    assert.is((read?.sources as Record<string, unknown> | undefined)?.muted, undefined, 'nothing leaks in through a prototype');
    assert.is(read?.handRaisedAt, undefined);
  }
  assert.is(readOccupantPresence(el('presence', { from: ROOM })), undefined, 'a presence from the room itself is no occupant');
});

test('caps ver is XEP-0115 §5.1 over our identity and features', async () => {
  const s = ['client/web//Plenum', ...[...CLIENT_FEATURES].sort()].map((x) => `${x}<`).join('');
  assert.is(await capsVer(), createHash('sha1').update(s, 'utf8').digest('base64'));
});

test('remote sources group by endpoint: XEP-0339 occupant-JID owners and compact JSON owners alike', () => {
  const video = (ssrc: number, owner: string) => ({ ssrc, name: 'x-v0', owner, parameters: [] });
  const byOwner = sourcesByOwner({
    contents: [{
      name: 'video', creator: 'initiator', senders: 'both',
      description: {
        media: 'video', payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: true,
        sources: [video(10, `${ROOM}/aaaa1111`), video(11, `${ROOM}/aaaa1111`), video(9, 'jvb')],
        sourceGroups: [{ semantics: 'FID', ssrcs: [10, 11] }],
      },
    }],
    jsonSources: { bbbb2222: { audio: [{ ssrc: 20, name: 'bbbb2222-a0', parameters: [] }], audioGroups: [], video: [], videoGroups: [] } },
  });
  assert.equal([...byOwner.keys()].sort(), ['aaaa1111', 'bbbb2222', 'jvb']);
  assert.equal(byOwner.get('aaaa1111')?.video.map((s) => s.ssrc), [10, 11]);
  assert.equal(byOwner.get('aaaa1111')?.video.map((s) => s.owner), ['aaaa1111', 'aaaa1111']);
  assert.equal(byOwner.get('aaaa1111')?.videoGroups, [{ semantics: 'FID', ssrcs: [10, 11] }]);
  assert.equal(byOwner.get('bbbb2222')?.audio.map((s) => [s.ssrc, s.owner]), [[20, 'bbbb2222']]);
});

test.run();
