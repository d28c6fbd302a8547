// Transport-wide congestion control feedback FROM the bridge TO a sender: without it a browser that
// negotiated transport-cc never learns its uplink, stays near its start bitrate and never turns its
// upper simulcast layers on. Record every incoming packet's transport-wide sequence number and arrival
// time (`record`, per packet, allocation-free), and every ~100 ms write what arrived since the last
// feedback (`writeFeedback`, one RTCP RTPFB FMT 15 packet; call again while it returns > 0).
//
// Encoding (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, as libwebrtc writes it): the
// reference time is the first reported arrival in 64 ms ticks; deltas are 250 µs ticks from the
// previous reported arrival (1 byte when 0–255, else 2 bytes signed); a run of ≥ 7 equal statuses
// becomes a run-length chunk, anything else a 2-bit status vector of 7; RTCP padding (P bit, count in
// the last byte) rounds up to 32 bits. A packet whose delta does not fit 16 bits (> 8 s gap) starts the
// next feedback. Packets arriving after their number was reported are not reported again.
//
// Memory: `capacity` (a power of two) arrival slots; if more than that many numbers are pending the
// oldest are skipped, so a sender that stops reading feedback cannot grow the recorder.

import { RTCP_RTPFB, RTPFB_FMT_TWCC } from './rtcp.ts';
import { seqDiff } from './rtp-header.ts';

/** At most this many statuses per feedback packet, which keeps it under 1200 bytes in the worst case. */
export const MAX_STATUSES_PER_FEEDBACK = 500;

export class TwccRecorder {
  readonly #arrivalUs: Float64Array;
  readonly #mask: number;
  /** Extended (unwrapped) numbers: next to report, and highest recorded; −1 before the first packet. */
  #base = -1;
  #highest = -1;
  #feedbackCount = 0;
  readonly #status = new Uint8Array(MAX_STATUSES_PER_FEEDBACK);
  readonly #delta = new Int32Array(MAX_STATUSES_PER_FEEDBACK);

  constructor(capacity = 1024) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(MAX_STATUSES_PER_FEEDBACK, capacity)));
    this.#mask = size - 1;
    this.#arrivalUs = new Float64Array(size).fill(Number.NaN);
  }

  /** A packet with transport-wide sequence number `seq` arrived at `arrivalUs` (any monotonic µs clock). */
  record(seq: number, arrivalUs: number): void {
    if (!Number.isFinite(arrivalUs)) return;
    const size = this.#mask + 1;
    if (this.#highest < 0) {
      this.#base = this.#highest = seq & 0xffff;
      this.#arrivalUs[this.#highest & this.#mask] = arrivalUs;
      return;
    }
    const ext = this.#highest + seqDiff(seq, this.#highest);
    if (ext < this.#base) return; // already reported (or older than anything pending)
    if (ext > this.#highest) {
      const from = Math.max(this.#highest + 1, ext - size + 1);
      for (let e = from; e < ext; e++) this.#arrivalUs[e & this.#mask] = Number.NaN;
      this.#highest = ext;
      if (ext - this.#base >= size) this.#base = ext - size + 1;
    }
    this.#arrivalUs[ext & this.#mask] = arrivalUs;
  }

  /** Numbers recorded or known lost that no feedback has reported yet. */
  get pending(): number {
    return this.#highest < 0 ? 0 : this.#highest - this.#base + 1;
  }

  /**
   * Writes one feedback packet at dst[off…] about the pending packets and marks them reported.
   * Returns its length, 0 when nothing is pending, −1 when `dst` has no room for even a small one.
   */
  writeFeedback(dst: Uint8Array, off: number, senderSsrc: number, mediaSsrc: number): number {
    if (this.pending === 0) return 0;
    if (off < 0 || off + 64 > dst.length) return -1;
    const arr = this.#arrivalUs;
    const mask = this.#mask;
    let first = this.#base;
    while (first <= this.#highest && Number.isNaN(arr[first & mask]!)) first++;
    if (first > this.#highest) {
      this.#base = this.#highest + 1;
      return 0;
    }
    const refTicks = Math.floor(arr[first & mask]! / 64000);
    let prevUs = refTicks * 64000;
    const status = this.#status;
    const delta = this.#delta;
    const room = Math.min(MAX_STATUSES_PER_FEEDBACK, Math.floor((dst.length - off - 24) / (2 + 2 / 7)));
    let n = 0;
    for (let e = this.#base; e <= this.#highest && n < room; e++) {
      const a = arr[e & mask]!;
      if (Number.isNaN(a)) {
        status[n++] = 0;
        continue;
      }
      const d = Math.round((a - prevUs) / 250);
      if (d < -32768 || d > 32767) break;
      const small = d >= 0 && d <= 255;
      status[n] = small ? 1 : 2;
      delta[n] = d;
      n++;
      prevUs += d * 250;
    }
    if (n === 0) return 0; // cannot happen: `first` is received and its delta is < 64 ms

    let i = off + 20;
    for (let k = 0; k < n; ) {
      let run = 1;
      while (k + run < n && run < 0x1fff && status[k + run] === status[k]) run++;
      if (run >= 7) {
        const c = (status[k]! << 13) | run;
        dst[i++] = c >>> 8;
        dst[i++] = c & 0xff;
        k += run;
      } else {
        let c = 0xc000;
        for (let j = 0; j < 7; j++) c |= (k + j < n ? status[k + j]! : 0) << (12 - 2 * j);
        dst[i++] = c >>> 8;
        dst[i++] = c & 0xff;
        k += 7;
      }
    }
    for (let k = 0; k < n; k++) {
      if (status[k] === 1) dst[i++] = delta[k]!;
      else if (status[k] === 2) {
        dst[i++] = (delta[k]! >>> 8) & 0xff;
        dst[i++] = delta[k]! & 0xff;
      }
    }
    const pad = (4 - ((i - off) & 3)) & 3;
    for (let k = 1; k < pad; k++) dst[i++] = 0;
    if (pad > 0) dst[i++] = pad;
    const length = i - off;
    const base16 = this.#base & 0xffff;
    dst[off] = 0x80 | (pad > 0 ? 0x20 : 0) | RTPFB_FMT_TWCC;
    dst[off + 1] = RTCP_RTPFB;
    dst[off + 2] = ((length / 4 - 1) >>> 8) & 0xff;
    dst[off + 3] = (length / 4 - 1) & 0xff;
    writeU32(dst, off + 4, senderSsrc);
    writeU32(dst, off + 8, mediaSsrc);
    dst[off + 12] = base16 >>> 8;
    dst[off + 13] = base16 & 0xff;
    dst[off + 14] = n >>> 8;
    dst[off + 15] = n & 0xff;
    dst[off + 16] = (refTicks >>> 16) & 0xff;
    dst[off + 17] = (refTicks >>> 8) & 0xff;
    dst[off + 18] = refTicks & 0xff;
    dst[off + 19] = this.#feedbackCount;
    this.#feedbackCount = (this.#feedbackCount + 1) & 0xff;
    this.#base += n;
    return length;
  }
}

function writeU32(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 24) & 0xff;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}
