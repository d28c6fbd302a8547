// One source's RTP packets as timed frames for its file (what a WebM track holds): Opus one frame per
// packet, VP8 frames put together from their packets (vp8-frame-assembler.ts). Times are ms from the
// source's first frame, from the RTP timestamps (unwrapped past 2^32), so a muted stretch is a gap
// in the file's timeline, as long as it was in the meeting.
//
// Padding-only packets (bandwidth probes) carry nothing and are no loss.
// Loss: an Opus packet lost is a gap the decoder conceals. A VP8 frame after a lost one would decode
// with artifacts until the next key frame, so from a loss (and before the first key frame) frames are
// not written until a key frame comes, and the reader says a key frame is wanted. Packets older than
// what was already written (late, duplicated) are dropped. A timestamp that jumps back (a sender
// that started its clock over) continues right after the last frame, so times only go forward.
import type { RecordedSource } from './recorded-source.ts';
import { Vp8FrameAssembler } from './vp8-frame-assembler.ts';
import { vp8KeyFrameSize } from './vp8-rtp.ts';

export type TimedFrame = {
  readonly timeMs: number;
  readonly isKeyFrame: boolean;
  readonly data: Uint8Array;
  /** VP8 key frames: the picture size. */
  readonly size: { readonly width: number; readonly height: number } | undefined;
};

export type FrameReaderCounts = { frames: number; droppedFrames: number; latePackets: number };

/** A jump back in the sender's clock beyond this is a new clock, not reordering. */
const CLOCK_RESTART_MS = 1_000;
/** Where a restarted clock's first frame goes after the last one written. */
const FRAME_STEP_MS = { audio: 20, video: 33 } as const;

/** An audio packet this far behind the last one is late (a duplicate, reordered); further back, the sender's numbering started over. */
const MAX_LATE_PACKETS = 100;

export class RtpFrameReader {
  readonly counts: FrameReaderCounts = { frames: 0, droppedFrames: 0, latePackets: 0 };
  readonly #assembler: Vp8FrameAssembler | undefined;
  readonly #ticksPerMs: number;
  #lastSeq: number | undefined;
  #lastTimestamp = 0;
  /** The RTP clock, unwrapped, in ticks since the first frame (then shifted by clock restarts). */
  #ticks = 0;
  #hasClock = false;
  #lastMs = 0;
  #isKeyFrameWanted: boolean;

  constructor(readonly source: RecordedSource) {
    this.#ticksPerMs = source.clockRate / 1000;
    this.#assembler = source.media === 'video' ? new Vp8FrameAssembler() : undefined;
    this.#isKeyFrameWanted = source.media === 'video';
  }

  /** Video only: nothing is written until the next key frame (start, or after a loss). */
  get isKeyFrameWanted(): boolean {
    return this.#isKeyFrameWanted;
  }

  /** One RTP packet of the source (`packet` its header and payload, `payload` the payload). */
  push(packet: Uint8Array, payload: Uint8Array): TimedFrame | undefined {
    // RTP version 2 (RFC 3550 §5.1); what reaches here passed SRTP authentication, this is a guard.
    if (packet.length < 12 || ((packet[0] as number) >> 6) !== 2) return undefined;
    const seq = ((packet[2] as number) << 8) | (packet[3] as number);
    const timestamp = (((packet[4] as number) << 24) | ((packet[5] as number) << 16) | ((packet[6] as number) << 8) | (packet[7] as number)) >>> 0;
    const assembler = this.#assembler;
    if (assembler === undefined) {
      if (this.#lastSeq !== undefined && ((this.#lastSeq - seq) & 0xffff) <= MAX_LATE_PACKETS) {
        this.counts.latePackets++;
        return undefined;
      }
      this.#lastSeq = seq;
      if (payload.length === 0) return undefined;
      return this.#timed(timestamp, true, payload, undefined);
    }
    if (payload.length === 0) {
      assembler.skip(seq);
      return undefined;
    }
    const isMarker = ((packet[1] as number) & 0x80) !== 0;
    const { frame, dropped } = assembler.push(seq, timestamp, isMarker, (packet[1] as number) & 0x7f, payload);
    this.counts.droppedFrames += dropped;
    if (dropped > 0) this.#isKeyFrameWanted = true;
    if (frame === undefined) return undefined;
    if (frame.lossBefore && !frame.isKeyFrame) this.#isKeyFrameWanted = true;
    if (frame.isKeyFrame) {
      const size = vp8KeyFrameSize(frame.data);
      if (size !== undefined) {
        this.#isKeyFrameWanted = false;
        return this.#timed(frame.timestamp, true, frame.data, size);
      }
    }
    if (this.#isKeyFrameWanted) {
      this.counts.droppedFrames++;
      return undefined;
    }
    return this.#timed(frame.timestamp, false, frame.data, undefined);
  }

  #timed(timestamp: number, isKeyFrame: boolean, data: Uint8Array, size: TimedFrame['size']): TimedFrame {
    if (!this.#hasClock) {
      this.#hasClock = true;
      this.#lastTimestamp = timestamp;
    }
    // Signed 32-bit difference: forward or slightly back, across the wrap.
    this.#ticks += (timestamp - this.#lastTimestamp) | 0;
    this.#lastTimestamp = timestamp;
    let timeMs = Math.round(this.#ticks / this.#ticksPerMs);
    if (timeMs < this.#lastMs - CLOCK_RESTART_MS) {
      timeMs = this.#lastMs + FRAME_STEP_MS[this.source.media];
      this.#ticks = timeMs * this.#ticksPerMs;
    } else if (timeMs < this.#lastMs) timeMs = this.#lastMs;
    this.#lastMs = timeMs;
    this.counts.frames++;
    return { timeMs, isKeyFrame, data, size };
  }
}
