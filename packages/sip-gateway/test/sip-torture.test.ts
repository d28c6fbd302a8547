// RFC 4475 torture messages, garbage, oversized messages and policy refusals sent raw at a running
// user agent: each gets the right answer (or silence), nothing crashes, and calls still work after.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { SipUserAgent } from '../src/sip/index.ts';
import type { IncomingCall } from '../src/sip/index.ts';
import { checkInbound } from '../src/sip/message-check.ts';
import { SIP_FIXTURES } from './sip-sipp.ts';
import { rawInvite, rawUdpPeer, tcpExchange } from './sip-raw.ts';

type Expectation = { section: string; expect: Array<number | 'app'> | 'none' };
const DIR = `${SIP_FIXTURES}rfc4475/`;
const expectations = JSON.parse(readFileSync(`${DIR}expectations.json`, 'utf8')) as Record<'valid' | 'invalid', Record<string, Expectation>>;

/** The fixture as sent: CRLF line ends, {len} replaced by the body's length in octets. */
function loadTorture(name: string): string {
  const text = readFileSync(`${DIR}${name}.sip`).toString('latin1').replace(/\r?\n/g, '\r\n');
  const end = text.indexOf('\r\n\r\n');
  const body = end < 0 ? '' : text.slice(end + 4);
  return text.replace('{len}', String(body.length));
}

function callIdOf(text: string): string {
  return /^(?:Call-ID|I|i)\s*:\s*(\S+)/m.exec(text)?.[1] ?? '';
}

test('RFC 4475 §3.1.1/§3.1.2 over UDP: valid ones understood, malformed ones 400 (or silence), no crash', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const peer = await rawUdpPeer();
  const offered = new Map<string, IncomingCall>();
  ua.events.on('invite', (call) => {
    offered.set(call.callId, call);
    call.reject(486);
  });
  try {
    for (const group of ['valid', 'invalid'] as const) {
      for (const [name, { section, expect }] of Object.entries(expectations[group])) {
        const message = loadTorture(name);
        const callId = callIdOf(message);
        assert.ok(callId !== '', `${name}: fixture has a Call-ID`);
        await peer.send(ua.port, message);
        const isAnswer = (m: string): boolean => m.startsWith('SIP/2.0 ') && m.includes(`Call-ID: ${callId}\r\n`) && !m.startsWith('SIP/2.0 100 ');
        if (expect === 'none') {
          const answer = await peer.waitFor(isAnswer, 300);
          assert.is(answer, undefined, `${group} ${name} (${section}) must be dropped`);
          continue;
        }
        const answer = await peer.waitFor(isAnswer, 2000);
        assert.ok(answer !== undefined, `${group} ${name} (${section}): no answer`);
        const status = Number(answer!.slice(8, 11));
        const allowed = expect.map((e) => (e === 'app' ? 486 : e));
        assert.ok(allowed.includes(status), `${group} ${name} (${section}): got ${status}, want ${allowed.join('/')}`);
        if (status === 486) assert.ok(offered.has(callId), `${name}: a 486 comes from the gateway's handler`);
        if (status === 405) assert.match(answer!, /\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS/);
      }
    }
    // What the valid ones must have been understood as.
    assert.match(peer.received.find((m) => m.includes('wsinv.ndaksdj'))!, /^SIP\/2\.0 481 .*\r\n(?:.*\r\n)*CSeq: 9 INVITE\r\n/);
    const esc01 = offered.get('esc01.239409asdfakjkn23onasd0-3234');
    assert.is(esc01?.remote.user, 'I have spaces');
    assert.ok(esc01?.offerSdp?.startsWith('v=0'), 'esc01 SDP offer');
    assert.ok(offered.get(callIdOf(loadTorture('longreq')))?.offerSdp?.includes('m=video'), 'longreq SDP');
    // dblreq: the INVITE after the REGISTER's Content-Length is not a request.
    assert.not.ok(peer.received.some((m) => m.includes('dblreq.0ha0isnda977644900765')), 'dblreq trailing INVITE ignored');
    // Still serving: an OPTIONS ping gets 200.
    const ping = loadTorture('lwsdisp').replace('lwsdisp.1234abcd', 'after-torture');
    await peer.send(ua.port, ping);
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('after-torture')), 'OPTIONS after the torture set');
  } finally {
    peer.close();
    await ua.close();
  }
});

test('every truncation of the torture messages is handled by the checker without throwing', () => {
  for (const name of ['wsinv', 'intmeth', 'esc01', 'longreq', 'badinv01', 'quotbal', 'mpart01']) {
    const message = loadTorture(name);
    for (let length = 0; length <= message.length; length++) {
      for (const datagram of [true, false]) {
        const checked = checkInbound(message.slice(0, length), { datagram, maxMessageBytes: 65_535 });
        assert.ok(['message', 'reject', 'drop'].includes(checked.kind));
      }
    }
  }
});

test('400 mutated INVITEs (seeded random bytes flipped) over UDP: no crash, the agent still answers', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const peer = await rawUdpPeer();
  ua.events.on('invite', (call) => call.reject(486));
  try {
    let seed = 4475;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const base = rawInvite({ fromPort: peer.port, callId: 'mutant', extraHeaders: ['Record-Route: <sip:127.0.0.1:9;lr>', 'Session-Expires: 1800;refresher=uac', 'Supported: timer'] });
    const alphabet = ' \t\r\n:;,<>"@=%\\/0123456789abcdefghijklmnopqrstuvwxyz\u0000\u00ff';
    for (let i = 0; i < 400; i++) {
      const bytes = base.split('');
      for (let flips = 1 + random(4); flips > 0; flips--) bytes[random(bytes.length)] = alphabet[random(alphabet.length)]!;
      await peer.send(ua.port, bytes.join('').replace('mutant', `mutant${i}`));
      // Paced a little: UDP drops what overflows the socket buffer, and this peer never retransmits.
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ping = loadTorture('lwsdisp').replace('lwsdisp.1234abcd', 'after-mutants');
    let answer: string | undefined;
    for (let attempt = 0; attempt < 6 && answer === undefined; attempt++) {
      await peer.send(ua.port, ping); // retransmitted like a real UAC would (Timer E)
      answer = await peer.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('after-mutants'), 500);
    }
    assert.ok(answer, 'OPTIONS after the mutants');
  } finally {
    peer.close();
    await ua.close();
  }
});

test('garbage over UDP and TCP breaks nothing; oversized messages get 513; a call still works after', async () => {
  const ua = await SipUserAgent.start({ port: 0, maxMessageBytes: 4096 }, silentLogger);
  const peer = await rawUdpPeer();
  try {
    const junk = [
      '', '\r\n\r\n', 'INVITE', 'INVITE sip:x SIP/2.0\r\n\r\n', 'SIP/2.0 200 OK\r\n\r\n',
      Buffer.from(Array.from({ length: 1400 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
      `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKj1\r\n${'X: y\r\n'.repeat(3)}Content-Length: 12abc\r\n\r\n`,
      'OPTIONS sip:a@b SIP/2.0\r\nVia: \r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: j2\r\nCSeq: 1 OPTIONS\r\n\r\n',
      `ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKj3\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: j3\r\nCSeq: 1 ACK\r\n\r\n`,
      `BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKj4\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: j4\r\nCSeq: 1 BYE\r\n\r\n`,
      `CANCEL sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKj5\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: j5\r\nCSeq: 1 CANCEL\r\n\r\n`,
      `PUBLISH sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKj6\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: j6\r\nCSeq: 1 PUBLISH\r\n\r\n`,
    ];
    for (const text of junk) await peer.send(ua.port, text);
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 481') && m.includes('Call-ID: j4')), 'BYE outside a dialog: 481');
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 481') && m.includes('Call-ID: j5')), 'CANCEL matching nothing: 481');
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 405') && m.includes('Call-ID: j6') && m.includes('Allow: ')), 'unknown method: 405 with Allow');

    const big = `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKbig\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: big1\r\nCSeq: 1 OPTIONS\r\nX-Padding: ${'p'.repeat(6000)}\r\nContent-Length: 0\r\n\r\n`;
    await peer.send(ua.port, big);
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 513') && m.includes('Call-ID: big1')), 'oversized datagram: 513');
    const overTcp = await tcpExchange(ua.port, big.replace('big1', 'big2').replace('/UDP', '/TCP'));
    assert.match(overTcp, /^SIP\/2\.0 513 /, 'oversized over TCP: 513');

    for (const text of [
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256)).toString('latin1'),
      'INVITE sip:a@b SIP/2.0\r\nContent-Length: nope\r\n\r\n',
      `INVITE sip:a@b SIP/2.0\r\n${'Y: z\r\n'.repeat(2000)}`,
      'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKt\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: t1\r\nCSeq: 1 OPTIONS\r\nContent-Length: -5\r\n\r\n',
    ]) {
      await tcpExchange(ua.port, text, 300);
    }
    assert.is(await tcpExchange(ua.port, '\r\n\r\n', 300), '\r\n', 'RFC 5626 keep-alive ping gets its pong');
    const tcpOptions = await tcpExchange(ua.port, 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKt2\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: t2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n', 500);
    assert.match(tcpOptions, /^SIP\/2\.0 200 /, 'OPTIONS over TCP after the garbage');

    const offered = new Promise<IncomingCall>((resolve) => ua.events.on('invite', resolve));
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'after-garbage' }));
    const call = await offered;
    void call.accept('v=0\r\n').catch(() => undefined);
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 200') && m.includes('after-garbage')), 'a call is answered after the garbage');
    call.hangup();
  } finally {
    peer.close();
    await ua.close();
  }
});

test('allow-list: an INVITE from outside gets 403, from inside reaches the gateway', async () => {
  const closed = await SipUserAgent.start({ port: 0, inboundAllowList: ['10.0.0.0/8', '192.0.2.7'] }, silentLogger);
  const open = await SipUserAgent.start({ port: 0, inboundAllowList: ['10.0.0.0/8', '127.0.0.0/24'] }, silentLogger);
  const peer = await rawUdpPeer();
  try {
    let closedOffers = 0;
    closed.events.on('invite', () => closedOffers++);
    await peer.send(closed.port, rawInvite({ fromPort: peer.port, callId: 'outsider' }));
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 403') && m.includes('outsider')), '403 for an address not listed');
    assert.is(closedOffers, 0);
    const offered = new Promise<IncomingCall>((resolve) => open.events.on('invite', resolve));
    await peer.send(open.port, rawInvite({ fromPort: peer.port, callId: 'insider' }));
    (await offered).reject(486);
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 486') && m.includes('insider')), 'the listed address reaches the handler');
  } finally {
    peer.close();
    await closed.close();
    await open.close();
  }
});

test('maxCalls: with one call up and maxCalls 1, the next INVITE gets 503 with Retry-After; after BYE calls are taken again', async () => {
  const ua = await SipUserAgent.start({ port: 0, maxCalls: 1 }, silentLogger);
  const peer = await rawUdpPeer();
  try {
    const calls: IncomingCall[] = [];
    ua.events.on('invite', (call) => {
      calls.push(call);
      call.ringing();
    });
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'first' }));
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 180') && m.includes('first')));
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'second' }));
    const busy = await peer.waitFor((m) => m.includes('second') && !m.startsWith('SIP/2.0 100'));
    assert.match(busy ?? '', /^SIP\/2\.0 503 /);
    assert.match(busy ?? '', /\r\nRetry-After: \d+\r\n/);
    calls[0]!.reject(486);
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'third' }));
    assert.ok(await peer.waitFor((m) => m.startsWith('SIP/2.0 180') && m.includes('third')), 'a slot is free again');
    assert.is(calls.length, 2);
  } finally {
    peer.close();
    await ua.close();
  }
});

test('an INVITE with Session-Expires below 90 s gets 422 with Min-SE; Require: 100rel gets 420', async () => {
  const ua = await SipUserAgent.start({ port: 0 }, silentLogger);
  const peer = await rawUdpPeer();
  try {
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'short-se', extraHeaders: ['Supported: timer', 'Session-Expires: 60'] }));
    const tooSmall = await peer.waitFor((m) => m.includes('short-se') && !m.startsWith('SIP/2.0 100'));
    assert.match(tooSmall ?? '', /^SIP\/2\.0 422 /);
    assert.match(tooSmall ?? '', /\r\nMin-Se: 90\r\n/i);
    await peer.send(ua.port, rawInvite({ fromPort: peer.port, callId: 'needs-100rel', extraHeaders: ['Require: 100rel'] }));
    const bad = await peer.waitFor((m) => m.includes('needs-100rel') && !m.startsWith('SIP/2.0 100'));
    assert.match(bad ?? '', /^SIP\/2\.0 420 /);
    assert.match(bad ?? '', /\r\nUnsupported: 100rel\r\n/);
  } finally {
    peer.close();
    await ua.close();
  }
});

test.run();
