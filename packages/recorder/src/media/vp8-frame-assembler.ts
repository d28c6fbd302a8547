// Whole VP8 frames from one source's RTP packets (RFC 7741 §4.4): the packets of a frame share a
// timestamp, the first has the descriptor's S bit (partition 0), the last the marker bit, and the
// sequence numbers between them are contiguous. End-to-end encryption seals whole frames, so the
// recorder can decrypt only a frame it has every packet of: one with a packet missing is dropped.
//
// Packets may come slightly out of order: a few frames are collected at once, and a frame is done
// once it has its first and last packet and every one between. A frame is given out only in order:
// when one is done, unfinished frames before it are dropped (their packets were lost), and packets
// older than the last frame given out are ignored.
import { isVp8KeyFrame, startsVp8Frame, vp8DescriptorBytes } from './vp8-rtp.ts';

/** Frames collected at once (reordering across more frames than this is loss). */
const MAX_FRAMES_IN_PROGRESS = 4;
/** A bigger frame is not collected (~600 KB at ~1200-byte packets; a camera's key frame is far smaller). */
const MAX_PACKETS_PER_FRAME = 512;

/** One whole frame, VP8 payload descriptors removed. */
export type AssembledVp8Frame = {
  readonly timestamp: number;
  readonly payloadType: number;
  /** The payload descriptor of the frame's first packet (its picture id etc., for packetizing again). */
  readonly descriptor: Uint8Array<ArrayBuffer>;
  readonly data: Uint8Array<ArrayBuffer>;
  readonly isKeyFrame: boolean;
  /** Packets were lost (or frames dropped) since the previous frame given out. */
  readonly lossBefore: boolean;
};

export type AssemblerResult = {
  /** A frame done by this packet. */
  readonly frame: AssembledVp8Frame | undefined;
  /** Frames given up by this packet (a packet missing, too big, malformed). */
  readonly dropped: number;
};

const NOTHING: AssemblerResult = { frame: undefined, dropped: 0 };

/** a comes before b, modulo 2^16 (RFC 3550 §A.1). */
const isBefore = (a: number, b: number): boolean => a !== b && ((b - a) & 0xffff) < 0x8000;

class PartialFrame {
  readonly packets = new Map<number, Uint8Array>();
  startSeq: number | undefined;
  endSeq: number | undefined;
  lowestSeq: number;

  constructor(readonly timestamp: number, readonly payloadType: number, seq: number) {
    this.lowestSeq = seq;
  }

  /** Its packets, first to last, when it has every one of them. */
  inOrder(): Uint8Array[] | undefined {
    if (this.startSeq === undefined || this.endSeq === undefined || isBefore(this.endSeq, this.startSeq)) return undefined;
    const count = ((this.endSeq - this.startSeq) & 0xffff) + 1;
    if (this.packets.size < count) return undefined;
    const out: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const p = this.packets.get((this.startSeq + k) & 0xffff);
      if (p === undefined) return undefined;
      out.push(p);
    }
    return out;
  }
}

export class Vp8FrameAssembler {
  readonly #frames: PartialFrame[] = [];
  /** Sequence number of the last packet of the last frame given out or given up. */
  #doneSeq: number | undefined;
  #lossPending = false;

  /** One RTP packet of the source (its RTP payload: descriptor and VP8 data). */
  push(seq: number, timestamp: number, isMarker: boolean, payloadType: number, payload: Uint8Array): AssemblerResult {
    if (this.#doneSeq !== undefined && !isBefore(this.#doneSeq, seq)) return NOTHING;
    let dropped = 0;
    let partial = this.#frames.find((f) => f.timestamp === timestamp);
    if (partial === undefined) {
      partial = new PartialFrame(timestamp, payloadType, seq);
      this.#frames.push(partial);
      if (this.#frames.length > MAX_FRAMES_IN_PROGRESS) {
        this.#frames.sort((a, b) => (isBefore(a.lowestSeq, b.lowestSeq) ? -1 : 1));
        this.#frames.shift();
        this.#lossPending = true;
        dropped++;
      }
    }
    if (partial.packets.size >= MAX_PACKETS_PER_FRAME) return { frame: undefined, dropped };
    partial.packets.set(seq, payload);
    if (isBefore(seq, partial.lowestSeq)) partial.lowestSeq = seq;
    if (startsVp8Frame(payload)) partial.startSeq = seq;
    if (isMarker) partial.endSeq = seq;
    const packets = partial.inOrder();
    if (packets === undefined) return { frame: undefined, dropped };
    // Done: whatever is still unfinished before it was lost.
    const start = partial.startSeq as number;
    const end = partial.endSeq as number;
    for (let i = this.#frames.length - 1; i >= 0; i--) {
      const f = this.#frames[i] as PartialFrame;
      if (f === partial || isBefore(f.lowestSeq, start)) {
        this.#frames.splice(i, 1);
        if (f !== partial) dropped++;
      }
    }
    const lossBefore = this.#lossPending || dropped > 0 || (this.#doneSeq !== undefined && ((this.#doneSeq + 1) & 0xffff) !== start);
    this.#doneSeq = end;
    const frame = joinedFrame(partial, packets, lossBefore);
    this.#lossPending = frame === undefined;
    return { frame, dropped: dropped + (frame === undefined ? 1 : 0) };
  }

  /**
   * A packet of the source that carries no frame (padding only: a sender probing bandwidth). Right
   * after the last frame given out it is no loss: the next frame may start after it.
   */
  skip(seq: number): void {
    if (this.#doneSeq !== undefined && seq === ((this.#doneSeq + 1) & 0xffff)) this.#doneSeq = seq;
  }

  /** Starts over (the source's stream was interrupted, e.g. E2EE switched off and on). */
  reset(): void {
    this.#frames.length = 0;
    this.#lossPending = this.#doneSeq !== undefined;
  }
}

function joinedFrame(partial: PartialFrame, packets: readonly Uint8Array[], lossBefore: boolean): AssembledVp8Frame | undefined {
  let bytes = 0;
  const skips: number[] = [];
  for (const p of packets) {
    const skip = vp8DescriptorBytes(p);
    if (skip === undefined) return undefined;
    skips.push(skip);
    bytes += p.length - skip;
  }
  const data = new Uint8Array(bytes);
  let at = 0;
  packets.forEach((p, k) => {
    data.set(p.subarray(skips[k] as number), at);
    at += p.length - (skips[k] as number);
  });
  const first = packets[0] as Uint8Array;
  return {
    timestamp: partial.timestamp, payloadType: partial.payloadType, descriptor: new Uint8Array(first.subarray(0, skips[0] as number)), data, isKeyFrame: isVp8KeyFrame(data), lossBefore,
  };
}
