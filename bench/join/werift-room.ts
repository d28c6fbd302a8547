// One werift room participant's media for `npm run bench:join -- --room werift`: the clip of
// vp8-clip.ts sent in real time and looping through a MediaParticipant (the real focus and bridge).
// Video is packetised per RFC 7741 (a 4-byte payload descriptor with a 15-bit picture id, S=1 on a
// frame's first packet, at most MAX_RTP_PAYLOAD bytes a packet, the marker on a frame's last packet,
// 90 kHz timestamps at the frame pace); audio is one Opus packet every 20 ms with an RFC 6464 level
// when negotiated. A PLI or FIR from the bridge for the video SSRC is answered at once with the key
// frame version of the picture due next; the delta frames then go on from there.
import type { RtcpPacket } from 'werift';
import { PictureLossIndication, RtcpPayloadSpecificFeedback, RtpHeader } from 'werift';
import type { MediaParticipant } from '@plenum/testkit/media-participant';
import { CLIP_FPS, type Clip } from './vp8-clip.ts';

/** RTP payload bytes a packet carries at most (descriptor included), as browsers keep under ~1,200. */
export const MAX_RTP_PAYLOAD = 1100;
const DESCRIPTOR_BYTES = 4;
const VIDEO_CLOCK = 90_000;
const OPUS_PACKET_MS = 20;

/** What a sender did so far. */
export type SenderStats = { framesSent: number; keyFramesOnRequest: number; keyFrameRequests: number; videoBytes: number; audioPackets: number };

export class ClipSender {
  readonly stats: SenderStats = { framesSent: 0, keyFramesOnRequest: 0, keyFrameRequests: 0, videoBytes: 0, audioPackets: 0 };
  readonly #start = performance.now();
  /** Pictures sent; the next one's index in the clip is (offset + this) modulo the clip's length. */
  #frame = 0;
  #audio = 0;
  #pictureId = 0;
  #sequence = 0;
  readonly #header: RtpHeader;
  /** One packet's payload, reused: werift encrypts it synchronously in sendRtp. */
  readonly #payload = Buffer.alloc(MAX_RTP_PAYLOAD);
  #videoTimer: NodeJS.Timeout | undefined;
  #audioTimer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: () => void;

  /** Starts sending `clip` from picture `offset` (participants show different pictures) with RFC 6464 `level` (0 loudest … 127 silence). */
  constructor(private readonly p: MediaParticipant, private readonly clip: Clip, private readonly offset: number, private readonly level: number) {
    const ssrc = p.videoSsrcs[0] ?? 0;
    this.#header = new RtpHeader({ ssrc, payloadType: p.negotiated.vp8PayloadType });
    this.#sequence = Math.floor(Math.random() * 0x10000);
    this.#pictureId = Math.floor(Math.random() * 0x8000);
    const onRtcp = (packet: RtcpPacket): void => {
      if (!(packet instanceof RtcpPayloadSpecificFeedback)) return;
      const f = packet.feedback;
      // werift does not export FullIntraRequest: a FIR is the feedback with entries.
      const forUs = (f instanceof PictureLossIndication && f.mediaSsrc === ssrc) || ('fir' in f && f.fir.some((e) => e.ssrc === ssrc));
      if (!forUs) return;
      this.stats.keyFrameRequests++;
      this.#sendFrame(true);
    };
    this.#unsubscribe = p.dtls.onRtcp.subscribe(onRtcp).unSubscribe;
    this.#videoTick();
    this.#audioTick();
  }

  #videoTick = (): void => {
    const due = (n: number): number => this.#start + (n * 1000) / CLIP_FPS;
    // Late timers catch up, but never with a burst of more than a few pictures.
    if (performance.now() - due(this.#frame) > 200) this.#frame = Math.floor(((performance.now() - this.#start) * CLIP_FPS) / 1000);
    while (due(this.#frame) <= performance.now()) this.#sendFrame(false);
    this.#videoTimer = setTimeout(this.#videoTick, Math.max(0, due(this.#frame) - performance.now()));
  };

  #audioTick = (): void => {
    const due = (n: number): number => this.#start + n * OPUS_PACKET_MS;
    if (performance.now() - due(this.#audio) > 200) this.#audio = Math.floor((performance.now() - this.#start) / OPUS_PACKET_MS);
    while (due(this.#audio) <= performance.now()) {
      const packet = this.clip.opus[this.#audio % this.clip.opus.length];
      if (packet !== undefined) this.p.sendAudio(packet, this.level);
      this.#audio++;
      this.stats.audioPackets++;
    }
    this.#audioTimer = setTimeout(this.#audioTick, Math.max(0, due(this.#audio) - performance.now()));
  };

  /** Sends the next picture (its key frame version when `key`), fragmented, and advances. */
  #sendFrame(key: boolean): void {
    const at = (this.offset + this.#frame) % this.clip.frames.length;
    const frame = (key ? this.clip.keyFrames : this.clip.frames)[at];
    if (frame === undefined) return;
    if (key) this.stats.keyFramesOnRequest++;
    const h = this.#header;
    h.timestamp = ((this.#frame * VIDEO_CLOCK) / CLIP_FPS) >>> 0;
    const chunk = MAX_RTP_PAYLOAD - DESCRIPTOR_BYTES;
    for (let from = 0; from < frame.length; from += chunk) {
      const to = Math.min(frame.length, from + chunk);
      const b = this.#payload;
      b[0] = from === 0 ? 0x90 : 0x80; // X, and S on the frame's first packet (partition 0)
      b[1] = 0x80; // I: a picture id follows
      b[2] = 0x80 | (this.#pictureId >> 8); // M: 15 bits
      b[3] = this.#pictureId & 0xff;
      frame.copy(b, DESCRIPTOR_BYTES, from, to);
      h.sequenceNumber = this.#sequence;
      this.#sequence = (this.#sequence + 1) & 0xffff;
      h.marker = to === frame.length;
      void this.p.sendRtp(h, b.subarray(0, DESCRIPTOR_BYTES + to - from)).catch(() => undefined);
    }
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    this.#frame++;
    this.stats.framesSent++;
    this.stats.videoBytes += frame.length;
  }

  stop(): void {
    clearTimeout(this.#videoTimer);
    clearTimeout(this.#audioTimer);
    this.#unsubscribe();
  }
}
