// The Jingle session with the focus (= media through the bridge, protocols.md §2): the focus
// offers, this browser answers. Remote sources are kept per owner; every change (source-add,
// source-remove, our screen share) regenerates the remote offer with the codec's jingle-sdp mapping
// (m-lines stay stable, new remote tracks get receive slots) and answers it again.
//
// Screen sharing needs a second sending m-line, which an answerer cannot add. So the remote offer
// always carries one extra video m-line `desktop` that the focus never sent (direction recvonly
// from the bridge's side): idle until we share, then it carries `<nick>-v1`. It is ours only: the
// Jingle we send folds its sources into the `video` content, as lib-jitsi-meet does.
//
// The offer's `data` content (SCTP, protocols.md §2.2) is answered when `preferSctp`, and this side
// opens the bridge channel on it as lib-jitsi-meet does ('JVB data channel'); otherwise it is left
// out of the answer and the bridge channel goes over the WebSocket.
import type { Logger } from '@plenum/kit';
import type { EndpointSources, Jingle, JingleContent, MediaSource, PayloadType, Sdp, SourceGroup, VideoType } from '@plenum/xmpp/codec';
import { isMixedSource, jingleToSdp, parseSdp, sdpLinesOf, sdpMediaMid, sdpToJingle } from '@plenum/xmpp/codec';
import type { SimulcastSsrcs } from './simulcast.ts';
import { addSimulcastLayers } from './simulcast.ts';
import { activeEncodings, setSenderEncodings } from '../media/sender-activity.ts';
import { BRIDGE_DATA_CHANNEL_LABEL, BRIDGE_DATA_CHANNEL_PROTOCOL } from './bridge-channel.ts';

/** A remote participant's track as received from the bridge. */
export type RemoteTrack = {
  readonly owner: string;
  readonly sourceName: string;
  readonly media: 'audio' | 'video';
  readonly videoType: VideoType | undefined;
  readonly track: MediaStreamTrack;
};

export type BridgeSessionDeps = {
  readonly nick: string;
  readonly iceServers: RTCIceServer[];
  /** 'relay': TURN only (config.js iceTransportPolicy). */
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  /** Chromium's insertable streams for E2EE in a browser without RTCRtpScriptTransform (e2ee-controller.ts). */
  readonly encodedInsertableStreams?: boolean;
  readonly simulcast: boolean;
  /** Answer the offer's data content and open the bridge channel on it (config.js bridgeChannel.preferSctp). */
  readonly preferSctp: boolean;
  /** Sends Jingle to the focus (IQ set to its occupant JID); resolves on the result. */
  readonly sendJingle: (j: Jingle) => Promise<void>;
  readonly onTracks: (tracks: readonly RemoteTrack[]) => void;
  readonly onConnectionState: (state: RTCPeerConnectionState) => void;
  readonly log: Logger;
};

const DESKTOP_MID = 'desktop';
const JVB_OWNER = 'jvb';

/** `room@muc/nick` (XEP-0339 ssrc-info owner) or a bare endpoint id (JSON sources) → the endpoint id. */
const endpointOf = (owner: string): string => owner.slice(owner.lastIndexOf('/') + 1);

const EMPTY: EndpointSources = { audio: [], audioGroups: [], video: [], videoGroups: [] };

/** Sources of a Jingle (XEP-0339 in contents, or compact JSON), by endpoint id. */
export function sourcesByOwner(j: Pick<Jingle, 'contents' | 'jsonSources'>): Map<string, EndpointSources> {
  const out = new Map<string, EndpointSources>();
  const add = (owner: string, media: 'audio' | 'video', sources: readonly MediaSource[], groups: readonly SourceGroup[]): void => {
    const prev = out.get(owner) ?? EMPTY;
    out.set(owner, media === 'audio'
      ? { ...prev, audio: [...prev.audio, ...sources], audioGroups: [...prev.audioGroups, ...groups] }
      : { ...prev, video: [...prev.video, ...sources], videoGroups: [...prev.videoGroups, ...groups] });
  };
  for (const c of j.contents) {
    const d = c.description;
    if (d === undefined) continue;
    const ownerOf = new Map<number, string>();
    const byOwner = new Map<string, MediaSource[]>();
    for (const s of d.sources) {
      const owner = endpointOf(s.owner ?? JVB_OWNER);
      ownerOf.set(s.ssrc, owner);
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), { ...s, owner }]);
    }
    const groupsOf = new Map<string, SourceGroup[]>();
    for (const g of d.sourceGroups) {
      const owner = ownerOf.get(g.ssrcs[0] ?? -1);
      if (owner !== undefined) groupsOf.set(owner, [...(groupsOf.get(owner) ?? []), g]);
    }
    for (const [owner, sources] of byOwner) add(owner, d.media, sources, groupsOf.get(owner) ?? []);
  }
  for (const [owner, eps] of Object.entries(j.jsonSources ?? {})) {
    const stamp = (s: MediaSource): MediaSource => ({ ...s, owner });
    add(owner, 'audio', eps.audio.map(stamp), eps.audioGroups);
    add(owner, 'video', eps.video.map(stamp), eps.videoGroups);
  }
  return out;
}

/** `sources` minus every SSRC in `removed` (groups touching a removed SSRC go too). */
function withoutSources(sources: EndpointSources, removed: ReadonlySet<number>): EndpointSources {
  const keep = (s: MediaSource): boolean => !removed.has(s.ssrc);
  const keepGroup = (g: SourceGroup): boolean => !g.ssrcs.some((x) => removed.has(x));
  return {
    audio: sources.audio.filter(keep), audioGroups: sources.audioGroups.filter(keepGroup),
    video: sources.video.filter(keep), videoGroups: sources.videoGroups.filter(keepGroup),
  };
}

/** Gives the track its own stream id in our SDP (msid); browsers without `setStreams` keep theirs. */
export function setStreamOf(sender: RTCRtpSender, track: MediaStreamTrack): void {
  if (typeof sender.setStreams === 'function') sender.setStreams(new MediaStream([track]));
}

/**
 * VP8 first in the video codecs of the remote offer. The focus offers AV1 first (as jicofo), and
 * Chromium sends with the first codec of the remote description: one AV1 stream, whatever the SIM
 * group says. Legacy simulcast needs VP8, so the offer we apply lists it (and its RTX) first.
 */
function vp8First(c: JingleContent): JingleContent {
  const d = c.description;
  if (d?.media !== 'video') return c;
  const vp8 = d.payloadTypes.find((p) => p.name.toLowerCase() === 'vp8');
  if (vp8 === undefined) return c;
  const isVp8Rtx = (p: PayloadType): boolean => p.name.toLowerCase() === 'rtx' && p.parameters.some((x) => x.name === 'apt' && x.value === String(vp8.id));
  const rank = (p: PayloadType): number => (p === vp8 ? 0 : isVp8Rtx(p) ? 1 : 2);
  return { ...c, description: { ...d, payloadTypes: [...d.payloadTypes].sort((a, b) => rank(a) - rank(b)) } };
}

export class BridgeSession {
  readonly sid: string;
  readonly webSocketUrl: string | undefined;
  /** The focus's `<bridge-session id>`: what a restart request names. */
  readonly bridgeSessionId: string | undefined;
  /** The bridge channel's data channel, when the offer had a data content and SCTP is preferred. */
  readonly dataChannel: RTCDataChannel | undefined;
  readonly #deps: BridgeSessionDeps;
  readonly #pc: RTCPeerConnection;
  readonly #contents: readonly JingleContent[];
  readonly #groups: Jingle['groups'];
  readonly #sessionId = String(Date.now());
  #version = 0;
  #remote = new Map<string, EndpointSources>();
  #previousOffer: Sdp | undefined;
  #simulcast: SimulcastSsrcs | undefined;
  #simulcastOn: boolean;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #desktopSources: { sources: MediaSource[]; groups: SourceGroup[] } | undefined;
  /** The bridge's SenderSourceConstraints maxHeight, by our m-line (camera `video`, screen `desktop`). */
  readonly #senderMaxHeight = new Map<string, number>();
  /** Encoding switches, one at a time (each reads and writes the sender's parameters). */
  #encodingsQueue: Promise<void> = Promise.resolve();

  constructor(offer: Jingle, deps: BridgeSessionDeps) {
    this.sid = offer.sid;
    this.#simulcastOn = deps.simulcast;
    this.bridgeSessionId = offer.bridgeSession?.id;
    this.#deps = deps;
    this.webSocketUrl = offer.contents.map((c) => c.transport?.webSocketUrl).find((u) => u !== undefined);
    // Remote sources live in #remote; the contents keep only codecs and transport.
    const isData = (c: JingleContent): boolean => c.description === undefined && c.transport?.sctp !== undefined;
    const dataNames = new Set(deps.preferSctp ? [] : offer.contents.filter(isData).map((c) => c.name));
    const contents: JingleContent[] = offer.contents.filter((c) => !dataNames.has(c.name))
      .map((c) => (c.description ? vp8First({ ...c, description: { ...c.description, sources: [], sourceGroups: [] } }) : c));
    const hasData = contents.some(isData);
    const video = contents.find((c) => c.description?.media === 'video');
    let groups = offer.groups.map((g) => ({ ...g, contents: g.contents.filter((n) => !dataNames.has(n)) }));
    if (video !== undefined) {
      contents.push({ ...video, name: DESKTOP_MID, senders: 'responder' });
      groups = groups.map((g) => (g.semantics === 'BUNDLE' ? { ...g, contents: [...g.contents, DESKTOP_MID] } : g));
    }
    this.#contents = contents;
    this.#groups = groups;
    this.#remote = sourcesByOwner(offer);
    const config: RTCConfiguration & { encodedInsertableStreams?: boolean } = { iceServers: deps.iceServers, iceTransportPolicy: deps.iceTransportPolicy, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    if (deps.encodedInsertableStreams === true) config.encodedInsertableStreams = true;
    this.#pc = new RTCPeerConnection(config);
    this.#pc.addEventListener('connectionstatechange', () => deps.onConnectionState(this.#pc.connectionState));
    this.dataChannel = hasData ? this.#pc.createDataChannel(BRIDGE_DATA_CHANNEL_LABEL, { protocol: BRIDGE_DATA_CHANNEL_PROTOCOL }) : undefined;
  }

  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }

  /**
   * Applies the offer and sends session-accept with our audio and camera. `withheld`: the m-lines
   * send (for later), but no track is attached yet (E2EE on, and this browser cannot encrypt).
   */
  accept(audio: MediaStreamTrack | undefined, camera: MediaStreamTrack | undefined, withheld = false): Promise<void> {
    return this.#serial(async () => {
      await this.#applyRemoteOffer();
      await this.#attach('audio', audio, withheld);
      await this.#attach('video', camera, withheld);
      const desktop = this.#transceiver(DESKTOP_MID);
      if (desktop) desktop.direction = 'inactive';
      const jingle = await this.#answer();
      await this.#applyEncodings('video');
      const contents = jingle.contents.filter((c) => c.name !== DESKTOP_MID);
      await this.#deps.sendJingle({
        action: 'session-accept', sid: this.sid, contents,
        groups: jingle.groups.map((g) => ({ ...g, contents: g.contents.filter((n) => n !== DESKTOP_MID) })),
      });
    });
  }

  /** The focus's source-add / source-remove for other participants. */
  updateRemoteSources(j: Jingle): Promise<void> {
    return this.#serial(async () => {
      const changed = sourcesByOwner(j);
      if (j.action === 'source-add') {
        for (const [owner, s] of changed) {
          const prev = this.#remote.get(owner) ?? EMPTY;
          this.#remote.set(owner, {
            audio: [...prev.audio, ...s.audio], audioGroups: [...prev.audioGroups, ...s.audioGroups],
            video: [...prev.video, ...s.video], videoGroups: [...prev.videoGroups, ...s.videoGroups],
          });
        }
      } else {
        const removed = new Set<number>();
        for (const s of changed.values()) for (const x of [...s.audio, ...s.video]) removed.add(x.ssrc);
        for (const [owner, s] of this.#remote) this.#remote.set(owner, withoutSources(s, removed));
      }
      await this.#applyRemoteOffer();
      await this.#answer();
      await this.#applyEncodings('video');
    });
  }

  /** Starts (a track) or stops (undefined) sending the screen as `<nick>-v1`; tells the focus. */
  setScreenTrack(track: MediaStreamTrack | undefined): Promise<void> {
    return this.#serial(async () => {
      const t = this.#transceiver(DESKTOP_MID);
      if (t === undefined) throw new Error('the session has no video');
      await t.sender.replaceTrack(track ?? null);
      if (track) setStreamOf(t.sender, track);
      t.direction = track ? 'sendonly' : 'inactive';
      await this.#applyRemoteOffer();
      const jingle = await this.#answer();
      await this.#applyEncodings(DESKTOP_MID);
      if (track) {
        const d = jingle.contents.find((c) => c.name === DESKTOP_MID)?.description;
        if (!d || d.sources.length === 0) throw new Error('the browser did not add the screen source');
        this.#desktopSources = { sources: [...d.sources], groups: [...d.sourceGroups] };
        await this.#sendOwnSources('source-add', this.#desktopSources);
      } else if (this.#desktopSources) {
        const gone = this.#desktopSources;
        this.#desktopSources = undefined;
        await this.#sendOwnSources('source-remove', gone);
      }
    });
  }

  /**
   * Swaps the microphone or camera track without renegotiating; null stops sending it to the bridge.
   * A kind that had no track when the session was accepted (it could not be opened then) was
   * answered receive-only and never announced: it is renegotiated here and announced with source-add.
   */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const t = this.#transceiver(kind);
    if (t === undefined) return;
    if (track !== null && (t.direction === 'recvonly' || t.direction === 'inactive')) return this.#startSending(kind, track);
    const sender = t.sender;
    await sender.replaceTrack(track);
    // Firefox keeps sending on a trackless sender; inactive encodings send nothing anywhere.
    await this.#applyEncodings(kind);
  }

  /**
   * The bridge's SenderSourceConstraints for one of our sources: layers taller than anyone watches
   * stop, and everything stops while nobody watches (`maxHeight` 0); −1 runs every layer.
   */
  async setSenderConstraint(sourceName: string, maxHeight: number): Promise<void> {
    const mid = sourceName === `${this.#deps.nick}-v0` ? 'video' : sourceName === `${this.#deps.nick}-v1` ? DESKTOP_MID : undefined;
    if (mid === undefined || !Number.isFinite(maxHeight)) return;
    this.#senderMaxHeight.set(mid, maxHeight);
    await this.#applyEncodings(mid);
  }

  /**
   * While media goes direct (P2P), a microphone or camera opened late: its m-line starts sending and
   * the focus learns the source now, but no track is attached (nothing reaches the bridge) until
   * replaceTrack attaches it when the meeting moves to the bridge.
   */
  announceTrack(kind: 'audio' | 'video', track: MediaStreamTrack): Promise<void> {
    const t = this.#transceiver(kind);
    if (t === undefined || (t.direction !== 'recvonly' && t.direction !== 'inactive')) return Promise.resolve();
    return this.#startSending(kind, track, false);
  }

  /**
   * First track of a kind answered receive-only: sendrecv, a fresh local answer, source-add to the
   * focus. `attach` false: announced only (announceTrack).
   */
  #startSending(kind: 'audio' | 'video', track: MediaStreamTrack, attach = true): Promise<void> {
    return this.#serial(async () => {
      const t = this.#transceiver(kind);
      if (t === undefined) return;
      // Announced meanwhile (an earlier call queued first): only the track is left to attach.
      if (t.direction === 'sendrecv') {
        if (attach) await t.sender.replaceTrack(track);
        await this.#applyEncodings(kind);
        return;
      }
      if (attach) await t.sender.replaceTrack(track);
      setStreamOf(t.sender, track);
      t.direction = 'sendrecv';
      await this.#applyRemoteOffer();
      const jingle = await this.#answer();
      await this.#applyEncodings(kind);
      const d = jingle.contents.find((c) => c.name === kind)?.description;
      if (d === undefined || d.sources.length === 0) throw new Error(`the browser did not add the ${kind} source`);
      await this.#sendOwnSources('source-add', { sources: [...d.sources], groups: [...d.sourceGroups] }, kind);
    });
  }

  /** Remote SSRCs and who sends them (E2EE picks a frame's key by its SSRC). */
  ssrcOwners(): [number, string][] {
    const out: [number, string][] = [];
    for (const [owner, s] of this.#remote) for (const x of [...s.audio, ...s.video]) out.push([x.ssrc, owner]);
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pc.close();
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(() => (this.#closed ? undefined : step()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #transceiver(mid: string): RTCRtpTransceiver | undefined {
    return this.#pc.getTransceivers().find((t) => t.mid === mid);
  }

  /** Switches the m-line's encodings to what its track and the bridge's constraint call for. */
  #applyEncodings(mid: string): Promise<void> {
    const run = this.#encodingsQueue.then(async () => {
      const sender = this.#transceiver(mid)?.sender;
      if (sender === undefined || this.#closed) return;
      const track = sender.track;
      const settings = track?.kind === 'video' ? track.getSettings() : undefined;
      const side = settings?.width !== undefined && settings.height !== undefined ? Math.min(settings.width, settings.height) : undefined;
      const wish = { hasTrack: track !== null, maxHeight: this.#senderMaxHeight.get(mid), trackShortSide: side };
      await setSenderEncodings(sender, activeEncodings(sender.getParameters().encodings, wish));
    }).catch((error: unknown) => {
      this.#deps.log.warn('could not switch the sender\'s encodings', { err: error, mid });
    });
    this.#encodingsQueue = run;
    return run;
  }

  async #attach(mid: 'audio' | 'video', track: MediaStreamTrack | undefined, withheld: boolean): Promise<void> {
    const t = this.#transceiver(mid);
    if (t === undefined) return;
    if (track) {
      if (!withheld) await t.sender.replaceTrack(track);
      setStreamOf(t.sender, track);
      t.direction = 'sendrecv';
    } else {
      t.direction = 'recvonly';
    }
  }

  async #applyRemoteOffer(): Promise<void> {
    const sources: Record<string, EndpointSources> = Object.fromEntries(this.#remote);
    const sdp = jingleToSdp({ contents: this.#contents, groups: this.#groups, sources }, {
      sessionId: this.#sessionId, sessionVersion: ++this.#version, role: 'offer', ...(this.#previousOffer ? { previous: this.#previousOffer } : {}),
      // Plenum's bridge is ICE-lite: the browser must nominate (Firefox waits for ever otherwise).
      iceLite: true,
    });
    if (!sdp.ok) throw new Error(`cannot map the focus's offer to SDP: ${sdp.error.text}`);
    const parsed = parseSdp(sdp.value);
    if (!parsed.ok) throw new Error(`the focus's offer maps to unreadable SDP: ${parsed.error.text}`);
    await this.#pc.setRemoteDescription({ type: 'offer', sdp: sdp.value });
    this.#previousOffer = parsed.value;
    this.#reportTracks();
  }

  /** createAnswer → simulcast munging → setLocalDescription; returns our side as Jingle. */
  async #answer(): Promise<{ contents: JingleContent[]; groups: { semantics: string; contents: string[] }[] }> {
    const answer = await this.#pc.createAnswer();
    let sdp = answer.sdp ?? '';
    if (this.#simulcastOn) {
      const munged = addSimulcastLayers(sdp, 'video', this.#simulcast);
      try {
        await this.#pc.setLocalDescription({ type: 'answer', sdp: munged.sdp });
        sdp = munged.sdp;
        this.#simulcast = munged.ssrcs;
      } catch (error) {
        // Munged SIM groups are Chromium's; a browser that refuses them sends one stream instead.
        this.#deps.log.info('simulcast refused by the browser; sending one stream', { err: error });
        this.#simulcastOn = false;
        await this.#pc.setLocalDescription({ type: 'answer', sdp });
      }
    } else {
      await this.#pc.setLocalDescription({ type: 'answer', sdp });
    }
    const jingle = sdpToJingle(sdp, { creator: 'responder', owner: this.#deps.nick });
    if (!jingle.ok) throw new Error(`cannot map our answer to Jingle: ${jingle.error.text}`);
    const nick = this.#deps.nick;
    // Names by role, whatever the browser's order: a0 microphone, v0 camera, v1 screen.
    const contents = jingle.value.contents.map((c): JingleContent => {
      const d = c.description;
      if (!d) return c;
      const name = c.name === DESKTOP_MID ? `${nick}-v1` : d.media === 'audio' ? `${nick}-a0` : `${nick}-v0`;
      const videoType: VideoType | undefined = d.media === 'video' ? (c.name === DESKTOP_MID ? 'desktop' : 'camera') : undefined;
      return { ...c, description: { ...d, sources: d.sources.map((s) => ({ ...s, name, ...(videoType ? { videoType } : {}) })) } };
    });
    return { contents, groups: jingle.value.groups };
  }

  async #sendOwnSources(action: 'source-add' | 'source-remove', s: { sources: MediaSource[]; groups: SourceGroup[] }, media: 'audio' | 'video' = 'video'): Promise<void> {
    await this.#deps.sendJingle({
      action, sid: this.sid, groups: [],
      contents: [{
        name: media, creator: 'responder', senders: 'both',
        description: { media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: false, sources: s.sources, sourceGroups: s.groups },
      }],
    });
  }

  /** Remote tracks by the sources each receive m-line carries (bridge feedback sources skipped). */
  #reportTracks(): void {
    const sdp = this.#previousOffer;
    if (sdp === undefined) return;
    const bySsrc = new Map<number, MediaSource>();
    for (const s of this.#remote.values()) for (const x of [...s.audio, ...s.video]) bySsrc.set(x.ssrc, x);
    const tracks: RemoteTrack[] = [];
    for (const m of sdp.media) {
      if (m.port === 0 || (m.media !== 'audio' && m.media !== 'video')) continue;
      const mid = sdpMediaMid(m);
      const ssrc = sdpLinesOf(m.lines, 'ssrc')[0]?.ssrc;
      const source = ssrc === undefined ? undefined : bySsrc.get(ssrc);
      const t = mid === undefined ? undefined : this.#transceiver(mid);
      if (!source || !t || isMixedSource(source) || source.owner === undefined || source.owner === JVB_OWNER) continue;
      tracks.push({
        owner: source.owner, sourceName: source.name ?? `${source.owner}-${m.media === 'audio' ? 'a0' : 'v0'}`, media: m.media,
        videoType: m.media === 'video' ? source.videoType ?? 'camera' : undefined, track: t.receiver.track,
      });
    }
    this.#deps.onTracks(tracks);
  }
}
