// The recorder as a key holder of an end-to-end encrypted meeting (protocols.md §8.7): its side of
// the key exchange (a KeySession that sends no media, so it has no key of its own), the senders'
// keys it receives (a FrameKeys, which decrypts their frames), and the room's E2EE state as the
// occupants' presences echo it. Browsers pair with every occupant that advertises an identity key,
// so the recorder's join presence carries one: whoever is in the room then sends it their media key
// (ratcheted for it) over a MUC private message, and a newcomer does on its join.
//
// Only the keys' counts are logged, never a key.
import type { Logger } from '@plenum/kit';
import type { RoomE2eeState } from '@plenum/e2ee';
import { FrameKeys, KeySession, ROOM_E2EE_OFF, e2eePresenceElements, mergeRoomE2ee, readE2eePresence } from '@plenum/e2ee';
import type { El } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, NS_MUC_USER, child, text } from '@plenum/xmpp/codec';

export type RecorderKeysDeps = {
  readonly log: Logger;
  /** The recorder's nick in the room (its endpoint id). */
  readonly nick: string;
  /** A MUC private message to an occupant with this `<json-message>` text. */
  sendJson(to: string, json: string): void;
  /** The first key of `participant` arrived: its frames decrypt from its next key frame on. */
  keyArrived?(participant: string): void;
};

export class RecorderKeys {
  /** The senders' keys: the decrypting stage reads them. */
  readonly frames = new FrameKeys();
  readonly #deps: RecorderKeysDeps;
  readonly #session: KeySession;
  #room: RoomE2eeState = ROOM_E2EE_OFF;
  #wasOn = false;
  #keysReceived = 0;
  #isClosed = false;

  constructor(deps: RecorderKeysDeps) {
    this.#deps = deps;
    this.#session = new KeySession({
      log: deps.log,
      localId: () => deps.nick,
      sendJson: (to, json) => deps.sendJson(to, json),
      sendsMedia: false,
      onPeerKey: (participant, index, material) => {
        const isFirst = !this.frames.has(participant);
        this.#keysReceived++;
        void this.frames.setKey(participant, index, material)
          .then(() => {
            if (isFirst && !this.#isClosed) deps.keyArrived?.(participant);
          })
          .catch((error: unknown) => deps.log.warn('e2ee key not usable', { err: error }));
      },
      onPeerGone: (participant) => this.frames.forget(participant),
    });
  }

  /** Makes the identity key; before the join presence goes out. */
  start(): Promise<void> {
    return this.#session.start();
  }

  /** For the join presence: the identity key, and that the recorder encrypts nothing (it sends nothing). */
  presenceElements(): El[] {
    return e2eePresenceElements({ encrypts: false, idKey: this.#session.publicKeyBase64 });
  }

  /** An occupant's presence (not the focus's, not ours). */
  onPresence(nick: string, presence: El): void {
    if (this.#isClosed) return;
    if (presence.attrs.type === 'unavailable') {
      this.#session.onPeerLeft(nick);
      return;
    }
    if (presence.attrs.type !== undefined) return;
    const seen = readE2eePresence(presence);
    const x = child(presence, 'x', NS_MUC_USER);
    const item = x === undefined ? undefined : child(x, 'item');
    const isModerator = item?.attrs.role === 'moderator' || item?.attrs.affiliation === 'owner';
    const next = mergeRoomE2ee(this.#room, seen.room, isModerator);
    if (next.on !== this.#room.on) this.#deps.log.info('room end-to-end encryption switched', { on: next.on });
    this.#room = next;
    if (next.on) this.#wasOn = true;
    this.#session.onPeerPresence(nick, seen.idKey, seen.encrypts);
  }

  /** The recorder's own join completed (everyone seen so far was in before it). */
  joined(): void {
    this.#session.joined();
  }

  /** A message from an occupant; true when it was a private `<json-message>` (a key message is taken). */
  onMessage(nick: string, message: El): boolean {
    const json = child(message, 'json-message', NS_JITSI_MEET);
    if (json === undefined || message.attrs.type !== 'chat') return false;
    if (!this.#isClosed) void this.#session.onKeyMessage(nick, text(json));
    return true;
  }

  /** The room is end-to-end encrypted now. */
  get isOn(): boolean {
    return this.#room.on;
  }

  /** The room was end-to-end encrypted at some time since the recorder joined. */
  get wasOn(): boolean {
    return this.#wasOn;
  }

  /** Media keys received so far (counted for the logs). */
  get keysReceived(): number {
    return this.#keysReceived;
  }

  close(): void {
    this.#isClosed = true;
    this.#session.close();
  }
}
