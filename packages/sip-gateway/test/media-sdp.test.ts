// SDP offer/answer with phones, DTMF from SIP INFO, and the jitter buffer: pure units.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePhoneSdp, writePhoneSdp, findCodec, findTelephoneEvent } from '../src/media/phone-sdp.ts';
import { sipStatusForMediaError } from '../src/media/phone-media-error.ts';
import { parseDtmfInfo, TelephoneEventReceiver } from '../src/media/dtmf.ts';
import { JitterBuffer } from '../src/media/jitter-buffer.ts';
import { parseSdesKeyParams } from '../src/media/sdes-srtp.ts';

const sdp = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;

// The shape of sipp 3.6.1's built-in uac offer (PCMU only, session-level c=).
const SIPP_OFFER = sdp('v=0', 'o=user1 53655765 2353687637 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 6000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000');
// A desk phone's offer: wideband first, telephone-event, ptime, SDES-SRTP, a video line to reject.
const DESK_PHONE_OFFER = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=call', 't=0 0',
  'm=audio 40000 RTP/SAVP 9 0 8 101', 'c=IN IP4 192.0.2.10', 'a=rtpmap:9 G722/8000', 'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15', 'a=ptime:30', 'a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20',
  'a=sendrecv', 'm=video 40002 RTP/SAVP 96', 'a=rtpmap:96 H264/90000');

test('parses a sipp offer: session-level c=, static PCMU', () => {
  const r = parsePhoneSdp(SIPP_OFFER);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.address, '127.0.0.1');
  assert.is(r.value.port, 6000);
  assert.is(r.value.proto, 'RTP/AVP');
  assert.equal(r.value.formats.map((f) => f.encodingName), ['PCMU']);
  assert.is(findCodec(r.value.formats, 'PCMU')?.payloadType, 0);
  assert.is(findCodec(r.value.formats, 'G722'), undefined);
  assert.is(r.value.direction, 'sendrecv');
});

test('parses a desk phone offer: media-level c=, G.722, telephone-event, ptime, crypto, extra m= line', () => {
  const r = parsePhoneSdp(DESK_PHONE_OFFER);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.address, '192.0.2.10');
  assert.is(r.value.ptimeMs, 30);
  assert.is(findCodec(r.value.formats, 'G722')?.payloadType, 9);
  assert.is(findTelephoneEvent(r.value.formats)?.payloadType, 101);
  assert.is(r.value.cryptos.length, 1);
  assert.ok(parseSdesKeyParams(r.value.cryptos[0]!.keyParams) !== undefined, 'key of 30 bytes');
  assert.is(parseSdesKeyParams('inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32'), undefined, 'MKI is not supported');
  assert.is(parseSdesKeyParams('inline:c2hvcnQ='), undefined, 'short key');
  assert.is(r.value.mediaLines.length, 2);
  const answer = writePhoneSdp({
    sessionId: '1', sessionVersion: 1, address: '127.0.0.1', port: 30000, proto: 'RTP/SAVP',
    formats: [r.value.formats[0]!], ptimeMs: 20, direction: 'sendrecv', crypto: undefined,
    mirror: { mediaLines: r.value.mediaLines, audioIndex: r.value.audioIndex },
  });
  assert.match(answer, /m=audio 30000 RTP\/SAVP 9\r\n/);
  assert.match(answer, /m=video 0 RTP\/SAVP 96\r\n/, 'the video stream is rejected with port 0 (RFC 3264 §6)');
});

test('hold: a=sendonly, a=inactive at session level, and c=0.0.0.0', () => {
  const held = parsePhoneSdp(SIPP_OFFER.replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=sendonly'));
  assert.ok(held.ok && held.value.direction === 'sendonly');
  const inactive = parsePhoneSdp(SIPP_OFFER.replace('t=0 0', 't=0 0\r\na=inactive'));
  assert.ok(inactive.ok && inactive.value.direction === 'inactive');
  const old = parsePhoneSdp(SIPP_OFFER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'));
  assert.ok(old.ok && old.value.isNullAddress);
});

test('bad SDP is a typed error that becomes 488', () => {
  for (const bad of ['', 'hello', sdp('v=0', 'o=x', 'bogus line'), sdp('v=0', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0'),
    sdp('v=0', 'c=IN IP4 1.2.3.4', 'm=audio 99999 RTP/AVP 0'), sdp('v=0', 'c=IN IP4 1.2.3.4', 'm=video 5000 RTP/AVP 96'),
    sdp('v=0', 'c=IN IP4 1.2.3.4', 'm=audio 5000 RTP/AVP 0 x'), 'v=0\r\n' + 'a=x\r\n'.repeat(5000)]) {
    const r = parsePhoneSdp(bad);
    assert.not.ok(r.ok, JSON.stringify(bad.slice(0, 60)));
    if (r.ok) continue;
    assert.is(r.error.code, 'bad-sdp');
    assert.is(sipStatusForMediaError(r.error).status, 488);
  }
});

test('every truncation of the fixtures parses to a value or a typed error, never a throw', () => {
  for (const fixture of [SIPP_OFFER, DESK_PHONE_OFFER]) {
    for (let n = 0; n <= fixture.length; n++) {
      const r = parsePhoneSdp(fixture.slice(0, n));
      if (!r.ok) assert.ok(['bad-sdp'].includes(r.error.code));
    }
  }
});

test('SIP INFO DTMF: dtmf-relay and dtmf bodies', () => {
  assert.is(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), '5');
  assert.is(parseDtmfInfo('application/dtmf-relay; charset=utf-8', 'Signal= #\r\nDuration=100'), '#');
  assert.is(parseDtmfInfo('application/dtmf-relay', 'Signal=11\r\n'), '#', 'event number form');
  assert.is(parseDtmfInfo('Application/DTMF', '*'), '*');
  assert.is(parseDtmfInfo('application/dtmf', '12'), 'A');
  assert.is(parseDtmfInfo('application/dtmf-relay', 'Duration=160'), undefined);
  assert.is(parseDtmfInfo('application/dtmf-relay', 'Signal=X'), undefined);
  assert.is(parseDtmfInfo('text/plain', 'Signal=5'), undefined);
});

test('RFC 4733 receiver: one digit per key press over start, continuation and redundant end packets', () => {
  const rx = new TelephoneEventReceiver();
  const event = (digit: number, end: boolean, duration: number): Uint8Array => Uint8Array.of(digit, end ? 0x8a : 0x0a, duration >> 8, duration & 0xff);
  const digits: string[] = [];
  const feed = (ts: number, p: Uint8Array): void => {
    const d = rx.receive(ts, p, 0, p.length);
    if (d !== undefined) digits.push(d);
  };
  for (const [ts, key] of [[1000, 1], [3000, 11], [5000, 1]] as const) {
    feed(ts, event(key, false, 160));
    feed(ts, event(key, false, 320));
    for (let i = 0; i < 3; i++) feed(ts, event(key, true, 480));
  }
  assert.equal(digits, ['1', '#', '1'], 'the same key pressed twice counts twice');
});

test('jitter buffer: waits for its depth, reorders, drops late and duplicate packets, reports gaps', () => {
  const jb = new JitterBuffer({ depthPackets: 3, capacityPackets: 16, maxPayloadBytes: 10 });
  const push = (seq: number): boolean => jb.push(seq, seq * 160, Uint8Array.of(seq & 0xff), 0, 1);
  const popped = (): string => {
    const r = jb.pop();
    return r === 'packet' ? String(jb.payload[0]) : r;
  };
  push(65534);
  assert.is(popped(), 'empty', 'still filling');
  push(0); // 65535 is late/missing; arrives across the wrap
  assert.is(popped(), '254', 'depth reached (span of 3), plays 65534');
  push(65535);
  assert.is(push(65535), false, 'duplicate dropped');
  assert.is(popped(), '255');
  assert.is(popped(), '0');
  push(2);
  push(3);
  assert.is(popped(), 'missing', 'seq 1 never came');
  assert.is(push(1), false, 'seq 1 arriving after its slot played is late');
  assert.is(popped(), '2');
  assert.is(popped(), '3');
  assert.is(popped(), 'empty', 'underrun');
  assert.equal({ ...jb.stats }, { received: 7, late: 1, duplicate: 1, missing: 1, played: 5, dropped: 0 });
});

test('jitter buffer: resumes after a gap without adding delay, and sheds delay that built up', () => {
  const jb = new JitterBuffer({ depthPackets: 2, capacityPackets: 32, maxPayloadBytes: 10 });
  const push = (seq: number): boolean => jb.push(seq, seq * 160, Uint8Array.of(seq), 0, 1);
  const popped = (): string => {
    const r = jb.pop();
    return r === 'packet' ? String(jb.payload[0]) : r;
  };
  push(10);
  push(11);
  assert.is(popped(), '10');
  assert.is(popped(), '11');
  assert.is(popped(), 'empty', 'the phone sends DTMF events: its audio sequence numbers pause');
  push(17);
  push(18);
  assert.is(popped(), '17', 'the seqs spent on events are skipped, not concealed');
  assert.is(popped(), '18');
  for (let seq = 19; seq < 29; seq++) push(seq); // a burst: 10 queued, target 2
  assert.is(popped(), '24', 'the oldest are dropped down to depth + 3');
  assert.is(jb.stats.dropped, 5);
  assert.is(jb.stats.missing, 0);
});

test.run();
