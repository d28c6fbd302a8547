// The composer's input, kept flowing. ffmpeg's filter graph (xstack, amix) waits for a frame from
// every input before it outputs one, so a participant who turns their camera off or stops sending
// would freeze the whole composed view (for a live stream: the stream stalls and the ingest drops
// it). Here every composed source is forwarded with sequence numbers and timestamps that continue
// across filled gaps, and while a source is quiet the gap is filled: Opus silence every 20 ms for audio, the last VP8 key frame again every
// VIDEO_REPEAT_MS for video (the tile holds its last picture). The per-source files never see these
// packets (they get the untouched stream: webm-track-writer.ts).
// After a repeated key frame (a filled gap, or the video moved to a new composer), the sender's next
// inter frames refer to a picture the composer never decoded: they are held back, the gap filled on,
// until the sender's next key frame (asked for at once), so the tile never shows a smeared picture.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { RecordedSource } from './recorded-source.ts';
import { isVp8KeyFrameStart } from './vp8-keyframe.ts';

const HOST = '127.0.0.1';
/** Quiet longer than this and the gap is filled (longer than normal jitter, shorter than a stall anyone notices). */
const AUDIO_GAP_MS = 200;
/**
 * A screen share of a still page sends about one frame a second (WebRTC repeats the last frame at
 * 1 fps): a longer wait keeps that from counting as a gap, each of which would cost its sender a key
 * frame (see the header). A camera sends 7 frames a second or more.
 */
const VIDEO_GAP_MS = { camera: 700, desktop: 2_500 } as const;
const VIDEO_REPEAT_MS = 500;
const TICK_MS = 50;
const OPUS_FRAME_MS = 20;
/** A 20 ms Opus CELT frame that decodes to silence (RFC 6716: TOC config 31, one frame). */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const RTP_HEADER_BYTES = 12;

/** Not forwarded (watched only: its key frames are kept for when it is routed). */
const NO_PORT = 0;

/** One composed source: where it goes and what is needed to continue its stream. */
class FedSource {
  port: number;
  /** Output sequence number and RTP timestamp of the last packet sent. */
  seq = 0;
  lastTs = 0;
  /** Added to the sender's sequence numbers and timestamps: they change only after a filled gap, so
   *  the sender's own order (reordering included) is kept and time never runs backwards. */
  seqOffset = 0;
  tsOffset = 0;
  /** Arrival of the last real packet, and when the last packet (real or filled) went out. */
  lastRealMs = -Infinity;
  lastSentMs = -Infinity;
  hasSent = false;
  didFill = false;
  /** Video: a key frame was repeated; real packets wait for the sender's next key frame. */
  awaitsKeyFrame = false;
  /** The last complete VP8 key frame (its RTP packets), and the one being collected. */
  keyFrame: Buffer[] = [];
  collecting: Buffer[] | undefined;
  collectingTs = 0;

  constructor(readonly source: RecordedSource, port: number) {
    this.port = port;
  }
}

export class ComposerFeed {
  readonly #socket: Socket | undefined;
  readonly #sources = new Map<number, FedSource>();
  readonly #timer: NodeJS.Timeout | undefined;
  #isClosed = false;

  /**
   * `isUsed` false: a recording without a composer; the feed takes nothing and opens nothing.
   * `wantKeyFrame`: a video waits for its sender's next key frame (the caller asks, rate-limited).
   */
  constructor(private readonly now: () => number, isUsed = true, private readonly wantKeyFrame: (ssrc: number) => void = () => undefined) {
    if (!isUsed) {
      this.#isClosed = true;
      return;
    }
    this.#socket = createSocket('udp4');
    // ffmpeg not listening yet (starting, restarting) costs a dropped packet, nothing more.
    this.#socket.on('error', () => undefined);
    this.#timer = setInterval(() => this.#fillGaps(), TICK_MS);
    this.#timer.unref();
  }

  /**
   * Sends `source` to the composer's `port` (again: a restarted composer, or the next segment of the
   * composed file, listens elsewhere). A video moved to a new port gets its last key frame there at
   * once: the new ffmpeg can start that tile without waiting for the sender's next one.
   */
  route(source: RecordedSource, port: number): void {
    const known = this.#sources.get(source.ssrc);
    if (known === undefined) {
      this.#sources.set(source.ssrc, new FedSource(source, port));
      return;
    }
    if (known.port === NO_PORT) known.hasSent = false;
    const moved = known.port !== port;
    known.port = port;
    if (moved && !this.#isClosed && known.source.media === 'video' && known.keyFrame.length > 0) this.#repeatKeyFrame(known, this.now());
  }

  /** Stops sending `ssrc` to the composer (it left the composed view); its input there goes idle. Its key frames are still kept. */
  unroute(ssrc: number): void {
    const known = this.#sources.get(ssrc);
    if (known !== undefined) known.port = NO_PORT;
  }

  /** Keeps `source`'s latest key frame without forwarding it yet, so that a composer it is routed to later can start its tile at once. */
  watch(source: RecordedSource): void {
    if (!this.#isClosed && !this.#sources.has(source.ssrc)) this.#sources.set(source.ssrc, new FedSource(source, NO_PORT));
  }

  /** A real packet (header + payload, decrypted) of any SSRC; only composed ones are forwarded. */
  push(ssrc: number, packet: Buffer, payload: Uint8Array, nowMs: number): void {
    const s = this.#sources.get(ssrc);
    if (s === undefined || this.#isClosed || packet.length < RTP_HEADER_BYTES) return;
    const seq = packet.readUInt16BE(2);
    const ts = packet.readUInt32BE(4);
    if (s.source.media === 'video') this.#remember(s, packet, payload, ts);
    // Held back (see the header): still a gap, filled on.
    if (s.awaitsKeyFrame && s.port !== NO_PORT) {
      if (!isVp8KeyFrameStart(payload)) return;
      s.awaitsKeyFrame = false;
    }
    if (s.didFill) {
      // Continue after what was filled in, as much later as the wall clock says.
      const elapsed = Math.max(1, Math.round(((nowMs - s.lastSentMs) * s.source.clockRate) / 1000));
      s.tsOffset = (s.lastTs + elapsed - ts) >>> 0;
      s.seqOffset = (s.seq + 1 - seq) & 0xffff;
      s.didFill = false;
    }
    s.lastRealMs = nowMs;
    if (s.port === NO_PORT) return;
    this.#send(s, packet, (seq + s.seqOffset) & 0xffff, (ts + s.tsOffset) >>> 0, nowMs);
  }

  /** True once a whole key frame of `ssrc` was seen (a composer it is routed to can start its tile at once). */
  hasKeyFrame(ssrc: number): boolean {
    return (this.#sources.get(ssrc)?.keyFrame.length ?? 0) > 0;
  }

  /** Stops forwarding and filling (the composer's inputs go idle and ffmpeg finishes). */
  close(): Promise<void> {
    const socket = this.#socket;
    if (this.#isClosed || socket === undefined) return Promise.resolve();
    this.#isClosed = true;
    clearInterval(this.#timer);
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  /** Keeps a copy of the latest whole key frame (copied once per key frame, not per packet). */
  #remember(s: FedSource, packet: Buffer, payload: Uint8Array, ts: number): void {
    if (isVp8KeyFrameStart(payload)) {
      s.collecting = [];
      s.collectingTs = ts;
    }
    if (s.collecting === undefined) return;
    if (ts !== s.collectingTs) {
      s.collecting = undefined;
      return;
    }
    s.collecting.push(Buffer.from(packet));
    // The marker bit ends the frame.
    if (((packet[1] ?? 0) & 0x80) !== 0) {
      s.keyFrame = s.collecting;
      s.collecting = undefined;
    }
  }

  /** Writes `packet` with sequence number `seq` and timestamp `ts`, and sends it. */
  #send(s: FedSource, packet: Buffer, seq: number, ts: number, nowMs: number): void {
    // A copy per packet: dgram may send after this returns (its first send waits for the implicit
    // bind), so neither a reused buffer nor the original (the track writers' copy) can be rewritten.
    const out = Buffer.allocUnsafe(packet.length);
    packet.copy(out);
    s.seq = seq;
    out.writeUInt16BE(seq, 2);
    out.writeUInt32BE(ts, 4);
    s.lastTs = ts;
    s.lastSentMs = nowMs;
    s.hasSent = true;
    this.#socket?.send(out, s.port, HOST);
  }

  #fillGaps(): void {
    if (this.#isClosed) return;
    const nowMs = this.now();
    for (const s of this.#sources.values()) {
      if (!s.hasSent || s.port === NO_PORT) continue;
      if (s.source.media === 'audio') this.#fillAudio(s, nowMs);
      else this.#fillVideo(s, nowMs);
    }
  }

  #fillAudio(s: FedSource, nowMs: number): void {
    if (nowMs - s.lastRealMs < AUDIO_GAP_MS) return;
    const silence = Buffer.alloc(RTP_HEADER_BYTES + OPUS_SILENCE.length);
    silence[0] = 0x80;
    silence[1] = s.source.payloadType & 0x7f;
    silence.writeUInt32BE(s.source.ssrc >>> 0, 8);
    OPUS_SILENCE.copy(silence, RTP_HEADER_BYTES);
    // The frames of the last tick only: the composer stamps packets with their arrival time, so a
    // backlog sent at once would pile up at one instant (its resampler fills the hole instead).
    for (let at = Math.max(s.lastSentMs + OPUS_FRAME_MS, nowMs - TICK_MS); at <= nowMs; at += OPUS_FRAME_MS) {
      const ts = (s.lastTs + Math.round(((at - s.lastSentMs) * s.source.clockRate) / 1000)) >>> 0;
      this.#send(s, silence, (s.seq + 1) & 0xffff, ts, at);
      s.didFill = true;
    }
  }

  #fillVideo(s: FedSource, nowMs: number): void {
    const gapMs = s.source.videoType === 'desktop' ? VIDEO_GAP_MS.desktop : VIDEO_GAP_MS.camera;
    if (nowMs - s.lastRealMs < gapMs || nowMs - s.lastSentMs < VIDEO_REPEAT_MS || s.keyFrame.length === 0) return;
    this.#repeatKeyFrame(s, nowMs);
  }

  /** The last key frame again, later on the source's timeline; the next real packet continues after it. */
  #repeatKeyFrame(s: FedSource, nowMs: number): void {
    const ts = (s.lastTs + Math.round(((nowMs - s.lastSentMs) * s.source.clockRate) / 1000)) >>> 0;
    for (const packet of s.keyFrame) this.#send(s, packet, (s.seq + 1) & 0xffff, ts, nowMs);
    s.didFill = true;
    s.awaitsKeyFrame = true;
    this.wantKeyFrame(s.source.ssrc);
  }
}
