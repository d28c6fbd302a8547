// RFC 3711 §3.3.2 replay protection: a sliding window over packet indices (SRTP: the 48-bit
// extended sequence number ROC·2^16 + SEQ; SRTCP: the 31-bit SRTCP index). One window per SSRC.
// `check` runs before authentication (cheap rejection); `accept` only after the packet
// authenticated, so forged packets cannot move the window. Pure and allocation-free: the 64-bit
// bitmap is two 32-bit halves, indices stay below 2^53.

/** Window size in packets (RFC 3711 §3.3.2: at least 64). */
export const REPLAY_WINDOW_SIZE = 64;

/** What the window says about an index. */
export type ReplayVerdict = 'new' | 'duplicate' | 'too-old';

/** The received-packets window of one SSRC. */
export class ReplayWindow {
  /** Highest accepted index; -1 before the first. */
  #highest = -1;
  /** Bit i set: index `highest - i` was accepted. `#low` holds i = 0..31, `#high` i = 32..63. */
  #low = 0;
  #high = 0;

  /** The highest accepted index, or -1. */
  get highest(): number {
    return this.#highest;
  }

  /** Whether a packet with this index may be processed (no state change). */
  check(index: number): ReplayVerdict {
    if (index > this.#highest) return 'new';
    const behind = this.#highest - index;
    if (behind >= REPLAY_WINDOW_SIZE) return 'too-old';
    const bit = behind < 32 ? (this.#low >>> behind) & 1 : (this.#high >>> (behind - 32)) & 1;
    return bit === 1 ? 'duplicate' : 'new';
  }

  /** Records an authenticated packet's index (call after `check` said 'new'). */
  accept(index: number): void {
    if (index > this.#highest) {
      const shift = this.#highest < 0 ? REPLAY_WINDOW_SIZE : index - this.#highest;
      if (shift >= REPLAY_WINDOW_SIZE) {
        this.#high = 0;
        this.#low = 1;
      } else if (shift >= 32) {
        this.#high = shift === 32 ? this.#low : this.#low << (shift - 32);
        this.#low = 1;
      } else {
        this.#high = (this.#high << shift) | (this.#low >>> (32 - shift));
        this.#low = (this.#low << shift) | 1;
      }
      this.#highest = index;
      return;
    }
    const behind = this.#highest - index;
    if (behind >= REPLAY_WINDOW_SIZE) return;
    if (behind < 32) this.#low |= 1 << behind;
    else this.#high |= 1 << (behind - 32);
  }
}

/**
 * RFC 3711 §3.3.1 / Appendix A: the rollover counter a packet with sequence number `seq` belongs to,
 * given the highest sequence number `highestSeq` seen so far in rollover period `roc`. May return
 * `roc - 1` (a late packet from before the last wrap) or `roc + 1` (the sequence number wrapped).
 */
export function guessRolloverCounter(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < 0x8000) return seq - highestSeq > 0x8000 ? roc - 1 : roc;
  return highestSeq - 0x8000 > seq ? roc + 1 : roc;
}
