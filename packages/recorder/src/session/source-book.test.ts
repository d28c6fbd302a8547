import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Jingle, JingleContent, MediaSource, SourceGroup } from '@plenum/xmpp/codec';
import { SourceBook } from './source-book.ts';

const ROOM = 'standup@conference.plenum.localhost';
const content = (media: 'audio' | 'video', sources: MediaSource[], sourceGroups: SourceGroup[] = []): JingleContent => ({
  name: media, creator: 'initiator', senders: 'both',
  description: {
    media, extmapAllowMixed: false, rtcpMux: true, headerExtensions: [], sources, sourceGroups,
    payloadTypes: media === 'audio'
      ? [{ id: 111, name: 'opus', clockrate: 48000, channels: 2, parameters: [], rtcpFeedback: [] }]
      : [{ id: 100, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }, { id: 96, name: 'rtx', clockrate: 90000, parameters: [], rtcpFeedback: [] }],
  },
});
const src = (ssrc: number, name: string, owner: string): MediaSource => ({ ssrc, name, owner, parameters: [] });

const offer: Jingle = {
  action: 'session-initiate', sid: 's1', groups: [],
  contents: [
    content('audio', [src(11, 'aaaa1111-a0', `${ROOM}/aaaa1111`), src(8, 'jvb-a0', 'jvb')]),
    content('video', [src(21, 'aaaa1111-v0', `${ROOM}/aaaa1111`), src(22, 'aaaa1111-v0', `${ROOM}/aaaa1111`)], [{ semantics: 'FID', ssrcs: [21, 22] }]),
  ],
};

test('the offer\'s sources become recorded sources: owner = endpoint id, codec from the offer, no RTX, no bridge sources', () => {
  const book = new SourceBook(offer);
  const added = book.add(offer);
  assert.equal(added.map((s) => [s.ssrc, s.owner, s.codec, s.payloadType]), [[11, 'aaaa1111', 'opus', 111], [21, 'aaaa1111', 'VP8', 100]]);
  assert.is(book.get(22), undefined, 'the RTX SSRC of an FID group is not a track');
  assert.is(book.get(8), undefined, 'the bridge\'s own source is not a track');
});

test('source-add in JSON form and source-remove keep the book current; a repeated add adds nothing', () => {
  const book = new SourceBook(offer);
  book.add(offer);
  const jsonAdd: Jingle = {
    action: 'source-add', sid: 's1', groups: [], contents: [],
    jsonSources: { bbbb2222: { audio: [{ ssrc: 31, name: 'bbbb2222-a0', parameters: [] }], audioGroups: [], video: [], videoGroups: [] } },
  };
  assert.equal(book.add(jsonAdd).map((s) => [s.ssrc, s.owner, s.media]), [[31, 'bbbb2222', 'audio']]);
  assert.equal(book.add(jsonAdd), []);
  const removed = book.remove({ action: 'source-remove', sid: 's1', groups: [], contents: [content('audio', [src(11, 'aaaa1111-a0', `${ROOM}/aaaa1111`)])] });
  assert.equal(removed.map((s) => s.ssrc), [11]);
  assert.equal(book.all().map((s) => s.ssrc).sort(), [21, 31]);
});

test.run();
