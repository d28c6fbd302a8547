// The ICE-lite responder of one endpoint, with a fake mux and a fake clock: answers, address
// selection and nomination, remote ufrag check, consent and DTLS deadlines, sending before SRTP.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import { createDtlsCertificate } from './dtls-certificate.ts';
import { EndpointTransport } from './endpoint-transport.ts';
import { readBindingRequest } from './stun-binding.ts';
import { newTransportCounters } from './transport-counters.ts';
import type { AddressTarget, DatagramPort } from './udp-mux.ts';

const LOCAL_UFRAG = 'brdg0001';
const LOCAL_PWD = 'bridgepassword0123456789';
const certificate = createDtlsCertificate(Date.now());

class FakeMux implements DatagramPort {
  readonly sent: { datagram: Buffer; port: number; address: string }[] = [];
  readonly bound = new Map<string, AddressTarget>();
  send(datagram: Buffer, port: number, address: string): void {
    this.sent.push({ datagram, port, address });
  }
  bindAddress(address: string, port: number, target: AddressTarget): void {
    this.bound.set(`${address}:${port}`, target);
  }
  unbindAddress(address: string, port: number, target: AddressTarget): void {
    if (this.bound.get(`${address}:${port}`) === target) this.bound.delete(`${address}:${port}`);
  }
}

function setup() {
  const clock = new FakeClock();
  const mux = new FakeMux();
  const counters = newTransportCounters();
  const t = new EndpointTransport({
    meetingId: 'm', endpointId: 'e', localUfrag: LOCAL_UFRAG, localPwd: LOCAL_PWD, certificate, counters, mux, clock, log: silentLogger,
  });
  const check = (address: string, port: number, opts: { useCandidate?: boolean; pwd?: string; remoteUfrag?: string } = {}): Buffer | undefined => {
    const m = new Message(methods.BINDING, classes.REQUEST)
      .setAttribute('USERNAME', `${LOCAL_UFRAG}:${opts.remoteUfrag ?? 'peer'}`)
      .setAttribute('ICE-CONTROLLING', 1n).setAttribute('PRIORITY', 100);
    if (opts.useCandidate === true) m.setAttribute('USE-CANDIDATE', null);
    const datagram = m.addMessageIntegrity(Buffer.from(opts.pwd ?? LOCAL_PWD)).addFingerprint().bytes;
    const request = readBindingRequest(datagram);
    assert.ok(request.ok);
    const before = mux.sent.length;
    t.handleBindingRequest(request.value, datagram, address, port);
    return mux.sent.length > before ? mux.sent[mux.sent.length - 1]?.datagram : undefined;
  };
  return { clock, mux, counters, t, check };
}

const test = suite('endpoint transport: ICE-lite');

test('a valid check is answered with XOR-MAPPED-ADDRESS, integrity and fingerprint, and selects the address', () => {
  const { t, mux, check, counters } = setup();
  assert.is(t.state, 'new');
  const response = check('192.0.2.10', 50000);
  assert.ok(response);
  const parsed = parseMessage(response, Buffer.from(LOCAL_PWD));
  assert.ok(parsed, 'authenticated with the bridge password');
  assert.is(parsed.messageClass, classes.RESPONSE);
  assert.equal(parsed.getAttributeValue('XOR-MAPPED-ADDRESS'), ['192.0.2.10', 50000]);
  assert.equal(mux.sent[0]?.address, '192.0.2.10');
  assert.is(mux.sent[0]?.port, 50000);
  assert.equal([...mux.bound.keys()], ['192.0.2.10:50000']);
  assert.is(t.state, 'checking');
  assert.is(counters.stunAnswered, 1);
});

test('wrong integrity or another remote ufrag: no answer, counted, nothing learnt', () => {
  const { t, mux, check, counters } = setup();
  assert.is(check('192.0.2.10', 50000, { pwd: 'attackerpassword00000000' }), undefined);
  assert.is(counters.dropped['stun-bad-integrity'], 1);
  assert.is(mux.bound.size, 0);
  assert.is(t.state, 'new');
  t.setRemoteParameters({ ufrag: 'peer', pwd: 'x', fingerprints: [] });
  assert.is(check('192.0.2.10', 50000, { remoteUfrag: 'other' }), undefined);
  assert.is(counters.dropped['stun-remote-ufrag-mismatch'], 1);
  assert.ok(check('192.0.2.10', 50000, { remoteUfrag: 'peer' }));
});

test('a plain check from another address is answered but does not move the endpoint; a nomination does', () => {
  const { t, mux, check, counters } = setup();
  check('192.0.2.10', 50000);
  assert.ok(check('198.51.100.20', 40000), 'answered: the peer may be probing another pair');
  assert.equal([...mux.bound.keys()], ['192.0.2.10:50000']);
  assert.ok(check('198.51.100.20', 40000, { useCandidate: true }));
  assert.equal(mux.sent[mux.sent.length - 1]?.address, '198.51.100.20', 'answered where it came from');
  assert.equal([...mux.bound.keys()].sort(), ['192.0.2.10:50000', '198.51.100.20:40000'], 'followed the nomination; the address it left is still received from');
  assert.is(t.stats().addressChanges, 1);
  assert.is(counters.addressChanges, 1);
  check('198.51.100.20', 40000, { useCandidate: true });
  assert.is(t.stats().addressChanges, 1, 'the same address again is no change');
  check('203.0.113.30', 30000, { useCandidate: true });
  assert.equal([...mux.bound.keys()].sort(), ['198.51.100.20:40000', '203.0.113.30:30000'], 'one previous address at most');
  check('198.51.100.20', 40000, { useCandidate: true });
  assert.equal([...mux.bound.keys()].sort(), ['198.51.100.20:40000', '203.0.113.30:30000'], 'moving back swaps them');
  assert.is(t.pathKind, 'udp');
  // As the mux does when another endpoint's valid check comes from one of these addresses.
  const other: AddressTarget = { handleDtls: () => undefined, handleRtp: () => undefined, handleRtcp: () => undefined, addressTaken: () => undefined };
  const takeOver = (address: string, port: number): void => {
    mux.bindAddress(address, port, other);
    t.addressTaken(address, port);
  };
  takeOver('203.0.113.30', 30000);
  assert.is(t.pathKind, 'udp', 'another endpoint took the previous address: the selected one stays');
  takeOver('198.51.100.20', 40000);
  assert.is(t.pathKind, undefined, 'and the selected one: nothing to send on');
  check('192.0.2.10', 50000, { useCandidate: true });
  t.close();
  assert.equal([...mux.bound].filter(([, target]) => target === t), [], 'closing unroutes everything it had');
});

test('consent: expires after the timeout without a valid check; each valid check renews it', () => {
  const { t, clock, check } = setup();
  clock.advance(900);
  assert.is(t.checkConsent(clock.now(), 1000), 'fresh');
  check('192.0.2.10', 50000);
  clock.advance(500);
  check('192.0.2.10', 50000);
  clock.advance(500);
  assert.is(t.checkConsent(clock.now(), 1000), 'dtls-timeout', 'consent is fresh, but DTLS has not finished within the timeout');
  const { t: t2, clock: c2, check: check2 } = setup();
  c2.advance(999);
  assert.is(t2.checkConsent(c2.now(), 1000), 'fresh');
  c2.advance(1);
  assert.is(t2.checkConsent(c2.now(), 1000), 'expired', 'never checked in');
  check2('192.0.2.10', 1);
  assert.is(t2.checkConsent(c2.now(), 1000), 'fresh', 'a valid check renews');
  let expired = 0;
  let closed = '';
  t.events.on('expired', () => expired++);
  t.events.on('closed', (reason) => (closed = reason));
  t.expire();
  t.expire();
  assert.is(expired, 1);
  assert.is(closed, 'expired');
  assert.is(t.state, 'expired');
  assert.is(check('192.0.2.10', 50000), undefined, 'no answers once expired');
});

test('before DTLS: media is dropped and counted, sending reports false', () => {
  const { t, check, counters } = setup();
  check('192.0.2.10', 50000);
  t.handleRtp(Buffer.from([0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]));
  t.handleRtcp(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 1]));
  assert.is(counters.dropped['media-before-srtp'], 2);
  assert.not.ok(t.sendRtp(Buffer.from([0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])));
  assert.not.ok(t.sendRtcp(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 1])));
  assert.is(counters.dropped['send-not-connected'], 2);
  t.close();
  assert.is(t.state, 'closed');
});

test.run();
