// Dial-in at the SIP layer against Debian's sipp as the phone: the INVITE's header and SDP reach
// the gateway, INFO DTMF arrives as an event, a hold re-INVITE is answered by the reoffer handler,
// BYE from the phone ends the call; over UDP and TCP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { SipError, SipUserAgent } from '../src/sip/index.ts';
import type { CallEndReason, IncomingCall } from '../src/sip/index.ts';
import { SIP_FIXTURES, runSipp } from './sip-sipp.ts';
import { rawInDialog, rawInvite, rawUdpPeer, toTagOf } from './sip-raw.ts';

const ANSWER = 'v=0\r\no=plenum 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

for (const transport of ['udp', 'tcp'] as const) {
  test(`inbound call over ${transport}: room header, SDP offer, INFO DTMF, hold re-INVITE, BYE`, async () => {
    const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
    try {
      const seen: { call?: IncomingCall; infos: string[]; reoffers: string[]; ended?: CallEndReason } = { infos: [], reoffers: [] };
      const ended = new Promise<void>((resolve) => {
        ua.events.on('invite', (call) => {
          seen.call = call;
          call.events.on('info', (type, body) => seen.infos.push(`${type}|${body.trim()}`));
          call.events.on('ended', (reason) => {
            seen.ended = reason;
            resolve();
          });
          call.setReofferHandler((offer) => {
            seen.reoffers.push(offer);
            if (!offer.includes('a=sendonly')) return new SipError(488, 'Not Acceptable Here');
            return ANSWER.replace('a=sendrecv', 'a=recvonly');
          });
          call.ringing();
          void call.accept(ANSWER);
        });
      });
      const run = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}uac-call.xml`, '-m', '1', '-key', 'room', 'standup@conference.plenum.localhost', '-s', 'gateway'], { transport });
      assert.is(run.code, '0', `sipp failed: ${run.errors}`);
      await ended;
      const call = seen.call!;
      assert.is(call.header('Jitsi-Conference-Room'), 'standup@conference.plenum.localhost');
      assert.is(call.header('jitsi-conference-room'), 'standup@conference.plenum.localhost');
      assert.ok(call.offerSdp?.includes('m=audio'), 'offer SDP');
      assert.ok(call.requestUri.startsWith('sip:gateway@127.0.0.1'));
      assert.equal(call.remote.user, '+15551230000');
      assert.equal(call.remote.displayName, 'Alice Phone');
      assert.equal(seen.infos, ['application/dtmf-relay|Signal=5\r\nDuration=160']);
      assert.is(seen.reoffers.length, 1);
      assert.ok(call.remoteSdp?.includes('a=sendonly'), 'remoteSdp follows the re-INVITE');
      assert.is(seen.ended, 'remote-bye');
      assert.is(ua.callCount, 0);
    } finally {
      await ua.close();
    }
  });
}

test("sipp's built-in uac scenario: 5 calls answered and ended by the phone's BYE", async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  try {
    const reasons: CallEndReason[] = [];
    ua.events.on('invite', (call) => {
      call.events.on('ended', (reason) => reasons.push(reason));
      call.ringing();
      void call.accept(ANSWER);
    });
    const run = await runSipp(`127.0.0.1:${ua.port}`, ['-sn', 'uac', '-m', '5', '-r', '10', '-d', '100']);
    assert.is(run.code, '0', `sipp failed: ${run.errors}`);
    assert.equal(reasons, ['remote-bye', 'remote-bye', 'remote-bye', 'remote-bye', 'remote-bye']);
  } finally {
    await ua.close();
  }
});

test('CANCEL while ringing: 200 to the CANCEL, 487 to the INVITE, the call ends remote-cancel', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  try {
    const ended = new Promise<CallEndReason>((resolve) => {
      ua.events.on('invite', (call) => {
        call.events.on('ended', resolve);
        call.ringing();
      });
    });
    const run = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}uac-cancel.xml`, '-m', '1']);
    assert.is(run.code, '0', `sipp failed: ${run.errors}`);
    assert.is(await ended, 'remote-cancel');
    assert.is(ua.callCount, 0);
  } finally {
    await ua.close();
  }
});

for (const transport of ['udp', 'tcp'] as const) {
  test(`hangup() after the ACK sends a BYE that reaches the phone (${transport})`, async () => {
    const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
    try {
      const ended = new Promise<CallEndReason>((resolve) => {
        ua.events.on('invite', (call) => {
          call.events.on('ended', resolve);
          void call.accept(ANSWER).then(() => call.hangup());
        });
      });
      const run = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}uac-hung-up-by-gateway.xml`, '-m', '1'], { transport });
      assert.is(run.code, '0', `sipp failed: ${run.errors}`);
      assert.is(await ended, 'local');
    } finally {
      await ua.close();
    }
  });
}

test('OPTIONS outside a dialog gets 200 with Allow (PBX keep-alive)', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  try {
    const run = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}options.xml`, '-m', '1']);
    assert.is(run.code, '0', `sipp failed: ${run.errors}`);
  } finally {
    await ua.close();
  }
});

test('a 200 never ACKed is retransmitted, then the call ends no-ack with a BYE and accept() rejects 408', async () => {
  // T1 = 20 ms so the 64·T1 ACK wait is 1.3 s instead of 32 s.
  const ua = await SipUserAgent.start({ port: 0, timerT1Ms: 20 }, silentLogger);
  const phone = await rawUdpPeer();
  try {
    const outcome = new Promise<{ reason: CallEndReason; error: unknown }>((resolve) => {
      ua.events.on('invite', (call) => {
        let error: unknown;
        call.events.on('ended', (reason) => setTimeout(() => resolve({ reason, error }), 10));
        call.accept(ANSWER).catch((e: unknown) => {
          error = e;
        });
      });
    });
    await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId: 'noack1' }));
    const { reason, error } = await outcome;
    assert.is(reason, 'no-ack');
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 408);
    const oks = phone.received.filter((m) => m.startsWith('SIP/2.0 200'));
    assert.ok(oks.length >= 3, `200 OK retransmitted (${oks.length} copies)`);
    assert.ok(await phone.waitFor((m) => m.startsWith('BYE ')), 'BYE after the ACK timeout');
  } finally {
    phone.close();
    await ua.close();
  }
});

test('close() ends calls in progress with a BYE to each phone', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const phone = await rawUdpPeer();
  try {
    const answered = new Promise<IncomingCall>((resolve) => ua.events.on('invite', (call) => {
      void call.accept(ANSWER).then(() => resolve(call), () => undefined);
    }));
    await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId: 'closing1' }));
    const ok = (await phone.waitFor((m) => m.startsWith('SIP/2.0 200')))!;
    await phone.send(ua.port, rawInDialog('ACK', { fromPort: phone.port, callId: 'closing1', toTag: toTagOf(ok), cseq: 1, branch: 'z9hG4bKackclose' }));
    const call = await answered;
    const ended = new Promise<CallEndReason>((resolve) => call.events.on('ended', resolve));
    await ua.close();
    assert.is(await ended, 'local');
    assert.ok(await phone.waitFor((m) => m.startsWith('BYE ') && m.includes('closing1')), 'BYE sent on close');
  } finally {
    phone.close();
    await ua.close();
  }
});

test('Record-Route: our BYE goes to the proxy that asked to stay in the path, with a Route header (RFC 3261 §12)', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const phone = await rawUdpPeer();
  const proxy = await rawUdpPeer();
  try {
    const answered = new Promise<IncomingCall>((resolve) => ua.events.on('invite', (call) => {
      void call.accept(ANSWER).then(() => resolve(call), () => undefined);
    }));
    const recordRoute = `Record-Route: <sip:127.0.0.1:${proxy.port};lr;ftag=x>, <sip:192.0.2.99;lr>`;
    await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId: 'routed1', extraHeaders: [recordRoute] }));
    const ok = (await phone.waitFor((m) => m.startsWith('SIP/2.0 200')))!;
    assert.match(ok, /\r\nRecord-Route: /, 'the 200 echoes Record-Route');
    await phone.send(ua.port, rawInDialog('ACK', { fromPort: phone.port, callId: 'routed1', toTag: toTagOf(ok), cseq: 1, branch: 'z9hG4bKackroute' }));
    (await answered).hangup();
    const bye = await proxy.waitFor((m) => m.startsWith('BYE '));
    assert.ok(bye, 'BYE reached the proxy');
    assert.match(bye!, new RegExp(`^BYE sip:phone@127\\.0\\.0\\.1:${phone.port} SIP/2\\.0\\r\\n`), 'Request-URI = the phone\'s Contact');
    assert.match(bye!, new RegExp(`\\r\\nRoute: +<sip:127\\.0\\.0\\.1:${proxy.port};lr;ftag=x>, +<sip:192\\.0\\.2\\.99;lr>\\r\\n`), 'route set in order');
    assert.not.ok(phone.received.some((m) => m.startsWith('BYE ')), 'not straight to the phone');
  } finally {
    proxy.close();
    phone.close();
    await ua.close();
  }
});

test('an INVITE nobody listens for gets 480', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const phone = await rawUdpPeer();
  try {
    await phone.send(ua.port, rawInvite({ fromPort: phone.port, callId: 'nobody1' }));
    assert.ok(await phone.waitFor((m) => m.startsWith('SIP/2.0 480')), '480');
  } finally {
    phone.close();
    await ua.close();
  }
});

test.run();
