// What the forwarding loop needs to know about one incoming RTP packet, parsed ONCE (not once per
// receiver) into a caller-owned, reused record. routing/stream-rewriter.ts decides per receiver from
// it; the rewrite then writes into each receiver's copy at the same offsets.

import { assertNever } from '@plenum/kit';
import { isKeyframe, type VideoCodec } from './codec-keyframe.ts';
import {
  readRtpHeaderLength,
  rtpMarker,
  rtpPayloadLength,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpSsrc,
  rtpTimestamp,
} from './rtp-header.ts';
import { newVp8Descriptor, readVp8Descriptor, type Vp8Descriptor } from './vp8.ts';

/** The codec of the packet's payload type; 'audio' and 'other' have no frames or layers to parse. */
export type PayloadKind = VideoCodec | 'audio' | 'other';

export type InboundPacket = {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
  payloadOffset: number;
  payloadLength: number;
  /** A switching point: a video key frame's first packet; always true for audio. */
  isKeyframe: boolean;
  /** The first packet of a frame (VP8: S=1 PID=0); always true for audio; for VP9, H.264 and AV1
   *  only known (true) on key frames, which is all the rewriter needs since it has no TID for them. */
  isStartOfFrame: boolean;
  /** VP8 TID, −1 when unknown (the rewriter then forwards every packet of the layer). */
  temporalId: number;
  isLayerSync: boolean;
  /** VP8 fields (picture id, TL0PICIDX and their offsets); meaningful only when kind is 'vp8'. */
  readonly vp8: Vp8Descriptor;
};

export function newInboundPacket(): InboundPacket {
  return {
    ssrc: 0,
    sequenceNumber: 0,
    timestamp: 0,
    payloadType: 0,
    marker: false,
    payloadOffset: 0,
    payloadLength: 0,
    isKeyframe: false,
    isStartOfFrame: false,
    temporalId: -1,
    isLayerSync: false,
    vp8: newVp8Descriptor(),
  };
}

/**
 * Fills `out` from the RTP packet `p[0, len)`. Returns false for packets that are not valid RTP or
 * whose VP8 descriptor is truncated (drop them); never throws, allocates nothing.
 */
export function readInboundPacket(p: Uint8Array, len: number, kind: PayloadKind, out: InboundPacket): boolean {
  const off = readRtpHeaderLength(p, len);
  if (off < 0) return false;
  out.ssrc = rtpSsrc(p);
  out.sequenceNumber = rtpSequenceNumber(p);
  out.timestamp = rtpTimestamp(p);
  out.payloadType = rtpPayloadType(p);
  out.marker = rtpMarker(p);
  out.payloadOffset = off;
  const plen = rtpPayloadLength(p, len, off);
  out.payloadLength = plen;
  out.temporalId = -1;
  out.isLayerSync = false;
  out.vp8.pictureIdOffset = -1;
  out.vp8.tl0PicIdxOffset = -1;
  switch (kind) {
    case 'audio':
    case 'other':
      out.isKeyframe = true;
      out.isStartOfFrame = true;
      return true;
    case 'vp8':
      if (plen === 0) {
        // padding-only (bandwidth probing): forwardable, never a switching point
        out.isKeyframe = false;
        out.isStartOfFrame = false;
        return true;
      }
      if (!readVp8Descriptor(p, off, off + plen, out.vp8)) return false;
      out.isKeyframe = out.vp8.isKeyframe;
      out.isStartOfFrame = out.vp8.isStartOfFrame;
      out.temporalId = out.vp8.temporalId;
      out.isLayerSync = out.vp8.isLayerSync;
      return true;
    case 'vp9':
    case 'h264':
    case 'av1':
      out.isKeyframe = isKeyframe(kind, p, off, off + plen);
      out.isStartOfFrame = out.isKeyframe;
      return true;
    default:
      return assertNever(kind);
  }
}
