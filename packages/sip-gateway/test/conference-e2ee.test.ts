// Issue 9 without a browser: a call's ConferenceLeg in an end-to-end encrypted room of the real
// stack (our XMPP server, focus, bridge). The other participant is a werift MediaParticipant whose
// E2EE is done by @plenum/e2ee itself — KeySession over its XMPP connection, FrameKeys on its Opus
// frames — standing in for the browser's controller and frame worker, which run the same library.
// Proves: the leg advertises an identity key and pairs; with the room on (set by the moderator) it
// says it encrypts, hears the participant's encrypted tone (decrypted before decoding), sends its
// own tone encrypted (the participant's packets from the bridge open only with the leg's key), and
// drops unencrypted audio instead of decoding it; a late joiner is paired with and heard, everyone's
// ratchets are followed, and when it leaves the leg's fresh key opens at the host; when the
// moderator turns E2EE off, the leg follows: presence, and plain audio both ways.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Encoder } from '@evan/opus';
import type { RoomE2eeState } from '@plenum/e2ee';
import {
  FRESH_KEY_DELAY_MS, FrameEncryptor, FrameKeys, KeySession, PROP_E2EE_ENABLED, PROP_E2EE_ID_KEY, ROOM_E2EE_OFF, changedRoomE2ee, e2eePresenceElements, readE2eePresence,
} from '@plenum/e2ee';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, child, el, text } from '@plenum/xmpp/codec';
import { waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { ConferenceLeg, audioLevelOf } from '../src/conference/index.ts';
import { becomesModerator, legParams, withStack } from './conference-harness.ts';
import { FRAME_SAMPLES, assertTone, toneFrame } from './conference-tones.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The participant's E2EE, done by @plenum/e2ee as the browser's controller and worker do it. */
class KeyedParticipant {
  readonly keys = new FrameKeys();
  readonly #encryptor = new FrameEncryptor();
  readonly #session: KeySession;
  readonly #encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
  #room: RoomE2eeState = ROOM_E2EE_OFF;
  #frame = 0;

  constructor(readonly p: MediaParticipant) {
    const client = p.signalling.client;
    this.#session = new KeySession({
      log: silentLogger,
      localId: () => p.id,
      sendJson: (to, json) => client.send(el('message', { type: 'chat', to: `${p.signalling.roomJid}/${to}` }, el('json-message', { xmlns: NS_JITSI_MEET }, json))),
      onLocalKey: (index, material) => void this.keys.setLocalKey(index, material),
      onPeerKey: (participant, index, material) => void this.keys.setKey(participant, index, material),
      onPeerGone: (participant) => this.keys.forget(participant),
    });
    client.handlers.push((e) => {
      const nick = this.#occupantNick(e);
      if (nick === undefined) return false;
      if (e.name === 'presence') {
        this.#onPresence(nick, e);
        return false;
      }
      const json = e.name === 'message' && e.attrs.type === 'chat' ? child(e, 'json-message', NS_JITSI_MEET) : undefined;
      if (json === undefined) return false;
      void this.#session.onKeyMessage(nick, text(json));
      return true;
    });
  }

  get room(): RoomE2eeState {
    return this.#room;
  }

  /** Identity key, then the occupants already seen (their presences still in the inbox), then "joined". */
  async start(): Promise<void> {
    await this.#session.start();
    for (const e of this.p.signalling.client.inbox) {
      const nick = e.name === 'presence' ? this.#occupantNick(e) : undefined;
      if (nick !== undefined) this.#onPresence(nick, e);
    }
    this.#session.joined();
  }

  /** The moderator's switch: the room's state in its presence, with its identity key. */
  setRoom(on: boolean): void {
    this.announce(changedRoomE2ee(this.#room, on, Date.now()));
  }

  /** Our presence with our identity key and this room state (echoed). */
  announce(room: RoomE2eeState): void {
    this.#room = room;
    this.p.signalling.client.send(el('presence', { to: this.p.signalling.occupantJid }, el('SourceInfo', {}, '{}'),
      e2eePresenceElements({ encrypts: room.on, idKey: this.#session.publicKeyBase64, room })));
  }

  #occupantNick(e: El): string | undefined {
    const from = e.attrs.from ?? '';
    const room = `${this.p.signalling.roomJid}/`;
    if (!from.startsWith(room) || from === this.p.signalling.occupantJid || from === this.p.signalling.focusOccupant) return undefined;
    return from.slice(room.length);
  }

  #onPresence(nick: string, e: El): void {
    if (e.attrs.type === 'unavailable') this.#session.onPeerLeft(nick);
    else if (e.attrs.type === undefined) {
      const seen = readE2eePresence(e);
      this.#session.onPeerPresence(nick, seen.idKey, seen.encrypts);
    }
  }

  /** One 20 ms frame of a tone, encrypted with our key (as the worker does) or plain. */
  async sendTone(hz: number, encrypt: boolean): Promise<void> {
    const opus = this.#encoder.encode(toneFrame(hz, this.#frame++));
    if (!encrypt) {
      this.p.sendAudio(Buffer.from(opus));
      return;
    }
    const data = await this.keys.encrypt(this.#encryptor, opus.slice().buffer, 'audio', this.p.audioSsrc, this.#frame * FRAME_SAMPLES);
    assert.ok(data !== undefined, 'the participant has its own key');
    this.p.sendAudio(Buffer.from(data));
  }

  close(): void {
    this.#session.close();
  }
}

test('a call in an end-to-end encrypted room holds the keys: hears and is heard, encrypted, fail-closed; follows joins, leaves and the room turning E2EE off', () => withStack(async ({ stack, deps, route }) => {
  let host: MediaParticipant | undefined;
  let keyed: KeyedParticipant | undefined;
  let guest: MediaParticipant | undefined;
  let keyedGuest: KeyedParticipant | undefined;
  let leg: ConferenceLeg | undefined;
  try {
    host = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'secret' });
    await host.connected();
    await becomesModerator(host);
    const h = host;
    const k = new KeyedParticipant(h);
    keyed = k;
    await k.start();
    k.setRoom(true);

    leg = await ConferenceLeg.join(deps, legParams('secret'), route);
    const l = leg;
    const legNick = l.params.nick;
    const legPresence = await h.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === l.occupantJid
      && text(child(e, PROP_E2EE_ENABLED)) === 'true', 10_000, 'the caller\'s presence saying it encrypts');
    assert.ok(text(child(legPresence, PROP_E2EE_ID_KEY)).length > 20, 'the caller advertises an identity key');
    assert.ok(readE2eePresence(legPresence).room?.on === true, 'and echoes the room\'s state');
    assert.ok(l.e2eeStats.roomOn, 'the leg knows the room is encrypted');
    await waitUntil('the caller\'s media key reaches the participant', () => k.keys.has(legNick), 10_000);

    // The participant's encrypted tone is heard by the caller, decrypted.
    const heard: { seq: number; payload: Uint8Array }[] = [];
    const offAudio = l.events.on('audio', (ssrc, seq, _ts, payload) => {
      if (ssrc === h.audioSsrc) heard.push({ seq, payload: Uint8Array.from(payload) });
    });
    // Until the participant's key has reached the leg its frames are dropped: send until one opens.
    for (let i = 0; i < 250 && l.e2eeStats.decrypted === 0; i++) {
      await k.sendTone(660, true);
      await sleep(20);
    }
    assert.ok(l.e2eeStats.decrypted > 0, 'the leg decrypts the participant\'s frames');
    await sleep(200);
    heard.length = 0;
    for (let i = 0; i < 50; i++) {
      await k.sendTone(660, true);
      await sleep(20);
    }
    await waitUntil('the participant\'s tone reaches the caller', () => heard.length >= 45, 5000);
    assertTone(heard.sort((a, b) => a.seq - b.seq).map((x) => x.payload), 660, 'the caller hears the participant');
    assert.ok((l.e2eeStats.decryptedBy[h.id] ?? 0) >= 45, 'decrypted with the participant\'s key');

    // Unencrypted audio in an encrypted room is dropped, never decoded.
    heard.length = 0;
    const droppedBefore = Object.values(l.e2eeStats.dropped).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 25; i++) {
      await k.sendTone(300, false);
      await sleep(20);
    }
    await waitUntil('the plain frames are dropped', () => Object.values(l.e2eeStats.dropped).reduce((a, b) => a + b, 0) >= droppedBefore + 20, 5000);
    assert.is(heard.length, 0, 'nothing unencrypted reaches the mixer');

    // The caller's tone leaves encrypted: what the bridge forwards opens only with the caller's key.
    const encode = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    const fromLeg = (): typeof h.received => h.received.filter((p) => p.header.ssrc === l.ssrc);
    /** The caller sends `count` frames of its 440 Hz; resolves with the packets the participant got, in order. */
    const legSends = async (count: number): Promise<typeof h.received> => {
      const from = fromLeg().length;
      for (let f = 0; f < count; f++) {
        const pcm = toneFrame(440, f);
        l.sendAudio(encode.encode(pcm), audioLevelOf(pcm));
        await sleep(20);
      }
      await waitUntil('the caller\'s packets reach the participant', () => fromLeg().length >= from + count - 3, 5000);
      return fromLeg().slice(from).sort((a, b) => a.header.sequenceNumber - b.header.sequenceNumber);
    };
    const sent = await legSends(50);
    const opened: Uint8Array[] = [];
    for (const p of sent) {
      const r = await k.keys.decrypt(legNick, new Uint8Array(p.payload).buffer, 'audio');
      assert.ok(r.ok, 'each packet of the caller authenticates with the caller\'s key');
      if (r.ok) {
        assert.is(p.payload.length, r.data.byteLength + 30, 'and carries the E2EE tag and trailer');
        opened.push(new Uint8Array(r.data));
      }
    }
    assertTone(opened, 440, 'the participant hears the caller once decrypted');
    assert.ok(l.e2eeStats.encrypted >= 50, `the leg encrypted what it sent (${l.e2eeStats.encrypted})`);

    // A late joiner: everyone pairs with it and ratchets; the call hears it, and still hears the host.
    guest = await MediaParticipant.join({ port: stack.server.tcpPort, room: 'secret' });
    await guest.connected();
    const gp = guest;
    const g = new KeyedParticipant(gp);
    keyedGuest = g;
    await g.start();
    g.announce(k.room);
    await waitUntil('the caller\'s key reaches the late joiner', () => g.keys.has(legNick), 10_000);
    for (let i = 0; i < 250 && (l.e2eeStats.decryptedBy[gp.id] ?? 0) === 0; i++) {
      await g.sendTone(300, true);
      await sleep(20);
    }
    assert.ok((l.e2eeStats.decryptedBy[gp.id] ?? 0) > 0, 'the caller decrypts the late joiner');
    const fromHost = l.e2eeStats.decryptedBy[h.id] ?? 0;
    for (let i = 0; i < 25; i++) {
      await k.sendTone(660, true);
      await sleep(20);
    }
    await waitUntil('the host is still heard after its ratchet', () => (l.e2eeStats.decryptedBy[h.id] ?? 0) >= fromHost + 20, 5000);
    const keyIndexOf = (p: { payload: Buffer }): number => p.payload[p.payload.length - 1] as number;
    const sentWithGuest = await legSends(10);
    const indexWithGuest = keyIndexOf(sentWithGuest.at(-1)!);
    assert.is.not(indexWithGuest, keyIndexOf(sent.at(-1)!), 'the caller ratcheted its key for the late joiner');

    // The late joiner leaves: the caller replaces the key it held, and the host opens the new one.
    await gp.close();
    guest = undefined;
    g.close();
    keyedGuest = undefined;
    await h.signalling.client.next((e) => e.name === 'presence' && e.attrs.type === 'unavailable' && e.attrs.from === gp.signalling.occupantJid, 5000, 'the late joiner leaves');
    await sleep(FRESH_KEY_DELAY_MS + 500);
    const afterLeave = await legSends(25);
    assert.is.not(keyIndexOf(afterLeave.at(-1)!), indexWithGuest, 'the caller encrypts with a fresh key');
    for (const p of afterLeave) assert.ok((await k.keys.decrypt(legNick, new Uint8Array(p.payload).buffer, 'audio')).ok, 'the host opens the caller\'s fresh key');

    // The moderator turns E2EE off: the caller follows (presence, plain audio both ways).
    k.setRoom(false);
    await h.signalling.client.next((e) => e.name === 'presence' && e.attrs.from === l.occupantJid
      && text(child(e, PROP_E2EE_ENABLED)) === 'false' && readE2eePresence(e).room?.on === false, 5000, 'the caller says it no longer encrypts');
    assert.not.ok(l.e2eeStats.roomOn);
    heard.length = 0;
    for (let i = 0; i < 50; i++) {
      await k.sendTone(300, false);
      await sleep(20);
    }
    await waitUntil('plain audio reaches the caller', () => heard.length >= 45, 5000);
    assertTone(heard.sort((a, b) => a.seq - b.seq).map((x) => x.payload), 300, 'the caller hears plain audio again');
    const plain = (await legSends(50)).map((p) => new Uint8Array(p.payload));
    assertTone(plain, 440, 'the participant hears the caller without decrypting');
    offAudio();
  } finally {
    keyed?.close();
    keyedGuest?.close();
    await leg?.leave();
    await guest?.close();
    await host?.close();
  }
}));

test.run();
