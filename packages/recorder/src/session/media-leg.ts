// The recorder's media: a werift peer that answers the focus's offer (the bridge's transport)
// receive-only. The offer's remote sources are left out of the SDP — werift would want a receive
// slot per track, and the recorder does not need tracks: every RTP packet is decrypted with
// node:crypto (@plenum/srtp) and taken as bytes before werift parses it into objects (its router
// would find no receiver for these SSRCs anyway), whatever its SSRC; once ICE has chosen its pair,
// straight off the socket before werift's ICE layer (takeSrtpDatagrams). The SSRC → source map
// comes from Jingle (source-book.ts). RTCP stays with werift (the key frame requests go out through it). The data content is left out too: the bridge channel goes over the
// offer's WebSocket URL (bridge-channel.ts, opened by the session once the focus took its session-accept). The SDP says `a=ice-lite` because Plenum's bridge is
// ICE-lite and werift only takes the controlling role when told so.
import type { RTCDtlsTransport } from 'werift';
import { RTCPeerConnection, useSdesMid } from 'werift';
import type { Jingle, JingleContent } from '@plenum/xmpp/codec';
import { jingleToSdp, sdpToJingle } from '@plenum/xmpp/codec';
import type { DirectSrtpPath } from '@plenum/srtp';
import { rtpHeaderLength, rtpPayloadEnd, takeSrtpDatagrams, useNodeCryptoSrtp } from '@plenum/srtp';
import { RecorderError } from '../errors.ts';

export type MediaLegOptions = {
  /** Gather ICE candidates only on this IPv4 address (tests: 127.0.0.1); default: every interface. */
  readonly interfaceAddress?: string;
};

/** The offer reduced to what werift answers: audio and video, no remote sources, no data. */
function offerForWerift(offer: Jingle): { contents: JingleContent[]; groups: { semantics: string; contents: string[] }[] } {
  const contents = offer.contents
    .filter((c) => c.description?.media === 'audio' || c.description?.media === 'video')
    .map((c): JingleContent => (c.description === undefined ? c : { ...c, description: { ...c.description, sources: [], sourceGroups: [] } }));
  const names = new Set(contents.map((c) => c.name));
  return { contents, groups: offer.groups.map((g) => ({ semantics: g.semantics, contents: g.contents.filter((n) => names.has(n)) })) };
}

/** Receives one decrypted RTP packet: its SSRC, its bytes, its payload without padding (empty: padding only). */
export type LegRtpHandler = (ssrc: number, packet: Buffer, payload: Buffer) => void;

export class MediaLeg {
  #onRtp: LegRtpHandler | undefined;
  #direct: DirectSrtpPath | undefined;
  #isClosed = false;

  private constructor(private readonly pc: RTCPeerConnection, dtls: RTCDtlsTransport) {
    // SRTP with node:crypto under werift's keys once DTLS is up (werift's own path costs about twice
    // as much per packet), the plain packets taken before werift builds objects of them.
    useNodeCryptoSrtp(dtls).then((srtp) => {
      const take = (): void => {
        this.#direct = takeSrtpDatagrams(dtls, srtp, (plain) => this.#onPlain(plain), () => this.#isClosed);
      };
      srtp.takeRtp((plain) => {
        // DTLS can be up before werift names its chosen pair: a packet still coming this way tries again.
        if (this.#direct === undefined) take();
        this.#onPlain(plain);
      });
      take();
    }).catch(() => undefined);
  }

  /** SRTP datagrams taken off the sockets before werift's ICE layer. */
  get datagramsTaken(): number {
    return this.#direct?.taken ?? 0;
  }

  #onPlain(plain: Buffer): void {
    const handler = this.#onRtp;
    const headerLength = rtpHeaderLength(plain, plain.length);
    const end = headerLength < 0 ? -1 : rtpPayloadEnd(plain, headerLength, plain.length);
    if (handler === undefined || end < 0) return;
    handler(plain.readUInt32BE(8), plain, plain.subarray(headerLength, end));
  }

  /** Answers the offer; resolves with the leg and the session-accept contents (no sources of its own). */
  static async answer(offer: Jingle, nick: string, opts: MediaLegOptions): Promise<{ leg: MediaLeg; accept: Pick<Jingle, 'contents' | 'groups'> }> {
    const reduced = offerForWerift(offer);
    const mapped = jingleToSdp(reduced, { sessionId: '1', sessionVersion: 1, role: 'offer' });
    if (!mapped.ok) throw RecorderError.badOffer(mapped.error.text);
    const address = opts.interfaceAddress;
    const pc = new RTCPeerConnection({
      iceUseIpv4: true, iceUseIpv6: false,
      ...(address !== undefined ? { iceAdditionalHostAddresses: [address], iceInterfaceAddresses: { udp4: address } } : {}),
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: mapped.value.replace(/\r\nt=0 0\r\n/, '\r\nt=0 0\r\na=ice-lite\r\n') });
      const transceivers = pc.getTransceivers();
      const audio = transceivers.find((t) => t.kind === 'audio');
      if (audio === undefined) throw RecorderError.badOffer('the offer has no audio content');
      for (const t of transceivers) t.setDirection('recvonly');
      await pc.setLocalDescription(await pc.createAnswer());
      const jingle = sdpToJingle(pc.localDescription?.sdp ?? '', { creator: 'responder', owner: nick });
      if (!jingle.ok) throw RecorderError.badOffer(`werift's answer does not map to Jingle: ${jingle.error.text}`);
      const contents = jingle.value.contents.map((c): JingleContent => (c.description === undefined ? c : { ...c, description: { ...c.description, sources: [], sourceGroups: [] } }));
      return { leg: new MediaLeg(pc, audio.receiver.dtlsTransport), accept: { contents, groups: jingle.value.groups } };
    } catch (error) {
      await pc.close();
      throw error;
    }
  }

  /** Every decrypted RTP packet from now on. */
  onRtp(handler: LegRtpHandler): void {
    this.#onRtp = handler;
  }

  /** Asks the sender of `ssrc` (through the bridge) for a key frame: ffmpeg needs one to start a video. */
  requestKeyFrame(ssrc: number): void {
    const video = this.pc.getTransceivers().find((t) => t.kind === 'video');
    void video?.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  /** Resolves once ICE and DTLS are up with the bridge; rejects if they fail or take longer than `timeoutMs`. */
  connected(timeoutMs: number): Promise<void> {
    const pc = this.pc;
    if (pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(RecorderError.mediaFailed(`no media connection with the bridge after ${timeoutMs} ms (${pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
        if (s !== 'connected' && s !== 'failed') return;
        clearTimeout(timer);
        unSubscribe();
        if (s === 'connected') resolve();
        else reject(RecorderError.mediaFailed('the media connection with the bridge failed'));
      });
    });
  }

  close(): Promise<void> {
    this.#isClosed = true;
    return this.pc.close();
  }
}
