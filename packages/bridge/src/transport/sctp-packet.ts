// A structural check of SCTP packets (RFC 9260 §3) before werift's association sees them.
// werift's parser loops forever on a chunk whose length is below 4 (it never advances), throws on
// unknown chunk types and reads past short chunks; the DTLS layer already authenticated the
// sender, so this guards the bridge against a broken or hostile endpoint, not against strangers.
// The CRC32c is left to werift (it checks it). Pure, no allocation.

/** Chunk types werift's association understands (RFC 9260 §3.2, RFC 3758 FORWARD-TSN 192, RFC 6525 RE-CONFIG 130). */
const KNOWN_CHUNK_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 130, 192]);
const COMMON_HEADER_BYTES = 12;
const CHUNK_DATA = 0;
/** DATA chunk header: type, flags, length, TSN, stream id, SSN, PPID (RFC 9260 §3.3.1). */
const DATA_HEADER_BYTES = 16;

/** What screenSctpPacket says. */
export type SctpScreen = 'accept' | 'malformed' | 'unknown-chunk' | 'stream-out-of-range';

/** Walks the chunks: each whole, at least 4 bytes, of a known type; DATA with a payload on a stream below `maxStreams`. */
export function screenSctpPacket(packet: Uint8Array, maxStreams: number): SctpScreen {
  if (packet.length < COMMON_HEADER_BYTES + 4) return 'malformed';
  let at = COMMON_HEADER_BYTES;
  while (at < packet.length) {
    if (at + 4 > packet.length) return 'malformed';
    const type = packet[at] ?? 0;
    const length = ((packet[at + 2] ?? 0) << 8) | (packet[at + 3] ?? 0);
    if (length < 4 || at + length > packet.length) return 'malformed';
    if (!KNOWN_CHUNK_TYPES.has(type)) return 'unknown-chunk';
    if (type === CHUNK_DATA) {
      if (length <= DATA_HEADER_BYTES) return 'malformed';
      const stream = ((packet[at + 8] ?? 0) << 8) | (packet[at + 9] ?? 0);
      if (stream >= maxStreams) return 'stream-out-of-range';
    }
    // Chunks are padded to 4 bytes; the last one's padding may be missing.
    at += (length + 3) & ~3;
  }
  return 'accept';
}
