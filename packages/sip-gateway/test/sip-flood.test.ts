// 1,000 INVITEs from sipp at 500 calls/s against a user agent limited to 50 new calls per second
// and 20 concurrent calls: every INVITE gets a final answer (200, or 503 with Retry-After), and a
// normal call works right after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { SipUserAgent } from '../src/sip/index.ts';
import { SIP_FIXTURES, runSipp } from './sip-sipp.ts';

const ANSWER = 'v=0\r\no=plenum 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

test('an INVITE flood gets a final answer for every INVITE and the next call still works', async () => {
  const ua = await SipUserAgent.start({ port: 0, invitesPerSecond: 50, maxCalls: 20 }, silentLogger);
  try {
    let offered = 0;
    const off = ua.events.on('invite', (call) => {
      offered++;
      void call.accept(ANSWER).catch(() => undefined);
    });
    // The flood scenario fails a call on anything but 200/503/486 or on a missing answer; sipp exits 0 only if none failed.
    const flood = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}uac-flood.xml`, '-r', '500', '-m', '1000', '-l', '1000'], { timeoutSeconds: 40 });
    assert.is(flood.code, '0', `flood: ${flood.errors}`);
    assert.ok(offered > 0 && offered < 1000, `${offered} of 1000 INVITEs reached the gateway; the rest were refused 503`);
    off();
    // The next phone: answered, then hung up by us (the scenario waits for our BYE).
    ua.events.on('invite', (call) => {
      void call.accept(ANSWER).then(() => call.hangup(), () => undefined);
    });
    const after = await runSipp(`127.0.0.1:${ua.port}`, ['-sf', `${SIP_FIXTURES}uac-hung-up-by-gateway.xml`, '-m', '1'], { timeoutSeconds: 10 });
    assert.is(after.code, '0', `call after the flood: ${after.errors}`);
  } finally {
    await ua.close();
  }
});

test.run();
