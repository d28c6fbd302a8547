// Where an RTP packet's payload starts: the fixed header, the CSRCs and the header extension.

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
