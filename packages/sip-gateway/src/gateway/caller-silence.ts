// Silence suppression for the caller's audio toward the conference (what RTP calls DTX): a frame
// quieter than -70 dBov (RMS about 10 steps of 16-bit audio: below the noise of any phone line a
// listener could hear) is neither encoded nor sent once the caller has been that quiet for
// HANGOVER_FRAMES, so the ends of words and short pauses still go out. The RTP clock runs on, and
// the first packet after a pause carries the marker bit (RFC 3551 §4.1): receivers' jitter
// buffers take it as the start of a talkspurt, as with any Opus DTX sender. Encoding the caller
// is a fifth of the gateway's CPU (bench/sip), and a caller in a meeting mostly listens. Pure.

/** RFC 6464 level (-dBov) at and above which a frame counts as silence. */
export const SILENCE_LEVEL = 70;
/** Silent frames still sent after the last audible one (200 ms). */
export const HANGOVER_FRAMES = 10;

/** Decides frame by frame whether the caller's audio is sent. */
export class CallerSilence {
  /** Silent frames in a row so far; starts as if the caller had just spoken, so a call begins sending. */
  #quietFrames = 0;

  /** Whether a frame at `level` (RFC 6464: 0 loud … 127 silent) is to be encoded and sent. */
  isSent(level: number): boolean {
    if (level < SILENCE_LEVEL) {
      this.#quietFrames = 0;
      return true;
    }
    this.#quietFrames++;
    return this.#quietFrames <= HANGOVER_FRAMES;
  }

  /** After mute or a new session: start as if the caller had just spoken. */
  reset(): void {
    this.#quietFrames = 0;
  }
}
