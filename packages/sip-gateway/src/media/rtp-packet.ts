// RFC 3550 §5.1 fixed RTP header: reading into a reusable view object and writing into a
// preallocated buffer, so the per-packet path allocates nothing.

/** The fields of a received RTP packet; `payload` is a view into the datagram. */
export type RtpView = {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payloadOffset: number;
  payloadLength: number;
};

/** Creates a reusable RtpView. */
export const createRtpView = (): RtpView => ({
  payloadType: 0, marker: false, sequenceNumber: 0, timestamp: 0, ssrc: 0, payloadOffset: 0, payloadLength: 0,
});

/**
 * Parses `packet` into `view`; false for anything that is not RTP version 2 with a consistent
 * length (CSRCs, header extension and padding are skipped).
 */
export function readRtpHeader(packet: Uint8Array, length: number, view: RtpView): boolean {
  if (length < 12) return false;
  const b0 = packet[0]!;
  if (b0 >> 6 !== 2) return false;
  const b1 = packet[1]!;
  const payloadType = b1 & 0x7f;
  // RFC 5761 §4: 64-95 would be RTCP multiplexed on the same port.
  if (payloadType >= 72 && payloadType <= 76) return false;
  let offset = 12 + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (length < offset + 4) return false;
    offset += 4 + 4 * ((packet[offset + 2]! << 8) | packet[offset + 3]!);
  }
  let end = length;
  if ((b0 & 0x20) !== 0) end -= packet[length - 1]!;
  if (end < offset) return false;
  view.payloadType = payloadType;
  view.marker = (b1 & 0x80) !== 0;
  view.sequenceNumber = (packet[2]! << 8) | packet[3]!;
  view.timestamp = ((packet[4]! << 24) | (packet[5]! << 16) | (packet[6]! << 8) | packet[7]!) >>> 0;
  view.ssrc = ((packet[8]! << 24) | (packet[9]! << 16) | (packet[10]! << 8) | packet[11]!) >>> 0;
  view.payloadOffset = offset;
  view.payloadLength = end - offset;
  return true;
}

/** Writes a 12-byte RTP header (no CSRC, no extension) at the start of `out`. */
export function writeRtpHeader(
  out: Uint8Array, payloadType: number, marker: boolean, sequenceNumber: number, timestamp: number, ssrc: number,
): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out[2] = (sequenceNumber >> 8) & 0xff;
  out[3] = sequenceNumber & 0xff;
  out[4] = (timestamp >>> 24) & 0xff;
  out[5] = (timestamp >>> 16) & 0xff;
  out[6] = (timestamp >>> 8) & 0xff;
  out[7] = timestamp & 0xff;
  out[8] = (ssrc >>> 24) & 0xff;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
}

/** Signed distance a→b in 16-bit sequence space (RFC 3550 Appendix A.1 style). */
export function sequenceDistance(from: number, to: number): number {
  const d = (to - from) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}
