// The call's part in an end-to-end encrypted meeting (protocols.md §8.7, issue 9): the leg holds the
// meeting's keys as a browser does, so a phone can dial into an E2EE room and hear and be heard.
//
// Key exchange (@plenum/e2ee KeySession, sendsMedia): an identity key made before the join presence,
// which advertises it; every occupant that advertises one (browsers, other calls, recorders) is
// paired with; `plenum-e2ee` json-messages in MUC private messages carry the media keys both ways.
// The room's state comes from the occupants' echoes (mergeRoomE2ee: "off" only from a moderator),
// and the leg echoes it too, with `encrypts` following it.
//
// Media, fail-closed like the browser's worker: while the room is on, every Opus payload from the
// bridge is decrypted (its sender from the session's sources) before it reaches the mixer, and one
// that does not decrypt is dropped and counted, never decoded; every frame the caller sends is
// encrypted with our key for the leg's SSRC, and without a key it is not sent. WebCrypto is
// async: frames of one SSRC go through one queue each way, so order is kept, and a queue longer
// than `maxPendingFrames` drops (a gateway that cannot keep up must not buffer without bound).
// While the room is off, packets pass as they are; one that carries the E2EE trailer of a sender
// whose key we hold is still opened (the room may just have switched off, as the browser does).
import type { Logger } from '@plenum/kit';
import type { DropReason, RoomE2eeState } from '@plenum/e2ee';
import {
  FrameEncryptor, FrameKeys, IV_BYTES, KEY_RING_SIZE, KeySession, ROOM_E2EE_OFF, TAG_BYTES, e2eePresenceElements, mergeRoomE2ee, readE2eePresence,
} from '@plenum/e2ee';
import type { El } from '@plenum/xmpp/codec';
import { NS_MUC_USER, child } from '@plenum/xmpp/codec';
import { NO_LEVEL } from './audio-level.ts';

/** Limits of the E2EE queues. */
export type LegKeysLimits = {
  /** Frames waiting for WebCrypto per SSRC and direction; more are dropped (counted as `backlog`). Default 25 (0.5 s). */
  readonly maxPendingFrames?: number;
};

export type LegKeysDeps = {
  readonly log: Logger;
  /** The call's nick in the room. */
  readonly localId: string;
  /** A MUC private message to an occupant carrying this `<json-message>` text. */
  sendJson(to: string, json: string): void;
  /** What our presence says about E2EE changed: send it again. */
  presenceChanged(): void;
  /** A remote Opus payload ready for the mixer (decrypted while the room is on), with its RFC 6464 level (or NO_LEVEL). */
  deliver(ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level: number): void;
  readonly limits?: LegKeysLimits | undefined;
};

/** What the leg did with media because of E2EE. */
export type LegE2eeStats = {
  readonly roomOn: boolean;
  /** Remote frames decrypted, in all and per sender (endpoint id). */
  readonly decrypted: number;
  readonly decryptedBy: Readonly<Record<string, number>>;
  /** Remote frames dropped while the room was on, by reason (`backlog`: the queue was full). */
  readonly dropped: Readonly<Record<DropReason | 'backlog', number>>;
  /** Frames of the caller encrypted; frames not sent (no key of ours yet, or a full queue). */
  readonly encrypted: number;
  readonly unsent: number;
};

/** An encrypted Opus frame: TOC, tag, IV, then `IV_LENGTH` and the key index (frame-crypto.ts). */
const MIN_ENCRYPTED_AUDIO_BYTES = 1 + TAG_BYTES + IV_BYTES + 2;
/** Cheap check before trying a key on a packet while the room is off. */
const looksEncrypted = (p: Uint8Array): boolean =>
  p.length >= MIN_ENCRYPTED_AUDIO_BYTES && p[p.length - 2] === IV_BYTES && (p[p.length - 1] as number) < KEY_RING_SIZE;

type InboundQueue = { tail: Promise<void>; pending: number };

export class LegKeys {
  readonly #deps: LegKeysDeps;
  readonly #log: Logger;
  readonly #maxPending: number;
  readonly #session: KeySession;
  readonly #frames = new FrameKeys();
  readonly #encryptor = new FrameEncryptor();
  #room: RoomE2eeState = ROOM_E2EE_OFF;
  readonly #inbound = new Map<number, InboundQueue>();
  #outTail: Promise<unknown> = Promise.resolve();
  #outPending = 0;
  #backlogDrops = 0;
  #unsent = 0;
  #isClosed = false;

  constructor(deps: LegKeysDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#maxPending = deps.limits?.maxPendingFrames ?? 25;
    const frames = this.#frames;
    this.#session = new KeySession({
      log: deps.log,
      localId: () => deps.localId,
      sendJson: (to, json) => deps.sendJson(to, json),
      // Key updates are applied in order by FrameKeys; a failure would be a bug in the key material.
      onLocalKey: (index, material) => void frames.setLocalKey(index, material).catch((error: unknown) => this.#log.warn('local key refused', { err: error })),
      onPeerKey: (participant, index, material) => void frames.setKey(participant, index, material).catch((error: unknown) => this.#log.warn('peer key refused', { err: error })),
      onPeerGone: (participant) => frames.forget(participant),
    });
  }

  /** Makes the identity key; before the join presence, which carries it. */
  start(): Promise<void> {
    return this.#session.start();
  }

  get isRoomOn(): boolean {
    return this.#room.on;
  }

  /** Our presence's E2EE elements: identity key, whether we encrypt (the room's state), the room's state echoed. */
  presenceElements(): El[] {
    return e2eePresenceElements({ encrypts: this.#room.on, idKey: this.#session.publicKeyBase64, room: this.#room });
  }

  /** Another occupant's presence (not ours, not the focus's). */
  onOccupantPresence(nick: string, presence: El): void {
    if (this.#isClosed || presence.attrs.type === 'error') return;
    if (presence.attrs.type === 'unavailable') {
      this.#session.onPeerLeft(nick);
      return;
    }
    const item = child(child(presence, 'x', NS_MUC_USER) ?? presence, 'item');
    const isModerator = item?.attrs.role === 'moderator' || item?.attrs.affiliation === 'owner';
    const seen = readE2eePresence(presence);
    const next = mergeRoomE2ee(this.#room, seen.room, isModerator);
    if (next !== this.#room) {
      const switched = next.on !== this.#room.on;
      this.#room = next;
      if (switched) this.#log.info(next.on ? 'the room turned end-to-end encryption on' : 'the room turned end-to-end encryption off');
      this.#deps.presenceChanged();
    }
    this.#session.onPeerPresence(nick, seen.idKey, seen.encrypts);
  }

  /** Our join completed: those already in get our key. */
  joined(): void {
    this.#session.joined();
  }

  /** A MUC private `<json-message>` from an occupant (key messages; anything else is ignored). */
  onPrivateJson(fromNick: string, json: string): void {
    if (this.#isClosed) return;
    void this.#session.onKeyMessage(fromNick, json);
  }

  /**
   * One Opus packet from the bridge of `owner` (undefined: an SSRC no session source names). Goes
   * to `deliver` as it is (room off), decrypted, or not at all (room on and it does not decrypt).
   * `payload` is only read before this returns; `level` is the packet's RFC 6464 level (or NO_LEVEL).
   */
  receive(ssrc: number, sequenceNumber: number, timestamp: number, owner: string | undefined, payload: Uint8Array, level: number = NO_LEVEL): void {
    if (this.#isClosed) return;
    const queued = this.#inbound.get(ssrc);
    const mayOpen = owner !== undefined && looksEncrypted(payload) && this.#frames.has(owner);
    if (!this.#room.on && queued === undefined && !mayOpen) {
      this.#deps.deliver(ssrc, sequenceNumber, timestamp, payload, level);
      return;
    }
    const queue = queued ?? { tail: Promise.resolve(), pending: 0 };
    if (queue.pending >= this.#maxPending) {
      if (this.#room.on) this.#backlogDrops++;
      return;
    }
    if (queued === undefined) this.#inbound.set(ssrc, queue);
    queue.pending++;
    // A copy: the transport reuses its buffer once this returns.
    const copy = new Uint8Array(payload);
    queue.tail = queue.tail.then(() => this.#open(ssrc, sequenceNumber, timestamp, owner, copy, level)).catch((error: unknown) => {
      this.#log.warn('decrypting a frame failed', { err: error });
    }).finally(() => {
      if (--queue.pending === 0 && this.#inbound.get(ssrc) === queue) this.#inbound.delete(ssrc);
    });
  }

  /** True while the caller's frames must go through encryptOutbound (room on, or encrypted frames still queued). */
  get isEncryptingOutbound(): boolean {
    return this.#room.on || this.#outPending > 0;
  }

  /**
   * One Opus frame of the caller, encrypted with our current key for `ssrc` and `rtpTimestamp`
   * (the IV); resolves in call order, with undefined when it must not be sent (no key of ours yet,
   * a full queue, closed). A frame queued while the room turned off resolves as it was.
   */
  encryptOutbound(frame: Uint8Array, ssrc: number, rtpTimestamp: number): Promise<Uint8Array | undefined> {
    if (this.#isClosed || this.#outPending >= this.#maxPending) {
      this.#unsent++;
      return Promise.resolve(undefined);
    }
    this.#outPending++;
    const copy = new Uint8Array(frame);
    const done = this.#outTail.then(async (): Promise<Uint8Array | undefined> => {
      if (this.#isClosed) return undefined;
      if (!this.#room.on) return copy;
      const data = await this.#frames.encrypt(this.#encryptor, copy.buffer, 'audio', ssrc, rtpTimestamp);
      if (data === undefined) {
        this.#unsent++;
        return undefined;
      }
      return new Uint8Array(data);
    }).catch((error: unknown) => {
      this.#log.warn('encrypting a frame failed', { err: error });
      this.#unsent++;
      return undefined;
    }).finally(() => {
      this.#outPending--;
    });
    this.#outTail = done;
    return done;
  }

  stats(): LegE2eeStats {
    return {
      roomOn: this.#room.on,
      decrypted: this.#frames.decrypted,
      decryptedBy: Object.fromEntries(this.#frames.decryptedBy),
      dropped: { ...this.#frames.drops.counts, backlog: this.#backlogDrops },
      encrypted: this.#frames.encrypted,
      unsent: this.#unsent,
    };
  }

  /** Pending frames are not delivered or sent after this. */
  close(): void {
    this.#isClosed = true;
    this.#session.close();
    this.#inbound.clear();
  }

  async #open(ssrc: number, sequenceNumber: number, timestamp: number, owner: string | undefined, payload: Uint8Array<ArrayBuffer>, level: number): Promise<void> {
    if (this.#isClosed) return;
    const result = owner === undefined ? undefined : await this.#frames.decrypt(owner, payload.buffer, 'audio');
    if (this.#isClosed) return;
    if (result?.ok === true) {
      this.#deps.deliver(ssrc, sequenceNumber, timestamp, new Uint8Array(result.data), level);
      return;
    }
    // Off: not ours to open, so an ordinary frame. On: dropped, never decoded.
    if (!this.#room.on) this.#deps.deliver(ssrc, sequenceNumber, timestamp, payload, level);
    else this.#frames.drops.add(result?.reason ?? 'no-key');
  }
}
