// ICE-TCP framing (RFC 6544 §3, which uses RFC 4571): on a TCP connection every STUN message, DTLS
// record datagram, SRTP and SRTCP packet is preceded by its length as a 16-bit big-endian number.
// The reader turns a byte stream back into the datagrams the UDP path would have seen. Pure: no I/O.
//
// A frame that lies inside one chunk is handed on as a view of that chunk (Node gives each socket
// read a fresh buffer, so the view can be kept like a UDP datagram); only a frame split across
// chunks is copied, into a buffer of its exact length. Buffering is bounded by the frame limit.

/**
 * Largest frame read: a 1,500-byte MTU's worth of datagram (the most the UDP path carries in
 * practice) plus 100 bytes of headroom for SRTP tags and DTLS record headers. Longer frames mean a
 * peer that is not speaking ICE-TCP (or an attacker): the connection is closed.
 */
export const MAX_ICE_TCP_FRAME_BYTES = 1600;

/** Largest datagram that fits a frame's 16-bit length. */
export const MAX_FRAMED_DATAGRAM_BYTES = 0xffff;

/** Why a stream is not ICE-TCP: an empty frame or one over the limit. */
export type IceTcpFramingError = 'empty-frame' | 'oversized-frame';

/** Receives one complete frame; returns false to stop reading (the connection is going away). */
export type FrameSink = (frame: Buffer) => boolean;

/** Reassembles the frames of one TCP connection. */
export class IceTcpFrameReader {
  readonly #maxFrameBytes: number;
  /** High byte of a length prefix whose low byte has not arrived yet; -1 when none. */
  #lengthHigh = -1;
  /** The frame being reassembled across chunks, and how much of it arrived. */
  #partial: Buffer | undefined;
  #filled = 0;

  constructor(maxFrameBytes = MAX_ICE_TCP_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for an incomplete frame (at most the frame limit plus one length byte). */
  get bufferedBytes(): number {
    return (this.#lengthHigh === -1 ? 0 : 1) + this.#filled;
  }

  /**
   * Feeds one chunk, handing every completed frame to `sink` in order. Undefined when the stream
   * is well-formed so far (or the sink stopped it); the error when a length prefix is 0 or over the limit.
   */
  push(chunk: Buffer, sink: FrameSink): IceTcpFramingError | undefined {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      const partial = this.#partial;
      if (partial !== undefined) {
        const take = Math.min(partial.length - this.#filled, end - at);
        chunk.copy(partial, this.#filled, at, at + take);
        this.#filled += take;
        at += take;
        if (this.#filled < partial.length) return undefined;
        this.#partial = undefined;
        this.#filled = 0;
        if (!sink(partial)) return undefined;
        continue;
      }
      let length: number;
      if (this.#lengthHigh !== -1) {
        length = (this.#lengthHigh << 8) | (chunk[at] ?? 0);
        this.#lengthHigh = -1;
        at += 1;
      } else if (end - at === 1) {
        this.#lengthHigh = chunk[at] ?? 0;
        return undefined;
      } else {
        length = chunk.readUInt16BE(at);
        at += 2;
      }
      if (length === 0) return 'empty-frame';
      if (length > this.#maxFrameBytes) return 'oversized-frame';
      if (end - at >= length) {
        const frame = chunk.subarray(at, at + length);
        at += length;
        if (!sink(frame)) return undefined;
      } else {
        this.#partial = Buffer.allocUnsafe(length);
      }
    }
    return undefined;
  }
}

/** One datagram as an ICE-TCP frame (a fresh buffer: length prefix, then the datagram). */
export function frameDatagram(datagram: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(2 + datagram.length);
  framed.writeUInt16BE(datagram.length, 0);
  framed.set(datagram, 2);
  return framed;
}
