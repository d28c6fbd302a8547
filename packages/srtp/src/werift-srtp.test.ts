// The node:crypto path under werift's transport against werift's own SrtpSession, both profiles:
// byte-exact output for the same packets (an RFC 6464 extension, a sequence-number wrap), each side
// decrypts the other's, and what werift's receive loop must drop (replays, forgeries) is refused
// with the error it drops on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpHeader, SrtpAuthenticationError, SrtpSession } from 'werift';
import { SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, adapterFor } from './index.ts';

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
const keys = (profile: number) => {
  const [key, salt] = profile === SRTP_AEAD_AES_128_GCM ? [16, 12] : [16, 14];
  return { localMasterKey: bytes(key, 1), localMasterSalt: bytes(salt, 2), remoteMasterKey: bytes(key, 3), remoteMasterSalt: bytes(salt, 4) };
};
/** The peer's keys: our local ones are its remote ones. */
const mirrored = (k: ReturnType<typeof keys>) => ({ localMasterKey: k.remoteMasterKey, localMasterSalt: k.remoteMasterSalt, remoteMasterKey: k.localMasterKey, remoteMasterSalt: k.localMasterSalt });

const header = (seq: number, level: number): RtpHeader =>
  new RtpHeader({ ssrc: 0xdeadbeef, payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, marker: seq === 65534, extension: true, extensions: [{ id: 1, payload: Buffer.from([level]) }] });

// Sequence numbers across a wrap: the rollover counter must advance the same way on both paths.
const SEQS = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];

for (const [name, profile] of [['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM], ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80]] as const) {
  test(`${name}: what we send equals werift's bytes, and werift's peer decrypts it`, () => {
    const k = keys(profile);
    const theirs = new SrtpSession({ keys: k, profile });
    const ours = adapterFor(new SrtpSession({ keys: k, profile }));
    const peer = new SrtpSession({ keys: mirrored(k), profile });
    for (const seq of SEQS) {
      const payload = bytes(60 + (seq % 7), seq);
      const expected = theirs.encrypt(payload, header(seq, seq & 0x7f));
      const sent = ours.encrypt(payload, header(seq, seq & 0x7f));
      assert.equal(sent, expected, `packet ${seq}`);
      assert.equal(peer.decrypt(sent).subarray(-payload.length), payload);
    }
  });

  test(`${name}: we decrypt werift's packets to werift's plain bytes, and refuse replays and forgeries`, () => {
    const k = keys(profile);
    const ours = adapterFor(new SrtpSession({ keys: k, profile }));
    const peer = new SrtpSession({ keys: mirrored(k), profile });
    const check = new SrtpSession({ keys: k, profile });
    for (const seq of SEQS) {
      const packet = peer.encrypt(bytes(80, seq), header(seq, 30));
      const plain = ours.decrypt(packet);
      assert.equal(plain, check.decrypt(packet), `packet ${seq}`);
      assert.equal(plain.subarray(plain.length - 80), bytes(80, seq));
      assert.throws(() => ours.decrypt(packet), (e: unknown) => e instanceof SrtpAuthenticationError && /replayed/.test(String(e)));
    }
    const forged = peer.encrypt(bytes(80, 9), header(4, 30));
    forged[20] = (forged[20] ?? 0) ^ 1;
    assert.throws(() => ours.decrypt(forged), (e: unknown) => e instanceof SrtpAuthenticationError && /auth-failed/.test(String(e)));
    assert.throws(() => ours.decrypt(Buffer.from([0x80, 0, 0])), (e: unknown) => e instanceof SrtpAuthenticationError && /malformed/.test(String(e)));
    assert.equal(ours.session.refused, { malformed: 1, 'auth-failed': 1, replayed: SEQS.length, 'too-old': 0, 'too-many-ssrcs': 0 });
    // The forgery moved nothing: the genuine packet with its sequence number still decrypts.
    const genuine = peer.encrypt(bytes(80, 9), header(4, 30));
    assert.equal(ours.decrypt(genuine).subarray(-80), bytes(80, 9));
  });
}

test('a profile we do not implement is refused when the adapter is made', () => {
  const k = keys(SRTP_AEAD_AES_128_GCM);
  const session = { config: { profile: 8 }, localContext: { srtpSessionKey: k.localMasterKey, srtpSessionSalt: k.localMasterSalt, srtpSessionAuthTag: Buffer.alloc(20) } };
  assert.throws(() => adapterFor({ ...session, remoteContext: session.localContext }), /profile 8/);
});

test.run();
