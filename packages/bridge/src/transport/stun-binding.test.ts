// The STUN reader and writer against werift-ice's own STUN messages (an independent
// implementation): requests built with werift's Message, responses checked with its parseMessage.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import { MAX_STUN_BYTES, ipAddressBytes, readBindingRequest, verifyMessageIntegrity, writeBindingSuccess } from './stun-binding.ts';

const PWD = Buffer.from('bridge-password-0123456789');
const check = (opts: { username?: string; useCandidate?: boolean; pwd?: Buffer | null; fingerprint?: boolean; cls?: classes } = {}): Buffer => {
  const m = new Message(methods.BINDING, opts.cls ?? classes.REQUEST, Buffer.from('0123456789ab'));
  if (opts.username !== '') m.setAttribute('USERNAME', opts.username ?? 'brdg:peer');
  m.setAttribute('PRIORITY', 1853817087);
  m.setAttribute('ICE-CONTROLLING', 0x1122334455667788n);
  if (opts.useCandidate === true) m.setAttribute('USE-CANDIDATE', null);
  if (opts.pwd !== null) m.addMessageIntegrity(opts.pwd ?? PWD);
  if (opts.fingerprint !== false) m.addFingerprint();
  return m.bytes;
};

const test = suite('stun binding');

test('a werift check reads back: ufrags, nomination, priority, role; integrity verifies with the right key only', () => {
  const buf = check({ useCandidate: true });
  const r = readBindingRequest(buf);
  assert.ok(r.ok, JSON.stringify(r));
  assert.is(r.value.localUfrag, 'brdg');
  assert.is(r.value.remoteUfrag, 'peer');
  assert.is(r.value.useCandidate, true);
  assert.is(r.value.priority, 1853817087);
  assert.is(r.value.role, 'controlling');
  assert.equal(Buffer.from(r.value.transactionId).toString(), '0123456789ab');
  assert.ok(verifyMessageIntegrity(buf, r.value.integrityOffset, PWD));
  assert.not.ok(verifyMessageIntegrity(buf, r.value.integrityOffset, Buffer.from('wrong-password-0123456789')));
  const plain = readBindingRequest(check());
  assert.is(plain.ok && plain.value.useCandidate, false);
});

test('integrity made with another password fails; a flipped byte fails the fingerprint first', () => {
  const wrong = check({ pwd: Buffer.from('not-the-bridge-password') });
  const r = readBindingRequest(wrong);
  assert.ok(r.ok, 'structurally fine');
  assert.not.ok(verifyMessageIntegrity(wrong, r.value.integrityOffset, PWD));
  const flipped = check();
  flipped[30] = (flipped[30] ?? 0) ^ 1;
  assert.equal(readBindingRequest(flipped), { ok: false, error: 'stun-bad-fingerprint' });
});

test('missing USERNAME, MESSAGE-INTEGRITY or FINGERPRINT, or a USERNAME without both ufrags: unauthenticated', () => {
  for (const buf of [check({ username: '' }), check({ pwd: null }), check({ fingerprint: false }), check({ username: 'nocolon' }), check({ username: 'brdg:' })]) {
    assert.equal(readBindingRequest(buf), { ok: false, error: 'stun-unauthenticated' });
  }
});

test('responses, indications and other methods are not checks', () => {
  assert.equal(readBindingRequest(check({ cls: classes.RESPONSE })), { ok: false, error: 'stun-not-binding-request' });
  assert.equal(readBindingRequest(check({ cls: classes.INDICATION })), { ok: false, error: 'stun-not-binding-request' });
  const allocate = new Message(methods.ALLOCATE, classes.REQUEST).addMessageIntegrity(PWD).addFingerprint().bytes;
  assert.equal(readBindingRequest(allocate), { ok: false, error: 'stun-not-binding-request' });
});

test('every truncation of a valid check is refused without throwing', () => {
  const buf = check({ useCandidate: true });
  for (let n = 0; n < buf.length; n++) {
    const r = readBindingRequest(buf.subarray(0, n));
    assert.ok(!r.ok && ['stun-truncated', 'stun-malformed'].includes(r.error), `length ${n}: ${JSON.stringify(r)}`);
  }
  assert.equal(readBindingRequest(buf.subarray(0, 19)), { ok: false, error: 'stun-truncated' });
  assert.equal(readBindingRequest(buf.subarray(0, buf.length - 4)), { ok: false, error: 'stun-truncated' }, 'header promises more');
});

test('oversized, trailing bytes, bad cookie, bad attribute lengths, attributes after FINGERPRINT', () => {
  assert.equal(readBindingRequest(Buffer.concat([check(), Buffer.alloc(MAX_STUN_BYTES)])), { ok: false, error: 'stun-oversized' });
  assert.equal(readBindingRequest(Buffer.concat([check(), Buffer.alloc(4)])), { ok: false, error: 'stun-malformed' });
  const cookie = check();
  cookie[5] = 0;
  assert.equal(readBindingRequest(cookie), { ok: false, error: 'stun-malformed' });
  const odd = check();
  odd.writeUInt16BE(odd.readUInt16BE(2) - 2, 2);
  assert.equal(readBindingRequest(odd), { ok: false, error: 'stun-malformed' });
  // An attribute whose length runs past the end.
  const overrun = check();
  overrun.writeUInt16BE(0x7fff, 22);
  assert.equal(readBindingRequest(overrun), { ok: false, error: 'stun-truncated' });
  // A 2-byte USE-CANDIDATE (werift puts raw attributes last, so this message stops there).
  const m = new Message(methods.BINDING, classes.REQUEST).setAttribute('USERNAME', 'a:b');
  m.appendRawAttribute(0x0025, Buffer.from([1, 2]));
  assert.equal(readBindingRequest(m.bytes), { ok: false, error: 'stun-malformed' });
  // Something after FINGERPRINT: the fingerprint covers the header's length, so it fails first or
  // the order does; either way it is refused.
  const late = Buffer.concat([check(), Buffer.from([0x80, 0x22, 0, 0])]);
  late.writeUInt16BE(late.length - 20, 2);
  const lateResult = readBindingRequest(late);
  assert.ok(!lateResult.ok && ['stun-malformed', 'stun-bad-fingerprint'].includes(lateResult.error));
});

test('random datagrams starting 0-3 never throw', () => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 5000; i++) {
    const buf = Buffer.alloc(rnd() + (i % 3 === 0 ? 20 : 0));
    for (let j = 0; j < buf.length; j++) buf[j] = rnd();
    if (buf.length > 0) buf[0] = (buf[0] ?? 0) & 3;
    if (buf.length >= 8 && i % 2 === 0) buf.writeUInt32BE(0x2112a442, 4);
    if (buf.length >= 4 && i % 4 === 0) buf.writeUInt16BE((buf.length - 20) & 0xfffc, 2);
    assert.not.ok(readBindingRequest(buf).ok && false);
  }
});

test('the success response verifies with werift: XOR-MAPPED-ADDRESS (IPv4, IPv6, mapped), integrity, fingerprint', () => {
  const txid = Buffer.from('0123456789ab');
  for (const [ip, expected] of [['192.0.2.7', '192.0.2.7'], ['2001:db8::1', '2001:db8::1'], ['::ffff:10.1.2.3', '10.1.2.3']] as const) {
    const res = writeBindingSuccess(txid, ip, 54321, PWD);
    assert.ok(res);
    const parsed = parseMessage(res, PWD);
    assert.ok(parsed, `${ip}: werift accepts integrity and fingerprint`);
    assert.is(parsed.messageMethod, methods.BINDING);
    assert.is(parsed.messageClass, classes.RESPONSE);
    assert.equal(parsed.transactionId, txid);
    assert.equal(parsed.getAttributeValue('XOR-MAPPED-ADDRESS'), [expected, 54321]);
    assert.is(parseMessage(res, Buffer.from('other-password')), undefined, 'keyed to the password');
  }
  assert.is(writeBindingSuccess(txid, 'not-an-ip', 1, PWD), undefined);
});

test('ipAddressBytes: literals only', () => {
  assert.equal([...(ipAddressBytes('127.0.0.1') ?? [])], [127, 0, 0, 1]);
  assert.equal([...(ipAddressBytes('::1') ?? [])], [...new Array<number>(15).fill(0), 1]);
  assert.equal([...(ipAddressBytes('fe80::1%eth0') ?? [])].slice(0, 2), [0xfe, 0x80]);
  assert.equal([...(ipAddressBytes('::ffff:1.2.3.4') ?? [])], [1, 2, 3, 4]);
  assert.equal([...(ipAddressBytes('64:ff9b::1.2.3.4') ?? [])].slice(12), [1, 2, 3, 4]);
  for (const bad of ['', '1.2.3', '1.2.3.256', 'a::b::c', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'host.example', '12345::']) {
    assert.is(ipAddressBytes(bad), undefined, bad);
  }
});

test.run();
