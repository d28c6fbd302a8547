// Direct media between exactly two participants (protocols.md §2.4): Jingle between the two
// occupants of the room, no bridge. The participant whose endpoint id sorts lower offers. Content
// names are the SDP mids, sources carry no owner (everything comes from the peer).
//
// Both sides are this client, so candidates are not trickled: each side waits for its (loopback
// or configured STUN/TURN) candidates and sends them inside session-initiate / session-accept,
// where jingle-sdp carries them both ways. Gathering is bounded, so a slow STUN server only costs
// its candidates, not the call.
import type { Logger } from '@plenum/kit';
import type { Jingle, VideoType } from '@plenum/xmpp/codec';
import { jingleToSdp, sdpToJingle } from '@plenum/xmpp/codec';
import type { RemoteTrack } from './bridge-session.ts';
import { setStreamOf } from './bridge-session.ts';

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
  #closed = false;

  private constructor(sid: string, isInitiator: boolean, deps: P2PSessionDeps) {
    this.sid = sid;
    this.isInitiator = isInitiator;
    this.#deps = deps;
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
    return s;
  }

  /** The peer's session-accept. */
  async applyAnswer(answer: Jingle): Promise<void> {
    const sdp = jingleToSdp(answer, { sessionId: this.#sessionId, sessionVersion: 1, role: 'answer' });
    if (!sdp.ok) throw new Error(`cannot map the peer's answer to SDP: ${sdp.error.text}`);
    await this.#pc.setRemoteDescription({ type: 'answer', sdp: sdp.value });
    this.#remote = answer;
    this.#reportTracks();
  }

  /** Swaps what a sender of this kind sends, without renegotiating. */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack): Promise<void> {
    const t = this.#pc.getTransceivers().find((x) => x.receiver.track.kind === kind && x.sender.track !== null);
    await t?.sender.replaceTrack(track);
  }

  /** Ends the session; tells the peer unless it ended it. */
  close(tellPeer: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pc.close();
    if (tellPeer) {
      this.#deps.sendJingle({ action: 'session-terminate', sid: this.sid, contents: [], groups: [], reason: { condition: 'success' } })
        .catch(() => undefined);
    }
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
