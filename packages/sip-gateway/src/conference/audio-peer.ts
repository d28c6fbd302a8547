// The call's media with the bridge: a werift peer answering the focus's offer (the bridge's ICE/DTLS
// transport). Audio sendrecv with one source of our own; a video content (only offered when the
// focus could not read our features) is answered inactive; the data content is left out (no SCTP).
//
// The offer's remote sources are left out of the SDP: werift would want a receive slot per track,
// and the gateway needs none. Every decrypted packet is taken from the DTLS transport below
// werift's router, whatever its SSRC; packets of the negotiated Opus payload type are passed on.
// Our packets go straight to the DTLS transport with a header the peer owns (SSRC, sequence,
// timestamp and the RFC 6464 level the bridge's dominant-speaker detection reads), reused for every
// packet. RTP is encrypted and decrypted with node:crypto directly (@plenum/srtp's adapter under
// werift's DTLS transport, with the replay window werift lacks), and once DTLS is up the packets
// skip werift's RTP objects both ways: inbound ones are read from the plain bytes, outbound ones
// are written into one preallocated buffer (fixed header, RFC 6464 level) and handed to the ICE
// connection. werift's per-packet SRTP and parsing were the largest cost after Opus in the
// gateway's profile (bench/sip, --profile). Once ICE has chosen its pair, SRTP datagrams from the
// bridge's address are taken off the socket before werift's ICE layer, and our own SRTP is written
// to that pair's socket while werift's ICE consent allows sending, not through werift's chain of
// promises (@plenum/srtp's takeSrtpDatagrams).
// The SDP says `a=ice-lite` because Plenum's bridge is ICE-lite and werift only takes the
// controlling role when told so.
import type { RTCDtlsTransport, RtpPacket } from 'werift';
import { RTCPeerConnection, RtpHeader, useAudioLevelIndication, useSdesMid } from 'werift';
import type { DirectSrtpPath, WeriftSrtpAdapter } from '@plenum/srtp';
import { rtpHeaderLength, rtpPayloadEnd, takeSrtpDatagrams, useNodeCryptoSrtp } from '@plenum/srtp';
import type { Jingle, JingleContent } from '@plenum/xmpp/codec';
import { jingleToSdp, sdpToJingle } from '@plenum/xmpp/codec';
import { LegError } from './conference-leg-error.ts';
import { NO_LEVEL, readRtpAudioLevel } from './audio-level.ts';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
/** Opus at 48 kHz: one 20 ms frame advances the RTP clock by 960. */
const SAMPLES_PER_FRAME = 960;
/** Largest RTP packet we write: header, level extension and one Opus frame (≤ 1275 bytes, RFC 6716 §3.4). */
const MAX_PACKET_BYTES = 1500;
/**
 * SSRCs the bridge may send us over a call: every participant's audio that ever spoke (they are
 * not forgotten), as the bridge allows toward one endpoint.
 */
const MAX_BRIDGE_SSRCS = 4096;

export type AudioPeerOptions = {
  /** Gather ICE candidates only on this IPv4 address (tests: 127.0.0.1); default: every interface. */
  readonly interfaceAddress?: string;
};

/** Our own audio source as signalled in session-accept. */
export type OwnAudioSource = { readonly ssrc: number; readonly endpointId: string };

/** The RTP timestamp of the call's `frameIndex`-th 20 ms frame. */
export const rtpTimestampOf = (frameIndex: number): number => (frameIndex * SAMPLES_PER_FRAME) >>> 0;

/** Jitsi's source name for an endpoint's first audio source (protocols.md §0). */
export const audioSourceName = (endpointId: string): string => `${endpointId}-a0`;

/**
 * Receives one Opus packet: SSRC, sequence number, RTP timestamp, payload (valid while the handler
 * runs), and the sender's RFC 6464 level (0 loud … 127 silent; NO_LEVEL when the packet has none).
 */
export type AudioHandler = (ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level: number) => void;

/** The offer reduced to what werift answers: audio and video, no remote sources, no data. */
function offerForWerift(offer: Jingle): Pick<Jingle, 'contents' | 'groups'> {
  const contents = offer.contents
    .filter((c) => c.description?.media === 'audio' || c.description?.media === 'video')
    .map((c): JingleContent => (c.description === undefined ? c : { ...c, description: { ...c.description, sources: [], sourceGroups: [] } }));
  const names = new Set(contents.map((c) => c.name));
  return { contents, groups: offer.groups.map((g) => ({ semantics: g.semantics, contents: g.contents.filter((n) => names.has(n)) })) };
}

/** One werift peer connection with the bridge, for one Jingle session. */
export class AudioPeer {
  readonly #header: RtpHeader;
  /** The level byte of the RFC 6464 extension, rewritten per packet. */
  readonly #level = Buffer.alloc(1);
  readonly #levelExtension: { id: number; payload: Buffer }[];
  /** Our outbound packets, written in place: 12-byte header, then the level extension if negotiated. */
  readonly #packet = Buffer.alloc(MAX_PACKET_BYTES);
  /** Length of that header; -1 when it cannot be written in place (werift's path is used). */
  readonly #headerBytes: number;
  /** Set once DTLS is up and node:crypto SRTP is in place (until then werift's path is used). */
  #srtp: WeriftSrtpAdapter | undefined;
  #audioHandler: AudioHandler | undefined;
  #isClosed = false;
  /** The chosen pair's path, once ICE has one: inbound SRTP taken before werift, outbound written to its socket. */
  #direct: DirectSrtpPath | undefined;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly dtls: RTCDtlsTransport,
    readonly opusPayloadType: number,
    /** The ssrc-audio-level id both sides agreed on; undefined when not negotiated. */
    readonly audioLevelId: number | undefined,
    ssrc: number,
  ) {
    this.#levelExtension = audioLevelId === undefined ? [] : [{ id: audioLevelId, payload: this.#level }];
    this.#header = new RtpHeader({ ssrc, payloadType: opusPayloadType, extension: audioLevelId !== undefined, extensions: this.#levelExtension });
    this.#headerBytes = writeFixedHeader(this.#packet, opusPayloadType, ssrc, audioLevelId);
    useNodeCryptoSrtp(dtls, { maxInboundSsrcs: MAX_BRIDGE_SSRCS }).then((srtp) => {
      this.#srtp = srtp;
      srtp.takeRtp((plain) => {
        // DTLS can be up before werift names its chosen pair: a packet still coming this way tries again.
        if (this.#direct === undefined) this.#takeDatagrams(srtp);
        this.#onPlainRtp(plain);
      });
      this.#takeDatagrams(srtp);
    }, () => {
      // DTLS failed before SRTP started: connected() reports it.
    });
  }

  /** Answers the offer; resolves with the peer and the session-accept contents carrying `own` as the audio source. */
  static async answer(offer: Jingle, own: OwnAudioSource, opts: AudioPeerOptions): Promise<{ peer: AudioPeer; accept: Pick<Jingle, 'contents' | 'groups'> }> {
    const audioOffer = offer.contents.find((c) => c.description?.media === 'audio')?.description;
    const opus = audioOffer?.payloadTypes.find((p) => p.name.toLowerCase() === 'opus');
    if (audioOffer === undefined || opus === undefined) throw LegError.mediaFailed('the focus offered no Opus audio');
    const mapped = jingleToSdp(offerForWerift(offer), { sessionId: '1', sessionVersion: 1, role: 'offer' });
    if (!mapped.ok) throw LegError.mediaFailed(`the focus's offer does not map to SDP: ${mapped.error.text}`);
    const address = opts.interfaceAddress;
    const pc = new RTCPeerConnection({
      iceUseIpv4: true, iceUseIpv6: false,
      ...(address !== undefined
        ? { iceAdditionalHostAddresses: [address], iceInterfaceAddresses: { udp4: address }, iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === address }
        : {}),
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid()] },
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: mapped.value.replace(/\r\nt=0 0\r\n/, '\r\nt=0 0\r\na=ice-lite\r\n') });
      const transceivers = pc.getTransceivers();
      const audio = transceivers.find((t) => t.kind === 'audio');
      if (audio === undefined) throw LegError.mediaFailed('werift made no audio transceiver from the offer');
      for (const t of transceivers) t.setDirection(t === audio ? 'sendrecv' : 'inactive');
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = sdpToJingle(pc.localDescription?.sdp ?? '', { creator: 'responder', owner: own.endpointId });
      if (!answer.ok) throw LegError.mediaFailed(`werift's answer does not map to Jingle: ${answer.error.text}`);
      const contents = answer.value.contents.map((c): JingleContent => {
        const d = c.description;
        if (d === undefined) return c;
        const sources = d.media === 'audio' ? [{ ssrc: own.ssrc, name: audioSourceName(own.endpointId), msid: `${own.endpointId}-audio-0 ${audioSourceName(own.endpointId)}`, parameters: [] }] : [];
        return { ...c, description: { ...d, sources, sourceGroups: [] } };
      });
      const answeredAudio = contents.find((c) => c.description?.media === 'audio')?.description;
      const levelId = answeredAudio?.headerExtensions.find((h) => h.uri === AUDIO_LEVEL_URI)?.id;
      const peer = new AudioPeer(pc, audio.receiver.dtlsTransport, opus.id, levelId, own.ssrc);
      return { peer, accept: { contents, groups: answer.value.groups } };
    } catch (error) {
      await pc.close();
      throw error;
    }
  }

  get isConnected(): boolean {
    return this.pc.connectionState === 'connected';
  }

  /** Every Opus packet from the bridge (one handler). */
  onAudio(handler: AudioHandler): void {
    this.#audioHandler = handler;
    // Before node:crypto SRTP takes over, werift parses the packets.
    const pt = this.opusPayloadType;
    const levelId = this.audioLevelId;
    this.dtls.onRtp.subscribe((p: RtpPacket) => {
      const h = p.header;
      if (h.payloadType !== pt) return;
      const level = levelId === undefined ? undefined : h.extensions.find((e) => e.id === levelId)?.payload[0];
      handler(h.ssrc, h.sequenceNumber, h.timestamp, p.payload, level === undefined ? NO_LEVEL : level & 0x7f);
    });
  }

  /** An authenticated plain RTP packet: Opus ones go to the handler, their payload without padding. */
  #onPlainRtp(plain: Buffer): void {
    const handler = this.#audioHandler;
    if (handler === undefined || ((plain[1] ?? 0) & 0x7f) !== this.opusPayloadType) return;
    const headerLength = rtpHeaderLength(plain, plain.length);
    if (headerLength < 0) return;
    const end = rtpPayloadEnd(plain, headerLength, plain.length);
    if (end < 0) return;
    const level = readRtpAudioLevel(plain, headerLength, this.audioLevelId ?? 0);
    handler(plain.readUInt32BE(8), plain.readUInt16BE(2), plain.readUInt32BE(4), plain.subarray(headerLength, end), level);
  }

  /** SRTP datagrams taken off the sockets before werift's ICE layer (the rest went through werift). */
  get datagramsTaken(): number {
    return this.#direct?.taken ?? 0;
  }

  /** Without a chosen UDP pair yet (or a werift that looks different) everything stays on werift's path, which reaches the same handler. */
  #takeDatagrams(srtp: WeriftSrtpAdapter): void {
    this.#direct = takeSrtpDatagrams(this.dtls, srtp, (plain) => this.#onPlainRtp(plain), () => this.#isClosed);
  }

  /** Called once if the connection fails or closes after it was up (not after close()). */
  onFailed(handler: (state: string) => void): void {
    let wasConnected = this.isConnected;
    const { unSubscribe } = this.pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') wasConnected = true;
      if (this.#isClosed || !wasConnected || (s !== 'failed' && s !== 'closed' && s !== 'disconnected')) return;
      unSubscribe();
      handler(s);
    });
  }

  /**
   * Sends one 20 ms Opus frame: `sequenceNumber` / `frameIndex` are the sender's counters (the
   * timestamp is frameIndex·960), `levelByte` the RFC 6464 byte, `isTalkspurtStart` sets the marker
   * (RFC 3551 §4.1: first packet after silence).
   */
  send(payload: Uint8Array, sequenceNumber: number, frameIndex: number, levelByte: number, isTalkspurtStart: boolean): void {
    if (this.#isClosed || !this.isConnected) return;
    const srtp = this.#srtp;
    if (srtp !== undefined && this.#headerBytes >= 0 && this.#headerBytes + payload.length <= MAX_PACKET_BYTES) {
      const packet = this.#packet;
      const headerBytes = this.#headerBytes;
      packet[1] = (isTalkspurtStart ? 0x80 : 0) | this.opusPayloadType;
      packet.writeUInt16BE(sequenceNumber & 0xffff, 2);
      packet.writeUInt32BE(rtpTimestampOf(frameIndex), 4);
      if (headerBytes > 12) packet[17] = levelByte;
      packet.set(payload, headerBytes);
      const encrypted = srtp.session.protect(packet, headerBytes + payload.length);
      if (encrypted === undefined) return;
      // RFC 7675: the direct path sends only while werift's ICE consent says the bridge still wants our media.
      if (this.#direct?.send(encrypted) === true) return;
      // The ICE connection's send never needs awaiting; a failure is a lost packet, as on the wire.
      this.dtls.iceTransport.connection.send(encrypted).catch(() => undefined);
      return;
    }
    const h = this.#header;
    h.sequenceNumber = sequenceNumber & 0xffff;
    h.timestamp = rtpTimestampOf(frameIndex);
    h.marker = isTalkspurtStart;
    this.#level[0] = levelByte;
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    // Encrypts synchronously (the header is read before this returns); the send itself never rejects.
    void this.dtls.sendRtp(body, h);
  }

  /** Resolves once ICE and DTLS are up with the bridge; rejects if they fail or take longer than `timeoutMs`. */
  connected(timeoutMs: number): Promise<void> {
    const pc = this.pc;
    if (pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(LegError.mediaFailed(`no media connection with the bridge after ${timeoutMs} ms (${pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
        if (s !== 'connected' && s !== 'failed' && s !== 'closed') return;
        clearTimeout(timer);
        unSubscribe();
        if (s === 'connected') resolve();
        else reject(LegError.mediaFailed(`the media connection with the bridge ${s}`));
      });
    });
  }

  /** Closes the peer connection; idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.pc.close().catch(() => undefined);
  }
}

/**
 * Writes the parts of our RTP header that never change (RFC 3550 §5.1: V=2, payload type, SSRC;
 * RFC 8285 §4.2 one-byte extension with the RFC 6464 level when negotiated, ids 1-14) into
 * `packet`; returns the header's length (12, or 20 with the extension), or -1 for a level id only
 * the two-byte form can carry (werift writes those). Sequence number, timestamp, marker and the
 * level byte (offset 17) are written per packet.
 */
function writeFixedHeader(packet: Buffer, payloadType: number, ssrc: number, audioLevelId: number | undefined): number {
  if (audioLevelId !== undefined && (audioLevelId < 1 || audioLevelId > 14)) return -1;
  const hasLevel = audioLevelId !== undefined;
  packet[0] = hasLevel ? 0x90 : 0x80;
  packet[1] = payloadType & 0x7f;
  packet.writeUInt32BE(ssrc >>> 0, 8);
  if (!hasLevel) return 12;
  packet.writeUInt16BE(0xbede, 12);
  packet.writeUInt16BE(1, 14);
  // ID, then length − 1 = 0: one data byte.
  packet[16] = audioLevelId << 4;
  packet[17] = 0;
  packet[18] = 0;
  packet[19] = 0;
  return 20;
}
