// One receiver's view of one source: whichever input SSRC (simulcast encoding) is currently forwarded
// leaves the bridge as ONE output SSRC with continuous sequence numbers, timestamps and VP8 picture
// ids / TL0PICIDX, switching layers only on a key frame of the target.
//
// Shape (C11, adapted for the hot path): `stepOutboundStream(state, packet, nowMs) → Verdict` is a pure
// step over plain data (no I/O, no clock, no randomness: time and ids come in as arguments), but it
// mutates `state` in place instead of returning a new one, and its "output" is the verdict plus the
// rewritten values left in `state.out*`, because it runs for every packet × receiver and must not
// allocate. The forwarding loop, per incoming packet (parsed once with readInboundPacket) and receiver:
//
//   const v = stepOutboundStream(stream, pkt, nowMs);
//   if (isForwarded(v)) { copy the packet into the send buffer; writeOutbound(stream, pkt, buf); … }
//   else if (v === Verdict.dropAwaitingKeyframe && limiter.tryRequest(pkt.ssrc)) { send PLI to the sender }
//
// Sequence numbers. Output = input + delta (mod 2^16) within a *segment*; a new segment starts at each
// layer switch (delta chosen so the key frame gets last output + 1: no gap) and whenever a packet of a
// dropped temporal layer is skipped (delta − 1: the skipped packet leaves no gap). Gaps in the input of
// the forwarded layer are kept, so the receiver NACKs real losses. The last `historySize` segments are
// kept in preallocated typed arrays: a reordered packet is mapped with the segment it belongs to (or
// dropped if it would collide with a newer one), and a NACKed output sequence number is mapped back to
// (input SSRC, input sequence number) for the packet cache (findSegmentByOutput).
//
// Timestamps. At a switch the output timestamp advances from the last forwarded one by the wall time
// elapsed since it was sent × the clock rate (at least 1), since simulcast encodings have unrelated
// timestamp offsets. VP8 picture id and TL0PICIDX continue at last + 1.
//
// RTX. The output RTX stream (RFC 4588) has its own SSRC (outRtxSsrc) and a sequence counter of its
// own (nextRtxSequence); its payload carries the OUTPUT media sequence number (rtp/nack.ts
// writeRtxPacket). RTX arriving from a sender is unwrapped at ingress (unwrapRtxInPlace) and then is
// just a late packet of its media SSRC.

import type { InboundPacket } from '../rtp/inbound-packet.ts';
import { seqDiff, writeRtpSequenceNumber, writeRtpSsrc, writeRtpTimestamp } from '../rtp/rtp-header.ts';
import { writeVp8PictureId, writeVp8Tl0PicIdx } from '../rtp/vp8.ts';

/** "No SSRC": as a target it suspends the stream; as the current layer it means nothing is forwarded. */
export const NO_SSRC = -1;
/** A temporal target that lets every temporal layer through. */
export const ALL_TEMPORAL_LAYERS = 255;

export const Verdict = {
  /** Rewritten values are in state.out*: copy the packet and call writeOutbound. */
  forward: 0,
  /** As forward, and this packet switched the stream to the target layer (log, update ForwardedSources). */
  forwardSwitched: 1,
  /** A simulcast layer that is neither forwarded nor the target. */
  dropOtherLayer: 2,
  /** A packet of the target layer that cannot start it: request a key frame (rate-limited) from its sender. */
  dropAwaitingKeyframe: 3,
  /** A temporal layer above the receiver's target. */
  dropTemporalLayer: 4,
  /** A reordered packet older than the history, or whose output number is now taken. */
  dropTooOld: 5,
  /** The receiver gets nothing from this source (target NO_SSRC). */
  dropSuspended: 6,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export const isForwarded = (v: Verdict): boolean => v <= Verdict.forwardSwitched;

type Segments = {
  readonly inSsrc: Float64Array;
  readonly inStart: Int32Array;
  readonly outStart: Int32Array;
  /** Highest output sequence number given in the segment; outStart − 1 while it is empty. */
  readonly outLast: Int32Array;
  readonly seqDelta: Int32Array;
  readonly tsDelta: Float64Array;
  readonly picIdDelta: Int32Array;
  readonly tl0Delta: Int32Array;
};

export type OutboundStream = {
  readonly outSsrc: number;
  /** NO_SSRC when the receiver did not negotiate RTX. */
  readonly outRtxSsrc: number;
  readonly clockRateHz: number;
  /** The layer the allocator wants (NO_SSRC: suspended) and its highest temporal layer. */
  targetSsrc: number;
  targetTemporalId: number;
  /** The layer being forwarded (NO_SSRC: none yet) and the highest temporal layer let through. */
  currentSsrc: number;
  currentTemporalId: number;
  /** Highest input sequence number seen on the current layer. */
  highestInSeq: number;
  hasOutput: boolean;
  lastOutSeq: number;
  lastOutTs: number;
  lastOutPicId: number;
  lastOutTl0: number;
  lastOutWallMs: number;
  nextRtxSeq: number;
  /** The rewritten fields of the last forwarded (or mapped) packet, written by writeOutbound. */
  outSeq: number;
  outTs: number;
  outPicId: number;
  outTl0: number;
  packetsForwarded: number;
  octetsForwarded: number;
  switches: number;
  readonly segments: Segments;
  readonly historySize: number;
  segHead: number;
  segCount: number;
};

export type OutboundStreamOptions = {
  outSsrc: number;
  outRtxSsrc?: number;
  /** 90000 for video, 48000 for Opus. */
  clockRateHz: number;
  /** First RTX sequence number (random, chosen by the caller: this module has no randomness). */
  initialRtxSeq?: number;
  /** Segments kept for reordering and NACK mapping (default 64, about 3 s of 30 fps temporal drops). */
  historySize?: number;
};

export function newOutboundStream(o: OutboundStreamOptions): OutboundStream {
  const n = Math.max(2, o.historySize ?? 64);
  return {
    outSsrc: o.outSsrc >>> 0,
    outRtxSsrc: o.outRtxSsrc === undefined ? NO_SSRC : o.outRtxSsrc >>> 0,
    clockRateHz: o.clockRateHz,
    targetSsrc: NO_SSRC,
    targetTemporalId: ALL_TEMPORAL_LAYERS,
    currentSsrc: NO_SSRC,
    currentTemporalId: ALL_TEMPORAL_LAYERS,
    highestInSeq: 0,
    hasOutput: false,
    lastOutSeq: 0,
    lastOutTs: 0,
    lastOutPicId: -1,
    lastOutTl0: -1,
    lastOutWallMs: 0,
    nextRtxSeq: (o.initialRtxSeq ?? 0) & 0xffff,
    outSeq: 0,
    outTs: 0,
    outPicId: 0,
    outTl0: 0,
    packetsForwarded: 0,
    octetsForwarded: 0,
    switches: 0,
    segments: {
      inSsrc: new Float64Array(n),
      inStart: new Int32Array(n),
      outStart: new Int32Array(n),
      outLast: new Int32Array(n),
      seqDelta: new Int32Array(n),
      tsDelta: new Float64Array(n),
      picIdDelta: new Int32Array(n),
      tl0Delta: new Int32Array(n),
    },
    historySize: n,
    segHead: 0,
    segCount: 0,
  };
}

/**
 * Sets what the allocator chose for this receiver: an input SSRC and its highest temporal layer
 * (ALL_TEMPORAL_LAYERS for no limit), or NO_SSRC to suspend (takes effect at once). A different SSRC
 * takes effect at its next key frame; a temporal change at the next frame boundary (down) or layer
 * sync frame (up).
 */
export function setStreamTarget(s: OutboundStream, ssrc: number, temporalId: number = ALL_TEMPORAL_LAYERS): void {
  s.targetSsrc = ssrc === NO_SSRC ? NO_SSRC : ssrc >>> 0;
  s.targetTemporalId = temporalId < 0 ? ALL_TEMPORAL_LAYERS : temporalId;
  if (s.targetSsrc === NO_SSRC) s.currentSsrc = NO_SSRC;
}

/** Decides what happens to `pkt` for this receiver; on a forward verdict the new values are in s.out*. */
export function stepOutboundStream(s: OutboundStream, pkt: InboundPacket, nowMs: number): Verdict {
  if (s.targetSsrc === NO_SSRC) return Verdict.dropSuspended;
  const ssrc = pkt.ssrc;
  if (ssrc === s.currentSsrc) return forwardOnCurrent(s, pkt, nowMs);
  if (ssrc !== s.targetSsrc) return Verdict.dropOtherLayer;
  if (!pkt.isKeyframe) return Verdict.dropAwaitingKeyframe;
  switchTo(s, pkt, nowMs);
  const v = forwardOnCurrent(s, pkt, nowMs);
  return v === Verdict.forward ? Verdict.forwardSwitched : v;
}

/** Writes the rewritten SSRC, sequence number, timestamp and VP8 fields into the receiver's copy. */
export function writeOutbound(s: OutboundStream, pkt: InboundPacket, p: Uint8Array): void {
  writeRtpSequenceNumber(p, s.outSeq);
  writeRtpTimestamp(p, s.outTs);
  writeRtpSsrc(p, s.outSsrc);
  if (pkt.vp8.pictureIdOffset >= 0) writeVp8PictureId(p, pkt.vp8, s.outPicId);
  if (pkt.vp8.tl0PicIdxOffset >= 0) writeVp8Tl0PicIdx(p, pkt.vp8, s.outTl0);
}

/**
 * NACK support: the segment that gave output sequence number `outSeq`, or −1 when it was never sent or
 * is older than the history. Then segmentInputSsrc / segmentInputSequence name the packet to fetch from
 * the cache, and mapRetransmission + writeOutbound rewrite it exactly as it was first sent.
 */
export function findSegmentByOutput(s: OutboundStream, outSeq: number): number {
  const g = s.segments;
  const n = s.historySize;
  for (let i = 0, k = s.segHead; i < s.segCount; i++, k = (k + n - 1) % n) {
    if (seqDiff(outSeq, g.outStart[k]!) >= 0) return seqDiff(outSeq, g.outLast[k]!) <= 0 ? k : -1;
  }
  return -1;
}

export const segmentInputSsrc = (s: OutboundStream, segment: number): number => s.segments.inSsrc[segment]!;
export const segmentInputSequence = (s: OutboundStream, segment: number, outSeq: number): number =>
  (outSeq - s.segments.seqDelta[segment]!) & 0xffff;

/** Puts the values `pkt` (a cached copy of an input packet of `segment`) was sent with into s.out*. */
export function mapRetransmission(s: OutboundStream, segment: number, pkt: InboundPacket): boolean {
  const g = s.segments;
  if (segment < 0 || segment >= s.historySize || g.inSsrc[segment] !== pkt.ssrc) return false;
  mapWith(s, segment, pkt);
  return true;
}

/** The next RTX sequence number for this receiver's RTX stream. */
export function nextRtxSequence(s: OutboundStream): number {
  const seq = s.nextRtxSeq;
  s.nextRtxSeq = (seq + 1) & 0xffff;
  return seq;
}

/**
 * For relaying a sender report (RFC 3550 §6.4.1): the RTP timestamp in output terms, or −1 when
 * `inSsrc` is not the layer being forwarded (its SR would describe a stream the receiver doesn't get).
 */
export function mapSenderReportTimestamp(s: OutboundStream, inSsrc: number, rtpTimestamp: number): number {
  if (s.segCount === 0 || inSsrc !== s.currentSsrc) return -1;
  return (rtpTimestamp + s.segments.tsDelta[s.segHead]!) >>> 0;
}

// ---- internals ----------------------------------------------------------------------------------

function forwardOnCurrent(s: OutboundStream, pkt: InboundPacket, nowMs: number): Verdict {
  const seq = pkt.sequenceNumber;
  const tid = pkt.temporalId;
  const g = s.segments;
  if (seqDiff(seq, s.highestInSeq) > 0) {
    if (tid >= 0) {
      if (pkt.isStartOfFrame) updateTemporalLayer(s, pkt);
      if (tid > s.currentTemporalId) {
        s.highestInSeq = seq;
        skipSequence(s, seq);
        return Verdict.dropTemporalLayer;
      }
    }
    const h = s.segHead;
    mapWith(s, h, pkt);
    s.highestInSeq = seq;
    g.outLast[h] = s.outSeq;
    s.hasOutput = true;
    s.lastOutSeq = s.outSeq;
    s.lastOutTs = s.outTs;
    if (pkt.vp8.pictureIdOffset >= 0) s.lastOutPicId = s.outPicId;
    if (pkt.vp8.tl0PicIdxOffset >= 0) s.lastOutTl0 = s.outTl0;
    s.lastOutWallMs = nowMs;
    s.packetsForwarded++;
    s.octetsForwarded += pkt.payloadLength;
    return Verdict.forward;
  }
  // a duplicate or a reordered packet: map it with the segment it belongs to
  if (tid >= 0 && tid > s.currentTemporalId) return Verdict.dropTemporalLayer;
  const k = findSegmentByInput(s, pkt.ssrc, seq);
  if (k < 0) return Verdict.dropTooOld;
  mapWith(s, k, pkt);
  if (k !== s.segHead) {
    const newer = (k + 1) % s.historySize;
    if (seqDiff(s.outSeq, g.outStart[newer]!) >= 0) return Verdict.dropTooOld;
  }
  if (seqDiff(s.outSeq, g.outLast[k]!) > 0) g.outLast[k] = s.outSeq; // so a NACK for it maps back
  s.packetsForwarded++;
  s.octetsForwarded += pkt.payloadLength;
  return Verdict.forward;
}

function mapWith(s: OutboundStream, k: number, pkt: InboundPacket): void {
  const g = s.segments;
  s.outSeq = (pkt.sequenceNumber + g.seqDelta[k]!) & 0xffff;
  s.outTs = (pkt.timestamp + g.tsDelta[k]!) >>> 0;
  const d = pkt.vp8;
  if (d.pictureIdOffset >= 0) s.outPicId = (d.pictureId + g.picIdDelta[k]!) & (d.pictureIdBits === 15 ? 0x7fff : 0x7f);
  if (d.tl0PicIdxOffset >= 0) s.outTl0 = (d.tl0PicIdx + g.tl0Delta[k]!) & 0xff;
}

/** Newest segment of `ssrc` whose first input sequence number is ≤ seq, or −1. */
function findSegmentByInput(s: OutboundStream, ssrc: number, seq: number): number {
  const g = s.segments;
  const n = s.historySize;
  for (let i = 0, k = s.segHead; i < s.segCount; i++, k = (k + n - 1) % n) {
    if (g.inSsrc[k] !== ssrc) return -1; // segments of one layer are contiguous: older ones are another layer
    if (seqDiff(seq, g.inStart[k]!) >= 0) return k;
  }
  return -1;
}

function switchTo(s: OutboundStream, pkt: InboundPacket, nowMs: number): void {
  const seq = pkt.sequenceNumber;
  const outSeq = s.hasOutput ? (s.lastOutSeq + 1) & 0xffff : seq;
  let outTs = pkt.timestamp;
  if (s.hasOutput) {
    const elapsedTicks = Math.round(((nowMs - s.lastOutWallMs) * s.clockRateHz) / 1000);
    outTs = (s.lastOutTs + Math.max(1, elapsedTicks)) >>> 0;
  }
  const d = pkt.vp8;
  let picIdDelta = 0;
  if (d.pictureIdOffset >= 0 && s.lastOutPicId >= 0) {
    const mask = d.pictureIdBits === 15 ? 0x7fff : 0x7f;
    picIdDelta = (((s.lastOutPicId + 1) & mask) - d.pictureId) & mask;
  }
  let tl0Delta = 0;
  if (d.tl0PicIdxOffset >= 0 && s.lastOutTl0 >= 0) tl0Delta = (s.lastOutTl0 + 1 - d.tl0PicIdx) & 0xff;
  pushSegment(s, pkt.ssrc, seq, outSeq, (outSeq - seq) & 0xffff, (outTs - pkt.timestamp) >>> 0, picIdDelta, tl0Delta);
  s.currentSsrc = pkt.ssrc;
  s.currentTemporalId = s.targetTemporalId;
  s.highestInSeq = (seq - 1) & 0xffff;
  s.switches++;
}

/**
 * A newer packet of the current layer is skipped: every later one moves down by one, so the skipped
 * number leaves no gap, while unseen numbers before it keep theirs (they may be real losses).
 */
function skipSequence(s: OutboundStream, seq: number): void {
  const g = s.segments;
  const h = s.segHead;
  if (s.segCount === 0) return;
  const inStart = (seq + 1) & 0xffff;
  const delta = (g.seqDelta[h]! - 1) & 0xffff;
  if (seqDiff(g.outLast[h]!, g.outStart[h]!) < 0 && g.inStart[h] === seq) {
    // the newest segment is empty and starts right here: move its start instead of opening another
    g.inStart[h] = inStart;
    g.seqDelta[h] = delta;
    return;
  }
  pushSegment(s, g.inSsrc[h]!, inStart, (inStart + delta) & 0xffff, delta, g.tsDelta[h]!, g.picIdDelta[h]!, g.tl0Delta[h]!);
}

function pushSegment(
  s: OutboundStream,
  inSsrc: number,
  inStart: number,
  outStart: number,
  seqDelta: number,
  tsDelta: number,
  picIdDelta: number,
  tl0Delta: number,
): void {
  const g = s.segments;
  const k = s.segCount === 0 ? 0 : (s.segHead + 1) % s.historySize;
  g.inSsrc[k] = inSsrc;
  g.inStart[k] = inStart;
  g.outStart[k] = outStart;
  g.outLast[k] = (outStart - 1) & 0xffff;
  g.seqDelta[k] = seqDelta;
  g.tsDelta[k] = tsDelta;
  g.picIdDelta[k] = picIdDelta;
  g.tl0Delta[k] = tl0Delta;
  s.segHead = k;
  if (s.segCount < s.historySize) s.segCount++;
}

/** At a frame start of the current layer: lower the temporal layer at once, raise it at a sync frame. */
function updateTemporalLayer(s: OutboundStream, pkt: InboundPacket): void {
  const target = s.targetTemporalId;
  const tid = pkt.temporalId;
  if (pkt.isKeyframe || target < s.currentTemporalId) s.currentTemporalId = target;
  else if (target > s.currentTemporalId && tid > s.currentTemporalId && tid <= target && pkt.isLayerSync) {
    s.currentTemporalId = tid;
  }
}
