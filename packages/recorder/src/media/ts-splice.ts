// Joining a live stream's layout segments (stream-layouts.ts) into one MPEG-TS stream for the
// publisher. Each segment is a fresh ffmpeg whose timestamps start near zero and whose continuity
// counters start over; passed on as they are, the publisher's demuxer sees time jump back and
// packets lost, and ffmpeg's own discontinuity repair makes it worse (it holds a video frame back
// until the next one starts, so an old frame arrives after new audio and the repair flips back and
// forth, leaving seconds-long jumps). So the packets are rewritten in place as they pass:
// - every PES timestamp (PTS, DTS) and PCR of a segment gets the segment's offset, chosen once the
//   segment's first timestamp of each stream is known (its first packets wait for it, a few ms) so
//   that every stream continues one frame after its latest timestamp sent: the stream's time
//   only goes forward, without a gap (the moment between the previous layout's end and the next one's
//   start is not shown twice, nor is it a hole);
// - every packet's continuity counter continues its PID's count, so the switch is seamless to the
//   demuxer (a PES cut short cannot occur: a segment has written everything before the next one
//   goes on air).
// Timestamps are 33-bit counts of a 90 kHz clock that wrap (after 26.5 h); all arithmetic here is
// modulo 2^33. Nothing is allocated per packet.
import { TS_PACKET_BYTES } from './ts-packets.ts';

const WRAP = 2 ** 33;
const HALF_WRAP = 2 ** 32;
/** One AAC frame (1024 samples at 48 kHz) in 90 kHz ticks: the step after a stream's last timestamp before its frame spacing is known. */
const DEFAULT_STEP_TICKS = 1_920;
/** Larger steps between two timestamps of a stream are gaps, not its frame spacing. */
const MAX_STEP_TICKS = 45_000;
const PID_COUNT = 8_192;

const mod = (n: number): number => ((n % WRAP) + WRAP) % WRAP;
/** True when a comes after b on the wrapping clock. */
const isAfter = (a: number, b: number): boolean => mod(a - b) !== 0 && mod(a - b) < HALF_WRAP;

/** A 33-bit PES timestamp at `at` (5 bytes: 4-bit prefix, 3 + 15 + 15 bits between marker bits). */
function readStamp(b: Buffer, at: number): number {
  const high = ((b[at] ?? 0) >> 1) & 0x07;
  const mid = (((b[at + 1] ?? 0) << 7) | ((b[at + 2] ?? 0) >> 1)) & 0x7fff;
  const low = (((b[at + 3] ?? 0) << 7) | ((b[at + 4] ?? 0) >> 1)) & 0x7fff;
  return high * 2 ** 30 + mid * 2 ** 15 + low;
}

function writeStamp(b: Buffer, at: number, stamp: number): void {
  const high = Math.floor(stamp / 2 ** 30) & 0x07;
  const mid = Math.floor(stamp / 2 ** 15) & 0x7fff;
  const low = stamp & 0x7fff;
  b[at] = ((b[at] ?? 0) & 0xf0) | (high << 1) | 1;
  b[at + 1] = mid >> 7;
  b[at + 2] = ((mid & 0x7f) << 1) | 1;
  b[at + 3] = low >> 7;
  b[at + 4] = ((low & 0x7f) << 1) | 1;
}

/** The 33-bit base of a PCR at `at` (6 bytes: base, 6 reserved bits, 9-bit extension). */
function readPcrBase(b: Buffer, at: number): number {
  return (b[at] ?? 0) * 2 ** 25 + (b[at + 1] ?? 0) * 2 ** 17 + (b[at + 2] ?? 0) * 2 ** 9 + (b[at + 3] ?? 0) * 2 + ((b[at + 4] ?? 0) >> 7);
}

function writePcrBase(b: Buffer, at: number, base: number): void {
  b[at] = Math.floor(base / 2 ** 25) & 0xff;
  b[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  b[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  b[at + 3] = Math.floor(base / 2) & 0xff;
  b[at + 4] = ((base & 1) << 7) | ((b[at + 4] ?? 0) & 0x7f);
}

/** PES stream ids whose header has the optional fields (timestamps): audio, video, private stream 1. */
const hasPesExtension = (streamId: number): boolean => (streamId & 0xe0) === 0xc0 || (streamId & 0xf0) === 0xe0 || streamId === 0xbd;

/** A segment's packets are held at most this long (bytes) while its first timestamp per stream is looked for. */
const MAX_HELD_BYTES = 2 * 1024 * 1024;

export class TsSplicer {
  /** The next continuity counter per PID (the low 4 bits), and which PIDs were seen. */
  readonly #nextCc = new Uint8Array(PID_COUNT);
  readonly #seenPid = new Uint8Array(PID_COUNT);
  /** Per PID carrying timestamps: the latest sent (after offsets), and the current segment's first (before). */
  readonly #latest = new Float64Array(PID_COUNT);
  /** Per PID: the spacing of its last two timestamps (its frame duration), 0 until known. */
  readonly #step = new Float64Array(PID_COUNT);
  readonly #hasLatest = new Uint8Array(PID_COUNT);
  readonly #first = new Float64Array(PID_COUNT);
  readonly #hasFirst = new Uint8Array(PID_COUNT);
  /** PIDs that carry timestamps (one per stream: a handful). */
  readonly #timedPids: number[] = [];
  #segment = -1;
  /** Offset of the current segment (ticks), undefined while it is being looked for. */
  #offset: number | undefined;
  /** Packets of the new segment held until every stream's first timestamp is known. */
  #held: Buffer[] = [];
  #heldBytes = 0;

  /**
   * Takes whole packets of segment `segment` (a new number starts a new segment) and calls `emit`
   * with them rewritten in place. The first packets of a segment after the first are held back until
   * each stream has shown its first timestamp (a few packets), so that the offset puts every stream
   * after what was sent of it.
   */
  splice(segment: number, packets: Buffer, emit: (packets: Buffer) => void): void {
    if (segment !== this.#segment) {
      this.#segment = segment;
      this.#held = [];
      this.#heldBytes = 0;
      for (const pid of this.#timedPids) this.#hasFirst[pid] = 0;
      // The first segment keeps its own clock.
      this.#offset = this.#timedPids.length === 0 ? 0 : undefined;
    }
    if (this.#offset === undefined) {
      for (let at = 0; at + TS_PACKET_BYTES <= packets.length; at += TS_PACKET_BYTES) this.#noteFirst(packets, at);
      this.#held.push(packets);
      this.#heldBytes += packets.length;
      if (this.#timedPids.some((pid) => this.#hasFirst[pid] !== 1) && this.#heldBytes < MAX_HELD_BYTES) return;
      this.#offset = this.#chooseOffset();
      const held = this.#held;
      this.#held = [];
      for (const p of held) this.#rewrite(p, emit);
      return;
    }
    this.#rewrite(packets, emit);
  }

  #rewrite(packets: Buffer, emit: (packets: Buffer) => void): void {
    for (let at = 0; at + TS_PACKET_BYTES <= packets.length; at += TS_PACKET_BYTES) this.#packet(packets, at);
    emit(packets);
  }

  /** Where the PES header's timestamps are in the packet at `at`: PTS and DTS positions (-1: none), or undefined for no PES start. */
  #pesStamps(b: Buffer, at: number): { readonly pts: number; readonly dts: number } | undefined {
    const control = ((b[at + 3] ?? 0) >> 4) & 0x03;
    const isStart = ((b[at + 1] ?? 0) & 0x40) !== 0;
    if ((control & 0x01) === 0 || !isStart) return undefined;
    const payload = (control & 0x02) !== 0 ? at + 5 + (b[at + 4] ?? 0) : at + 4;
    const end = at + TS_PACKET_BYTES;
    if (payload + 9 > end || b[payload] !== 0 || b[payload + 1] !== 0 || b[payload + 2] !== 1 || !hasPesExtension(b[payload + 3] ?? 0)) return undefined;
    const flags = ((b[payload + 7] ?? 0) >> 6) & 0x03;
    if (flags < 2 || payload + 14 > end) return undefined;
    return { pts: payload + 9, dts: flags === 3 && payload + 19 <= end ? payload + 14 : -1 };
  }

  /** Notes the first decode time of each stream in the segment being held. */
  #noteFirst(b: Buffer, at: number): void {
    const stamps = this.#pesStamps(b, at);
    if (stamps === undefined) return;
    const pid = (((b[at + 1] ?? 0) & 0x1f) << 8) | (b[at + 2] ?? 0);
    if (this.#hasFirst[pid] === 1) return;
    this.#first[pid] = readStamp(b, stamps.dts >= 0 ? stamps.dts : stamps.pts);
    this.#hasFirst[pid] = 1;
  }

  /** The smallest offset that puts each stream's first timestamp one frame after its latest one sent. */
  #chooseOffset(): number {
    let offset: number | undefined;
    for (const pid of this.#timedPids) {
      if (this.#hasFirst[pid] !== 1 || this.#hasLatest[pid] !== 1) continue;
      const step = (this.#step[pid] ?? 0) > 0 ? (this.#step[pid] ?? 0) : DEFAULT_STEP_TICKS;
      const needed = mod((this.#latest[pid] ?? 0) + step - (this.#first[pid] ?? 0));
      if (offset === undefined || isAfter(needed, offset)) offset = needed;
    }
    return offset ?? 0;
  }

  #packet(b: Buffer, at: number): void {
    const pid = (((b[at + 1] ?? 0) & 0x1f) << 8) | (b[at + 2] ?? 0);
    const control = ((b[at + 3] ?? 0) >> 4) & 0x03;
    if ((control & 0x01) !== 0) {
      // Continue this PID's count (a packet without payload repeats the previous count and is left alone).
      const cc = this.#seenPid[pid] === 1 ? (this.#nextCc[pid] ?? 0) : (b[at + 3] ?? 0) & 0x0f;
      b[at + 3] = ((b[at + 3] ?? 0) & 0xf0) | cc;
      this.#nextCc[pid] = (cc + 1) & 0x0f;
      this.#seenPid[pid] = 1;
    }
    const offset = this.#offset ?? 0;
    const stamps = this.#pesStamps(b, at);
    if (stamps !== undefined) {
      const pts = readStamp(b, stamps.pts);
      writeStamp(b, stamps.pts, mod(pts + offset));
      let decodeAt = mod(pts + offset);
      if (stamps.dts >= 0) {
        decodeAt = mod(readStamp(b, stamps.dts) + offset);
        writeStamp(b, stamps.dts, decodeAt);
      }
      if (this.#hasLatest[pid] !== 1) {
        this.#hasLatest[pid] = 1;
        this.#timedPids.push(pid);
        this.#latest[pid] = decodeAt;
      } else if (isAfter(decodeAt, this.#latest[pid] ?? 0)) {
        const step = mod(decodeAt - (this.#latest[pid] ?? 0));
        if (step <= MAX_STEP_TICKS) this.#step[pid] = step;
        this.#latest[pid] = decodeAt;
      }
    }
    // A PCR (27 MHz) moves with the timestamps: its 90 kHz base gets the offset.
    if ((control & 0x02) !== 0 && (b[at + 4] ?? 0) >= 7 && ((b[at + 5] ?? 0) & 0x10) !== 0) {
      writePcrBase(b, at + 6, mod(readPcrBase(b, at + 6) + offset));
    }
  }
}
