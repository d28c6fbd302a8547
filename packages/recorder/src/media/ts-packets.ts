// A live stream's segments reach the publisher as one MPEG-TS byte stream (stream-layouts.ts), and
// the switch from one segment to the next must fall between two 188-byte packets: a packet cut in
// two would corrupt what the publisher reads. A socket hands over bytes in arbitrary pieces, so each
// segment's bytes go through a cutter that passes on whole packets only (views on the received
// chunks; one 188-byte copy for a packet split across two chunks).

export const TS_PACKET_BYTES = 188;
const SYNC_BYTE = 0x47;

export class TsPacketCutter {
  readonly #carry = Buffer.alloc(TS_PACKET_BYTES);
  #carried = 0;
  /** Bytes skipped to find the sync byte again (0 for ffmpeg's output, which is always aligned). */
  skippedBytes = 0;

  /** Calls `emit` with the whole packets completed by `chunk`, in order. */
  cut(chunk: Buffer, emit: (packets: Buffer) => void): void {
    let at = 0;
    if (this.#carried > 0) {
      const n = Math.min(TS_PACKET_BYTES - this.#carried, chunk.length);
      chunk.copy(this.#carry, this.#carried, 0, n);
      this.#carried += n;
      at = n;
      if (this.#carried < TS_PACKET_BYTES) return;
      this.#carried = 0;
      // A copy: the carry buffer is reused for the next split packet, the emitted one may be queued.
      if (this.#carry[0] === SYNC_BYTE) emit(Buffer.from(this.#carry));
      else this.skippedBytes += TS_PACKET_BYTES;
    }
    while (at < chunk.length && chunk[at] !== SYNC_BYTE) {
      at++;
      this.skippedBytes++;
    }
    const end = at + Math.floor((chunk.length - at) / TS_PACKET_BYTES) * TS_PACKET_BYTES;
    if (end > at) emit(chunk.subarray(at, end));
    chunk.copy(this.#carry, 0, end);
    this.#carried = chunk.length - end;
  }
}
