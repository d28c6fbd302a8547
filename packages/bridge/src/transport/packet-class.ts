// RFC 7983 §7 demultiplexing of the one UDP port by the datagram's first byte, and RFC 5761 §4
// for telling RTCP from RTP once rtcp-mux puts both on the same port. Pure; allocates nothing.

/** What a datagram is, by its first bytes. */
export const PacketClass = {
  /** First byte 0–3. */
  Stun: 0,
  /** First byte 20–63. */
  Dtls: 1,
  /** First byte 128–191, second byte's payload type outside 64–95. */
  Rtp: 2,
  /** First byte 128–191, payload type 64–95 (RTCP packet types 192–223 with the marker bit). */
  Rtcp: 3,
  /** Anything else: empty, ZRTP (16–19), TURN channels (64–79), garbage. Dropped and counted. */
  Other: 4,
} as const;
/** One of the PacketClass values. */
export type PacketClass = (typeof PacketClass)[keyof typeof PacketClass];

/** Classifies one datagram (RFC 7983 §7; RFC 5761 §4 for RTP vs RTCP). */
export function classifyDatagram(datagram: Uint8Array): PacketClass {
  const first = datagram[0];
  if (first === undefined) return PacketClass.Other;
  if (first <= 3) return PacketClass.Stun;
  if (first >= 20 && first <= 63) return PacketClass.Dtls;
  if (first >= 128 && first <= 191) {
    const second = datagram[1];
    if (second === undefined) return PacketClass.Other;
    const payloadType = second & 0x7f;
    return payloadType >= 64 && payloadType <= 95 ? PacketClass.Rtcp : PacketClass.Rtp;
  }
  return PacketClass.Other;
}
