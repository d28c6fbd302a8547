// The caller's audio as Opus for the conference (implements the call flow's FrameEncoder): 48 kHz
// frames until fitTo(codec) names the phone's codec, then frames at that codec's own rate with the
// bandwidth capped to what the phone can carry (narrowband for G.711, wideband for G.722): libopus
// takes 8/16 kHz input natively, so nothing is resampled, and SILK alone costs about half of
// fullband (bench/sip/codec-cost.ts).
import { OpusFrameEncoder, opusBandwidthForPhone } from './opus-codec.ts';
import { phoneRateOf } from './phone-audio.ts';
import type { PhoneCodecName } from './phone-audio.ts';

export class ConferenceFrameEncoder {
  #opus = new OpusFrameEncoder();

  /** Samples per frame `encode` takes now. */
  get frameSamples(): number {
    return this.#opus.frameSamples;
  }

  /** Encodes one 20 ms frame (`frameSamples` long); the packet is valid until the next call. */
  encode(pcm: Int16Array): Uint8Array {
    return this.#opus.encode(pcm);
  }

  /** Takes frames at `codec`'s own rate from now on (a new encoder: once per call, or per codec change). */
  fitTo(codec: PhoneCodecName): void {
    this.#opus = new OpusFrameEncoder({ sampleRate: phoneRateOf(codec), maxBandwidth: opusBandwidthForPhone(codec) });
  }

  /** Nothing to free: the native encoder goes with the object. */
  close(): void {}
}
