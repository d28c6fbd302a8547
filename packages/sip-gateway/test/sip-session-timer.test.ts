// Session timers (RFC 4028) and mid-call offers on a raw UDP phone, with a fake clock for the
// minutes-long intervals: we refresh when we are the refresher, hang up when the phone stops
// refreshing, answer glare with 491 and stale CSeqs with 500; UPDATE and re-INVITE offers in
// either direction of call, and a late offer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import { SipUserAgent } from '../src/sip/index.ts';
import type { CallEndReason, IncomingCall } from '../src/sip/index.ts';
import { rawInDialog, rawInvite, rawOkFor, rawReplyTo, rawUdpPeer, toTagOf } from './sip-raw.ts';

const ANSWER = 'v=0\r\no=plenum 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';
const HOLD = 'v=0\r\no=phone 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=sendonly\r\n';

/** A UA on a fake clock and a raw phone with one answered, ACKed call carrying `headers`. */
async function answeredCall(callId: string, headers: string[]) {
  const clock = new FakeClock();
  const ua = await SipUserAgent.start({ port: 0, sessionExpiresSeconds: 1800 }, silentLogger, { clock });
  const phone = await rawUdpPeer();
  const offered = new Promise<IncomingCall>((resolve) => ua.events.on('invite', resolve));
  await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId, extraHeaders: headers }));
  const call = await offered;
  call.setReofferHandler((offer) => (offer.includes('a=sendonly') ? ANSWER.replace('sendrecv', 'recvonly') : ANSWER));
  const answered = call.accept(ANSWER);
  const ok = (await phone.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes(callId)))!;
  const toTag = toTagOf(ok);
  await phone.send(ua.port, rawInDialog('ACK', { fromPort: phone.port, callId, toTag, cseq: 1, branch: `z9hG4bKack${callId}` }));
  await answered;
  let endReason: CallEndReason | undefined;
  const ended = new Promise<CallEndReason>((resolve) => call.events.on('ended', (reason) => {
    endReason = reason;
    resolve(reason);
  }));
  return { clock, ua, phone, call, ok, toTag, ended, endReason: () => endReason, async close() { phone.close(); await ua.close(); } };
}

test('refresher=uas: the 200 says so, and we refresh with UPDATE at half the interval, again and again', async () => {
  const s = await answeredCall('st-uas', ['Supported: timer', 'Session-Expires: 120;refresher=uas', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE']);
  try {
    assert.match(s.ok, /\r\nSession-Expires: 120;refresher=uas\r\n/);
    for (let round = 1; round <= 2; round++) {
      s.clock.advance(60_000);
      const update = await s.phone.waitFor((m) => m.startsWith('UPDATE ') && s.phone.received.filter((x) => x.startsWith('UPDATE ')).length === round);
      assert.ok(update, `refresh ${round} sent`);
      assert.match(update!, /\r\nSession-Expires: 120;refresher=uac\r\n/);
      await s.phone.send(s.ua.port, rawOkFor(update!, ['Session-Expires: 120;refresher=uac', 'Require: timer']));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.is(s.endReason(), undefined, 'the call goes on');
  } finally {
    await s.close();
  }
});

test('refresher=uac: 200 requires timer; refreshes keep the call, silence ends it with BYE session-expired', async () => {
  const s = await answeredCall('st-uac', ['Supported: timer', 'Session-Expires: 120;refresher=uac']);
  try {
    assert.match(s.ok, /\r\nSession-Expires: 120;refresher=uac\r\n/);
    assert.match(s.ok, /\r\nRequire: timer\r\n/);
    s.clock.advance(50_000);
    await s.phone.send(s.ua.port, rawInDialog('UPDATE', {
      fromPort: s.phone.port, callId: 'st-uac', toTag: s.toTag, cseq: 2, branch: 'z9hG4bKupd1', extraHeaders: ['Session-Expires: 120;refresher=uac'],
    }));
    assert.ok(await s.phone.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('CSeq: 2 UPDATE')), 'refresh answered');
    s.clock.advance(50_000); // 100 s after the INVITE but only 50 s after the refresh
    assert.is(await s.phone.waitFor((m) => m.startsWith('BYE '), 200), undefined, 'no BYE while refreshed');
    s.clock.advance(40_000); // 90 s without a refresh: past 120 - 32
    assert.ok(await s.phone.waitFor((m) => m.startsWith('BYE ')), 'BYE on expiry');
    assert.is(await s.ended, 'session-expired');
  } finally {
    await s.close();
  }
});

test('glare: a re-INVITE while our refresh is pending gets 491; later a hold re-INVITE is answered by the handler', async () => {
  const s = await answeredCall('st-glare', ['Supported: timer', 'Session-Expires: 120;refresher=uas', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE']);
  try {
    s.clock.advance(60_000);
    const update = (await s.phone.waitFor((m) => m.startsWith('UPDATE ')))!;
    await s.phone.send(s.ua.port, rawInDialog('INVITE', { fromPort: s.phone.port, callId: 'st-glare', toTag: s.toTag, cseq: 2, branch: 'z9hG4bKre1', sdp: HOLD }));
    assert.ok(await s.phone.waitFor((m) => m.startsWith('SIP/2.0 491') && m.includes('CSeq: 2 INVITE')), '491 on glare');
    await s.phone.send(s.ua.port, rawOkFor(update));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.phone.send(s.ua.port, rawInDialog('INVITE', { fromPort: s.phone.port, callId: 'st-glare', toTag: s.toTag, cseq: 3, branch: 'z9hG4bKre2', sdp: HOLD }));
    const held = await s.phone.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('CSeq: 3 INVITE'));
    assert.match(held ?? '', /a=recvonly/);
    await s.phone.send(s.ua.port, rawInDialog('ACK', { fromPort: s.phone.port, callId: 'st-glare', toTag: s.toTag, cseq: 3, branch: 'z9hG4bKack3' }));
    assert.ok(s.call.remoteSdp?.includes('a=sendonly'));
    await s.phone.send(s.ua.port, rawInDialog('INVITE', { fromPort: s.phone.port, callId: 'st-glare', toTag: s.toTag, cseq: 3, branch: 'z9hG4bKre3', sdp: HOLD }));
    assert.ok(await s.phone.waitFor((m) => m.startsWith('SIP/2.0 500') && m.includes('z9hG4bKre3')), 'a stale CSeq gets 500');
    await s.phone.send(s.ua.port, rawInDialog('BYE', { fromPort: s.phone.port, callId: 'st-glare', toTag: s.toTag, cseq: 4, branch: 'z9hG4bKbye' }));
    assert.is(await s.ended, 'remote-bye');
  } finally {
    await s.close();
  }
});

test('UPDATE with an SDP offer (hold without re-INVITE, RFC 3311) is answered by the reoffer handler', async () => {
  const s = await answeredCall('upd-hold', []);
  try {
    await s.phone.send(s.ua.port, rawInDialog('UPDATE', { fromPort: s.phone.port, callId: 'upd-hold', toTag: s.toTag, cseq: 2, branch: 'z9hG4bKupdhold', sdp: HOLD }));
    const answer = await s.phone.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('CSeq: 2 UPDATE'));
    assert.match(answer ?? '', /a=recvonly/);
    assert.ok(s.call.remoteSdp?.includes('a=sendonly'));
    assert.not.match(answer ?? '', /Session-Expires/, 'no timer when the phone does not support one');
  } finally {
    await s.close();
  }
});

test('an INVITE the gateway never answers gets 480 after three minutes and frees its slot', async () => {
  const clock = new FakeClock();
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger, { clock });
  const phone = await rawUdpPeer();
  try {
    const ended = new Promise<CallEndReason>((resolve) => ua.events.on('invite', (call) => {
      call.events.on('ended', resolve);
      call.ringing();
    }));
    await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId: 'forgotten' }));
    assert.ok(await phone.waitFor((m) => m.startsWith('SIP/2.0 180')));
    assert.is(ua.callCount, 1);
    clock.advance(180_000);
    assert.ok(await phone.waitFor((m) => m.startsWith('SIP/2.0 480')), '480 after the wait');
    assert.is(await ended, 'rejected');
    assert.is(ua.callCount, 0);
  } finally {
    phone.close();
    await ua.close();
  }
});

test('late offer: an INVITE without SDP gets our offer in the 200 and accept() resolves with the ACK\'s answer', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const phone = await rawUdpPeer();
  try {
    const offered = new Promise<IncomingCall>((resolve) => ua.events.on('invite', resolve));
    const invite = rawInvite({ fromPort: phone.port, callId: 'late1' }).replace(/Content-Type: application\/sdp\r\nContent-Length: \d+\r\n\r\n[\s\S]*$/, 'Content-Length: 0\r\n\r\n');
    await phone.send(ua.port, invite);
    const call = await offered;
    assert.is(call.offerSdp, undefined);
    const accepted = call.accept(ANSWER);
    const ok = (await phone.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('late1')))!;
    assert.ok(ok.endsWith(ANSWER), 'our offer in the 200');
    await phone.send(ua.port, rawInDialog('ACK', { fromPort: phone.port, callId: 'late1', toTag: toTagOf(ok), cseq: 1, branch: 'z9hG4bKacklate', sdp: HOLD }));
    assert.is(await accepted, HOLD);
    assert.is(call.remoteSdp, HOLD);
    call.hangup();
  } finally {
    phone.close();
    await ua.close();
  }
});

test('a callee that puts our outbound call on hold (re-INVITE on the UAC side) reaches the reoffer handler', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const callee = await rawUdpPeer();
  try {
    const placing = ua.call({ target: `sip:+15550003333@127.0.0.1:${callee.port}`, from: { uri: 'sip:gateway@127.0.0.1' }, sdp: ANSWER });
    const invite = (await callee.waitFor((m) => m.startsWith('INVITE ')))!;
    await callee.send(ua.port, rawReplyTo(invite, '200 OK', { toTag: 'callee7', extraHeaders: [`Contact: <sip:callee@127.0.0.1:${callee.port}>`], body: HOLD.replace('sendonly', 'sendrecv') }));
    const call = await placing;
    call.setReofferHandler((offer) => (offer.includes('a=sendonly') ? ANSWER.replace('sendrecv', 'recvonly') : ANSWER));
    await callee.waitFor((m) => m.startsWith('ACK '));
    const ourTag = /\r\nFrom:[^\r\n]*;tag=([^;\s\r]+)/.exec(invite)?.[1] ?? '';
    const callId = /\r\nCall-ID: (\S+)\r\n/.exec(invite)?.[1] ?? '';
    const reInvite = [
      `INVITE sip:plenum@127.0.0.1:${ua.port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${callee.port};branch=z9hG4bKcalleere`,
      `From: <sip:+15550003333@127.0.0.1>;tag=callee7`, `To: <sip:gateway@127.0.0.1>;tag=${ourTag}`, `Call-ID: ${callId}`,
      'CSeq: 1 INVITE', `Contact: <sip:callee@127.0.0.1:${callee.port}>`, 'Content-Type: application/sdp', `Content-Length: ${HOLD.length}`, '', HOLD,
    ].join('\r\n');
    await callee.send(ua.port, reInvite);
    const answer = await callee.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('z9hG4bKcalleere'));
    assert.match(answer ?? '', /a=recvonly/);
    assert.ok(call.remoteSdp?.includes('a=sendonly'));
    call.hangup();
  } finally {
    callee.close();
    await ua.close();
  }
});

test.run();
