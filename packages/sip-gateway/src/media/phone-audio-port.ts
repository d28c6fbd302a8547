// The PhoneAudioPort implementation: one UDP socket per call carrying RTP (or SDES-SRTP) with the
// phone, SDP offer/answer, a jitter buffer and codec chain for the phone's audio, RFC 4733 DTMF,
// and our 20 ms frames packetized back to the phone. Never logs addresses (they identify callers).
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { err, ok, TypedEmitter } from '@plenum/kit';
import type { Logger, Result } from '@plenum/kit';
import { FRAME_MS, FRAME_SAMPLES } from './phone-audio.ts';
import type {
  NegotiatedPhoneMedia, PhoneAudioEvents, PhoneAudioPort, PhoneCodecName, PhoneMediaError,
} from './phone-audio.ts';
import type { PhoneMediaConfig } from './phone-media-config.ts';
import { PhoneMediaErrors } from './phone-media-error.ts';
import {
  answerDirection, findCodec, findTelephoneEvent, parsePhoneSdp, writePhoneSdp,
} from './phone-sdp.ts';
import type { PhoneSdp, SdpCrypto, SdpDirection, SdpFormat } from './phone-sdp.ts';
import { createRtpView, readRtpHeader, writeRtpHeader } from './rtp-packet.ts';
import { JitterBuffer } from './jitter-buffer.ts';
import { TelephoneEventReceiver } from './dtmf.ts';
import { createPhoneDecoder, createPhoneEncoder, MAX_PAYLOAD_BYTES, timestampUnitsPerFrame } from './phone-codec.ts';
import type { PhoneDecoder, PhoneEncoder } from './phone-codec.ts';
import { generateSdesKey, parseSdesKeyParams, SDES_SUITE, SdesSrtp } from './sdes-srtp.ts';
import type { SdesKey } from './sdes-srtp.ts';

const PORT_ATTEMPTS = 50;
/**
 * dgram sends are asynchronous (the address lookup completes on the next tick), so a buffer must
 * not be reused within one synchronous run: the frame clock catches up to 5 missed ticks back to
 * back (frame-clock.ts), so 4 buffers lost a packet in every catch-up (seen in bench:sip). 16 is
 * ample for that and for a prompt written in the same run.
 */
const SEND_BUFFERS = 16;
const JITTER_CAPACITY_PACKETS = 64;

// Payload types of our own offers: RFC 3551 static ones, dynamic ones as most phones use them.
const OFFER_FORMATS: Record<PhoneCodecName, SdpFormat> = {
  opus: { payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2, fmtp: undefined },
  G722: { payloadType: 9, encodingName: 'G722', clockRate: 8000, channels: 1, fmtp: undefined },
  PCMU: { payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1, fmtp: undefined },
  PCMA: { payloadType: 8, encodingName: 'PCMA', clockRate: 8000, channels: 1, fmtp: undefined },
};
const OFFER_TELEPHONE_EVENT: SdpFormat = { payloadType: 101, encodingName: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-16' };

/** Binds a UDP socket on an even port in the configured range and returns the call's port. */
export async function openPhoneAudioPort(config: PhoneMediaConfig, log: Logger): Promise<PhoneAudioPort> {
  const first = config.portMin + (config.portMin % 2);
  const evenPorts = Math.floor((config.portMax - first) / 2) + 1;
  if (evenPorts <= 0) throw PhoneMediaErrors.noPort('empty port range');
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = first + 2 * randomInt(evenPorts);
    const socket = await bindUdp(config.host, port);
    if (socket !== undefined) return new RtpPhoneAudioPort(config, socket, port, log.child({ part: 'phone-audio', rtpPort: port }));
  }
  throw PhoneMediaErrors.noPort(`no free port in ${config.portMin}-${config.portMax} after ${PORT_ATTEMPTS} attempts`);
}

function bindUdp(host: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const onError = (): void => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Everything negotiation decides for the media path. */
type MediaState = {
  readonly negotiated: NegotiatedPhoneMedia;
  readonly encoder: PhoneEncoder;
  readonly decoder: PhoneDecoder;
  readonly srtp: SdesSrtp | undefined;
  readonly isSendingAllowed: boolean;
};

class RtpPhoneAudioPort implements PhoneAudioPort {
  readonly events: TypedEmitter<PhoneAudioEvents>;
  readonly port: number;
  readonly #config: PhoneMediaConfig;
  readonly #socket: Socket;
  readonly #log: Logger;
  readonly #sessionId = String(randomInt(1, 2 ** 31));
  #sessionVersion = 0;
  #media: MediaState | undefined;
  #pendingOffer: { readonly localKey: { key: SdesKey; keyParams: string } | undefined } | undefined;
  #isClosed = false;

  // Receive path.
  readonly #view = createRtpView();
  readonly #jitter: JitterBuffer;
  readonly #dtmf = new TelephoneEventReceiver();
  readonly #frame = new Int16Array(FRAME_SAMPLES);
  readonly #narrowFrame = new Int16Array(160);
  readonly #wideFrame = new Int16Array(320);
  #remoteSsrc = -1;
  #latched: { address: string; port: number } | undefined;

  // Send path.
  readonly #sendBuffers = Array.from({ length: SEND_BUFFERS }, () => Buffer.alloc(12 + MAX_PAYLOAD_BYTES));
  #sendIndex = 0;
  readonly #ssrc = randomBytes(4).readUInt32BE(0);
  #sequence = randomInt(0, 0x10000);
  #timestamp = randomBytes(4).readUInt32BE(0);
  #isFirstPacket = true;

  constructor(config: PhoneMediaConfig, socket: Socket, port: number, log: Logger) {
    this.#config = config;
    this.#socket = socket;
    this.port = port;
    this.#log = log;
    this.events = new TypedEmitter<PhoneAudioEvents>(log);
    this.#jitter = new JitterBuffer({
      depthPackets: Math.max(1, Math.ceil(config.jitterBufferMs / FRAME_MS)),
      capacityPackets: JITTER_CAPACITY_PACKETS,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
    });
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    socket.on('error', (error) => this.#log.warn('rtp socket error', { err: error.message }));
  }

  get negotiated(): NegotiatedPhoneMedia | undefined {
    return this.#media?.negotiated;
  }

  get #advertisedAddress(): string {
    return this.#config.advertisedAddress ?? this.#config.host;
  }

  answer(offerSdp: string): Result<string, PhoneMediaError> {
    const parsed = parsePhoneSdp(offerSdp);
    if (!parsed.ok) return parsed;
    const offer = parsed.value;
    let codec: PhoneCodecName | undefined;
    let format: SdpFormat | undefined;
    for (const candidate of this.#config.codecs) {
      format = findCodec(offer.formats, candidate);
      if (format !== undefined) {
        codec = candidate;
        break;
      }
    }
    if (codec === undefined || format === undefined) {
      return err(PhoneMediaErrors.noCommonCodec(offer.formats.map((f) => f.encodingName).join(',') || 'none'));
    }
    const policy = this.#config.srtpPolicy ?? 'optional';
    if (policy === 'required' && offer.proto !== 'RTP/SAVP') return err(PhoneMediaErrors.srtpRequired('plain RTP offered, SRTP required'));
    if (policy === 'off' && offer.proto === 'RTP/SAVP') return err(PhoneMediaErrors.srtpRequired('SRTP offered, SRTP disabled'));
    let srtp: SdesSrtp | undefined;
    let answerCrypto: SdpCrypto | undefined;
    if (offer.proto === 'RTP/SAVP') {
      const theirs = offer.cryptos.find((c) => c.suite === SDES_SUITE && parseSdesKeyParams(c.keyParams) !== undefined);
      if (theirs === undefined) return err(PhoneMediaErrors.srtpRequired(`no usable ${SDES_SUITE} key`));
      const local = generateSdesKey();
      srtp = new SdesSrtp(local.key, parseSdesKeyParams(theirs.keyParams)!);
      answerCrypto = { tag: theirs.tag, suite: SDES_SUITE, keyParams: local.keyParams };
    }
    const telephoneEvent = findTelephoneEvent(offer.formats);
    const formats = [answerFormat(codec, format)];
    if (telephoneEvent !== undefined) formats.push({ ...telephoneEvent, fmtp: '0-16' });
    this.#apply(codec, format.payloadType, telephoneEvent?.payloadType, offer, srtp);
    this.#sessionVersion++;
    return ok(writePhoneSdp({
      sessionId: this.#sessionId,
      sessionVersion: this.#sessionVersion,
      address: this.#advertisedAddress,
      port: this.port,
      proto: offer.proto === 'RTP/SAVP' ? 'RTP/SAVP' : 'RTP/AVP',
      formats,
      ptimeMs: FRAME_MS,
      direction: offer.isNullAddress ? 'inactive' : answerDirection(offer.direction),
      crypto: answerCrypto,
      mirror: { mediaLines: offer.mediaLines, audioIndex: offer.audioIndex },
    }));
  }

  offer(): string {
    const localKey = this.#config.offerSrtp ? generateSdesKey() : undefined;
    this.#pendingOffer = { localKey };
    this.#sessionVersion++;
    return writePhoneSdp({
      sessionId: this.#sessionId,
      sessionVersion: this.#sessionVersion,
      address: this.#advertisedAddress,
      port: this.port,
      proto: localKey === undefined ? 'RTP/AVP' : 'RTP/SAVP',
      formats: [...this.#config.codecs.map((c) => OFFER_FORMATS[c]), OFFER_TELEPHONE_EVENT],
      ptimeMs: FRAME_MS,
      direction: 'sendrecv',
      crypto: localKey === undefined ? undefined : { tag: 1, suite: SDES_SUITE, keyParams: localKey.keyParams },
    });
  }

  applyAnswer(answerSdp: string): Result<void, PhoneMediaError> {
    const pending = this.#pendingOffer;
    if (pending === undefined) return err(PhoneMediaErrors.badSdp('answer without an offer'));
    const parsed = parsePhoneSdp(answerSdp);
    if (!parsed.ok) return parsed;
    const answer = parsed.value;
    // RFC 3264 §6: the answer picks from our offer; the first format it lists is the one used.
    let chosen: { codec: PhoneCodecName; format: SdpFormat } | undefined;
    for (const f of answer.formats) {
      const codec = this.#config.codecs.find((c) => findCodec([f], c) !== undefined);
      if (codec !== undefined) {
        chosen = { codec, format: f };
        break;
      }
    }
    if (chosen === undefined) return err(PhoneMediaErrors.noCommonCodec(answer.formats.map((f) => f.encodingName).join(',') || 'none'));
    let srtp: SdesSrtp | undefined;
    if (pending.localKey !== undefined) {
      if (answer.proto !== 'RTP/SAVP') return err(PhoneMediaErrors.srtpRequired('answer is not RTP/SAVP'));
      const theirs = answer.cryptos.find((c) => c.suite === SDES_SUITE);
      const key = theirs === undefined ? undefined : parseSdesKeyParams(theirs.keyParams);
      if (key === undefined) return err(PhoneMediaErrors.srtpRequired(`no usable ${SDES_SUITE} key in the answer`));
      srtp = new SdesSrtp(pending.localKey.key, key);
    } else if (answer.proto !== 'RTP/AVP') {
      return err(PhoneMediaErrors.badSdp('answer changed the transport'));
    }
    this.#pendingOffer = undefined;
    this.#apply(chosen.codec, chosen.format.payloadType, findTelephoneEvent(answer.formats)?.payloadType, answer, srtp);
    return ok(undefined);
  }

  #apply(codec: PhoneCodecName, payloadType: number, telephoneEventPayloadType: number | undefined, remote: PhoneSdp, srtp: SdesSrtp | undefined): void {
    const previous = this.#media;
    const isSameStream = previous !== undefined && previous.negotiated.codec === codec && previous.negotiated.srtp === (srtp !== undefined);
    const direction: SdpDirection = remote.isNullAddress ? 'inactive' : remote.direction;
    this.#media = {
      negotiated: {
        codec,
        payloadType,
        telephoneEventPayloadType,
        remote: { address: remote.address, port: remote.port },
        direction,
        srtp: srtp !== undefined,
      },
      // Hold and resume keep the codec state; a new codec or new keys start afresh.
      encoder: isSameStream ? previous.encoder : createPhoneEncoder(codec),
      decoder: isSameStream ? previous.decoder : createPhoneDecoder(codec),
      srtp: isSameStream && srtp === undefined ? previous.srtp : srtp,
      isSendingAllowed: direction === 'sendrecv' || direction === 'recvonly',
    };
    if (!isSameStream) {
      this.#jitter.reset();
      this.#remoteSsrc = -1;
    }
    if (previous === undefined || previous.negotiated.remote.address !== remote.address || previous.negotiated.remote.port !== remote.port) {
      this.#latched = undefined;
    }
    this.#log.debug('phone media negotiated', { codec, srtp: srtp !== undefined, direction });
  }

  #onDatagram(datagram: Buffer, rinfo: RemoteInfo): void {
    const media = this.#media;
    if (media === undefined || this.#isClosed) return;
    let packet: Buffer = datagram;
    if (media.srtp !== undefined) {
      const clear = media.srtp.unprotect(datagram);
      if (clear === undefined) return;
      packet = clear;
    }
    const view = this.#view;
    if (!readRtpHeader(packet, packet.length, view)) return;
    const negotiated = media.negotiated;
    const isAudio = view.payloadType === negotiated.payloadType;
    const isEvent = view.payloadType === negotiated.telephoneEventPayloadType;
    if (!isAudio && !isEvent) return;
    if (view.ssrc !== this.#remoteSsrc) {
      // A new source (the phone restarted its stream or a PBX switched legs): start afresh.
      this.#remoteSsrc = view.ssrc;
      this.#jitter.reset();
      if (this.#config.symmetricRtp) this.#latched = undefined;
    }
    if (this.#config.symmetricRtp && this.#latched === undefined) this.#latched = { address: rinfo.address, port: rinfo.port };
    if (isAudio) {
      this.#jitter.push(view.sequenceNumber, view.timestamp, packet, view.payloadOffset, view.payloadLength);
      return;
    }
    const digit = this.#dtmf.receive(view.timestamp, packet, view.payloadOffset, view.payloadLength);
    if (digit !== undefined) this.events.emit('dtmf', digit);
  }

  readFrame(): Int16Array {
    const decoder = this.#fillDecoder();
    if (decoder === undefined) this.#frame.fill(0);
    else decoder.readFrame(this.#frame);
    return this.#frame;
  }

  readNativeFrame(): Int16Array {
    const codec = this.#media?.negotiated.codec ?? 'opus';
    const frame = codec === 'opus' ? this.#frame : codec === 'G722' ? this.#wideFrame : this.#narrowFrame;
    const decoder = this.#fillDecoder();
    if (decoder === undefined) frame.fill(0);
    else decoder.readNativeFrame(frame);
    return frame;
  }

  /** Feeds the decoder from the jitter buffer until it holds 20 ms (or the buffer is empty). */
  #fillDecoder(): PhoneDecoder | undefined {
    const media = this.#media;
    if (media === undefined) return undefined;
    const decoder = media.decoder;
    const jitter = this.#jitter;
    while (!decoder.hasFrame) {
      const next = jitter.pop();
      if (next === 'empty') break;
      if (next === 'packet') decoder.push(jitter.payload, jitter.payloadLength);
      else decoder.conceal();
    }
    return decoder;
  }

  writeFrame(pcm: Int16Array): void {
    this.#send(pcm, false);
  }

  writeNativeFrame(pcm: Int16Array): void {
    this.#send(pcm, true);
  }

  #send(pcm: Int16Array, isNative: boolean): void {
    const media = this.#media;
    if (media === undefined || this.#isClosed) return;
    const step = timestampUnitsPerFrame(media.negotiated.codec);
    if (!media.isSendingAllowed) {
      // On hold: the clock keeps running, so resuming continues the timeline.
      this.#timestamp = (this.#timestamp + step) >>> 0;
      return;
    }
    const buffer = this.#sendBuffers[this.#sendIndex]!;
    this.#sendIndex = (this.#sendIndex + 1) % SEND_BUFFERS;
    const payloadLength = isNative ? media.encoder.encodeNative(pcm, buffer, 12) : media.encoder.encode(pcm, buffer, 12);
    writeRtpHeader(buffer, media.negotiated.payloadType, this.#isFirstPacket, this.#sequence, this.#timestamp, this.#ssrc);
    this.#isFirstPacket = false;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + step) >>> 0;
    const target = this.#latched ?? media.negotiated.remote;
    if (target.port === 0) return;
    if (media.srtp !== undefined) {
      const protectedPacket = media.srtp.protect(buffer, 12 + payloadLength);
      this.#socket.send(protectedPacket, target.port, target.address);
    } else {
      this.#socket.send(buffer, 0, 12 + payloadLength, target.port, target.address);
    }
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.close();
    this.#log.debug('phone media closed', { ...this.#jitter.stats });
  }
}

/** Our answer's rtpmap for the chosen codec, keeping the phone's payload type. */
function answerFormat(codec: PhoneCodecName, offered: SdpFormat): SdpFormat {
  const ours = OFFER_FORMATS[codec];
  // RFC 7587 §7: opus is always signalled as opus/48000/2.
  return { ...ours, payloadType: offered.payloadType, fmtp: codec === 'opus' ? offered.fmtp : undefined };
}
