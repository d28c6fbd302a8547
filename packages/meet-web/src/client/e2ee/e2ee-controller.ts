// End-to-end encryption of one conference, on the page: the key exchange (@plenum/e2ee KeySession:
// our identity and media key, the pairwise secrets, the key schedule), the room state, and the
// frame worker attached to the bridge session's senders and receivers.
import type { Logger } from '@plenum/kit';
import type { PeerKeyState, RoomE2eeState, SasEmoji } from '@plenum/e2ee';
import { KeySession, ROOM_E2EE_OFF, changedRoomE2ee, e2eePresenceElements, mergeRoomE2ee, readE2eePresence } from '@plenum/e2ee';
import type { El } from '@plenum/xmpp/codec';
import type { E2eeFrameStats, FromWorker, ToWorker, TransformOptions } from './worker-protocol.ts';

/** A sender's or receiver's encoded frames under the older insertable-streams API (Chromium). */
type EncodedStreams = { readonly readable: ReadableStream; readonly writable: WritableStream };
type WithEncodedStreams = { createEncodedStreams?: () => EncodedStreams };

/**
 * How this browser hands encoded frames to a worker: RTCRtpScriptTransform (the standard; Chromium,
 * Firefox, Safari), else insertable streams (`createEncodedStreams`, older Chromium), else not at all.
 */
export function encodedTransformApi(): 'script-transform' | 'insertable-streams' | undefined {
  if (typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function') return 'script-transform';
  const sender = (globalThis as { RTCRtpSender?: { prototype: WithEncodedStreams } }).RTCRtpSender;
  if (typeof sender?.prototype.createEncodedStreams === 'function') return 'insertable-streams';
  return undefined;
}

/** Whether this browser can transform encoded frames in a worker. */
export function browserCanEncrypt(): boolean {
  return encodedTransformApi() !== undefined && typeof Worker === 'function' && typeof crypto?.subtle?.generateKey === 'function';
}

type ScriptTransformCtor = new (worker: Worker, options: TransformOptions) => unknown;

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
  readonly #keys: KeySession;
  #room: RoomE2eeState = ROOM_E2EE_OFF;
  #worker: Worker | undefined;
  readonly #attached = new WeakSet<RTCRtpSender | RTCRtpReceiver>();
  #pc: RTCPeerConnection | undefined;
  #statsSeq = 0;
  readonly #statsWaiting = new Map<number, (s: E2eeFrameStats) => void>();
  #closed = false;
  #supported: boolean;
  readonly #api = encodedTransformApi();

  constructor(deps: E2eeControllerDeps) {
    this.#deps = deps;
    this.#supported = deps.workerUrl !== undefined && browserCanEncrypt();
    this.#keys = new KeySession({
      log: deps.log,
      localId: () => deps.localId(),
      sendJson: (to, json) => deps.sendJson(to, json),
      onLocalKey: (index, material) => this.#post({ op: 'set-local-key', index, material }),
      onPeerKey: (participant, index, material) => this.#post({ op: 'set-key', participant, index, material }),
      onPeerGone: (participant) => this.#post({ op: 'forget', participant }),
      changed: () => deps.changed(),
    });
  }

  /** Makes the identity key and starts the worker; before the join presence goes out. */
  async start(): Promise<void> {
    if (!this.#supported || this.#keys.publicKeyBase64 !== undefined) return;
    try {
      this.#worker = new Worker(this.#deps.workerUrl as string, { type: 'module', name: 'plenum-e2ee' });
      this.#worker.onmessage = (e: MessageEvent<FromWorker>) => this.#statsWaiting.get(e.data.requestId)?.(e.data.stats);
      this.#worker.onerror = (e) => this.#deps.log.error('e2ee worker failed', { message: e.message });
      await this.#keys.start();
    } catch (error) {
      this.#deps.log.warn('end-to-end encryption unavailable', { err: error });
      this.#supported = false;
      this.#worker?.terminate();
      this.#worker = undefined;
    }
  }

  /**
   * The bridge connection must be made with `encodedInsertableStreams: true` (Chromium's older API:
   * decided when the connection is created, and then every sender and receiver goes through the
   * worker, which passes frames unchanged while the room is not encrypted).
   */
  get needsEncodedInsertableStreams(): boolean {
    return this.#supported && this.#api === 'insertable-streams';
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
    return this.#room.on && (!this.#supported || this.#keys.publicKeyBase64 === undefined);
  }

  /** Our own presence properties. */
  presenceElements(): El[] {
    return e2eePresenceElements({ encrypts: this.#room.on && !this.blocksMedia, idKey: this.#keys.publicKeyBase64, room: this.#room });
  }

  /** An occupant's presence (not ours, not the focus's). */
  onPresence(nick: string, presence: El, isModerator: boolean, unavailable: boolean): void {
    if (unavailable) {
      this.#keys.onPeerLeft(nick);
      return;
    }
    const seen = readE2eePresence(presence);
    this.#applyRoom(mergeRoomE2ee(this.#room, seen.room, isModerator));
    this.#keys.onPeerPresence(nick, seen.idKey, seen.encrypts);
  }

  /** Our join completed: peers seen so far were here before us; `createdRoom` + the server default turn E2EE on. */
  joined(createdRoom: boolean, enabledByDefault: boolean): void {
    this.#keys.joined();
    if (createdRoom && enabledByDefault && !this.#room.on) this.setRoomEnabled(true);
  }

  /** A moderator's switch (or the default): everyone adopts it from our presence. */
  setRoomEnabled(on: boolean): void {
    this.#applyRoom(changedRoomE2ee(this.#room, on, Date.now()));
  }

  /** A `plenum-e2ee` json-message from an occupant. */
  onKeyMessage(from: string, json: string): Promise<void> {
    return this.#keys.onKeyMessage(from, json);
  }

  /** The bridge session's peer connection has (new) transceivers: transforms go on them while E2EE is on. */
  useSession(pc: RTCPeerConnection): void {
    this.#pc = pc;
    if (this.#room.on || this.needsEncodedInsertableStreams) this.#attach(pc);
  }

  /** Who sends on which SSRC, from the session's sources. */
  setSsrcOwners(owners: readonly (readonly [number, string])[]): void {
    this.#post({ op: 'ssrc-owners', owners });
  }

  participantState(nick: string): PeerKeyState {
    return this.#keys.peerState(nick);
  }

  /** The pair's SAS (undefined until the pair's secrets are derived). */
  sas(nick: string): readonly SasEmoji[] | undefined {
    return this.#keys.sas(nick);
  }

  setVerified(nick: string, verified: boolean): void {
    this.#keys.setVerified(nick, verified);
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
    this.#keys.close();
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

  #attach(pc: RTCPeerConnection): void {
    const worker = this.#worker;
    if (worker === undefined) return;
    const Transform = (globalThis as { RTCRtpScriptTransform?: ScriptTransformCtor }).RTCRtpScriptTransform;
    const attach = (end: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void => {
      if (this.#attached.has(end)) return;
      this.#attached.add(end);
      if (this.#api === 'script-transform' && Transform !== undefined) {
        (end as { transform: unknown }).transform = new Transform(worker, options);
        return;
      }
      // Insertable streams: the frames' streams move to the worker, which pipes them as above.
      const streams = (end as WithEncodedStreams).createEncodedStreams?.();
      if (streams === undefined) return;
      worker.postMessage({ op: 'attach-streams', options, readable: streams.readable, writable: streams.writable } satisfies ToWorker, [streams.readable, streams.writable] as unknown as Transferable[]);
    };
    for (const t of pc.getTransceivers()) {
      const kind = t.receiver.track.kind === 'audio' ? 'audio' : 'video';
      attach(t.sender, { operation: 'encrypt', kind });
      attach(t.receiver, { operation: 'decrypt', kind });
    }
  }

  #post(m: ToWorker): void {
    this.#worker?.postMessage(m);
  }
}
