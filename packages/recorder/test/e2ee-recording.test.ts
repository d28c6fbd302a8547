// The recorder in an end-to-end encrypted room, without a browser: our XMPP server, focus and bridge
// (testkit startStack), the recorder component, and two werift participants. Alice turns the room's
// E2EE on and is a key holder as a browser is (@plenum/e2ee KeySession: her identity key in her
// presence; once the recorder's presence shows its identity key she sends it her media key over a
// MUC private message); she encrypts her Opus frames with FrameKeys and sends her VP8 unencrypted.
// Bob holds no keys and encrypts nothing. The recording has Alice's audio, decrypted (her 440 Hz tone
// in a file that decodes), and nothing else: Bob's media and Alice's unencrypted video do not
// decrypt, so no file of them is written (fail-closed). The manifest says E2EE and counts the drops.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { FrameEncryptor, FrameKeys, KeySession, e2eePresenceElements, readE2eePresence } from '@plenum/e2ee';
import type { El } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, child, children, el } from '@plenum/xmpp/codec';
import { nextEvent } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { Manifest } from '../src/index.ts';
import { bandLevel, decodeErrors } from './media-tools.ts';
import { PatternSender } from './pattern-sender.ts';
import { RecorderTestBed, becomesModerator, jibriIq, sleep, startOnceAvailable, statusIs } from './recorder-stack.ts';

const ROOM = 'encrypted-recorded';
const RECORD_MS = 6_000;

const isRecorderPresence = (e: El): boolean => e.name === 'presence' && e.attrs.type === undefined
  && children(child(e, 'features') ?? el('x'), 'feature').some((f) => f.attrs.var === 'http://jitsi.org/protocol/jibri');

test('an encrypted room: the recorder gets the key holder\'s key and writes her decrypted audio, and nothing that does not decrypt', async () => {
  const bed = await RecorderTestBed.create('rec-e2ee');
  const { people, senders } = bed;
  let aliceKeys: KeySession | undefined;
  try {
    const { recorder, port } = await bed.start({
      output: { directory: join(bed.dir, 'out') }, composed: { enabled: false }, log: { level: 'silent' },
    });
    for (let i = 0; i < 2; i++) people.push(await MediaParticipant.join({ port, room: ROOM }));
    await Promise.all(people.map((p) => p.connected()));
    const [alice, bob] = people as [MediaParticipant, MediaParticipant];
    await becomesModerator(alice);

    // Alice: a key holder, as a browser is; she switches the room's E2EE on in her presence.
    const aliceFrames = new FrameKeys();
    const keys = new KeySession({
      log: silentLogger, localId: () => alice.id,
      sendJson: (to, json) => alice.signalling.client.send(el('message', { to: `${alice.signalling.roomJid}/${to}`, type: 'chat' }, el('json-message', { xmlns: NS_JITSI_MEET }, json))),
      onLocalKey: (index, material) => void aliceFrames.setLocalKey(index, material),
      onPeerKey: () => undefined,
    });
    aliceKeys = keys;
    await keys.start();
    keys.joined();
    alice.signalling.client.send(el('presence', { to: alice.signalling.occupantJid }, el('SourceInfo', {}, '{}'),
      ...e2eePresenceElements({ encrypts: true, idKey: keys.publicKeyBase64, room: { on: true, at: Date.now() } })));
    const encryptor = new FrameEncryptor();
    senders.push(await PatternSender.start(alice, 440, async (media, header, payload) => {
      if (media === 'video') return payload;
      const sealed = await aliceFrames.encrypt(encryptor, new Uint8Array(payload).buffer, 'audio', header.ssrc, header.timestamp);
      return sealed === undefined ? undefined : Buffer.from(sealed);
    }));
    senders.push(await PatternSender.start(bob, 660));

    const started = await startOnceAvailable(alice, jibriIq(alice, 'start'));
    assert.is(started?.attrs.type, 'result', 'the moderator\'s start is accepted');
    // The recorder joins with an identity key: Alice pairs with it and sends it her (ratcheted) key.
    const joined = await alice.signalling.client.next(isRecorderPresence, 20_000, 'the recorder\'s presence');
    const seen = readE2eePresence(joined);
    assert.ok(seen.idKey !== '', 'the recorder advertises an identity key');
    assert.not.ok(seen.encrypts, 'and that it encrypts nothing (it sends nothing)');
    keys.onPeerPresence((joined.attrs.from ?? '').split('/')[1] ?? '', seen.idKey, seen.encrypts);
    await bob.signalling.client.next(statusIs(bob, 'on'), 20_000, 'recording on');
    await sleep(RECORD_MS);
    const recorded = nextEvent(recorder.recorder.events, 'recorded', () => true, 20_000);
    assert.is((await alice.signalling.request(jibriIq(alice, 'stop'), 15_000)).attrs.type, 'result');
    const [manifestPath] = await recorded;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    const recDir = join(manifestPath, '..');

    assert.is(manifest.e2ee?.on, true, 'the manifest says the room was end-to-end encrypted');
    assert.ok((manifest.e2ee?.framesDecrypted ?? 0) > 100, `Alice's audio was decrypted (${manifest.e2ee?.framesDecrypted} frames)`);
    const dropped = manifest.e2ee?.dropped ?? {};
    assert.ok((dropped['no-key'] ?? 0) > 100, `Bob's frames were dropped for want of a key (${JSON.stringify(dropped)})`);
    assert.ok((dropped['bad-trailer'] ?? 0) + (dropped['too-short'] ?? 0) + (dropped['auth-failed'] ?? 0) > 20, `Alice's unencrypted video was dropped (${JSON.stringify(dropped)})`);
    // A file nothing reached is removed: only Alice's audio is left.
    assert.equal(manifest.tracks.map((t) => [t.owner, t.media]), [[alice.id, 'audio']], 'only Alice\'s audio was written');
    const aliceAudio = manifest.tracks[0];
    assert.ok(aliceAudio !== undefined && aliceAudio.packets > 100, `Alice's audio packets (${aliceAudio?.packets})`);
    assert.equal((await readdir(recDir)).filter((f) => f.endsWith('.webm')), [aliceAudio.file], 'no other media file is left');

    const file = join(recDir, aliceAudio.file);
    assert.equal(await decodeErrors(file), [], 'Alice\'s audio decodes without errors');
    const tone = await bandLevel(file, 440);
    const quiet = await bandLevel(file, 1500);
    assert.ok(tone > quiet + 20, `Alice's 440 Hz tone is in her track (${tone} dB vs ${quiet} dB at 1500 Hz)`);
  } finally {
    aliceKeys?.close();
    await bed.close();
  }
});

test.run();
