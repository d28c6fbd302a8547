// One call's audio on the shared frame clock. Every 20 ms: the phone's frame → (unless muted) Opus
// → the conference; the conference's mix → the phone. Before the caller is in the room (IVR) the
// phone's frames are only drained, so its jitter buffer keeps its depth, and the phone gets
// silence between prompts: media never stops, so NAT bindings and symmetric RTP stay up. While a
// prompt plays to the phone, the prompt player owns the phone's output and the mix is not written.
// When the port, the mixer and the encoder all can, the conference audio runs at the phone codec's
// own rate (8 kHz for G.711): libopus decodes and encodes at that rate and nothing is resampled.
// The caller's silence is not encoded or sent (caller-silence.ts).
import type { PhoneAudioPort, PhoneCodecName } from '../media/phone-audio.ts';
import { FRAME_SAMPLES } from '../media/phone-audio.ts';
import type { ConferenceMixer, ConferenceSide, FrameEncoder, FrameTicker } from './ports.ts';
import { CallerSilence } from './caller-silence.ts';

/** RFC 6464 level of silence (-127 dBov). */
const SILENT_DBOV = 127;

/** RFC 6464 level of a frame: -dBov of its RMS, 0 (full scale) … 127 (silence). Allocates nothing. */
export function levelDbovOf(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] as number;
    sum += s * s;
  }
  if (sum === 0) return SILENT_DBOV;
  const rms = Math.sqrt(sum / pcm.length) / 32768;
  const dbov = -20 * Math.log10(rms);
  return Math.max(0, Math.min(SILENT_DBOV, Math.round(dbov)));
}

const SILENCE = new Int16Array(FRAME_SAMPLES);

type Conference = {
  readonly side: ConferenceSide; readonly mixer: ConferenceMixer; readonly encoder: FrameEncoder; readonly offs: (() => void)[];
  /** The phone's codec when last looked at (a re-INVITE may change it). */
  codec: PhoneCodecName | undefined;
  /** Whether the mixer and encoder run at that codec's own rate (else at 48 kHz). */
  isNative: boolean;
};

export class CallAudio {
  #conference: Conference | undefined;
  #isMuted = false;
  readonly #silence = new CallerSilence();
  #prompts = 0;
  #stopTick: (() => void) | undefined;

  constructor(private readonly port: PhoneAudioPort, private readonly ticker: FrameTicker) {}

  get isMuted(): boolean {
    return this.#isMuted;
  }

  /** Starts draining the phone (IVR); idempotent. */
  start(): void {
    this.#stopTick ??= this.ticker.onTick(() => this.#tick());
  }

  /** The caller is in the room: audio flows both ways from the next tick. */
  connect(side: ConferenceSide, mixer: ConferenceMixer, encoder: FrameEncoder): void {
    const offs = [
      side.events.on('audio', (ssrc, seq, timestamp, payload, level) => mixer.push(ssrc, seq, timestamp, payload, level)),
      side.events.on('sourceRemoved', (ssrc) => mixer.removeSource(ssrc)),
    ];
    this.#conference = { side, mixer, encoder, offs, codec: undefined, isNative: false };
    this.start();
  }

  setMuted(muted: boolean): void {
    this.#isMuted = muted;
    this.#silence.reset();
  }

  /** Runs `play` (a prompt written to the phone) with the mix held back meanwhile. */
  async whilePrompting(play: () => Promise<void>): Promise<void> {
    this.#prompts++;
    try {
      await play();
    } finally {
      this.#prompts--;
    }
  }

  /** Stops the clock and frees the codecs; the port and the leg belong to the call. Idempotent. */
  stop(): void {
    this.#stopTick?.();
    this.#stopTick = undefined;
    const c = this.#conference;
    this.#conference = undefined;
    if (c === undefined) return;
    for (const off of c.offs) off();
    c.mixer.close();
    c.encoder.close();
  }

  #tick(): void {
    const c = this.#conference;
    if (c === undefined) {
      this.port.readFrame();
      if (this.#prompts === 0) this.port.writeFrame(SILENCE);
      return;
    }
    const port = this.port;
    const codec = port.negotiated?.codec;
    // Fit on connect and again if a re-INVITE changed the codec.
    if (codec !== c.codec && codec !== undefined) this.#fit(c, codec);
    const isNative = c.isNative;
    const pcm = isNative ? port.readNativeFrame!() : port.readFrame();
    if (!this.#isMuted) {
      const level = levelDbovOf(pcm);
      if (this.#silence.isSent(level)) c.side.sendAudio(c.encoder.encode(pcm), level);
      else c.side.skipAudio?.();
    }
    const mix = c.mixer.mixFrame();
    if (this.#prompts === 0) {
      if (isNative) port.writeNativeFrame!(mix);
      else port.writeFrame(mix);
    }
  }

  #fit(c: Conference, codec: PhoneCodecName): void {
    const port = this.port;
    c.codec = codec;
    c.isNative = port.readNativeFrame !== undefined && port.writeNativeFrame !== undefined
      && c.mixer.fitTo !== undefined && c.encoder.fitTo !== undefined;
    if (!c.isNative) return;
    c.mixer.fitTo!(codec);
    c.encoder.fitTo!(codec);
  }
}
