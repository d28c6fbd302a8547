// End-to-end encryption of one conference, on the page: our identity and media key, the pairwise
// secrets with everyone who advertises an identity key, the key messages, the room state, and the
// frame worker attached to the bridge session's senders and receivers.
//
// Key schedule (protocols.md §8.7): our media key starts random. Someone joins → we ratchet it
// (HKDF, one-way) and send the newcomer only the new key; those already in follow the ratchet by
// themselves (key-ring.ts). Someone who held our key leaves → a fresh random key goes to everyone
// left and is used after FRESH_KEY_DELAY_MS, so they have it before our frames need it. Keys are
// exchanged whether or not the room is encrypted, so switching E2EE on costs no round trip.
import type { Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { child, el, text } from '@plenum/xmpp/codec';
import type { Identity, PairSecrets } from './key-exchange.ts';
import { decodeMediaKeyMessage, derivePairSecrets, generateIdentity, openMediaKey, readIdentityKey, sealMediaKey } from './key-exchange.ts';
import { KEY_RING_SIZE, freshMaterial, ratchetMaterial } from './key-ring.ts';
import type { RoomE2eeState } from './room-state.ts';
import { ROOM_E2EE_OFF, changedRoomE2ee, mergeRoomE2ee, readRoomE2ee, writeRoomE2ee } from './room-state.ts';
import type { SasEmoji } from './sas.ts';
import { sasEmoji } from './sas.ts';
import type { E2eeFrameStats, FromWorker, ToWorker, TransformOptions } from './worker-protocol.ts';

/** Presence properties (protocols.md §8.6). */
export const PROP_E2EE_ENABLED = 'jitsi_participant_e2ee.enabled';
export const PROP_E2EE_ID_KEY = 'jitsi_participant_e2ee.idKey.x25519';
export const PROP_E2EE_ROOM = 'jitsi_participant_e2ee.room';

/** How long a fresh key (after a leave) travels to the others before we encrypt with it. */
export const FRESH_KEY_DELAY_MS = 1000;

/** Whether this browser can transform encoded frames in a worker (RTCRtpScriptTransform). */
export function browserCanEncrypt(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function'
    && typeof Worker === 'function' && typeof crypto?.subtle?.generateKey === 'function';
}

type ScriptTransformCtor = new (worker: Worker, options: TransformOptions) => unknown;

type Peer = {
  publicBase64: string | undefined;
  pair: PairSecrets | undefined;
  /** Set while the pair's secrets are being derived (a key message may arrive meanwhile). */
  pairing: Promise<PairSecrets | undefined> | undefined;
  sas: readonly SasEmoji[] | undefined;
  verified: boolean;
  /** It advertises E2EE on (its media is encrypted). */
  encrypts: boolean;
  /** We sent it our key (so its leaving makes us rotate). */
  holdsOurKey: boolean;
};

export type E2eeControllerDeps = {
  readonly log: Logger;
  /** URL of the worker script (config.js `e2ee.workerUrl`); without it E2EE is unavailable. */
  readonly workerUrl: string | undefined;
  /** Our endpoint id. */
  localId(): string;
  /** A MUC private message to an occupant with this `<json-message>` text. */
  sendJson(to: string, json: string): void;
  /** Our presence carries something new: send it again. */
  presenceChanged(): void;
  /** The room state or a participant's E2EE state changed (the snapshot must be rebuilt). */
  changed(): void;
  notice(kind: 'info' | 'warning', text: string): void;
};

export class E2eeController {
  readonly #deps: E2eeControllerDeps;
  #identity: Identity | undefined;
  #room: RoomE2eeState = ROOM_E2EE_OFF;
  readonly #peers = new Map<string, Peer>();
  #isIn = false;
  #localIndex = 0;
  #localMaterial = freshMaterial();
  #worker: Worker | undefined;
  readonly #attached = new WeakSet<RTCRtpSender | RTCRtpReceiver>();
  #pc: RTCPeerConnection | undefined;
  #pendingFresh: ReturnType<typeof setTimeout> | undefined;
  #keyOps: Promise<void> = Promise.resolve();
  #statsSeq = 0;
  readonly #statsWaiting = new Map<number, (s: E2eeFrameStats) => void>();
  #closed = false;
  #supported: boolean;

  constructor(deps: E2eeControllerDeps) {
    this.#deps = deps;
    this.#supported = deps.workerUrl !== undefined && browserCanEncrypt();
  }

  /** Makes the identity key and starts the worker; before the join presence goes out. */
  async start(): Promise<void> {
    if (!this.#supported || this.#identity !== undefined) return;
    try {
      this.#identity = await generateIdentity();
      this.#worker = new Worker(this.#deps.workerUrl as string, { type: 'module', name: 'plenum-e2ee' });
      this.#worker.onmessage = (e: MessageEvent<FromWorker>) => this.#statsWaiting.get(e.data.requestId)?.(e.data.stats);
      this.#worker.onerror = (e) => this.#deps.log.error('e2ee worker failed', { message: e.message });
      this.#post({ op: 'set-local-key', index: this.#localIndex, material: this.#localMaterial });
    } catch (error) {
      this.#deps.log.warn('end-to-end encryption unavailable', { err: error });
      this.#supported = false;
      this.#identity = undefined;
    }
  }

  /** This browser can encrypt media (and has the worker to do it). */
  get supported(): boolean {
    return this.#supported;
  }

  get roomEnabled(): boolean {
    return this.#room.on;
  }

  /** The room is encrypted but this browser cannot encrypt: it must not send media. */
  get blocksMedia(): boolean {
    return this.#room.on && (!this.#supported || this.#identity === undefined);
  }

  /** Our own presence properties. */
  presenceElements(): El[] {
    const out = [el(PROP_E2EE_ENABLED, {}, String(this.#room.on && !this.blocksMedia))];
    if (this.#identity !== undefined) out.push(el(PROP_E2EE_ID_KEY, {}, this.#identity.publicBase64));
    if (this.#room.at > 0) out.push(el(PROP_E2EE_ROOM, {}, writeRoomE2ee(this.#room)));
    return out;
  }

  /** An occupant's presence (not ours, not the focus's). */
  onPresence(nick: string, presence: El, isModerator: boolean, unavailable: boolean): void {
    if (unavailable) {
      this.#peerLeft(nick);
      return;
    }
    const seenRoom = readRoomE2ee(text(child(presence, PROP_E2EE_ROOM)));
    this.#applyRoom(mergeRoomE2ee(this.#room, seenRoom, isModerator));
    const keyText = text(child(presence, PROP_E2EE_ID_KEY));
    const prev = this.#peers.get(nick);
    const peer: Peer = prev ?? { publicBase64: undefined, pair: undefined, pairing: undefined, sas: undefined, verified: false, encrypts: false, holdsOurKey: false };
    const encrypts = text(child(presence, PROP_E2EE_ENABLED)) === 'true';
    const changed = peer.encrypts !== encrypts || prev === undefined;
    peer.encrypts = encrypts;
    this.#peers.set(nick, peer);
    if (keyText !== '' && keyText !== peer.publicBase64 && this.#identity !== undefined) {
      // A new (or replaced) identity key: new pair secrets, and the old verification no longer holds.
      peer.publicBase64 = keyText;
      peer.pair = undefined;
      peer.sas = undefined;
      peer.verified = false;
      peer.pairing = this.#pairWith(nick, peer, keyText);
    } else if (changed) {
      this.#deps.changed();
    }
  }

  /** Our join completed: peers seen so far were here before us; `createdRoom` + the server default turn E2EE on. */
  joined(createdRoom: boolean, enabledByDefault: boolean): void {
    this.#isIn = true;
    void this.#keyStep(async () => {
      for (const [nick, peer] of this.#peers) if (peer.pair !== undefined) await this.#sendKey(nick, peer);
    });
    if (createdRoom && enabledByDefault && !this.#room.on) this.setRoomEnabled(true);
  }

  /** A moderator's switch (or the default): everyone adopts it from our presence. */
  setRoomEnabled(on: boolean): void {
    this.#applyRoom(changedRoomE2ee(this.#room, on, Date.now()));
  }

  /** A `plenum-e2ee` json-message from an occupant. */
  async onKeyMessage(from: string, json: string): Promise<void> {
    const peer = this.#peers.get(from);
    const decoded = decodeMediaKeyMessage(json);
    const pair = peer?.pair ?? (await peer?.pairing);
    if (!decoded.ok || pair === undefined) {
      this.#deps.log.debug('e2ee message ignored', { reason: decoded.ok ? 'no pairwise key yet' : decoded.error.code });
      return;
    }
    const opened = await openMediaKey(pair, from, this.#deps.localId(), decoded.value);
    if (!opened.ok) {
      this.#deps.log.warn('e2ee key message refused', { code: opened.error.code });
      return;
    }
    this.#post({ op: 'set-key', participant: from, index: opened.value.index, material: opened.value.material });
  }

  /** The bridge session's peer connection has (new) transceivers: transforms go on them while E2EE is on. */
  useSession(pc: RTCPeerConnection): void {
    this.#pc = pc;
    if (this.#room.on) this.#attach(pc);
  }

  /** Who sends on which SSRC, from the session's sources. */
  setSsrcOwners(owners: readonly (readonly [number, string])[]): void {
    this.#post({ op: 'ssrc-owners', owners });
  }

  participantState(nick: string): { readonly hasKeys: boolean; readonly encrypts: boolean; readonly verified: boolean } {
    const p = this.#peers.get(nick);
    return { hasKeys: p?.pair !== undefined, encrypts: p?.encrypts === true, verified: p?.verified === true };
  }

  /** The pair's SAS (undefined until the pair's secrets are derived). */
  sas(nick: string): readonly SasEmoji[] | undefined {
    return this.#peers.get(nick)?.sas;
  }

  setVerified(nick: string, verified: boolean): void {
    const p = this.#peers.get(nick);
    if (p?.sas === undefined) return;
    p.verified = verified;
    this.#deps.changed();
  }

  /** The worker's frame counters (undefined without a worker). */
  stats(): Promise<E2eeFrameStats | undefined> {
    const worker = this.#worker;
    if (worker === undefined) return Promise.resolve(undefined);
    const requestId = ++this.#statsSeq;
    return new Promise((resolve) => {
      this.#statsWaiting.set(requestId, (s) => {
        this.#statsWaiting.delete(requestId);
        resolve(s);
      });
      worker.postMessage({ op: 'stats', requestId } satisfies ToWorker);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pendingFresh !== undefined) clearTimeout(this.#pendingFresh);
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const resolve of this.#statsWaiting.values()) resolve({ encrypted: 0, decrypted: 0, passed: 0, unsent: 0, dropped: {}, decryptedBy: {} });
    this.#statsWaiting.clear();
  }

  #applyRoom(next: RoomE2eeState): void {
    if (next === this.#room || (next.on === this.#room.on && next.at === this.#room.at)) return;
    const switched = next.on !== this.#room.on;
    this.#room = next;
    if (switched) {
      if (next.on && this.#pc !== undefined) this.#attach(this.#pc);
      this.#post({ op: 'set-enabled', enabled: next.on });
      this.#deps.notice(next.on && this.blocksMedia ? 'warning' : 'info', next.on
        ? this.blocksMedia
          ? 'This meeting is end-to-end encrypted, and this browser cannot encrypt: your camera and microphone are not sent. Join from a current Chromium or Firefox.'
          : 'End-to-end encryption is on: only the people in this meeting can see and hear it.'
        : 'End-to-end encryption was turned off by a moderator.');
    }
    // Echo it (set here or adopted), so a late joiner learns it from anyone in the room.
    this.#deps.presenceChanged();
    this.#deps.changed();
  }

  /** The pair's secrets (stored on the peer); then, if we are in already, the newcomer gets our ratcheted key. */
  async #pairWith(nick: string, peer: Peer, keyText: string): Promise<PairSecrets | undefined> {
    const raw = readIdentityKey(keyText);
    const identity = this.#identity;
    if (!raw.ok || identity === undefined) {
      this.#deps.log.warn('identity key refused', { code: raw.ok ? 'no identity' : raw.error.code });
      return undefined;
    }
    let pair: PairSecrets;
    try {
      pair = await derivePairSecrets({ id: this.#deps.localId(), identity }, { id: nick, publicRaw: raw.value });
    } catch (error) {
      this.#deps.log.warn('pairing failed', { err: error });
      return undefined;
    }
    if (this.#peers.get(nick) !== peer || peer.publicBase64 !== keyText) return undefined;
    peer.pair = pair;
    peer.sas = sasEmoji(pair.sasBytes);
    this.#deps.changed();
    // A newcomer: it must not read what we sent before it came.
    if (this.#isIn) {
      void this.#keyStep(async () => {
        await this.#ratchet();
        await this.#sendKey(nick, peer);
      });
    }
    return pair;
  }

  /** Key changes one after the other: a ratchet must start from the key the previous change left. */
  #keyStep(step: () => Promise<void>): Promise<void> {
    const run = this.#keyOps.then(step).catch((error: unknown) => this.#deps.log.warn('key change failed', { err: error }));
    this.#keyOps = run;
    return run;
  }

  async #sendKey(nick: string, peer: Peer): Promise<void> {
    if (peer.pair === undefined) return;
    const message = await sealMediaKey(peer.pair, this.#deps.localId(), nick, this.#localIndex, this.#localMaterial);
    peer.holdsOurKey = true;
    this.#deps.sendJson(nick, JSON.stringify(message));
  }

  async #ratchet(): Promise<void> {
    this.#localMaterial = await ratchetMaterial(this.#localMaterial);
    this.#localIndex = (this.#localIndex + 1) % KEY_RING_SIZE;
    this.#post({ op: 'set-local-key', index: this.#localIndex, material: this.#localMaterial });
  }

  #peerLeft(nick: string): void {
    const peer = this.#peers.get(nick);
    if (peer === undefined) return;
    this.#peers.delete(nick);
    this.#post({ op: 'forget', participant: nick });
    this.#deps.changed();
    if (!peer.holdsOurKey || this.#identity === undefined) return;
    // A fresh key the leaver never gets; used once the others had time to receive it.
    void this.#keyStep(async () => {
      const index = (this.#localIndex + 1) % KEY_RING_SIZE;
      const material = freshMaterial();
      this.#localIndex = index;
      this.#localMaterial = material;
      for (const [other, p] of this.#peers) if (p.pair !== undefined) await this.#sendKey(other, p);
      if (this.#pendingFresh !== undefined) clearTimeout(this.#pendingFresh);
      this.#pendingFresh = setTimeout(() => {
        this.#pendingFresh = undefined;
        // A join may have ratcheted past it meanwhile (and posted that key already).
        if (this.#localIndex === index) this.#post({ op: 'set-local-key', index, material });
      }, FRESH_KEY_DELAY_MS);
    });
  }

  #attach(pc: RTCPeerConnection): void {
    const Transform = (globalThis as { RTCRtpScriptTransform?: ScriptTransformCtor }).RTCRtpScriptTransform;
    const worker = this.#worker;
    if (Transform === undefined || worker === undefined) return;
    for (const t of pc.getTransceivers()) {
      const kind = t.receiver.track.kind === 'audio' ? 'audio' : 'video';
      if (!this.#attached.has(t.sender)) {
        this.#attached.add(t.sender);
        (t.sender as { transform: unknown }).transform = new Transform(worker, { operation: 'encrypt', kind });
      }
      if (!this.#attached.has(t.receiver)) {
        this.#attached.add(t.receiver);
        (t.receiver as { transform: unknown }).transform = new Transform(worker, { operation: 'decrypt', kind });
      }
    }
  }

  #post(m: ToWorker): void {
    this.#worker?.postMessage(m);
  }
}
