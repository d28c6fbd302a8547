// The PhoneAudioPort's RTP behaviour towards a phone (a plain UDP socket on 127.0.0.1 plays the
// phone): packetization, hold and resume by re-INVITE, symmetric RTP latching, our own offer
// and the phone's answer, and SRTP replay protection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { silentLogger } from '@plenum/kit';
import { openPhoneAudioPort } from '../src/media/phone-audio-port.ts';
import { DEFAULT_PHONE_MEDIA_CONFIG } from '../src/media/phone-media-config.ts';
import type { PhoneAudioPort } from '../src/media/phone-audio.ts';
import { createRtpView, readRtpHeader, writeRtpHeader } from '../src/media/rtp-packet.ts';
import { generateSdesKey, SdesSrtp } from '../src/media/sdes-srtp.ts';
import { sineFrame, toneAmplitude } from './tone.ts';

const offer = (port: number, formats: string, ...attributes: string[]): string =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${formats}`, ...attributes, ''].join('\r\n');

type Phone = { socket: Socket; port: number; packets: Buffer[] };

async function withPhone(run: (port: PhoneAudioPort, phone: Phone) => Promise<void>): Promise<void> {
  const port = await openPhoneAudioPort(DEFAULT_PHONE_MEDIA_CONFIG, silentLogger);
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const phone: Phone = { socket, port: socket.address().port, packets: [] };
  socket.on('message', (m) => phone.packets.push(m));
  try {
    await run(port, phone);
  } finally {
    port.close();
    socket.close();
  }
}

/** Waits until `count` packets arrived (or 2 s passed). */
async function receive(phone: Phone, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (phone.packets.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

const header = (packet: Buffer) => {
  const view = createRtpView();
  assert.ok(readRtpHeader(packet, packet.length, view), 'valid RTP');
  return view;
};

test('packetizes 20 ms frames; hold (a=sendonly) stops sending, resume continues the timeline', () => withPhone(async (port, phone) => {
  assert.ok(port.answer(offer(phone.port, '0 101', 'a=rtpmap:101 telephone-event/8000')).ok);
  const frame = sineFrame(1000);
  for (let i = 0; i < 3; i++) port.writeFrame(frame);
  await receive(phone, 3);
  const [a, b, c] = phone.packets.map(header);
  assert.ok(a !== undefined && b !== undefined && c !== undefined);
  assert.is(a.payloadType, 0);
  assert.is(a.payloadLength, 160);
  assert.ok(a.marker && !b.marker, 'marker on the first packet only');
  assert.is(b.sequenceNumber, (a.sequenceNumber + 1) & 0xffff);
  assert.is(c.timestamp, (a.timestamp + 320) >>> 0);

  const held = port.answer(offer(phone.port, '0', 'a=sendonly'));
  assert.ok(held.ok && /a=recvonly/.test(held.value), 'we answer recvonly');
  assert.is(port.negotiated?.direction, 'sendonly');
  for (let i = 0; i < 5; i++) port.writeFrame(frame);
  await new Promise((r) => setTimeout(r, 150));
  assert.is(phone.packets.length, 3, 'nothing sent while on hold');

  assert.ok(port.answer(offer(phone.port, '0', 'a=sendrecv')).ok);
  port.writeFrame(frame);
  await receive(phone, 4);
  const resumed = header(phone.packets[3]!);
  assert.is(resumed.sequenceNumber, (c.sequenceNumber + 1) & 0xffff, 'no sequence gap');
  assert.is(resumed.timestamp, (c.timestamp + 6 * 160) >>> 0, 'the held time is in the timestamps');
}));

test('c=0.0.0.0 hold is answered inactive and sends nothing', () => withPhone(async (port, phone) => {
  const held = port.answer(offer(phone.port, '0').replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'));
  assert.ok(held.ok && /a=inactive/.test(held.value));
  port.writeFrame(sineFrame(1000));
  await new Promise((r) => setTimeout(r, 100));
  assert.is(phone.packets.length, 0);
}));

test('symmetric RTP: we send to where the phone\'s RTP comes from, not to its SDP port', () => withPhone(async (port, phone) => {
  assert.ok(port.answer(offer(9, '0')).ok, 'SDP names port 9 (as a phone behind NAT would)');
  const packet = Buffer.alloc(12 + 160, 0xff);
  writeRtpHeader(packet, 0, true, 1, 160, 0x1234);
  phone.socket.send(packet, port.port, '127.0.0.1');
  const deadline = Date.now() + 2000;
  while (phone.packets.length === 0 && Date.now() < deadline) {
    port.writeFrame(sineFrame(1000));
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(phone.packets.length > 0, 'our RTP reached the phone\'s real port');
}));

test('our offer lists the configured codecs and telephone-event; the answer picks the codec', () => withPhone(async (port, phone) => {
  const ours = port.offer();
  assert.match(ours, new RegExp(`m=audio ${port.port} RTP/AVP 111 9 0 8 101\r\n`));
  assert.match(ours, /a=rtpmap:111 opus\/48000\/2/);
  assert.match(ours, /a=rtpmap:101 telephone-event\/8000/);
  assert.ok(port.applyAnswer(offer(phone.port, '8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000')).ok);
  assert.equal(port.negotiated, {
    codec: 'PCMA', payloadType: 8, telephoneEventPayloadType: 101,
    remote: { address: '127.0.0.1', port: phone.port }, direction: 'sendrecv', srtp: false,
  });
  port.writeFrame(sineFrame(1000));
  await receive(phone, 1);
  assert.is(header(phone.packets[0]!).payloadType, 8);
  const second = port.applyAnswer(offer(phone.port, '8'));
  assert.ok(!second.ok && second.error.code === 'bad-sdp', 'an answer without an offer is refused');
}));

test('garbage datagrams are ignored; the phone\'s RTP still plays afterwards', () => withPhone(async (port, phone) => {
  assert.ok(port.answer(offer(phone.port, '0 101', 'a=rtpmap:101 telephone-event/8000')).ok);
  const send = (b: Uint8Array): Promise<void> => new Promise((resolve) => phone.socket.send(b, port.port, '127.0.0.1', () => resolve()));
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 300; i++) {
    const junk = Uint8Array.from({ length: i % 200 }, random);
    if (i % 3 === 0 && junk.length >= 12) junk[0] = 0x80 | (junk[0]! & 0x3f); // RTP-looking version bits
    await send(junk);
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5)); // stay within the socket's receive buffer
  }
  const dtmf: string[] = [];
  port.events.on('dtmf', (d) => dtmf.push(d));
  const event = Buffer.alloc(16);
  writeRtpHeader(event, 101, true, 100, 8000, 0x55);
  event.set([5, 0x0a, 0, 160], 12);
  await send(event);
  const deadline = Date.now() + 2000;
  while (dtmf.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(dtmf, ['5'], 'the port still works');
  assert.is(port.readFrame().length, 960);
}));

test('dial-out with SRTP: our SAVP offer, the other side\'s answer, and audio both ways over SRTP', async () => {
  const caller = await openPhoneAudioPort({ ...DEFAULT_PHONE_MEDIA_CONFIG, offerSrtp: true, codecs: ['G722', 'PCMU'] }, silentLogger);
  const callee = await openPhoneAudioPort({ ...DEFAULT_PHONE_MEDIA_CONFIG, codecs: ['PCMU', 'G722'] }, silentLogger);
  try {
    const ourOffer = caller.offer();
    assert.match(ourOffer, /RTP\/SAVP 9 0 101/);
    assert.match(ourOffer, /a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
    const answer = callee.answer(ourOffer);
    assert.ok(answer.ok);
    if (!answer.ok) return;
    assert.ok(caller.applyAnswer(answer.value).ok);
    assert.equal([caller.negotiated?.codec, caller.negotiated?.srtp, callee.negotiated?.srtp], ['PCMU', true, true],
      'the answerer chose PCMU by its own preference; both sides encrypt');
    const heard = { caller: 0, callee: 0 };
    for (let f = 0; f < 40; f++) {
      caller.writeFrame(sineFrame(800, { startSample: f * 960 }));
      callee.writeFrame(sineFrame(1400, { startSample: f * 960 }));
      await new Promise((r) => setTimeout(r, 20));
      if (f >= 10) {
        heard.callee = Math.max(heard.callee, toneAmplitude(callee.readFrame(), 48_000, 800));
        heard.caller = Math.max(heard.caller, toneAmplitude(caller.readFrame(), 48_000, 1400));
      } else {
        callee.readFrame();
        caller.readFrame();
      }
    }
    assert.ok(heard.callee > 4000 && heard.caller > 4000, `both hear the other (${heard.callee.toFixed(0)}, ${heard.caller.toFixed(0)})`);
  } finally {
    caller.close();
    callee.close();
  }
});

test('SRTP: the phone\'s packets authenticate once; replays and forgeries are dropped', () => {
  const phoneKey = generateSdesKey().key;
  const ourKey = generateSdesKey().key;
  const phone = new SdesSrtp(phoneKey, ourKey);
  const us = new SdesSrtp(ourKey, phoneKey);
  const packets: Buffer[] = [];
  for (let seq = 65530; seq < 65540; seq++) {
    const clear = Buffer.alloc(12 + 160, seq & 0xff);
    writeRtpHeader(clear, 0, false, seq & 0xffff, seq * 160, 0xabcdef);
    packets.push(Buffer.from(phone.protect(clear, clear.length)));
  }
  for (const p of packets) {
    const clear = us.unprotect(p);
    assert.ok(clear !== undefined, 'authentic packet accepted (across the sequence wrap)');
    assert.is(clear[20], p.readUInt16BE(2) & 0xff, 'payload decrypted');
  }
  assert.is(us.unprotect(packets[3]!), undefined, 'replayed packet dropped');
  const restarted = Buffer.alloc(12 + 160, 1);
  writeRtpHeader(restarted, 0, true, 100, 0, 0x777);
  const fromNewSource = Buffer.from(phone.protect(restarted, restarted.length));
  assert.ok(us.unprotect(fromNewSource) !== undefined, 'a new SSRC starting at a lower sequence number is accepted');
  assert.is(us.unprotect(fromNewSource), undefined, 'and replay-checked on its own');
  assert.is(us.unprotect(packets[5]!), undefined, 'the old source\'s packets stay replays');
  const forged = Buffer.from(packets[9]!);
  forged.writeUInt16BE(7, 2);
  forged[30] = forged[30]! ^ 1;
  assert.is(us.unprotect(forged), undefined, 'tampered packet dropped');
});

test.run();
