// VP8 over RTP (RFC 7741), as far as the E2EE stage needs it: the payload descriptor's length, and
// a whole frame split into RTP packets again. End-to-end encryption works on whole encoded frames
// (frame-crypto in @plenum/e2ee), so a frame is taken apart (vp8-frame-assembler.ts), decrypted and
// packetized here for ffmpeg, which depacketizes it like any VP8 stream.

/** RTP payloads the stage writes stay below a common path MTU (what Chromium sends too). */
export const MAX_RTP_PAYLOAD_BYTES = 1200;
export const RTP_HEADER_BYTES = 12;

/**
 * Bytes of the VP8 payload descriptor at the start of `payload` (RFC 7741 §4.2: the first byte, then
 * with X the extension byte and PictureID (1–2 bytes) / TL0PICIDX / TID|KEYIDX as it announces);
 * undefined when the payload ends inside the descriptor or carries no VP8 data after it.
 */
export function vp8DescriptorBytes(payload: Uint8Array): number | undefined {
  const first = payload[0];
  if (first === undefined) return undefined;
  let i = 1;
  if ((first & 0x80) !== 0) {
    const ext = payload[i++];
    if (ext === undefined) return undefined;
    if ((ext & 0x80) !== 0) {
      const pictureId = payload[i];
      if (pictureId === undefined) return undefined;
      i += (pictureId & 0x80) !== 0 ? 2 : 1;
    }
    if ((ext & 0x40) !== 0) i += 1;
    if ((ext & 0x30) !== 0) i += 1;
  }
  return i < payload.length ? i : undefined;
}

/** The descriptor's S bit with partition index 0: the packet starts a frame (RFC 7741 §4.2). */
export const startsVp8Frame = (payload: Uint8Array): boolean => ((payload[0] ?? 0) & 0x17) === 0x10;

/** RFC 6386 §9.1: bit 0 of the frame tag is 0 on a key frame (these bytes stay in the clear under E2EE). */
export const isVp8KeyFrame = (frame: Uint8Array): boolean => frame.length > 0 && ((frame[0] as number) & 0x01) === 0;

/** What an output packet's RTP header carries; the sequence number is the first packet's, counted up. */
export type RtpHeaderFields = { readonly payloadType: number; readonly firstSeq: number; readonly timestamp: number; readonly ssrc: number };

/**
 * `frame` as RTP packets (12-byte headers, no extensions): each payload starts with `descriptor`
 * (the frame's first packet's, RFC 7741 §4.2) with S set on the first packet only and partition
 * index 0, is at most MAX_RTP_PAYLOAD_BYTES long, and the last packet has the marker bit.
 */
export function packetizeVp8Frame(frame: Uint8Array, descriptor: Uint8Array, h: RtpHeaderFields): Buffer[] {
  const chunkBytes = MAX_RTP_PAYLOAD_BYTES - descriptor.length;
  const count = Math.max(1, Math.ceil(frame.length / chunkBytes));
  const packets: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const chunk = frame.subarray(k * chunkBytes, Math.min(frame.length, (k + 1) * chunkBytes));
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + descriptor.length + chunk.length);
    const isLast = k === count - 1;
    packet[0] = 0x80;
    packet[1] = (isLast ? 0x80 : 0) | (h.payloadType & 0x7f);
    packet.writeUInt16BE((h.firstSeq + k) & 0xffff, 2);
    packet.writeUInt32BE(h.timestamp >>> 0, 4);
    packet.writeUInt32BE(h.ssrc >>> 0, 8);
    packet.set(descriptor, RTP_HEADER_BYTES);
    // S only on the first packet; partition index 0 (one partition per frame, as Chromium sends).
    packet[RTP_HEADER_BYTES] = (descriptor[0] as number) & 0xe8 | (k === 0 ? 0x10 : 0);
    packet.set(chunk, RTP_HEADER_BYTES + descriptor.length);
    packets.push(packet);
  }
  return packets;
}

/** A key frame's size (RFC 6386 §9.1: start code 9d 01 2a, then 14-bit width and height); undefined for other frames. */
export function vp8KeyFrameSize(frame: Uint8Array): { readonly width: number; readonly height: number } | undefined {
  if (frame.length < 10 || !isVp8KeyFrame(frame) || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  const width = ((frame[6] as number) | ((frame[7] as number) << 8)) & 0x3fff;
  const height = ((frame[8] as number) | ((frame[9] as number) << 8)) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : undefined;
}
