import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSdpFixture, sdpFixtures } from '../../../test/fixtures/sdp/load-fixtures.ts';
import type { Sdp } from './index.ts';
import { MAX_SDP_CHARS, MAX_SDP_LINES, firstSdpLine, parseSdp, sdpLinesOf, sdpMediaDirection, sdpMediaMid, writeSdp } from './index.ts';

const parsed = (text: string): Sdp => {
  const r = parseSdp(text);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.text}`);
  return r.value;
};
const HEADER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

const table = suite('sdp fixtures (C6)');

for (const fx of sdpFixtures()) {
  table(`${fx.name}: ${fx.expectError ? `fails with ${fx.expectError}` : 'writeSdp(parseSdp(x)) === x'}`, () => {
    const r = parseSdp(fx.text);
    if (fx.expectError !== undefined) {
      assert.is(r.ok, false);
      if (!r.ok) assert.is(r.error.code, fx.expectError);
      return;
    }
    assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.text}`);
    if (r.ok) assert.is(writeSdp(r.value), fx.text);
  });
}

table('every fixture has CRLF line endings after loading and a provenance line', () => {
  for (const fx of sdpFixtures()) {
    assert.ok(fx.source.length > 20, fx.name);
    assert.not.match(fx.text.replace(/\r\n/g, ''), /[\r\n]/, fx.name);
  }
});

table.run();

const model = suite('sdp model');

model('Chrome answer: session lines, media sections and typed attributes', () => {
  const sdp = parsed(readSdpFixture('chrome-156-answer-to-bridge.sdp').text);
  assert.equal(sdp.origin, { username: '-', sessionId: '2827162889819830330', sessionVersion: '2', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' });
  assert.equal(firstSdpLine(sdp.session, 'group'), { kind: 'group', semantics: 'BUNDLE', mids: ['audio', 'video', 'data', 's1', 's2', 's3', 's4'] });
  assert.equal(firstSdpLine(sdp.session, 'msid-semantic'),
    { kind: 'msid-semantic', semantic: 'WMS', tokens: ['70121c36-d03c-4df0-b680-8a8a2c892dcc'], leadingSpace: true });
  assert.equal(sdp.media.map((m) => [m.media, m.port, sdpMediaMid(m), sdpMediaDirection(m)]), [
    ['audio', 45692, 'audio', 'sendrecv'], ['video', 9, 'video', 'sendrecv'], ['application', 9, 'data', 'sendrecv'],
    ['audio', 9, 's1', 'recvonly'], ['audio', 9, 's2', 'recvonly'], ['video', 9, 's3', 'recvonly'], ['video', 9, 's4', 'recvonly'],
  ]);
  const [audio, video, data] = sdp.media as [Sdp['media'][0], Sdp['media'][0], Sdp['media'][0]];
  assert.equal(audio.formats, ['111', '112', '126']);
  assert.ok(firstSdpLine(audio.lines, 'extmap-allow-mixed'), 'Chrome echoes the offer\'s media-level extmap-allow-mixed');
  assert.equal(sdpLinesOf(audio.lines, 'rtpmap')[0], { kind: 'rtpmap', payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 });
  assert.equal(sdpLinesOf(audio.lines, 'fmtp')[1], { kind: 'fmtp', payloadType: 112, parameters: [{ name: '', value: '111/111' }] });
  assert.equal(sdpLinesOf(audio.lines, 'candidate')[1]?.candidate, {
    foundation: '4189784197', component: 1, transport: 'udp', priority: 2113942271, address: '::1', port: 36074, type: 'host',
    extensions: [{ name: 'generation', value: '0' }, { name: 'network-cost', value: '999' }],
  });
  assert.equal(firstSdpLine(audio.lines, 'raw'), { kind: 'raw', name: 'rtcp', value: '9 IN IP4 0.0.0.0' });
  assert.equal(firstSdpLine(audio.lines, 'setup'), { kind: 'setup', role: 'active' });
  assert.equal(firstSdpLine(audio.lines, 'msid'), { kind: 'msid', streamId: '70121c36-d03c-4df0-b680-8a8a2c892dcc', trackId: 'd2d62a9b-78f9-4500-8cf9-7f5d02724004' });
  assert.equal(sdpLinesOf(video.lines, 'ssrc-group')[1], { kind: 'ssrc-group', semantics: 'SIM', ssrcs: [1983445245, 2710055038, 2208656577] });
  assert.equal(sdpLinesOf(video.lines, 'ssrc')[0], { kind: 'ssrc', ssrc: 1983445245, attribute: 'cname', value: 'sDiyzfZhq974I8Ew' });
  assert.equal(sdpLinesOf(video.lines, 'extmap')[3],
    { kind: 'extmap', id: 11, uri: 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension' });
  assert.equal(firstSdpLine(data.lines, 'sctp-port'), { kind: 'sctp-port', port: 5000 });
  assert.equal(firstSdpLine(data.lines, 'max-message-size'), { kind: 'max-message-size', sizeBytes: 262144 });
});

model('Chrome offer: session-level extmap-allow-mixed, ssrc-level msid, rtcp-xr kept raw', () => {
  const sdp = parsed(readSdpFixture('chrome-156-offer-p2p.sdp').text);
  assert.ok(firstSdpLine(sdp.session, 'extmap-allow-mixed'));
  const video = sdp.media[1] as Sdp['media'][0];
  assert.is(video.formats.length, 23);
  assert.equal(sdpLinesOf(video.lines, 'ssrc')[1],
    { kind: 'ssrc', ssrc: 2681478142, attribute: 'msid', value: '70121c36-d03c-4df0-b680-8a8a2c892dcc f8da3066-7bb3-4f78-9243-cf8cadbf51fd' });
  assert.ok(video.lines.some((l) => l.kind === 'raw' && l.name === 'rtcp-xr' && l.value === 'rcvr-rtt=all'));
  assert.equal(sdp.media.map((m) => sdpLinesOf(m.lines, 'candidate').length), [2, 2, 2]);
});

model('Firefox offer: session fingerprint, extmap direction, {uuid} msid, bare values kept', () => {
  const sdp = parsed(readSdpFixture('firefox-128-offer-p2p.sdp').text);
  assert.is(firstSdpLine(sdp.session, 'fingerprint')?.hash, 'sha-256');
  assert.equal(firstSdpLine(sdp.session, 'msid-semantic'), { kind: 'msid-semantic', semantic: 'WMS', tokens: ['*'], leadingSpace: false });
  const audio = sdp.media[0];
  assert.ok(audio);
  if (!audio) return;
  assert.equal(sdpLinesOf(audio.lines, 'extmap')[1], { kind: 'extmap', id: 2, direction: 'recvonly', uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level' });
  assert.equal(firstSdpLine(audio.lines, 'msid'),
    { kind: 'msid', streamId: '{0b4a7cde-5f6e-4d3c-9b2a-1f0e9d8c7b6a}', trackId: '{6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9}' });
  assert.equal(sdpLinesOf(audio.lines, 'rtpmap')[1], { kind: 'rtpmap', payloadType: 9, encoding: 'G722', clockRate: 8000, channels: 1 });
  assert.equal(sdpLinesOf(audio.lines, 'candidate')[0]?.candidate.transport, 'UDP');
  assert.ok(audio.lines.some((l) => l.kind === 'raw' && l.name === 'end-of-candidates' && l.value === undefined));
  assert.equal(firstSdpLine(audio.lines, 'ssrc'), { kind: 'ssrc', ssrc: 2267715794, attribute: 'cname', value: '{5c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f}' });
});

model('LF-only input is accepted and written back with CRLF', () => {
  const crlf = readSdpFixture('chrome-156-offer-p2p.sdp').text;
  const lf = crlf.replace(/\r\n/g, '\n');
  assert.is(writeSdp(parsed(lf)), crlf);
  assert.is(writeSdp(parsed(crlf.slice(0, -2))), crlf, 'missing final CRLF');
});

model('unknown line types and attributes survive in place', () => {
  const text = `${HEADER}b=AS:30\r\nx=future line\r\na=foo\r\na=bar:\r\na=rid:h send\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nb=TIAS:1000\r\na=simulcast:send h;m;l\r\na=mid:0\r\n`;
  const sdp = parsed(text);
  assert.is(writeSdp(sdp), text);
  assert.equal(sdp.session.slice(1, 3), [{ kind: 'line', type: 'b', value: 'AS:30' }, { kind: 'line', type: 'x', value: 'future line' }]);
  assert.equal(sdp.media[0]?.lines[1], { kind: 'raw', name: 'simulcast', value: 'send h;m;l' });
  assert.equal(sdp.media[0]?.portCount, undefined);
});

model('writeSdp writes typed lines canonically (fmtp spaces dropped)', () => {
  const sdp = parsed(`${HEADER}m=audio 9/2 RTP/AVP 0 101\r\na=fmtp:101 0-15; foo=bar\r\n`);
  assert.is(sdp.media[0]?.portCount, 2);
  assert.is(writeSdp(sdp), `${HEADER}m=audio 9/2 RTP/AVP 0 101\r\na=fmtp:101 0-15;foo=bar\r\n`);
});

model.run();

const hostile = suite('sdp hostile input (C6 robustness)');

const fails = (text: string, code: string): void => {
  const r = parseSdp(text);
  assert.is(r.ok, false, JSON.stringify(text.slice(0, 80)));
  if (!r.ok) assert.is(r.error.code, code, r.error.text);
};

hostile('every fixture truncated at every length returns a Result and never throws', () => {
  for (const fx of sdpFixtures()) {
    for (let n = 0; n <= fx.text.length; n++) {
      const r = parseSdp(fx.text.slice(0, n));
      assert.type(r.ok, 'boolean');
    }
  }
});

hostile('a 10 MB input is refused before it is split', () => {
  fails(`${HEADER}${'a=x\r\n'.repeat(2_000_000)}`, 'sdp/too-large');
  assert.ok(MAX_SDP_CHARS < 10 * 1024 * 1024);
});

hostile('more lines than the cap is refused', () => {
  fails(`${HEADER}${'a=\n'.repeat(MAX_SDP_LINES)}`, 'sdp/too-many-lines');
});

hostile('garbage is a typed error', () => {
  fails('', 'sdp/missing-line');
  fails('\u0000\u0001\u0002', 'sdp/malformed-line');
  fails('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'sdp/malformed-line');
  fails(`${HEADER}a=mid:0\u0000\r\n`, 'sdp/malformed-line');
  fails(`${HEADER}a=mid:0\rb=x\r\n`, 'sdp/malformed-line');
  fails(`${HEADER}\r\na=mid:0\r\n`, 'sdp/malformed-line');
  fails(`${HEADER}v=0\r\n`, 'sdp/malformed-line');
  fails(`${HEADER}m=audio 9 RTP/AVP 0\r\nt=0 0\r\n`, 'sdp/malformed-line');
  fails(`${HEADER}a=\r\n`, 'sdp/bad-attribute');
  fails(`${HEADER}a=bad name:1\r\n`, 'sdp/bad-attribute');
  fails('v=0\r\no=- 1 2 IN IP4\r\ns=-\r\nt=0 0\r\n', 'sdp/bad-origin');
  fails('v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nt=0 0\r\n', 'sdp/missing-line');
  fails('v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\n', 'sdp/missing-line');
  fails('v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=now 0\r\n', 'sdp/bad-timing');
  fails(`${HEADER}c=IN IP4\r\n`, 'sdp/bad-connection');
  assert.is(parseSdp(42 as unknown as string).ok, false);
});

hostile('m= lines without port, proto or formats are refused', () => {
  fails(`${HEADER}m=audio UDP/TLS/RTP/SAVPF 111\r\n`, 'sdp/bad-media');
  fails(`${HEADER}m=audio 9 UDP/TLS/RTP/SAVPF\r\n`, 'sdp/bad-media');
  fails(`${HEADER}m=audio 70000 RTP/AVP 0\r\n`, 'sdp/bad-media');
  fails(`${HEADER}m=audio 09 RTP/AVP 0\r\n`, 'sdp/bad-media');
  fails(`${HEADER}m=audio  9 RTP/AVP 0\r\n`, 'sdp/bad-media');
  fails(`${HEADER}m=\r\n`, 'sdp/bad-media');
});

hostile('malformed known attributes are errors, not dropped (decision: a lost SSRC is silent media loss)', () => {
  for (const line of [
    'a=ssrc:abc cname:x', 'a=ssrc:-1 cname:x', 'a=ssrc:1', 'a=ssrc:1.5 cname:x', 'a=ssrc-group:FID 1 x', 'a=ssrc-group:FID',
    'a=rtpmap:111 opus', 'a=rtpmap:x opus/48000', 'a=fmtp:abc x=1', 'a=rtcp-fb:200 nack', 'a=extmap:0 urn:x', 'a=extmap:1/sideways urn:x',
    'a=candidate:1 1 udp 1 1.2.3.4 5 typ', 'a=candidate:1 1 udp 1 1.2.3.4 5 typ host generation', 'a=candidate:1 1 udp 99999999999 1.2.3.4 5 typ host',
    'a=setup:sideways', 'a=fingerprint:sha-256', 'a=msid:a b c', 'a=sctp-port:x', 'a=max-message-size:-1', 'a=mid:', 'a=mid',
    'a=ice-ufrag:a b', 'a=group:BUNDLE  a', 'a=sendrecv:yes', 'a=rtcp-mux:1',
  ]) {
    fails(`${HEADER}m=audio 9 RTP/AVP 0\r\n${line}\r\n`, 'sdp/bad-attribute');
  }
});

hostile.run();
