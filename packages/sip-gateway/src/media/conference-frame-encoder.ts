// The caller's audio as Opus for the conference (implements the call flow's FrameEncoder): 48 kHz
// frames until fitTo(codec) names the phone's codec, then frames at that codec's own rate with the
// bandwidth capped to what the phone can carry (narrowband for G.711, wideband for G.722): libopus
// takes 8/16 kHz input natively, so nothing is resampled, and SILK alone costs about half of
// fullband (bench/sip/codec-cost.ts). The complexity follows the gateway's load (EncoderLoadGovernor).
import { OpusFrameEncoder, opusBandwidthForPhone } from './opus-codec.ts';
import type { OpusComplexity } from './opus-codec.ts';
import { phoneRateOf } from './phone-audio.ts';
import type { PhoneCodecName } from './phone-audio.ts';

/** Where the complexity to encode at comes from (the gateway's EncoderLoadGovernor). */
export type ComplexitySource = { readonly complexity: OpusComplexity };

const FIXED_DEFAULT: ComplexitySource = { complexity: 5 };

export class ConferenceFrameEncoder {
  readonly #complexity: ComplexitySource;
  #opus: OpusFrameEncoder;

  constructor(complexity: ComplexitySource = FIXED_DEFAULT) {
    this.#complexity = complexity;
    this.#opus = new OpusFrameEncoder({ complexity: complexity.complexity });
  }

  /** Samples per frame `encode` takes now. */
  get frameSamples(): number {
    return this.#opus.frameSamples;
  }

  /** The complexity the last frame was encoded at. */
  get complexity(): OpusComplexity {
    return this.#opus.complexity;
  }

  /** Encodes one 20 ms frame (`frameSamples` long); the packet is valid until the next call. */
  encode(pcm: Int16Array): Uint8Array {
    this.#opus.complexity = this.#complexity.complexity;
    return this.#opus.encode(pcm);
  }

  /** Takes frames at `codec`'s own rate from now on (a new encoder: once per call, or per codec change). */
  fitTo(codec: PhoneCodecName): void {
    this.#opus = new OpusFrameEncoder({ sampleRate: phoneRateOf(codec), maxBandwidth: opusBandwidthForPhone(codec), complexity: this.#complexity.complexity });
  }

  /** Nothing to free: the native encoder goes with the object. */
  close(): void {}
}
