// Where an RTP packet's payload starts and ends: the fixed header, the CSRCs and the header extension; the padding.

/** Length of the RTP header including CSRCs and the extension (RFC 3550 §5.1, §5.3.1), or -1 if `packet[0, end)` holds none. */
export function rtpHeaderLength(packet: Buffer, end: number): number {
  if (end < 12 || ((packet[0] ?? 0) & 0xc0) !== 0x80) return -1;
  let length = 12 + 4 * ((packet[0] ?? 0) & 0x0f);
  if (((packet[0] ?? 0) & 0x10) !== 0) {
    if (length + 4 > end) return -1;
    length += 4 + 4 * packet.readUInt16BE(length + 2);
  }
  return length <= end ? length : -1;
}

/**
 * Where the payload of the plain RTP packet `packet[0, end)` ends: before the padding when P is set
 * (RFC 3550 §5.1: the last byte counts the padding, itself included, within the payload), or -1 when
 * that count is 0 or reaches into the header.
 */
export function rtpPayloadEnd(packet: Buffer, headerLength: number, end: number): number {
  if (((packet[0] ?? 0) & 0x20) === 0) return end;
  const padding = packet[end - 1] ?? 0;
  return padding === 0 || padding > end - headerLength ? -1 : end - padding;
}
