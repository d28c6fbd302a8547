// One call's audio on the shared frame clock. Every 20 ms: the phone's frame → (unless muted) Opus
// → the conference; the conference's mix → the phone. Before the caller is in the room (IVR) the
// phone's frames are only drained, so its jitter buffer keeps its depth, and the phone gets
// silence between prompts: media never stops, so NAT bindings and symmetric RTP stay up. While a
// prompt plays to the phone, the prompt player owns the phone's output and the mix is not written.
import type { PhoneAudioPort } from '../media/phone-audio.ts';
import { FRAME_SAMPLES } from '../media/phone-audio.ts';
import type { ConferenceMixer, ConferenceSide, FrameEncoder, FrameTicker } from './ports.ts';

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

type Conference = { readonly side: ConferenceSide; readonly mixer: ConferenceMixer; readonly encoder: FrameEncoder; readonly offs: (() => void)[] };

export class CallAudio {
  #conference: Conference | undefined;
  #isMuted = false;
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
      side.events.on('audio', (ssrc, seq, timestamp, payload) => mixer.push(ssrc, seq, timestamp, payload)),
      side.events.on('sourceRemoved', (ssrc) => mixer.removeSource(ssrc)),
    ];
    this.#conference = { side, mixer, encoder, offs };
    this.start();
  }

  setMuted(muted: boolean): void {
    this.#isMuted = muted;
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
    const pcm = this.port.readFrame();
    const c = this.#conference;
    if (c === undefined) {
      if (this.#prompts === 0) this.port.writeFrame(SILENCE);
      return;
    }
    if (!this.#isMuted) c.side.sendAudio(c.encoder.encode(pcm), levelDbovOf(pcm));
    const mix = c.mixer.mixFrame();
    if (this.#prompts === 0) this.port.writeFrame(mix);
  }
}
