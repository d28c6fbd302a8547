// The only file that touches @evan/opus (native libopus; dependencies.md §5). 48 kHz mono, 20 ms.
// The native binding returns copies (a small allocation per frame we cannot avoid without forking
// it); everything on our side reuses preallocated arrays.
import { Decoder, Encoder } from '@evan/opus';
import { FRAME_SAMPLES } from './phone-audio.ts';
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

/** libopus encoder complexity. */
export type OpusComplexity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Opus encoder for 20 ms mono frames at 48 kHz, tuned for speech (VOIP application). */
export class OpusFrameEncoder {
  readonly #encoder: Encoder;

  /**
   * `complexity` 0-10 trades CPU for quality; 5 (the default here, libopus defaults to 10) costs
   * about 70% of 10 on speech, which matters at one encoder per call (bench/sip/codec-cost.ts).
   */
  constructor(options: { bitrateBps?: number; complexity?: OpusComplexity; maxBandwidth?: OpusBandwidth } = {}) {
    this.#encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    this.#encoder.bitrate = options.bitrateBps ?? 32_000;
    this.#encoder.complexity = options.complexity ?? 5;
    if (options.maxBandwidth !== undefined) this.#encoder.max_bandwidth = options.maxBandwidth;
  }

  /** Encodes one FRAME_SAMPLES frame; the returned packet is only valid until the next call. */
  encode(pcm: Int16Array): Uint8Array {
    return this.#encoder.encode(pcm);
  }

  /** Nothing to free: the native encoder is released with the object (kept for the FrameEncoder port). */
  close(): void {}
}

/** Opus decoder with packet-loss concealment, writing 48 kHz mono frames. */
export class OpusFrameDecoder {
  readonly #decoder = new Decoder({ channels: 1, sample_rate: 48_000 });
  /** The ToC byte of the last good packet: a ToC-only packet makes libopus conceal (RFC 6716 §4.4). */
  readonly #concealPacket = new Uint8Array(1);
  #hasDecoded = false;
  /** Samples written by the last decode/conceal: a packet may hold 10-120 ms (`out` permitting). */
  samples = 0;

  /**
   * Decodes one packet into `out` (at least FRAME_SAMPLES long; samples past `out`'s end are cut);
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
    this.samples = copyPcm(bytes, out);
    return true;
  }

  /** Fills `out` with libopus's concealment of a missing 20 ms (silence before the first packet). */
  conceal(out: Int16Array): void {
    this.samples = FRAME_SAMPLES;
    if (!this.#hasDecoded) {
      out.fill(0, 0, FRAME_SAMPLES);
      return;
    }
    try {
      this.samples = copyPcm(this.#decoder.decode(this.#concealPacket), out);
    } catch {
      // Concealment of an unusual ToC failed: silence is the safe fallback.
      out.fill(0, 0, FRAME_SAMPLES);
    }
  }
}

/** Copies the decoder's 16-bit samples into `out` (zero-padding up to FRAME_SAMPLES); returns the count. */
function copyPcm(bytes: Uint8Array, out: Int16Array): number {
  const samples = Math.min(bytes.length >> 1, out.length);
  if ((bytes.byteOffset & 1) === 0) {
    // The binding hands out a fresh, aligned copy in host (little-endian) order: view and memcpy it.
    out.set(new Int16Array(bytes.buffer, bytes.byteOffset, samples));
  } else {
    for (let i = 0; i < samples; i++) out[i] = ((bytes[2 * i + 1]! << 24) >> 16) | bytes[2 * i]!;
  }
  if (samples < FRAME_SAMPLES) out.fill(0, samples, Math.min(FRAME_SAMPLES, out.length));
  return samples;
}
