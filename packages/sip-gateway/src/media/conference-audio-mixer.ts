// The conference's audio for one phone: Opus RTP payloads from the bridge, per SSRC through a
// small jitter buffer and an Opus decoder, summed with saturation into one 20 ms frame per tick.
// The number of sources is bounded; a source silent for a while is dropped (its decoder freed).
// The mix is at 48 kHz, or at the phone's own rate once fitTo(codec) says which: libopus decodes
// straight to 8/16 kHz, so a G.711 call mixes 160 samples and resamples nothing.
import { FRAME_SAMPLES, phoneRateOf } from './phone-audio.ts';
import type { PhoneCodecName } from './phone-audio.ts';
import { JitterBuffer } from './jitter-buffer.ts';
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
};

/** Opus DTX / comfort-noise packets are 1-2 bytes (RFC 6716 §3.1; Chrome's usedtx). */
const MAX_DTX_BYTES = 2;

class MixSource {
  readonly jitter: JitterBuffer;
  decoder: OpusFrameDecoder;
  silentTicks = 0;
  constructor(depthPackets: number, rate: OpusPcmRate) {
    this.jitter = new JitterBuffer({ depthPackets, capacityPackets: 32, maxPayloadBytes: 1500 });
    this.decoder = new OpusFrameDecoder({ sampleRate: rate });
  }
}

/** Decodes and mixes the bridge's Opus streams for one phone (implements the call flow's ConferenceMixer). */
export class ConferenceAudioMixer {
  readonly #maxSources: number;
  readonly #depthPackets: number;
  readonly #silentTicksBeforeDrop: number;
  readonly #sources = new Map<number, MixSource>();
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

  /** Queues one Opus RTP payload of `ssrc`. */
  push(ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array): void {
    if (this.#isClosed) return;
    let source = this.#sources.get(ssrc);
    if (source === undefined) {
      if (this.#sources.size >= this.#maxSources) return;
      source = new MixSource(this.#depthPackets, this.#rate);
      this.#sources.set(ssrc, source);
    }
    source.jitter.push(sequenceNumber, timestamp, payload, 0, payload.length);
  }

  /** Forgets a source (it left or was removed). */
  removeSource(ssrc: number): void {
    this.#sources.delete(ssrc);
  }

  /** The next 20 ms of everyone (frameSamples: 48 kHz unless fitted); the array is reused by the next call. */
  mixFrame(): Int16Array {
    const n = this.#frameSamples;
    const sum = this.#sum;
    sum.fill(0);
    const decoded = this.#decoded;
    for (const [ssrc, source] of this.#sources) {
      const next = source.jitter.pop();
      if (next === 'empty') {
        if (++source.silentTicks >= this.#silentTicksBeforeDrop) this.#sources.delete(ssrc);
        continue;
      }
      source.silentTicks = 0;
      if (next === 'packet' && source.jitter.payloadLength <= MAX_DTX_BYTES) {
        // A DTX packet (the talker is silent): comfort noise adds nothing to a mix; skip the decode.
        continue;
      }
      if (next === 'packet') {
        // Opus needs the exact packet length: a view of the slot (one small object per packet).
        source.decoder.decode(source.jitter.payload.subarray(0, source.jitter.payloadLength), decoded);
      } else {
        source.decoder.conceal(decoded);
      }
      for (let i = 0; i < n; i++) sum[i] = sum[i]! + decoded[i]!;
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
}
