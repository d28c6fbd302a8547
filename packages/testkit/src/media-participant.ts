// A participant with real media, signalled through the real focus: a ScriptedParticipant does the
// XMPP part (focus `conference` IQ, MUC join, Jingle), a werift RTCPeerConnection the media. The
// focus's session-initiate becomes the remote SDP through the codec's Jingle → SDP mapping, werift
// answers, and the answer goes back as session-accept through the SDP → Jingle mapping, so the
// bridge gets exactly what the focus relays from a client (transport, payload types, extension ids,
// sources). Every RTP packet werift decrypts is tapped below its router, whatever its SSRC.
//
// Deliberate simplifications, none of which the bridge sees: the offer's remote sources are left out
// of the SDP (werift would need a receive slot per track; the tap sees every packet anyway), so is
// the data (SCTP) content unless `dataChannel` asks for the bridge channel over it; and the SDP says `a=ice-lite` (the Jingle transport has no such flag, but
// Plenum's bridge is ICE-lite and werift only takes the controlling role when told so).
//
// Imported from '@plenum/testkit/media-participant' so that testkit's other users do not load werift.
import type { RTCDataChannel, RTCDtlsTransport, RtcpPacket } from 'werift';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useAudioLevelIndication, useSdesMid, useTransportWideCC } from 'werift';
import type { Jingle, JingleContent, MediaSource, SourceGroup } from '@plenum/xmpp/codec';
import { el, encodeJingle, jingleToSdp, sdpToJingle, serialize } from '@plenum/xmpp/codec';
import type { ParticipantOptions } from './participant.ts';
import { ScriptedParticipant } from './participant.ts';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** Options of {@link MediaParticipant.join}. */
export type MediaParticipantOptions = ParticipantOptions & {
  /** Announce this many simulcast encodings (a SIM group) for the video; send them with {@link MediaParticipant.sendRtp}. */
  readonly simulcastEncodings?: number;
  /** Deadline for each signalling step (default 10000 ms). */
  readonly timeoutMs?: number;
  /** Answer the offer's data content and open the bridge channel as lib-jitsi-meet does ('JVB data channel', colibri protocol). */
  readonly dataChannel?: boolean;
};

/** What werift and the focus agreed for this participant. */
export type Negotiated = {
  readonly opusPayloadType: number;
  readonly vp8PayloadType: number;
  /** The RFC 6464 extension id in the audio section (undefined when the focus offered none). */
  readonly audioLevelId: number | undefined;
};

/** One section of an SDP (from its m= line to the next). */
const sectionOf = (sdp: string, media: 'audio' | 'video'): string => sdp.split(/\r\n(?=m=)/).find((s) => s.startsWith(`m=${media} `)) ?? '';
const payloadTypeOf = (section: string, codec: string): number | undefined => {
  const m = new RegExp(`^a=rtpmap:(\\d+) ${codec}/`, 'mi').exec(section);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};
const extensionIdOf = (section: string, uri: string): number | undefined => {
  const m = new RegExp(`^a=extmap:(\\d+)(?:/\\w+)? ${uri.replace(/[.:]/g, '\\$&')}\\s*$`, 'm').exec(section);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

/** The focus's offer reduced to what werift answers: audio and video, no remote sources, data only when asked. */
function offerForWerift(offer: Jingle, withData: boolean): { contents: JingleContent[]; groups: { semantics: string; contents: string[] }[] } {
  const contents = offer.contents
    .filter((c) => c.description?.media === 'audio' || c.description?.media === 'video' || (withData && c.transport?.sctp !== undefined))
    .map((c): JingleContent => (c.description === undefined ? c : { ...c, description: { ...c.description, sources: [], sourceGroups: [] } }));
  const names = new Set(contents.map((c) => c.name));
  const groups = offer.groups.map((g) => ({ semantics: g.semantics, contents: g.contents.filter((n) => names.has(n)) }));
  return { contents, groups };
}

/** One answered Jingle session: werift's side of it. */
type MediaSession = {
  readonly offer: Jingle;
  readonly pc: RTCPeerConnection;
  readonly dtls: RTCDtlsTransport;
  readonly audio: MediaStreamTrack;
  readonly video: MediaStreamTrack;
  readonly audioSsrc: number;
  readonly videoSsrcs: readonly number[];
  readonly negotiated: Negotiated;
  readonly dataChannel: RTCDataChannel | undefined;
};

/** A werift peer in a conference, joined through the focus. */
export class MediaParticipant {
  /** Every RTP packet this peer decrypted, in arrival order (across sessions, after a move too). */
  readonly received: RtpPacket[] = [];
  /** Every RTCP packet this peer decrypted, in arrival order. */
  readonly rtcp: RtcpPacket[] = [];
  /** Sessions answered: 1, and one more per move to another bridge (see {@link followMoves}). */
  sessions = 1;
  /** Where each session's packets begin in {@link received} (the latest session's: the last entry). */
  readonly sessionStarts: number[] = [];
  /** The reason text of each session-terminate followed (`moving` after a bridge failure). */
  readonly terminateReasons: (string | undefined)[] = [];
  #session: MediaSession;
  #following = false;
  #closed = false;
  #audioSeq = 0;
  #videoSeq = 0;

  private constructor(readonly signalling: ScriptedParticipant, session: MediaSession, private readonly opts: MediaParticipantOptions) {
    this.#session = session;
    this.#tap(session);
  }

  /** The focus's session-initiate (of the current session). */
  get offer(): Jingle { return this.#session.offer; }
  get pc(): RTCPeerConnection { return this.#session.pc; }
  get dtls(): RTCDtlsTransport { return this.#session.dtls; }
  get audio(): MediaStreamTrack { return this.#session.audio; }
  get video(): MediaStreamTrack { return this.#session.video; }
  get audioSsrc(): number { return this.#session.audioSsrc; }
  /** The video SSRCs announced: one, or the SIM group's (the first is werift's own). */
  get videoSsrcs(): readonly number[] { return this.#session.videoSsrcs; }
  /** What werift and the focus agreed. */
  get negotiated(): Negotiated { return this.#session.negotiated; }
  /** The bridge channel's data channel (with `dataChannel`, when the offer had a data content). */
  get dataChannel(): RTCDataChannel | undefined { return this.#session.dataChannel; }

  /** Endpoint id (the MUC nickname). */
  get id(): string {
    return this.signalling.nick;
  }

  /** The source names the bridge uses (ReceiverVideoConstraints, ForwardedSources). */
  get videoSourceName(): string {
    return `${this.id}-v0`;
  }

  /** The bridge channel URL from the offer's transport (carries the bridge's ICE pwd). */
  get bridgeChannelUrl(): string {
    const url = this.offer.contents.find((c) => c.transport?.webSocketUrl !== undefined)?.transport?.webSocketUrl;
    if (url === undefined) throw new Error('the offer has no bridge channel URL');
    return url;
  }

  /** Joins `opts.room` through the focus, answers its offer with werift and sends session-accept. Not yet connected: see {@link connected}. */
  static async join(opts: MediaParticipantOptions): Promise<MediaParticipant> {
    const signalling = await ScriptedParticipant.join(opts);
    try {
      const offer = await signalling.nextJingle('session-initiate', opts.timeoutMs ?? 10_000);
      return new MediaParticipant(signalling, await answerOffer(signalling, offer, opts), opts);
    } catch (error) {
      signalling.close();
      throw error;
    }
  }

  /**
   * From now on, a move to another bridge is followed as lib-jitsi-meet does: session-terminate
   * ("moving" after a bridge failure) closes the peer connection, the next session-initiate is
   * answered by a fresh one, and media sent through this participant goes out on it.
   */
  followMoves(): void {
    if (this.#following) return;
    this.#following = true;
    void (async () => {
      while (!this.#closed) {
        // Short waits, so that nothing outlives close() by more than a second.
        const next = await this.signalling.nextJingle('session-terminate', 1000).catch(() => undefined);
        if (this.#closed) return;
        if (next === undefined) continue;
        this.terminateReasons.push(next.reason?.text);
        await this.#session.pc.close();
        const offer = await this.signalling.nextJingle('session-initiate', 30_000).catch(() => undefined);
        if (offer === undefined || this.#closed) return;
        const session = await answerOffer(this.signalling, offer, this.opts).catch(() => undefined);
        if (session === undefined) return;
        if (this.#closed) {
          await session.pc.close();
          return;
        }
        this.#session = session;
        this.sessions++;
        this.#tap(session);
      }
    })();
  }

  #tap(session: MediaSession): void {
    this.sessionStarts.push(this.received.length);
    session.dtls.onRtp.subscribe((p) => this.received.push(p));
    session.dtls.onRtcp.subscribe((p) => this.rtcp.push(p));
  }

  /** Resolves when the peer connection is up (ICE and DTLS with the bridge); rejects at once if it failed. */
  connected(timeoutMs = 20_000): Promise<void> {
    const pc = this.pc;
    if (pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(new Error(`${this.id} never connected (is ${pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
        if (s !== 'connected' && s !== 'failed') return;
        clearTimeout(timer);
        unSubscribe();
        if (s === 'connected') resolve();
        else reject(new Error(`${this.id} never connected (is failed)`));
      });
    });
  }

  /** One Opus packet through werift's sender (its SSRC, the negotiated payload type), with an RFC 6464 level byte when negotiated. */
  sendAudio(payload: Buffer, level?: number): void {
    const seq = this.#audioSeq++;
    const header = new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: (960 * seq) >>> 0 });
    if (level !== undefined && this.negotiated.audioLevelId !== undefined) {
      header.extensions = [{ id: this.negotiated.audioLevelId, payload: Buffer.from([level]) }];
      header.extension = true;
    }
    this.audio.writeRtp(new RtpPacket(header, payload));
  }

  /** One VP8 packet (a whole frame: marker set) through werift's sender. */
  sendVideo(payload: Buffer): void {
    const seq = this.#videoSeq++;
    this.video.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: (3000 * seq) >>> 0, marker: true }), payload));
  }

  /** RTP with a header of the caller's (any SSRC, e.g. a simulcast encoding) through the peer's SRTP context. */
  sendRtp(header: RtpHeader, payload: Buffer): Promise<number> {
    return this.dtls.sendRtp(payload, header);
  }

  /** Leaves: closes the peer connection and the XMPP connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.pc.close();
    this.signalling.close();
  }
}

/** Answers the focus's offer with a new werift peer connection and sends session-accept. */
async function answerOffer(signalling: ScriptedParticipant, offer: Jingle, opts: MediaParticipantOptions): Promise<MediaSession> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const reduced = offerForWerift(offer, opts.dataChannel === true);
  const mapped = jingleToSdp(reduced, { sessionId: '1', sessionVersion: 1, role: 'offer' });
  if (!mapped.ok) throw new Error(`cannot map the focus's offer to SDP: ${mapped.error.text}`);
  const remoteSdp = mapped.value.replace(/\r\nt=0 0\r\n/, '\r\nt=0 0\r\na=ice-lite\r\n');
  const pc = new RTCPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
    headerExtensions: { audio: [useSdesMid(), useTransportWideCC(), useAudioLevelIndication()], video: [useSdesMid(), useTransportWideCC()] },
  });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteSdp });
    const audioTransceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    const videoTransceiver = pc.getTransceivers().find((t) => t.kind === 'video');
    if (audioTransceiver === undefined || videoTransceiver === undefined) throw new Error('werift made no audio or video transceiver from the offer');
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const video = new MediaStreamTrack({ kind: 'video' });
    audioTransceiver.setDirection('sendrecv');
    videoTransceiver.setDirection('sendrecv');
    await audioTransceiver.sender.replaceTrack(audio);
    await videoTransceiver.sender.replaceTrack(video);
    const hasData = reduced.contents.some((c) => c.transport?.sctp !== undefined);
    const dataChannel = hasData ? pc.createDataChannel('JVB data channel', { protocol: 'http://jitsi.org/protocols/colibri' }) : undefined;
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = pc.localDescription?.sdp ?? '';
    const opus = payloadTypeOf(sectionOf(answer, 'audio'), 'opus');
    const vp8 = payloadTypeOf(sectionOf(answer, 'video'), 'VP8');
    if (opus === undefined || vp8 === undefined) throw new Error('werift\'s answer lacks Opus or VP8');
    const negotiated: Negotiated = { opusPayloadType: opus, vp8PayloadType: vp8, audioLevelId: extensionIdOf(sectionOf(answer, 'audio'), AUDIO_LEVEL_URI) };

    const jingle = sdpToJingle(answer, { creator: 'responder', owner: signalling.nick });
    if (!jingle.ok) throw new Error(`cannot map werift's answer to Jingle: ${jingle.error.text}`);
    const audioSsrc = audioTransceiver.sender.ssrc;
    const primary = videoTransceiver.sender.ssrc;
    const rtx = payloadTypeOf(sectionOf(answer, 'video'), 'rtx') !== undefined ? videoTransceiver.sender.rtxSsrc : undefined;
    const videoSsrcs = [primary];
    for (let k = 1; k < (opts.simulcastEncodings ?? 1); k++) videoSsrcs.push((primary ^ (0x5a5a_0000 + k)) >>> 0);
    const contents = jingle.value.contents.map((c) => withSources(c, signalling.nick, audioSsrc, videoSsrcs, rtx));
    const reply = await signalling.request(el('iq', { type: 'set', to: signalling.focusOccupant }, encodeJingle({
      action: 'session-accept', sid: offer.sid, responder: signalling.jid, contents, groups: jingle.value.groups,
    })), timeoutMs);
    if (reply.attrs.type !== 'result') throw new Error(`the focus refused session-accept: ${serialize(reply)}`);
    return { offer, pc, dtls: audioTransceiver.receiver.dtlsTransport, audio, video, audioSsrc, videoSsrcs, negotiated, dataChannel };
  } catch (error) {
    await pc.close();
    throw error;
  }
}

/** The answer's content with the sources this participant announces: named `<nick>-a0` / `<nick>-v0`, video a SIM group when simulcast. */
function withSources(c: JingleContent, nick: string, audioSsrc: number, videoSsrcs: readonly number[], rtxSsrc: number | undefined): JingleContent {
  const d = c.description;
  if (d === undefined) return c;
  let sources: MediaSource[];
  let sourceGroups: SourceGroup[];
  if (d.media === 'audio') {
    sources = [{ ssrc: audioSsrc, name: `${nick}-a0`, msid: `${nick}-audio-1 a0`, parameters: [] }];
    sourceGroups = [];
  } else {
    const [primary] = videoSsrcs;
    const ssrcs = rtxSsrc === undefined ? [...videoSsrcs] : [...videoSsrcs, rtxSsrc];
    sources = ssrcs.map((ssrc) => ({ ssrc, name: `${nick}-v0`, msid: `${nick}-video-1 v0`, videoType: 'camera' as const, parameters: [] }));
    sourceGroups = rtxSsrc === undefined || primary === undefined ? [] : [{ semantics: 'FID', ssrcs: [primary, rtxSsrc] }];
    if (videoSsrcs.length > 1) sourceGroups.unshift({ semantics: 'SIM', ssrcs: [...videoSsrcs] });
  }
  return { ...c, description: { ...d, sources, sourceGroups } };
}
