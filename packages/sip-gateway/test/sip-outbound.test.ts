// Dial-out at the SIP layer against Debian's sipp as the callee or trunk: answer, digest
// challenge, busy, no answer (CANCEL on timeout) and the caller giving up while it rings (CANCEL
// on abort, also when aborted before any provisional response); over UDP and TCP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { SipError, SipUserAgent } from '../src/sip/index.ts';
import type { CallEndReason } from '../src/sip/index.ts';
import { createHash } from 'node:crypto';
import { SIP_FIXTURES, startSipp } from './sip-sipp.ts';
import { rawReplyTo, rawUdpPeer } from './sip-raw.ts';

const OFFER = 'v=0\r\no=plenum 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
const FROM = { uri: 'sip:gateway@127.0.0.1', displayName: 'Plenum standup' };

for (const transport of ['udp', 'tcp'] as const) {
  test(`dial-out to sipp -sn uas over ${transport}: ringing, answer with SDP, our BYE ends it`, async () => {
    const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
    const callee = await startSipp(['-sn', 'uas', '-m', '1'], { transport });
    try {
      const progress: number[] = [];
      const suffix = transport === 'tcp' ? ';transport=tcp' : '';
      const call = await ua.call({ target: `sip:+15559876543@127.0.0.1:${callee.port}${suffix}`, from: FROM, sdp: OFFER, onProgress: (s) => progress.push(s) });
      assert.ok(progress.includes(180), `progress ${progress.join(',')}`);
      assert.is(call.direction, 'outbound');
      assert.is(call.remote.user, '+15559876543');
      assert.ok(call.remoteSdp?.includes('m=audio'), 'answer SDP');
      const ended = new Promise<CallEndReason>((resolve) => call.events.on('ended', resolve));
      call.hangup();
      assert.is(await ended, 'local');
      assert.is(await callee.exited, '0', `sipp: ${await callee.errors()}`);
    } finally {
      await callee.stop();
      await ua.close();
    }
  });
}

test('dial-out through a trunk that challenges with 401 digest: the second INVITE authenticates', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const trunk = await startSipp(['-sf', `${SIP_FIXTURES}uas-digest.xml`, '-m', '1']);
  try {
    const call = await ua.call({
      target: `sip:+15559876543@127.0.0.1:${trunk.port}`, from: FROM, sdp: OFFER,
      auth: { username: 'trunkuser', password: 's3cret' },
    });
    assert.ok(call.remoteSdp?.includes('PCMA'), 'answer SDP');
    call.hangup();
    assert.is(await trunk.exited, '0', `sipp: ${await trunk.errors()}`);
  } finally {
    await trunk.stop();
    await ua.close();
  }
});

test('wrong digest credentials end in a 403 SipError', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const trunk = await startSipp(['-sf', `${SIP_FIXTURES}uas-digest.xml`, '-m', '1']);
  try {
    const error = await ua.call({
      target: `sip:+15559876543@127.0.0.1:${trunk.port}`, from: FROM, sdp: OFFER,
      auth: { username: 'trunkuser', password: 'wrong' },
    }).then(() => undefined, (e: unknown) => e);
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 403);
  } finally {
    await trunk.stop();
    await ua.close();
  }
});

test('a busy callee rejects the call with SipError 486', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const callee = await startSipp(['-sf', `${SIP_FIXTURES}uas-busy.xml`, '-m', '1']);
  try {
    const error = await ua.call({ target: `sip:+15559876543@127.0.0.1:${callee.port}`, from: FROM, sdp: OFFER }).then(() => undefined, (e: unknown) => e);
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 486);
    assert.is(await callee.exited, '0', `sipp (expects our ACK): ${await callee.errors()}`);
  } finally {
    await callee.stop();
    await ua.close();
  }
});

test('no answer before timeoutMs: CANCEL reaches the callee and the call rejects with 408', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const callee = await startSipp(['-sf', `${SIP_FIXTURES}uas-no-answer.xml`, '-m', '1']);
  try {
    const error = await ua.call({ target: `sip:+15559876543@127.0.0.1:${callee.port}`, from: FROM, sdp: OFFER, timeoutMs: 1000 })
      .then(() => undefined, (e: unknown) => e);
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 408);
    assert.is(await callee.exited, '0', `sipp (expects CANCEL then our ACK of 487): ${await callee.errors()}`);
  } finally {
    await callee.stop();
    await ua.close();
  }
});

test('aborting a ringing call: CANCEL reaches the callee, it answers 487, the call rejects with 487 and leaves no dialog', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const callee = await startSipp(['-sf', `${SIP_FIXTURES}uas-no-answer.xml`, '-m', '1']);
  try {
    const hangup = new AbortController();
    const error = await ua.call({
      target: `sip:+15559876543@127.0.0.1:${callee.port}`, from: FROM, sdp: OFFER, signal: hangup.signal,
      onProgress: (status) => { if (status === 180) hangup.abort(); },
    }).then(() => undefined, (e: unknown) => e);
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 487);
    assert.is(await callee.exited, '0', `sipp (expects CANCEL then our ACK of its 487): ${await callee.errors()}`);
    assert.is(ua.callCount, 0, 'no dialog left');
  } finally {
    await callee.stop();
    await ua.close();
  }
});

test('aborted before any provisional response: no CANCEL until the callee sends one (RFC 3261 §9.1), then CANCEL', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const callee = await rawUdpPeer();
  try {
    const hangup = new AbortController();
    const placing = ua.call({ target: `sip:+15550003333@127.0.0.1:${callee.port}`, from: FROM, sdp: OFFER, signal: hangup.signal })
      .then(() => undefined, (e: unknown) => e);
    const invite = (await callee.waitFor((m) => m.startsWith('INVITE ')))!;
    hangup.abort();
    const error = await placing;
    assert.instance(error, SipError);
    assert.is((error as SipError).status, 487, 'the caller learns at once');
    assert.is(await callee.waitFor((m) => m.startsWith('CANCEL '), 500), undefined, 'no CANCEL before a provisional response');
    await callee.send(ua.port, rawReplyTo(invite, '180 Ringing', { toTag: 'r1' }));
    const cancel = await callee.waitFor((m) => m.startsWith('CANCEL '));
    assert.ok(cancel, 'CANCEL once the callee rang');
    const branch = (m: string): string => /\r\nVia: [^\r]*branch=([^;\r]+)/.exec(m)?.[1] ?? 'none';
    assert.is(branch(cancel ?? ''), branch(invite), 'the CANCEL names the INVITE\'s transaction');
    assert.match(cancel ?? '', /\r\nCSeq: 1 CANCEL\r\n/);
    await callee.send(ua.port, rawReplyTo(invite, '487 Request Terminated', { toTag: 'r1' }));
    assert.ok(await callee.waitFor((m) => m.startsWith('ACK ')), 'the 487 is ACKed');
    assert.is(ua.callCount, 0);
  } finally {
    callee.close();
    await ua.close();
  }
});

test('a proxy challenge (407, SHA-256, qop=auth) is answered with Proxy-Authorization; BYE goes to the 2xx Contact', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const proxy = await rawUdpPeer();
  try {
    const placing = ua.call({ target: `sip:+15550002222@127.0.0.1:${proxy.port}`, from: FROM, sdp: OFFER, auth: { username: 'gw', password: 'pa55' } });
    const first = (await proxy.waitFor((m) => m.startsWith('INVITE ')))!;
    await proxy.send(ua.port, rawReplyTo(first, '407 Proxy Authentication Required', {
      toTag: 'p1', extraHeaders: ['Proxy-Authenticate: Digest realm="proxy.test", nonce="n407", algorithm=SHA-256, qop="auth"'],
    }));
    assert.ok(await proxy.waitFor((m) => m.startsWith('ACK ') && m.includes('CSeq: 1 ACK')), 'the 407 is ACKed');
    const second = (await proxy.waitFor((m) => m.startsWith('INVITE ') && m.includes('CSeq: 2 INVITE')))!;
    const auth = /\r\nProxy-Authorization: (.*)\r\n/.exec(second)?.[1] ?? '';
    const field = (name: string): string => new RegExp(`${name}="?([^",]+)"?`).exec(auth)?.[1] ?? '';
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const uri = `sip:+15550002222@127.0.0.1:${proxy.port}`;
    const expected = sha(`${sha('gw:proxy.test:pa55')}:n407:${field('nc')}:${field('cnonce')}:auth:${sha(`INVITE:${uri}`)}`);
    assert.is(field('response'), expected, 'digest response');
    assert.is(field('uri'), uri);
    await proxy.send(ua.port, rawReplyTo(second, '200 OK', {
      toTag: 'callee1', extraHeaders: [`Contact: <sip:callee@127.0.0.1:${proxy.port}>`], body: 'v=0\r\nm=audio 6000 RTP/AVP 0\r\n',
    }));
    const call = await placing;
    assert.ok(await proxy.waitFor((m) => m.startsWith('ACK ') && m.includes('CSeq: 2 ACK')), 'the 200 is ACKed');
    assert.is(call.remoteSdp, 'v=0\r\nm=audio 6000 RTP/AVP 0\r\n');
    call.hangup();
    const bye = await proxy.waitFor((m) => m.startsWith('BYE '));
    assert.match(bye ?? '', new RegExp(`^BYE sip:callee@127\\.0\\.0\\.1:${proxy.port} SIP/2\\.0\\r\\n`));
    assert.match(bye ?? '', /\r\nTo: +<sip:\+15550002222@[^>]+>;tag=callee1\r\n/);
  } finally {
    proxy.close();
    await ua.close();
  }
});

test('dial-out through proxies that Record-Route: ACK and BYE follow the reversed route set (RFC 3261 §12.1.2)', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const trunk = await rawUdpPeer();
  const proxy = await rawUdpPeer();
  try {
    const placing = ua.call({ target: `sip:+15550004444@127.0.0.1:${trunk.port}`, from: FROM, sdp: OFFER });
    const invite = (await trunk.waitFor((m) => m.startsWith('INVITE ')))!;
    await trunk.send(ua.port, rawReplyTo(invite, '200 OK', {
      toTag: 'rr1', body: 'v=0\r\nm=audio 6000 RTP/AVP 0\r\n',
      extraHeaders: [`Record-Route: <sip:192.0.2.50;lr>, <sip:127.0.0.1:${proxy.port};lr>`, 'Contact: <sip:callee@192.0.2.60:5070>'],
    }));
    const call = await placing;
    const ack = await proxy.waitFor((m) => m.startsWith('ACK '));
    assert.match(ack ?? '', /^ACK sip:callee@192\.0\.2\.60:5070 SIP\/2\.0\r\n/, 'ACK to the remote target via the proxy');
    call.hangup();
    const bye = await proxy.waitFor((m) => m.startsWith('BYE '));
    assert.match(bye ?? '', new RegExp(`\\r\\nRoute: +<sip:127\\.0\\.0\\.1:${proxy.port};lr>, +<sip:192\\.0\\.2\\.50;lr>\\r\\n`), 'reversed route set');
    assert.not.ok(trunk.received.some((m) => m.startsWith('BYE ')));
  } finally {
    proxy.close();
    trunk.close();
    await ua.close();
  }
});

test.run();
