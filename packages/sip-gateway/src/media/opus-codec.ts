// The only file that touches @evan/opus (native libopus; dependencies.md §5). Mono, 20 ms, at
// 48 kHz or at a phone's own rate (8/16 kHz): libopus takes and gives any of them natively, which
// spares our resamplers and a 48 kHz mix for a G.711 or G.722 call (bench/sip).
// The native binding returns copies (a small allocation per frame we cannot avoid without forking
// it); everything on our side reuses preallocated arrays.
import { Decoder, Encoder } from '@evan/opus';
import type { PhoneCodecName } from './phone-audio.ts';

/** Audio bandwidth the encoder may use (RFC 6716 §2: NB 4 kHz, WB 8 kHz, FB 20 kHz). */
export type OpusBandwidth = 'narrowband' | 'wideband' | 'fullband';

/**
 * The bandwidth worth encoding for a phone's audio: a G.711 caller has nothing above 4 kHz and a
 * G.722 caller nothing above 7 kHz, and a narrower band lets libopus use SILK alone, which costs
 * about half the CPU of fullband on speech (bench/sip/codec-cost.ts).
 */
export function opusBandwidthForPhone(codec: PhoneCodecName): OpusBandwidth {
  switch (codec) {
    case 'PCMU':
    case 'PCMA':
      return 'narrowband';
    case 'G722':
      return 'wideband';
    case 'opus':
      return 'fullband';
  }
}

/** Sample rates libopus encodes from and decodes to that the gateway uses. */
export type OpusPcmRate = 8000 | 16000 | 48000;

/** libopus encoder complexity. */
export type OpusComplexity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Opus encoder for 20 ms mono frames (48 kHz unless `sampleRate` says otherwise), tuned for speech (VOIP application). */
export class OpusFrameEncoder {
  readonly #encoder: Encoder;
  /** Samples per 20 ms frame at the input rate. */
  readonly frameSamples: number;
  #complexity: OpusComplexity;

  /**
   * `complexity` 0-10 trades CPU for quality; 5 (the default here, libopus defaults to 10) costs
   * about 70% of 10 on speech, which matters at one encoder per call (bench/sip/codec-cost.ts).
   */
  constructor(options: { bitrateBps?: number; complexity?: OpusComplexity; maxBandwidth?: OpusBandwidth; sampleRate?: OpusPcmRate } = {}) {
    const sampleRate = options.sampleRate ?? 48_000;
    this.frameSamples = sampleRate / 50;
    this.#encoder = new Encoder({ channels: 1, sample_rate: sampleRate, application: 'voip' });
    this.#encoder.bitrate = options.bitrateBps ?? 32_000;
    this.#complexity = options.complexity ?? 5;
    this.#encoder.complexity = this.#complexity;
    if (options.maxBandwidth !== undefined) this.#encoder.max_bandwidth = options.maxBandwidth;
  }

  get complexity(): OpusComplexity {
    return this.#complexity;
  }

  /** Takes effect from the next frame on (an encoder ctl: cheap, but only called on a change). */
  set complexity(complexity: OpusComplexity) {
    if (complexity === this.#complexity) return;
    this.#complexity = complexity;
    this.#encoder.complexity = complexity;
  }

  /** Encodes one 20 ms frame (`frameSamples` long); the returned packet is only valid until the next call. */
  encode(pcm: Int16Array): Uint8Array {
    return this.#encoder.encode(pcm);
  }

  /** Nothing to free: the native encoder is released with the object (kept for the FrameEncoder port). */
  close(): void {}
}

/** Opus decoder with packet-loss concealment, writing mono frames at 48 kHz (or `sampleRate`). */
export class OpusFrameDecoder {
  readonly #decoder: Decoder;
  /** Samples per 20 ms at the output rate. */
  readonly frameSamples: number;
  /** The ToC byte of the last good packet: a ToC-only packet makes libopus conceal (RFC 6716 §4.4). */
  readonly #concealPacket = new Uint8Array(1);
  #hasDecoded = false;
  /** Samples written by the last decode/conceal: a packet may hold 10-120 ms (`out` permitting). */
  samples = 0;

  constructor(options: { sampleRate?: OpusPcmRate } = {}) {
    const sampleRate = options.sampleRate ?? 48_000;
    this.frameSamples = sampleRate / 50;
    this.#decoder = new Decoder({ channels: 1, sample_rate: sampleRate });
  }

  /**
   * Decodes one packet into `out` (at least `frameSamples` long; samples past `out`'s end are cut);
   * returns false (and conceals) if it is corrupt.
   */
  decode(packet: Uint8Array, out: Int16Array): boolean {
    if (packet.length === 0) {
      this.conceal(out);
      return false;
    }
    let bytes: Uint8Array;
    try {
      bytes = this.#decoder.decode(packet);
    } catch {
      // A malformed packet from the network: treat it like a lost one.
      this.conceal(out);
      return false;
    }
    this.#concealPacket[0] = packet[0]! & 0xfc; // code 0: one frame, no data
    this.#hasDecoded = true;
    this.samples = copyPcm(bytes, out, this.frameSamples);
    return true;
  }

  /** Fills `out` with libopus's concealment of a missing 20 ms (silence before the first packet). */
  conceal(out: Int16Array): void {
    const frame = this.frameSamples;
    this.samples = frame;
    if (!this.#hasDecoded) {
      out.fill(0, 0, frame);
      return;
    }
    try {
      this.samples = copyPcm(this.#decoder.decode(this.#concealPacket), out, frame);
    } catch {
      // Concealment of an unusual ToC failed: silence is the safe fallback.
      out.fill(0, 0, frame);
    }
  }
}

/** Copies the decoder's 16-bit samples into `out` (zero-padding up to `frameSamples`); returns the count. */
function copyPcm(bytes: Uint8Array, out: Int16Array, frameSamples: number): number {
  const samples = Math.min(bytes.length >> 1, out.length);
  if ((bytes.byteOffset & 1) === 0) {
    // The binding hands out a fresh, aligned copy in host (little-endian) order: view and memcpy it.
    out.set(new Int16Array(bytes.buffer, bytes.byteOffset, samples));
  } else {
    for (let i = 0; i < samples; i++) out[i] = ((bytes[2 * i + 1]! << 24) >> 16) | bytes[2 * i]!;
  }
  if (samples < frameSamples) out.fill(0, samples, Math.min(frameSamples, out.length));
  return samples;
}
