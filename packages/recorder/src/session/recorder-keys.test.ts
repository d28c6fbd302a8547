// The recorder's keys and the room's E2EE state from presences: its presence advertises an identity
// key and no encryption; the room follows the occupants' echo (on from anyone, off only from a
// moderator); a key holder's key message makes its frames decrypt; a leaver's keys are forgotten.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { FrameEncryptor, FrameKeys, KeySession, PROP_E2EE_ENABLED, PROP_E2EE_ID_KEY, e2eePresenceElements } from '@plenum/e2ee';
import type { El } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, NS_MUC_USER, child, el, text } from '@plenum/xmpp/codec';
import { RecorderKeys } from './recorder-keys.ts';

const presence = (role: string, affiliation: string, extra: El[]): El =>
  el('presence', {}, el('x', { xmlns: NS_MUC_USER }, el('item', { role, affiliation })), ...extra);
const roomEcho = (on: boolean, at: number): El[] => e2eePresenceElements({ encrypts: on, idKey: undefined, room: { on, at } });

test('the room\'s state: on from anyone, off only from a moderator', async () => {
  const keys = new RecorderKeys({ log: silentLogger, nick: 'rec', sendJson: () => undefined });
  await keys.start();
  const own = el('presence', {}, ...keys.presenceElements());
  assert.is(text(child(own, PROP_E2EE_ENABLED)), 'false', 'the recorder encrypts nothing');
  assert.ok(text(child(own, PROP_E2EE_ID_KEY)).length > 20, 'and advertises an identity key');
  assert.not.ok(keys.isOn);
  keys.onPresence('bob', presence('participant', 'none', roomEcho(true, 10)));
  assert.ok(keys.isOn, 'on, echoed by a participant');
  keys.onPresence('bob', presence('participant', 'none', roomEcho(false, 20)));
  assert.ok(keys.isOn, 'a participant cannot turn it off');
  keys.onPresence('alice', presence('moderator', 'owner', roomEcho(false, 30)));
  assert.not.ok(keys.isOn, 'a moderator can');
  assert.ok(keys.wasOn, 'it was on while recording');
  keys.close();
});

test('a key holder\'s key message: its frames decrypt; once it left, they no longer do', async () => {
  const sent: { to: string; json: string }[] = [];
  let keyForRecorder: (json: string) => void = () => undefined;
  const keySent = new Promise<string>((resolve) => { keyForRecorder = resolve; });
  let keyTaken: (participant: string) => void = () => undefined;
  const keyArrived = new Promise<string>((resolve) => { keyTaken = resolve; });
  const recorder = new RecorderKeys({ log: silentLogger, nick: 'rec', sendJson: (to, json) => sent.push({ to, json }), keyArrived: (p) => keyTaken(p) });
  await recorder.start();
  const aliceFrames = new FrameKeys();
  let localKeySet = Promise.resolve();
  const alice = new KeySession({
    log: silentLogger, localId: () => 'alice',
    sendJson: (to, json) => {
      sent.push({ to, json });
      if (to === 'rec') keyForRecorder(json);
    },
    onLocalKey: (index, material) => { localKeySet = aliceFrames.setLocalKey(index, material); },
    onPeerKey: () => undefined,
  });
  await alice.start();
  alice.joined();
  recorder.onPresence('alice', presence('moderator', 'owner', e2eePresenceElements({ encrypts: true, idKey: alice.publicKeyBase64, room: { on: true, at: 5 } })));
  recorder.joined();
  // The recorder's presence reaches Alice: she pairs with it and sends it her (ratcheted) key.
  alice.onPeerPresence('rec', text(child(el('presence', {}, ...recorder.presenceElements()), PROP_E2EE_ID_KEY)), false);
  const message = el('message', { type: 'chat' }, el('json-message', { xmlns: NS_JITSI_MEET }, await keySent));
  assert.ok(recorder.onMessage('alice', message), 'the key message is taken');
  assert.not.ok(recorder.onMessage('alice', el('message', { type: 'groupchat' }, el('body', {}, 'hi'))), 'a chat line is not');
  assert.is(await keyArrived, 'alice');
  assert.is(sent.filter((s) => s.to !== 'rec').length, 0, 'the recorder sends no key of its own');
  await alice.settled();
  await localKeySet;
  const sealed = await aliceFrames.encrypt(new FrameEncryptor(), Uint8Array.of(0x78, 1, 2, 3).buffer, 'audio', 1, 960);
  assert.ok(sealed !== undefined);
  const opened = await recorder.frames.decrypt('alice', sealed, 'audio');
  assert.ok(opened.ok && new Uint8Array(opened.data).join() === '120,1,2,3', 'Alice\'s frame decrypts with the key she sent');
  recorder.onPresence('alice', el('presence', { type: 'unavailable' }));
  assert.equal(await recorder.frames.decrypt('alice', sealed, 'audio'), { ok: false, reason: 'no-key' }, 'her keys are gone with her');
  alice.close();
  recorder.close();
});

test.run();
