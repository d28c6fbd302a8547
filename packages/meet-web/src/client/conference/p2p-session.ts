// Direct media between exactly two participants (protocols.md §2.4): Jingle between the two
// occupants of the room, no bridge. The participant whose endpoint id sorts lower offers. Content
// names are the SDP mids, sources carry no owner (everything comes from the peer).
//
// Both sides are this client, so candidates are not trickled: each side waits for its (loopback
// or configured STUN/TURN) candidates and sends them inside session-initiate / session-accept,
// where jingle-sdp carries them both ways. Gathering is bounded, so a slow STUN server only costs
// its candidates, not the call.
//
// A microphone or camera opened after the session started (it was missing or busy) has a receive-only
// m-line: `sendTrack` turns it sendrecv, renegotiates this side alone (the initiator offers and
// applies the peer's kept answer, the responder applies the peer's kept offer and answers) and sends
// the peer a source-add; the peer renegotiates the same way (p2p-sources.ts). Renegotiations run one
// at a time, and on the initiator only after the peer's session-accept.
import type { Logger } from '@plenum/kit';
import type { Jingle, VideoType } from '@plenum/xmpp/codec';
import { jingleToSdp, sdpToJingle } from '@plenum/xmpp/codec';
import type { RemoteTrack } from './bridge-session.ts';
import { setStreamOf } from './bridge-session.ts';
import { sourceAddContent, withOwnSending, withPeerSources } from './p2p-sources.ts';

export type P2PSessionDeps = {
  readonly nick: string;
  readonly peer: string;
  readonly iceServers: RTCIceServer[];
  /** 'relay': TURN only (config.js iceTransportPolicy). */
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  /** Sends Jingle to the peer's occupant JID; resolves on its result. */
  readonly sendJingle: (j: Jingle) => Promise<void>;
  readonly onTracks: (tracks: readonly RemoteTrack[]) => void;
  readonly onConnectionState: (state: RTCPeerConnectionState) => void;
  readonly log: Logger;
};

const GATHERING_LIMIT_MS = 3000;

function newSid(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class P2PSession {
  readonly sid: string;
  readonly isInitiator: boolean;
  readonly #deps: P2PSessionDeps;
  readonly #pc: RTCPeerConnection;
  readonly #sessionId = String(Date.now());
  #remote: Jingle | undefined;
  /** o= sess-version of the peer's description as we apply it (again after each renegotiation). */
  #remoteVersion = 1;
  #closed = false;
  /** Renegotiations, one at a time; the first waits for the session to be set up (#setUp). */
  #queue: Promise<void>;
  #setUp: () => void = () => undefined;

  private constructor(sid: string, isInitiator: boolean, deps: P2PSessionDeps) {
    this.sid = sid;
    this.isInitiator = isInitiator;
    this.#deps = deps;
    this.#queue = new Promise<void>((resolve) => {
      this.#setUp = resolve;
    });
    this.#pc = new RTCPeerConnection({ iceServers: deps.iceServers, iceTransportPolicy: deps.iceTransportPolicy, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.#pc.addEventListener('connectionstatechange', () => deps.onConnectionState(this.#pc.connectionState));
  }

  get peer(): string {
    return this.#deps.peer;
  }

  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }

  get connected(): boolean {
    return this.#pc.connectionState === 'connected';
  }

  /** Offers to the peer (we sort lower): our tracks, session-initiate with our candidates. */
  static async initiate(deps: P2PSessionDeps, audio: MediaStreamTrack | undefined, camera: MediaStreamTrack | undefined): Promise<P2PSession> {
    const s = new P2PSession(newSid(), true, deps);
    s.#pc.addTransceiver(audio ?? 'audio', { direction: audio ? 'sendrecv' : 'recvonly', ...(audio ? { streams: [new MediaStream([audio])] } : {}) });
    s.#pc.addTransceiver(camera ?? 'video', { direction: camera ? 'sendrecv' : 'recvonly', ...(camera ? { streams: [new MediaStream([camera])] } : {}) });
    await s.#pc.setLocalDescription(await s.#pc.createOffer());
    const local = await s.#gathered();
    const jingle = sdpToJingle(local, { creator: 'initiator', owner: deps.nick });
    if (!jingle.ok) throw new Error(`cannot map our P2P offer to Jingle: ${jingle.error.text}`);
    await deps.sendJingle({ action: 'session-initiate', sid: s.sid, contents: jingle.value.contents, groups: jingle.value.groups });
    return s;
  }

  /** Answers the peer's session-initiate with our tracks and candidates. */
  static async accept(deps: P2PSessionDeps, offer: Jingle, audio: MediaStreamTrack | undefined, camera: MediaStreamTrack | undefined): Promise<P2PSession> {
    const s = new P2PSession(offer.sid, false, deps);
    const sdp = jingleToSdp(offer, { sessionId: s.#sessionId, sessionVersion: 1, role: 'offer' });
    if (!sdp.ok) throw new Error(`cannot map the peer's offer to SDP: ${sdp.error.text}`);
    await s.#pc.setRemoteDescription({ type: 'offer', sdp: sdp.value });
    s.#remote = offer;
    for (const t of s.#pc.getTransceivers()) {
      const track = t.receiver.track.kind === 'audio' ? audio : camera;
      if (!track) continue;
      await t.sender.replaceTrack(track);
      setStreamOf(t.sender, track);
      t.direction = 'sendrecv';
    }
    await s.#pc.setLocalDescription(await s.#pc.createAnswer());
    const local = await s.#gathered();
    const jingle = sdpToJingle(local, { creator: 'responder', owner: deps.nick });
    if (!jingle.ok) throw new Error(`cannot map our P2P answer to Jingle: ${jingle.error.text}`);
    await deps.sendJingle({ action: 'session-accept', sid: s.sid, contents: jingle.value.contents, groups: jingle.value.groups });
    s.#reportTracks();
    s.#setUp();
    return s;
  }

  /** The peer's session-accept. */
  async applyAnswer(answer: Jingle): Promise<void> {
    const sdp = jingleToSdp(answer, { sessionId: this.#sessionId, sessionVersion: 1, role: 'answer' });
    if (!sdp.ok) throw new Error(`cannot map the peer's answer to SDP: ${sdp.error.text}`);
    await this.#pc.setRemoteDescription({ type: 'answer', sdp: sdp.value });
    this.#remote = answer;
    this.#reportTracks();
    this.#setUp();
  }

  /**
   * Sends `track` as our microphone or camera: swapped in where this kind already sends (a device
   * switch), else the m-line starts sending (renegotiated, announced to the peer with source-add).
   */
  sendTrack(kind: 'audio' | 'video', track: MediaStreamTrack): Promise<void> {
    return this.#serial(async () => {
      const t = this.#pc.getTransceivers().find((x) => x.receiver.track.kind === kind);
      if (t === undefined || t.mid === null) throw new Error(`the direct session has no ${kind} m-line`);
      if (t.direction === 'sendrecv' || t.direction === 'sendonly') {
        if (t.sender.track !== track) await t.sender.replaceTrack(track);
        return;
      }
      await t.sender.replaceTrack(track);
      setStreamOf(t.sender, track);
      t.direction = 'sendrecv';
      const us = this.isInitiator ? 'initiator' : 'responder';
      if (this.#remote) this.#remote = withOwnSending(this.#remote, t.mid, us);
      const local = await this.#renegotiate();
      const jingle = sdpToJingle(local, { creator: us, owner: this.#deps.nick });
      if (!jingle.ok) throw new Error(`cannot map our renegotiated P2P description to Jingle: ${jingle.error.text}`);
      const d = jingle.value.contents.find((c) => c.name === t.mid)?.description;
      if (d === undefined || d.sources.length === 0) throw new Error(`the browser did not add the ${kind} source`);
      await this.#deps.sendJingle({ action: 'source-add', sid: this.sid, contents: [sourceAddContent(t.mid, us, kind, d.sources, d.sourceGroups)], groups: [] });
    });
  }

  /** The peer's source-add or source-remove (already acknowledged): its track started or stopped. */
  onPeerSources(change: Jingle): Promise<void> {
    return this.#serial(async () => {
      if (this.#remote === undefined) return;
      const updated = withPeerSources(this.#remote, change, this.isInitiator ? 'responder' : 'initiator');
      if (!updated.ok) throw new Error(`the peer's ${change.action} is unusable (${updated.condition}): ${updated.text}`);
      this.#remote = updated.remote;
      await this.#renegotiate();
    });
  }

  /** Ends the session; tells the peer unless it ended it. */
  close(tellPeer: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    // Queued renegotiations end now (they see the session closed) rather than wait for ever.
    this.#setUp();
    this.#pc.close();
    if (tellPeer) {
      this.#deps.sendJingle({ action: 'session-terminate', sid: this.sid, contents: [], groups: [], reason: { condition: 'success' } })
        .catch(() => undefined);
    }
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(() => (this.#closed ? undefined : step()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * This side alone, in its Jingle role, against the peer's kept description (which already says
   * what changed): the initiator offers and applies it as the answer, the responder applies it as
   * the offer and answers. Returns our new local description.
   */
  async #renegotiate(): Promise<string> {
    const remote = this.#remote;
    if (remote === undefined) throw new Error('the direct session is not set up');
    const role = this.isInitiator ? 'answer' : 'offer';
    const sdp = jingleToSdp(remote, { sessionId: this.#sessionId, sessionVersion: ++this.#remoteVersion, role });
    if (!sdp.ok) throw new Error(`cannot map the peer's description to SDP: ${sdp.error.text}`);
    if (this.isInitiator) {
      await this.#pc.setLocalDescription(await this.#pc.createOffer());
      await this.#pc.setRemoteDescription({ type: 'answer', sdp: sdp.value });
    } else {
      await this.#pc.setRemoteDescription({ type: 'offer', sdp: sdp.value });
      await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    }
    this.#reportTracks();
    return this.#pc.localDescription?.sdp ?? '';
  }

  /** The local description once ICE gathering completed (or the limit passed). */
  async #gathered(): Promise<string> {
    if (this.#pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, GATHERING_LIMIT_MS);
        this.#pc.addEventListener('icegatheringstatechange', () => {
          if (this.#pc.iceGatheringState !== 'complete') return;
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#pc.localDescription?.sdp ?? '';
  }

  /** Every receiving track is the peer's; names and video types come from its Jingle sources. */
  #reportTracks(): void {
    const tracks: RemoteTrack[] = [];
    for (const t of this.#pc.getTransceivers()) {
      if (t.mid === null || t.currentDirection === 'sendonly' || t.currentDirection === 'inactive') continue;
      const content = this.#remote?.contents.find((c) => c.name === t.mid);
      const source = content?.description?.sources[0];
      const media = t.receiver.track.kind === 'audio' ? 'audio' : 'video';
      if (content?.description === undefined || source === undefined) continue;
      const videoType: VideoType | undefined = media === 'video' ? source.videoType ?? 'camera' : undefined;
      tracks.push({ owner: this.#deps.peer, sourceName: source.name ?? `${this.#deps.peer}-${media === 'audio' ? 'a0' : 'v0'}`, media, videoType, track: t.receiver.track });
    }
    this.#deps.onTracks(tracks);
  }
}
