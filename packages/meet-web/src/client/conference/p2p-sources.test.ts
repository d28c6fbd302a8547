// The kept peer description of a direct session when a track starts late: who sends on a content,
// and the peer's sources merged from its source-add (or dropped by source-remove).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jingle, JingleContent } from '@plenum/xmpp/codec';
import { jingleToSdp } from '@plenum/xmpp/codec';
import { MAX_PEER_SOURCES_PER_CONTENT, sourceAddContent, withOwnSending, withPeerSources, withSender, withoutSender } from './p2p-sources.ts';

const content = (name: string, media: 'audio' | 'video', senders: JingleContent['senders']): JingleContent => ({
  name, creator: 'responder', senders,
  description: {
    media, payloadTypes: [{ id: media === 'audio' ? 111 : 96, name: media === 'audio' ? 'opus' : 'VP8', clockrate: media === 'audio' ? 48000 : 90000, ...(media === 'audio' ? { channels: 2 } : {}), parameters: [], rtcpFeedback: [] }],
    headerExtensions: [], extmapAllowMixed: false, rtcpMux: true, sources: [], sourceGroups: [],
  },
  transport: { ufrag: 'uf', pwd: 'p'.repeat(22), fingerprints: [{ hash: 'sha-256', setup: 'active', value: Array(32).fill('AB').join(':') }], candidates: [], rtcpMux: true },
});

// The responder's session-accept to an offer from someone without a camera: it sends audio both ways, video only itself.
const answer: Jingle = {
  action: 'session-accept', sid: 's1', groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
  contents: [content('0', 'audio', 'both'), content('1', 'video', 'responder')],
};

test('senders gain and lose a party', () => {
  assert.is(withSender('none', 'initiator'), 'initiator');
  assert.is(withSender('responder', 'initiator'), 'both');
  assert.is(withSender('initiator', 'initiator'), 'initiator');
  assert.is(withSender('both', 'responder'), 'both');
  assert.is(withoutSender('both', 'initiator'), 'responder');
  assert.is(withoutSender('initiator', 'initiator'), 'none');
  assert.is(withoutSender('responder', 'initiator'), 'responder');
  assert.is(withoutSender('none', 'responder'), 'none');
});

test('our late camera: the kept answer lets the initiator send on that content, and maps to sendrecv', () => {
  const kept = withOwnSending(answer, '1', 'initiator');
  assert.equal(kept.contents.map((c) => c.senders), ['both', 'both']);
  const sdp = jingleToSdp(kept, { sessionId: '1', sessionVersion: 2, role: 'answer' });
  assert.ok(sdp.ok);
  const video = sdp.value.slice(sdp.value.indexOf('m=video'));
  assert.match(video, 'a=sendrecv');
});

test("the peer's source-add: its sources join the content, it becomes a sender, and the offer carries them", () => {
  // Kept offer of an initiator without a camera: video recvonly from its side (senders = responder only).
  const offer: Jingle = { ...answer, action: 'session-initiate', contents: [content('0', 'audio', 'both'), content('1', 'video', 'responder')] };
  const add: Jingle = {
    action: 'source-add', sid: 's1', groups: [],
    contents: [sourceAddContent('1', 'initiator', 'video', [{ ssrc: 1111, name: 'a-v0', msid: 'st tr', videoType: 'camera', parameters: [] }, { ssrc: 2222, name: 'a-v0', msid: 'st tr', parameters: [] }], [{ semantics: 'FID', ssrcs: [1111, 2222] }])],
  };
  const r = withPeerSources(offer, add, 'initiator');
  if (!r.ok) throw new Error(r.text);
  const video = r.remote.contents[1];
  assert.is(video?.senders, 'both');
  assert.equal(video?.description?.sources.map((s) => s.ssrc), [1111, 2222]);
  assert.equal(video?.description?.sourceGroups, [{ semantics: 'FID', ssrcs: [1111, 2222] }]);
  assert.is(r.remote.contents[0], offer.contents[0], 'the audio content is untouched');
  const sdp = jingleToSdp(r.remote, { sessionId: '1', sessionVersion: 2, role: 'offer' });
  assert.ok(sdp.ok);
  const m = sdp.value.slice(sdp.value.indexOf('m=video'));
  assert.match(m, 'a=sendrecv');
  assert.match(m, 'a=ssrc:1111 msid:st tr');
  assert.match(m, 'a=ssrc-group:FID 1111 2222');

  // The same source-add again (a retransmission) adds nothing; a source-remove takes the peer off.
  const again = withPeerSources(r.remote, add, 'initiator');
  assert.ok(again.ok && again.remote.contents[1]?.description?.sources.length === 2);
  const removed = withPeerSources(r.remote, { ...add, action: 'source-remove' }, 'initiator');
  if (!removed.ok) throw new Error(removed.text);
  assert.is(removed.remote.contents[1]?.senders, 'responder');
  assert.equal(removed.remote.contents[1]?.description?.sources, []);
  assert.equal(removed.remote.contents[1]?.description?.sourceGroups, []);
});

test('a source change for a content the session lacks, of the wrong media, or too big is refused', () => {
  const src = (ssrc: number) => ({ ssrc, parameters: [] });
  const unknown = withPeerSources(answer, { action: 'source-add', sid: 's1', groups: [], contents: [sourceAddContent('7', 'responder', 'video', [src(1)], [])] }, 'responder');
  assert.equal(unknown.ok ? undefined : unknown.condition, 'bad-request');
  const wrongMedia = withPeerSources(answer, { action: 'source-add', sid: 's1', groups: [], contents: [sourceAddContent('0', 'responder', 'video', [src(1)], [])] }, 'responder');
  assert.not.ok(wrongMedia.ok);
  const many = Array.from({ length: MAX_PEER_SOURCES_PER_CONTENT + 1 }, (_, i) => src(i + 1));
  const flood = withPeerSources(answer, { action: 'source-add', sid: 's1', groups: [], contents: [sourceAddContent('1', 'responder', 'video', many, [])] }, 'responder');
  assert.not.ok(flood.ok);
  const notAChange = withPeerSources(answer, { action: 'session-info', sid: 's1', groups: [], contents: [] }, 'responder');
  assert.not.ok(notAChange.ok);
});

test.run();
