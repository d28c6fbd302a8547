// Simulcast munging of the browser's answer (client/conference/simulcast.ts), on an answer shaped
// like Chromium's: the camera m-line gains two layers and their RTX SSRCs in a SIM group, keeps the
// same SSRCs when munged again, and anything it cannot munge comes back unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp, sdpLinesOf, sdpMediaMid } from '@plenum/xmpp/codec';
import { addSimulcastLayers } from '../../src/client/conference/simulcast.ts';

const answer = (videoSsrcLines: string): string => [
  'v=0', 'o=- 4611 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE audio video', 'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:audio', 'a=sendrecv', 'a=msid:s1 a1', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=ssrc:1111 cname:abc',
  'm=video 9 UDP/TLS/RTP/SAVPF 100 96', 'c=IN IP4 0.0.0.0', 'a=mid:video', 'a=sendrecv', 'a=msid:s2 v1', 'a=rtcp-mux',
  'a=rtpmap:100 VP8/90000', 'a=rtpmap:96 rtx/90000', 'a=fmtp:96 apt=100',
  ...videoSsrcLines.split('\n').filter((l) => l !== ''),
  '',
].join('\r\n');

const SENDING = 'a=ssrc-group:FID 2000 2001\na=ssrc:2000 cname:abc\na=ssrc:2001 cname:abc';

function videoOf(sdp: string) {
  const parsed = parseSdp(sdp);
  if (!parsed.ok) throw new Error(parsed.error.text);
  const m = parsed.value.media.find((x) => sdpMediaMid(x) === 'video');
  if (!m) throw new Error('no video');
  return { groups: sdpLinesOf(m.lines, 'ssrc-group'), ssrcs: sdpLinesOf(m.lines, 'ssrc') };
}

test('the camera gets a SIM group of 3 layers, each with an RTX partner and the same cname', () => {
  const { sdp, ssrcs } = addSimulcastLayers(answer(SENDING), 'video', undefined);
  const v = videoOf(sdp);
  const sim = v.groups.filter((g) => g.semantics === 'SIM');
  assert.is(sim.length, 1);
  assert.is(sim[0]?.ssrcs.length, 3);
  assert.is(sim[0]?.ssrcs[0], 2000, 'the browser\'s own SSRC stays the first layer');
  const fid = v.groups.filter((g) => g.semantics === 'FID');
  assert.is(fid.length, 3);
  for (const layer of sim[0]?.ssrcs ?? []) assert.ok(fid.some((g) => g.ssrcs[0] === layer), `layer ${layer} has RTX`);
  assert.is(new Set(v.ssrcs.map((l) => l.ssrc)).size, 6);
  assert.ok(v.ssrcs.every((l) => l.attribute === 'cname' && l.value === 'abc'));
  assert.is(ssrcs?.layers.length, 2);
  // The audio m-line is untouched.
  assert.ok(sdp.includes('a=ssrc:1111 cname:abc'));
});

test('munging a later answer again keeps the same SSRCs (renegotiation must not change them)', () => {
  const first = addSimulcastLayers(answer(SENDING), 'video', undefined);
  const second = addSimulcastLayers(answer(SENDING), 'video', first.ssrcs);
  assert.equal(videoOf(second.sdp).groups, videoOf(first.sdp).groups);
});

test('nothing to munge: no send SSRC, already simulcast, another mid, or unreadable SDP', () => {
  const notSending = answer('');
  assert.is(addSimulcastLayers(notSending, 'video', undefined).sdp, notSending);
  const once = addSimulcastLayers(answer(SENDING), 'video', undefined).sdp;
  assert.is(addSimulcastLayers(once, 'video', undefined).sdp, once);
  assert.is(addSimulcastLayers(answer(SENDING), 'nope', undefined).sdp, answer(SENDING));
  assert.is(addSimulcastLayers('garbage', 'video', undefined).sdp, 'garbage');
});

test.run();
