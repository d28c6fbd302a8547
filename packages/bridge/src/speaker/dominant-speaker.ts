// Dominant speaker identification for one conference, in the spirit of Volfin & Cohen, "Dominant
// Speaker Identification for Multipoint Videoconferencing" (IEEE 2012) as Jitsi applies it to
// RFC 6464 audio levels: each speaker's recent levels are scored for speech activity over three
// time windows (immediate = the last 20 ms frame, medium = the last 100 ms, long = the last second)
// with the paper's binomial likelihood, and a challenger beats the dominant speaker only when its
// relative activity exceeds thresholds in all three windows.
//
// On top of that, hysteresis: the challenger must keep winning for `minSwitchMs` (gaps up to
// `candidateGraceMs` tolerated), so a cough or a short "yes" never takes the floor. When nobody has
// spoken for `silenceTimeoutMs`, a `silence` event is returned once; the next speaker (the same one
// included) is announced again.
//
// Pure: no clock, no timers. Levels arrive with their own timestamps; `evaluate(nowMs)` is called
// by a driver (speech-activity.ts) every `decisionIntervalMs` and returns what changed.

/** Tuning; the defaults are in DOMINANT_SPEAKER_DEFAULTS. */
export type DominantSpeakerConfig = {
  /** How often the driver calls evaluate() (Jitsi: 300 ms). */
  readonly decisionIntervalMs: number;
  /** A challenger must win every decision for this long before it becomes dominant. */
  readonly minSwitchMs: number;
  /** A challenger that stops winning for longer than this starts over. */
  readonly candidateGraceMs: number;
  /** Nobody's speech for this long → one `silence` event. */
  readonly silenceTimeoutMs: number;
};

/** Defaults: decide every 300 ms, take over after ≥ 1 s of winning, silence after 3 s. */
export const DOMINANT_SPEAKER_DEFAULTS: DominantSpeakerConfig = {
  decisionIntervalMs: 300,
  minSwitchMs: 1000,
  candidateGraceMs: 600,
  silenceTimeoutMs: 3000,
};

/** What evaluate() found. */
export type DominantSpeakerEvent =
  | { readonly kind: 'dominantSpeakerChanged'; readonly endpoint: string; readonly previousSpeakers: readonly string[] }
  | { readonly kind: 'silence'; readonly endpoint: string };

/** RFC 6464 levels are −dBov, 0..127: 0 is the loudest, 127 silence (a muted source). */
export const RFC6464_SILENCE = 127;
/** One audio frame (RTP packet) per 20 ms, the usual Opus ptime. */
const FRAME_MS = 20;
/** A speaker without a level for this long gets silent frames (Jitsi: 40 ms, above 20/30 ms ptimes). */
const LEVEL_IDLE_MS = 40;
/** The paper's sub-bands per frame (N1), frames per medium block (N2), medium blocks per long window (N3). */
const N1 = 13;
const N2 = 5;
const N3 = 10;
const HISTORY_FRAMES = N2 * N3;
/** Loudness 0..127 split into N1 sub-bands of this width. */
const SUBBAND = Math.floor((RFC6464_SILENCE + N1 - 1) / N1);
/** A frame is active when more sub-bands than this are; a block is active when more frames than this are. */
const MEDIUM_THRESHOLD = 7;
const LONG_THRESHOLD = 4;
/** Thresholds of log(challenger score / dominant score) per window (Jitsi C1, C2, C3). */
const C1 = 3;
const C2 = 2;
const C3 = 0;
/** Scores are clamped to this so their ratios stay finite. */
const MIN_SCORE = 1e-10;
/** The noise floor may rise only after this many levels (15 s of 20 ms frames). */
const NOISE_FLOOR_WINDOW = 750;

/** ln of the binomial coefficient C(n, k), for the small n used here. */
function lnChoose(n: number, k: number): number {
  let r = 0;
  for (let i = 1; i <= k; i++) r += Math.log((n - k + i) / i);
  return r;
}

/**
 * The paper's speech activity score: the log-likelihood ratio of speech (binomial with p = 0.5 over
 * n sub-units, k of them active) against non-speech (exponential with rate λ).
 */
function activityScore(k: number, n: number, lambda: number): number {
  const score = lnChoose(n, k) + n * Math.log(0.5) - Math.log(lambda) + lambda * k;
  return score < MIN_SCORE ? MIN_SCORE : score;
}

type Scores = { immediate: number; medium: number; long: number };
const NOBODY: Scores = { immediate: MIN_SCORE, medium: MIN_SCORE, long: MIN_SCORE };

/** One endpoint's level history and noise floor. */
class Speaker {
  /** Loudness (127 − dBov) of the last HISTORY_FRAMES frames, a ring; `head` is the newest. */
  readonly #loudness = new Uint8Array(HISTORY_FRAMES);
  #head = 0;
  lastLevelAtMs: number;
  /** When the last active frame (above the noise floor, enough sub-bands) arrived. */
  lastActiveAtMs = Number.NEGATIVE_INFINITY;
  /** Per-speaker noise floor (Jitsi's minLevel): levels within one sub-band above it count as silence. */
  #floor = 0;
  #nextFloor = 0;
  #nextFloorCount = 0;

  constructor(nowMs: number) {
    this.lastLevelAtMs = nowMs;
  }

  push(loudness: number, atMs: number): void {
    this.#head = (this.#head + 1) % HISTORY_FRAMES;
    this.#loudness[this.#head] = loudness;
    this.lastLevelAtMs = atMs;
    this.#updateFloor(loudness);
    if (this.#subbands(loudness) > MEDIUM_THRESHOLD) this.lastActiveAtMs = atMs;
  }

  /** Silent frames for the time without levels (muted, DTX, or a stalled stream). */
  padIdle(nowMs: number): void {
    const idleMs = nowMs - this.lastLevelAtMs;
    if (idleMs <= LEVEL_IDLE_MS) return;
    const frames = Math.floor(idleMs / FRAME_MS);
    for (let i = 0; i < Math.min(frames, HISTORY_FRAMES); i++) {
      this.#head = (this.#head + 1) % HISTORY_FRAMES;
      this.#loudness[this.#head] = 0;
    }
    this.lastLevelAtMs += frames * FRAME_MS;
  }

  scores(): Scores {
    let medium0 = 0;
    let long = 0;
    for (let block = 0; block < N3; block++) {
      let active = 0;
      for (let f = 0; f < N2; f++) {
        if (this.#subbands(this.#frame(block * N2 + f)) > MEDIUM_THRESHOLD) active++;
      }
      if (block === 0) medium0 = active;
      if (active > LONG_THRESHOLD) long++;
    }
    return {
      immediate: activityScore(this.#subbands(this.#frame(0)), N1, 0.78),
      medium: activityScore(medium0, N2, 24),
      long: activityScore(long, N3, 47),
    };
  }

  /** The i-th newest frame's loudness. */
  #frame(i: number): number {
    return this.#loudness[(this.#head - i + HISTORY_FRAMES) % HISTORY_FRAMES] ?? 0;
  }

  /** Active sub-bands of a frame, after replacing everything near the noise floor by silence. */
  #subbands(loudness: number): number {
    return loudness < this.#floor + SUBBAND ? 0 : Math.floor(loudness / SUBBAND);
  }

  /** Tracks the lowest non-silent level; lets it rise slowly (geometric mean) after a 15 s window above it. */
  #updateFloor(loudness: number): void {
    if (loudness === 0) return;
    if (this.#floor === 0 || loudness < this.#floor) {
      this.#floor = loudness;
      this.#nextFloor = 0;
      this.#nextFloorCount = 0;
      return;
    }
    this.#nextFloor = this.#nextFloor === 0 ? loudness : Math.min(this.#nextFloor, loudness);
    if (++this.#nextFloorCount >= NOISE_FLOOR_WINDOW) {
      this.#floor = Math.floor(Math.sqrt(this.#floor * this.#nextFloor));
      this.#nextFloor = 0;
      this.#nextFloorCount = 0;
    }
  }
}

/** The dominant speaker of one conference. */
export class DominantSpeakerDetector {
  readonly #config: DominantSpeakerConfig;
  readonly #speakers = new Map<string, Speaker>();
  #dominant: string | undefined;
  /** Earlier dominant speakers still present, most recent first (the dominant one excluded). */
  #previous: string[] = [];
  #isSilent = false;
  #candidate: { id: string; sinceMs: number; lastWinMs: number } | undefined;

  constructor(config: Partial<DominantSpeakerConfig> = {}) {
    this.#config = { ...DOMINANT_SPEAKER_DEFAULTS, ...config };
  }

  /** The current dominant speaker (also while silent: the last one), if any. */
  get dominant(): string | undefined {
    return this.#dominant;
  }

  /** Whether nobody has spoken for silenceTimeoutMs since the dominant speaker was chosen. */
  get isSilent(): boolean {
    return this.#isSilent;
  }

  /** Dominant first, then earlier dominant speakers, most recent first. */
  speakerOrder(): readonly string[] {
    return this.#dominant === undefined ? this.#previous : [this.#dominant, ...this.#previous];
  }

  /**
   * One audio level (RFC 6464: 0 = loudest … 127 = silence) of `endpointId` at `atMs`. Levels
   * older than the speaker's last one are dropped (late packets); out-of-range values are clamped.
   */
  levelReceived(endpointId: string, levelDbov: number, atMs: number): void {
    if (!Number.isFinite(levelDbov) || !Number.isFinite(atMs)) return;
    let speaker = this.#speakers.get(endpointId);
    if (speaker === undefined) {
      speaker = new Speaker(atMs);
      this.#speakers.set(endpointId, speaker);
    } else if (atMs < speaker.lastLevelAtMs) {
      return;
    }
    const dbov = Math.min(RFC6464_SILENCE, Math.max(0, Math.round(levelDbov)));
    speaker.push(RFC6464_SILENCE - dbov, atMs);
  }

  /** Forgets an endpoint that left; if it was dominant, nobody is until someone else wins. */
  remove(endpointId: string): void {
    this.#speakers.delete(endpointId);
    this.#previous = this.#previous.filter((id) => id !== endpointId);
    if (this.#dominant === endpointId) {
      this.#dominant = undefined;
      this.#isSilent = false;
    }
    if (this.#candidate?.id === endpointId) this.#candidate = undefined;
  }

  /** Makes one decision at `nowMs`; returns the changes (at most one of each kind). */
  evaluate(nowMs: number): DominantSpeakerEvent[] {
    const events: DominantSpeakerEvent[] = [];
    for (const s of this.#speakers.values()) s.padIdle(nowMs);
    const winner = this.#winner();
    const c = this.#candidate;
    if (winner === undefined) {
      if (c !== undefined && nowMs - c.lastWinMs > this.#config.candidateGraceMs) this.#candidate = undefined;
    } else if (c !== undefined && c.id === winner) {
      c.lastWinMs = nowMs;
    } else {
      this.#candidate = { id: winner, sinceMs: nowMs, lastWinMs: nowMs };
    }
    const won = this.#candidate;
    if (won !== undefined && won.id === winner && nowMs - won.sinceMs >= this.#config.minSwitchMs) {
      this.#candidate = undefined;
      if (this.#dominant !== undefined && this.#dominant !== winner) this.#previous = [this.#dominant, ...this.#previous];
      this.#previous = this.#previous.filter((id) => id !== winner);
      this.#dominant = winner;
      this.#isSilent = false;
      events.push({ kind: 'dominantSpeakerChanged', endpoint: winner, previousSpeakers: [...this.#previous] });
    }
    if (this.#dominant !== undefined && !this.#isSilent && nowMs - this.#lastSpeechAtMs() >= this.#config.silenceTimeoutMs) {
      this.#isSilent = true;
      this.#candidate = undefined;
      events.push({ kind: 'silence', endpoint: this.#dominant });
    }
    return events;
  }

  /**
   * The challenger that beats the reference in all three windows, the strongest in the medium one
   * if several do. The reference is the dominant speaker, or nobody (while silent or before anyone
   * spoke), against whom any real speech wins.
   */
  #winner(): string | undefined {
    const reference = this.#dominant === undefined || this.#isSilent ? NOBODY : (this.#speakers.get(this.#dominant)?.scores() ?? NOBODY);
    let best: string | undefined;
    let bestC2 = C2;
    for (const [id, speaker] of this.#speakers) {
      if (id === this.#dominant && reference !== NOBODY) continue;
      const s = speaker.scores();
      const c1 = Math.log(s.immediate / reference.immediate);
      const c2 = Math.log(s.medium / reference.medium);
      const c3 = Math.log(s.long / reference.long);
      if (c1 > C1 && c2 > C2 && c3 > C3 && c2 > bestC2) {
        best = id;
        bestC2 = c2;
      }
    }
    return best;
  }

  #lastSpeechAtMs(): number {
    let last = Number.NEGATIVE_INFINITY;
    for (const s of this.#speakers.values()) last = Math.max(last, s.lastActiveAtMs);
    return last;
  }
}
