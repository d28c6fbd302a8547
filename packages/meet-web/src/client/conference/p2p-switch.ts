// When to meet peer-to-peer (protocols.md §2.4): with exactly one other participant, the one whose
// endpoint id sorts lower offers a direct session (p2p-session.ts); a third participant, the peer
// leaving, or the direct path failing ends it. The bridge session stays up all along; the host
// only stops sending our microphone and camera to the bridge while the direct path is connected.
//
// Either side offers or answers only once its camera and microphone are open: the app joins while
// it opens them, and a session set up without them would start with receive-only m-lines (issue 5).
// A microphone or camera opened later still (it was missing or busy) is added to the running
// session with a renegotiation (`sendTrack`, p2p-session.ts), and so is one opened while a
// session was being set up (caught up once it is adopted); without that, the other side would get
// nothing of it once the bridge stops carrying our media.
import type { Logger } from '@plenum/kit';
import type { Jingle } from '@plenum/xmpp/codec';
import type { RemoteTrack } from './bridge-session.ts';
import { P2PSession } from './p2p-session.ts';
import type { P2PSessionDeps } from './p2p-session.ts';

/** What the switch needs from the conference. */
export type P2PSwitchHost = {
  readonly enabled: boolean;
  readonly iceServers: RTCIceServer[];
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  readonly log: Logger;
  /** Our endpoint id. */
  nick(): string;
  /** The remote endpoint ids in the room now. */
  peers(): readonly string[];
  /** Joined (or reconnecting): P2P may run. */
  isLive(): boolean;
  /** Our microphone and camera once the app finished opening them (undefined where it could not). */
  localTracks(): Promise<{ readonly audio: MediaStreamTrack | undefined; readonly camera: MediaStreamTrack | undefined }>;
  /** Jingle IQ to the peer's occupant JID; resolves on its result. */
  sendJingle(peer: string, j: Jingle): Promise<void>;
  /** The direct path came up (true) or went away (false). */
  onDirect(direct: boolean): void;
  /** Something the snapshot shows changed. */
  changed(): void;
};

/** A peer changes its microphone and camera at most this often before the session is even up. */
const MAX_EARLY_SOURCE_CHANGES = 4;

export class P2PSwitch {
  readonly #host: P2PSwitchHost;
  #session: P2PSession | undefined;
  #starting = false;
  /** The sid of a peer's offer we are answering (waiting for our devices or ICE gathering). */
  #answering: string | undefined;
  /** The peer's source changes that came while we were still answering, applied once adopted. */
  #early: Jingle[] = [];
  #tracks: readonly RemoteTrack[] = [];
  /** Whether the host was told the direct path is up (so it gets told once when it goes). */
  #direct = false;

  constructor(host: P2PSwitchHost) {
    this.#host = host;
  }

  /** The peer whose media comes direct, while the direct path is connected. */
  get directPeer(): string | undefined {
    return this.#session?.connected === true ? this.#session.peer : undefined;
  }

  /** The peer's tracks on the direct path. */
  get tracks(): readonly RemoteTrack[] {
    return this.#tracks;
  }

  get peerConnection(): RTCPeerConnection | undefined {
    return this.#session?.peerConnection;
  }

  /**
   * Sends this microphone or camera on the direct path: swapped in for the old one (device switch),
   * or, where none was sent (opened late), added with a renegotiation. Failures are logged.
   */
  async sendTrack(kind: 'audio' | 'video', track: MediaStreamTrack): Promise<void> {
    await this.#session?.sendTrack(kind, track).catch((error: unknown) => {
      this.#host.log.warn('p2p: the track could not be sent', { err: error, kind });
    });
  }

  /** Re-evaluates after the roster or the meeting state changed. */
  update(): void {
    const host = this.#host;
    const wanted = this.#wantedPeer();
    const current = this.#session;
    // The offerer ends the session (it tells the peer); the answerer just lets go.
    if (current && current.peer !== wanted) this.stop(current.isInitiator);
    if (wanted === undefined || this.#session || this.#starting || !(host.nick() < wanted)) return;
    this.#starting = true;
    void this.#offer(wanted);
  }

  /** The one other participant while a direct session may run. */
  #wantedPeer(): string | undefined {
    const host = this.#host;
    const peers = host.peers();
    return host.enabled && host.isLive() && peers.length === 1 ? peers[0] : undefined;
  }

  async #offer(peer: string): Promise<void> {
    let session: P2PSession | undefined;
    let failed = false;
    try {
      const { audio, camera } = await this.#host.localTracks();
      // The roster may have changed while the devices opened.
      if (this.#wantedPeer() === peer) session = await P2PSession.initiate(this.#deps(peer), audio, camera);
    } catch (error) {
      failed = true;
      this.#host.log.warn('p2p offer failed; staying on the bridge', { err: error });
    }
    this.#starting = false;
    // Not kept (someone came or went meanwhile): look again, another peer may be wanted now.
    if (!(session !== undefined && this.#adopt(session)) && !failed) this.update();
  }

  async #answer(peer: string, offer: Jingle): Promise<void> {
    let session: P2PSession | undefined;
    try {
      const { audio, camera } = await this.#host.localTracks();
      if (this.#answering === offer.sid) session = await P2PSession.accept(this.#deps(peer), offer, audio, camera);
    } catch (error) {
      this.#host.log.warn('p2p answer failed; staying on the bridge', { err: error });
    }
    // The peer ended it meanwhile (its session-terminate cleared #answering): let go quietly.
    if (this.#answering !== offer.sid) {
      session?.close(false);
      return;
    }
    this.#answering = undefined;
    const early = this.#early;
    this.#early = [];
    if (session === undefined || !this.#adopt(session)) return;
    for (const j of early) this.#onPeerSources(session, j);
  }

  /** Jingle from another participant (already acknowledged). */
  onJingle(peer: string, j: Jingle): void {
    const host = this.#host;
    const current = this.#session;
    switch (j.action) {
      case 'session-initiate': {
        const peers = host.peers();
        if (!host.enabled || peers.length !== 1 || peers[0] !== peer || current || this.#answering !== undefined || !(peer < host.nick())) {
          host.sendJingle(peer, { action: 'session-terminate', sid: j.sid, contents: [], groups: [], reason: { condition: 'decline' } }).catch(() => undefined);
          return;
        }
        this.#answering = j.sid;
        void this.#answer(peer, j);
        return;
      }
      case 'session-accept':
        if (current?.sid === j.sid && current.isInitiator) {
          current.applyAnswer(j).catch((error: unknown) => {
            host.log.warn('p2p answer unusable; staying on the bridge', { err: error });
            this.stop(true);
          });
        }
        return;
      case 'source-add':
      case 'source-remove':
        if (current?.sid === j.sid) this.#onPeerSources(current, j);
        // Our session-accept went out and the peer's camera came at once: it waits for the session.
        else if (this.#answering === j.sid && this.#early.length < MAX_EARLY_SOURCE_CHANGES) this.#early.push(j);
        return;
      case 'session-terminate':
        if (current?.sid === j.sid) this.stop(false);
        if (this.#answering === j.sid) {
          this.#answering = undefined;
          this.#early = [];
        }
        return;
      default:
        return;
    }
  }

  /** Ends the direct session (telling the peer when asked); media falls back to the bridge. */
  stop(tellPeer: boolean): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    this.#tracks = [];
    session.close(tellPeer);
    // By what we told the host, not by the connection's state now: the peer closing first can turn
    // it `disconnected` before we stop, and the bridge must get our media back either way.
    if (this.#direct) {
      this.#direct = false;
      this.#host.onDirect(false);
    }
    this.#host.changed();
  }

  /** A session finished its setup: keep it if it is still wanted (true); it may have connected meanwhile. */
  #adopt(session: P2PSession): boolean {
    const peers = this.#host.peers();
    if (this.#session || peers.length !== 1 || peers[0] !== session.peer || !this.#host.isLive()) {
      session.close(true);
      return false;
    }
    this.#session = session;
    this.#onState(session, session.peerConnection.connectionState);
    void this.#catchUp(session);
    return true;
  }

  /** Sends what the host opened while the session was being set up (a late camera or microphone). */
  async #catchUp(session: P2PSession): Promise<void> {
    const { audio, camera } = await this.#host.localTracks();
    if (this.#session !== session) return;
    if (audio) await this.sendTrack('audio', audio);
    if (camera) await this.sendTrack('video', camera);
  }

  #onPeerSources(session: P2PSession, j: Jingle): void {
    session.onPeerSources(j).catch((error: unknown) => {
      this.#host.log.warn('p2p: the peer\'s source change could not be applied', { err: error, action: j.action });
    });
  }

  #onState(session: P2PSession, state: RTCPeerConnectionState): void {
    if (this.#session !== session) return;
    if (state === 'connected') {
      if (!this.#direct) {
        this.#direct = true;
        this.#host.onDirect(true);
      }
      this.#host.changed();
    } else if (state === 'failed') {
      this.#host.log.warn('p2p connection failed; back to the bridge');
      this.stop(true);
    }
  }

  #deps(peer: string): P2PSessionDeps {
    let session: P2PSession | undefined;
    return {
      nick: this.#host.nick(), peer, iceServers: this.#host.iceServers, iceTransportPolicy: this.#host.iceTransportPolicy,
      sendJingle: (j) => this.#host.sendJingle(peer, j),
      onTracks: (tracks) => {
        // Tracks of a session not (yet) adopted are kept for when it is.
        this.#tracks = tracks;
        this.#host.changed();
      },
      onConnectionState: (state) => {
        session ??= this.#session?.peer === peer ? this.#session : undefined;
        if (session) this.#onState(session, state);
      },
      log: this.#host.log.child({ part: 'p2p' }),
    };
  }
}
