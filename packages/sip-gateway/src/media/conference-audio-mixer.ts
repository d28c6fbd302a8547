// The conference's audio for one phone: Opus RTP payloads from the bridge, per SSRC through a
// small jitter buffer and an Opus decoder, summed with saturation into one 20 ms frame per tick.
// The number of sources is bounded; a source silent for a while is dropped (its decoder freed).
// The mix is at 48 kHz, or at the phone's own rate once fitTo(codec) says which: libopus decodes
// straight to 8/16 kHz, so a G.711 call mixes 160 samples and resamples nothing.
//
// Decoding is most of a call's CPU (bench/sip), so only what can be heard is decoded, judged by
// the RFC 6464 level every sender puts in its packets (the bridge forwards it):
// - a packet whose level says inaudible (-80 dBov or quieter: an RMS of 3 steps of 16-bit audio,
//   below G.711's smallest step, 60 dB under speech) or an Opus DTX packet is not decoded: it
//   would add nothing anyone hears to the mix;
// - at most `loudestTalkers` talkers are mixed at once, the loudest by their smoothed level, as
//   conference mixers do (more simultaneous voices only add noise to a phone's narrow band): a
//   talker in the mix keeps its place until another is louder by HYSTERESIS_DB, and one that
//   enters or leaves the mix is faded in or out over one frame, so switching makes no click.
// Packets without a level (a sender that does not send the extension) are always mixed.
import { FRAME_SAMPLES, phoneRateOf } from './phone-audio.ts';
import type { PhoneCodecName } from './phone-audio.ts';
import { JitterBuffer } from './jitter-buffer.ts';
import type { JitterPop } from './jitter-buffer.ts';
import { OpusFrameDecoder } from './opus-codec.ts';
import type { OpusPcmRate } from './opus-codec.ts';

/** Mixer limits. */
export type ConferenceAudioMixerOptions = {
  /** Sources mixed at most; packets of further sources are ignored until one leaves. */
  readonly maxSources?: number;
  /** Per-source jitter buffer depth in 20 ms packets. */
  readonly depthPackets?: number;
  /** A source that sent nothing for this many ticks is dropped. */
  readonly silentTicksBeforeDrop?: number;
  /** Talkers decoded and mixed at once, the loudest by their RFC 6464 levels (default 3); 0: everyone. */
  readonly loudestTalkers?: number;
};

/** What the mixer did, for logs, metrics and tests. */
export type MixerStats = {
  /** Opus decodes and concealments run. */
  decoded: number;
  /** Packets not decoded because their level (or DTX) says nothing is to be heard. */
  skippedInaudible: number;
  /** Packets not decoded because louder talkers filled the mix. */
  skippedNotLoudest: number;
};

/** Opus DTX / comfort-noise packets are 1-2 bytes (RFC 6716 §3.1; Chrome's usedtx). */
const MAX_DTX_BYTES = 2;
/** RFC 6464 level (-dBov) from which a packet is inaudible: -80 dBov RMS is about 3 LSB of 16-bit audio. */
const INAUDIBLE_LEVEL = 80;
/** How much louder (dB) a talker must be to take the place of one already in the mix. */
const HYSTERESIS_DB = 6;
/** Weight of each new level in a talker's smoothed level (per 20 ms: a time constant of ≈ 70 ms). */
const LEVEL_SMOOTHING = 0.25;
/** Default for ConferenceAudioMixerOptions.loudestTalkers. */
export const DEFAULT_LOUDEST_TALKERS = 3;

class MixSource {
  readonly jitter: JitterBuffer;
  decoder: OpusFrameDecoder;
  silentTicks = 0;
  /** Smoothed RFC 6464 level, -dBov: lower is louder. */
  smoothedLevel = 127;
  /** The last packet carried a level (else the source is always mixed). */
  hasLevel = false;
  /** In the previous frame's mix. */
  isMixed = false;
  /** Audible in the previous frame but left out for louder talkers: its decoder missed that audio. */
  wasLeftOut = false;
  // This frame's playout, set by mixFrame.
  popped: JitterPop = 'empty';
  isAudible = false;
  isChosen = false;

  constructor(readonly ssrc: number, depthPackets: number, rate: OpusPcmRate) {
    this.jitter = new JitterBuffer({ depthPackets, capacityPackets: 32, maxPayloadBytes: 1500 });
    this.decoder = new OpusFrameDecoder({ sampleRate: rate });
  }
}

/** Decodes and mixes the bridge's Opus streams for one phone (implements the call flow's ConferenceMixer). */
export class ConferenceAudioMixer {
  readonly #maxSources: number;
  readonly #depthPackets: number;
  readonly #silentTicksBeforeDrop: number;
  readonly #loudestTalkers: number;
  readonly #sources = new Map<number, MixSource>();
  readonly stats: MixerStats = { decoded: 0, skippedInaudible: 0, skippedNotLoudest: 0 };
  #rate: OpusPcmRate = 48_000;
  #frameSamples = FRAME_SAMPLES;
  #sum = new Int32Array(FRAME_SAMPLES);
  #decoded = new Int16Array(FRAME_SAMPLES);
  #mix = new Int16Array(FRAME_SAMPLES);
  #isClosed = false;

  constructor(options: ConferenceAudioMixerOptions = {}) {
    this.#maxSources = options.maxSources ?? 16;
    this.#depthPackets = options.depthPackets ?? 2;
    this.#silentTicksBeforeDrop = options.silentTicksBeforeDrop ?? 100;
    this.#loudestTalkers = options.loudestTalkers ?? DEFAULT_LOUDEST_TALKERS;
  }

  /** Sources currently mixed. */
  get sourceCount(): number {
    return this.#sources.size;
  }

  /** Samples per mixed frame (rate/50). */
  get frameSamples(): number {
    return this.#frameSamples;
  }

  /**
   * Mixes at `codec`'s own rate from now on (phoneRateOf): what the phone can play, with no
   * resampling. Sources keep their queued packets; their decoders restart at the new rate.
   */
  fitTo(codec: PhoneCodecName): void {
    const rate = phoneRateOf(codec);
    if (rate === this.#rate) return;
    this.#rate = rate;
    this.#frameSamples = rate / 50;
    this.#sum = new Int32Array(this.#frameSamples);
    this.#decoded = new Int16Array(this.#frameSamples);
    this.#mix = new Int16Array(this.#frameSamples);
    for (const source of this.#sources.values()) source.decoder = new OpusFrameDecoder({ sampleRate: rate });
  }

  /** Queues one Opus RTP payload of `ssrc` with its RFC 6464 level (0 loud … 127 silent; -1 or absent: unknown). */
  push(ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level = -1): void {
    if (this.#isClosed) return;
    let source = this.#sources.get(ssrc);
    if (source === undefined) {
      if (this.#sources.size >= this.#maxSources) return;
      source = new MixSource(ssrc, this.#depthPackets, this.#rate);
      this.#sources.set(ssrc, source);
    }
    source.jitter.push(sequenceNumber, timestamp, payload, 0, payload.length, level);
  }

  /** Forgets a source (it left or was removed). */
  removeSource(ssrc: number): void {
    this.#sources.delete(ssrc);
  }

  /** The next 20 ms of everyone (frameSamples: 48 kHz unless fitted); the array is reused by the next call. */
  mixFrame(): Int16Array {
    const competing = this.#playOut();
    if (this.#loudestTalkers > 0 && competing > this.#loudestTalkers) this.#chooseLoudest();
    const n = this.#frameSamples;
    const sum = this.#sum;
    sum.fill(0);
    const decoded = this.#decoded;
    for (const source of this.#sources.values()) {
      const wasMixed = source.isMixed;
      // Leaving the mix while still talking: one more frame, faded out. Coming back: faded in.
      const isFadingOut = wasMixed && !source.isChosen && source.isAudible;
      const isFadingIn = source.isChosen && source.wasLeftOut;
      source.isMixed = source.isChosen;
      source.wasLeftOut = source.isAudible && !source.isChosen && !isFadingOut;
      if (!source.isChosen && !isFadingOut) {
        if (source.popped === 'packet') {
          if (source.isAudible) this.stats.skippedNotLoudest++;
          else this.stats.skippedInaudible++;
        }
        continue;
      }
      this.stats.decoded++;
      if (source.popped === 'packet') {
        // Opus needs the exact packet length: a view of the slot (one small object per packet).
        source.decoder.decode(source.jitter.payload.subarray(0, source.jitter.payloadLength), decoded);
      } else {
        source.decoder.conceal(decoded);
      }
      if (isFadingOut) {
        for (let i = 0; i < n; i++) sum[i] = sum[i]! + ((decoded[i]! * (n - 1 - i)) / n | 0);
      } else if (isFadingIn) {
        for (let i = 0; i < n; i++) sum[i] = sum[i]! + ((decoded[i]! * (i + 1)) / n | 0);
      } else {
        for (let i = 0; i < n; i++) sum[i] = sum[i]! + decoded[i]!;
      }
    }
    const mix = this.#mix;
    for (let i = 0; i < n; i++) {
      const v = sum[i]!;
      mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return mix;
  }

  close(): void {
    this.#isClosed = true;
    this.#sources.clear();
  }

  /**
   * Takes every source's next packet and decides what could be heard; marks those chosen (all of
   * them, until #chooseLoudest narrows it). Returns how many audible sources with a level compete.
   */
  #playOut(): number {
    let competing = 0;
    for (const source of this.#sources.values()) {
      const next = source.jitter.pop();
      source.popped = next;
      if (next === 'empty') {
        source.isAudible = false;
        if (++source.silentTicks >= this.#silentTicksBeforeDrop) this.#sources.delete(source.ssrc);
      } else if (next === 'packet') {
        source.silentTicks = 0;
        const level = source.jitter.tag;
        source.hasLevel = level >= 0;
        if (level >= 0) source.smoothedLevel += (level - source.smoothedLevel) * LEVEL_SMOOTHING;
        source.isAudible = source.jitter.payloadLength > MAX_DTX_BYTES && !(level >= INAUDIBLE_LEVEL);
      } else {
        // A lost packet: concealed only for a talker being heard (after DTX or silence there is nothing to conceal).
        source.silentTicks = 0;
        source.isAudible = source.isMixed;
      }
      if (!source.isAudible) source.smoothedLevel += (127 - source.smoothedLevel) * LEVEL_SMOOTHING;
      source.isChosen = source.isAudible;
      if (source.isAudible && source.hasLevel) competing++;
    }
    return competing;
  }

  /** Keeps `loudestTalkers` of the audible sources with a level (sources without one stay chosen). */
  #chooseLoudest(): void {
    for (const source of this.#sources.values()) if (source.hasLevel) source.isChosen = false;
    for (let k = 0; k < this.#loudestTalkers; k++) {
      let best: MixSource | undefined;
      let bestScore = Infinity;
      for (const source of this.#sources.values()) {
        if (!source.isAudible || !source.hasLevel || source.isChosen) continue;
        const score = source.smoothedLevel - (source.isMixed ? HYSTERESIS_DB : 0);
        if (score < bestScore) {
          bestScore = score;
          best = source;
        }
      }
      if (best === undefined) return;
      best.isChosen = true;
    }
  }
}
