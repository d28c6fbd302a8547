// One participant's side of the key exchange in one meeting: its identity key, the pairwise secrets
// with everyone who advertises one, and the schedule of its own media key. The browser (with its
// frame worker), the recorder and the SIP gateway each run one; what to do with the keys (hand them
// to a worker, decrypt RTP in Node) is the caller's.
//
// Key schedule (protocols.md §8.7): our media key starts random. Someone joins → we ratchet it
// (HKDF, one-way) and send the newcomer only the new key; those already in follow the ratchet by
// themselves (key-ring.ts). Someone who held our key leaves → a fresh random key goes to everyone
// left and is used after FRESH_KEY_DELAY_MS, so they have it before our frames need it. Keys are
// exchanged whether or not the room is encrypted, so switching E2EE on costs no round trip.
//
// A participant that sends no media (a recorder) has no media key: it sends none, and nobody has to
// rotate when it leaves because of its own key; the others still rotate theirs, which it held.
import type { Logger } from '@plenum/kit';
import type { Identity, PairSecrets } from './key-exchange.ts';
import { decodeMediaKeyMessage, derivePairSecrets, generateIdentity, openMediaKey, readIdentityKey, sealMediaKey } from './key-exchange.ts';
import { KEY_RING_SIZE, freshMaterial, ratchetMaterial } from './key-ring.ts';
import type { SasEmoji } from './sas.ts';
import { sasEmoji } from './sas.ts';

/** How long a fresh key (after a leave) travels to the others before we encrypt with it. */
export const FRESH_KEY_DELAY_MS = 1000;

export type KeySessionDeps = {
  readonly log: Logger;
  /** Our endpoint id (our nick in the room). */
  localId(): string;
  /** A MUC private message to an occupant with this `<json-message>` text. */
  sendJson(to: string, json: string): void;
  /** Frames we send use this key from now on. */
  onLocalKey?(index: number, material: Uint8Array<ArrayBuffer>): void;
  /** A participant's media key arrived (authenticated by the pair's key). */
  onPeerKey(participant: string, index: number, material: Uint8Array<ArrayBuffer>): void;
  /** A participant left: forget its keys. */
  onPeerGone?(participant: string): void;
  /** A participant's state (pairing, SAS, verified, encrypts) changed. */
  changed?(): void;
  /** False for a participant that sends no media (a recorder). Default true. */
  readonly sendsMedia?: boolean;
};

/** What we know of one other participant. */
export type PeerKeyState = {
  /** We share pairwise secrets: it gets our key, we can open its keys. */
  readonly hasKeys: boolean;
  /** Its presence says its media is encrypted. */
  readonly encrypts: boolean;
  /** Someone here compared the SAS with it and said it matched. */
  readonly verified: boolean;
};

type Peer = {
  publicBase64: string | undefined;
  pair: PairSecrets | undefined;
  /** Set while the pair's secrets are being derived (a key message may arrive meanwhile). */
  pairing: Promise<PairSecrets | undefined> | undefined;
  sas: readonly SasEmoji[] | undefined;
  verified: boolean;
  encrypts: boolean;
  /** We sent it our key (so its leaving makes us rotate). */
  holdsOurKey: boolean;
};

export class KeySession {
  readonly #deps: KeySessionDeps;
  readonly #sendsMedia: boolean;
  #identity: Identity | undefined;
  readonly #peers = new Map<string, Peer>();
  #isIn = false;
  #localIndex = 0;
  #localMaterial = freshMaterial();
  #pendingFresh: ReturnType<typeof setTimeout> | undefined;
  #keyOps: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: KeySessionDeps) {
    this.#deps = deps;
    this.#sendsMedia = deps.sendsMedia ?? true;
  }

  /** Makes the identity key (before the join presence goes out, which advertises it). */
  async start(): Promise<void> {
    if (this.#identity !== undefined) return;
    this.#identity = await generateIdentity();
    if (this.#sendsMedia) this.#deps.onLocalKey?.(this.#localIndex, this.#localMaterial);
  }

  /** Our public identity key (base64) for presence; undefined before start(). */
  get publicKeyBase64(): string | undefined {
    return this.#identity?.publicBase64;
  }

  /** An occupant's presence (not ours): its identity key ('' if none) and whether it encrypts. */
  onPeerPresence(nick: string, idKeyBase64: string, encrypts: boolean): void {
    if (this.#closed) return;
    const prev = this.#peers.get(nick);
    const peer: Peer = prev ?? { publicBase64: undefined, pair: undefined, pairing: undefined, sas: undefined, verified: false, encrypts: false, holdsOurKey: false };
    const changed = peer.encrypts !== encrypts || prev === undefined;
    peer.encrypts = encrypts;
    this.#peers.set(nick, peer);
    if (idKeyBase64 !== '' && idKeyBase64 !== peer.publicBase64 && this.#identity !== undefined) {
      // A new (or replaced) identity key: new pair secrets, and the old verification no longer holds.
      peer.publicBase64 = idKeyBase64;
      peer.pair = undefined;
      peer.sas = undefined;
      peer.verified = false;
      peer.pairing = this.#pairWith(nick, peer, idKeyBase64);
    } else if (changed) {
      this.#deps.changed?.();
    }
  }

  /** An occupant left: its keys are forgotten and, if it held ours, ours is replaced. */
  onPeerLeft(nick: string): void {
    const peer = this.#peers.get(nick);
    if (peer === undefined) return;
    this.#peers.delete(nick);
    this.#deps.onPeerGone?.(nick);
    this.#deps.changed?.();
    if (!peer.holdsOurKey || this.#identity === undefined || this.#closed) return;
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
        // A join may have ratcheted past it meanwhile (and announced that key already).
        if (this.#localIndex === index && !this.#closed) this.#deps.onLocalKey?.(index, material);
      }, FRESH_KEY_DELAY_MS);
    });
  }

  /** Our join completed: everyone seen so far was here before us and gets our current key. */
  joined(): void {
    this.#isIn = true;
    void this.#keyStep(async () => {
      for (const [nick, peer] of this.#peers) if (peer.pair !== undefined) await this.#sendKey(nick, peer);
    });
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
    // It may have left while the key opened.
    if (this.#peers.get(from) === peer && !this.#closed) this.#deps.onPeerKey(from, opened.value.index, opened.value.material);
  }

  peerState(nick: string): PeerKeyState {
    const p = this.#peers.get(nick);
    return { hasKeys: p?.pair !== undefined, encrypts: p?.encrypts === true, verified: p?.verified === true };
  }

  /** The occupants we share pairwise secrets with (who hold our key, or could). */
  pairedPeers(): string[] {
    return [...this.#peers].filter(([, p]) => p.pair !== undefined).map(([nick]) => nick);
  }

  /** The pair's SAS (undefined until the pair's secrets are derived). */
  sas(nick: string): readonly SasEmoji[] | undefined {
    return this.#peers.get(nick)?.sas;
  }

  setVerified(nick: string, verified: boolean): void {
    const p = this.#peers.get(nick);
    if (p?.sas === undefined) return;
    p.verified = verified;
    this.#deps.changed?.();
  }

  /** Resolves once every key change started so far has been sent (tests, orderly shutdown). */
  settled(): Promise<void> {
    return this.#keyOps;
  }

  close(): void {
    this.#closed = true;
    if (this.#pendingFresh !== undefined) clearTimeout(this.#pendingFresh);
    this.#pendingFresh = undefined;
    this.#peers.clear();
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
    if (this.#peers.get(nick) !== peer || peer.publicBase64 !== keyText || this.#closed) return undefined;
    peer.pair = pair;
    peer.sas = sasEmoji(pair.sasBytes);
    this.#deps.changed?.();
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
    if (peer.pair === undefined || !this.#sendsMedia || this.#closed) return;
    const message = await sealMediaKey(peer.pair, this.#deps.localId(), nick, this.#localIndex, this.#localMaterial);
    peer.holdsOurKey = true;
    this.#deps.sendJson(nick, JSON.stringify(message));
  }

  async #ratchet(): Promise<void> {
    if (!this.#sendsMedia) return;
    this.#localMaterial = await ratchetMaterial(this.#localMaterial);
    this.#localIndex = (this.#localIndex + 1) % KEY_RING_SIZE;
    this.#deps.onLocalKey?.(this.#localIndex, this.#localMaterial);
  }
}
