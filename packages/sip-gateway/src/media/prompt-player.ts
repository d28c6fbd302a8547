// Spoken prompts for callers: loaded once from the committed G.722 files in prompts/ (made by
// scripts/make-prompts.sh), decoded with our own G.722 decoder and upsampled to 48 kHz, then played
// to a PhoneAudioPort one 20 ms frame per tick of the shared frame clock.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { FRAME_SAMPLES } from './phone-audio.ts';
import type { PhoneAudioPort } from './phone-audio.ts';
import { G722Decoder } from './g722.ts';
import { createUpsampler } from './resampler.ts';

/** Every prompt the gateway can say. */
export const PROMPT_NAMES = ['welcome', 'pin-retry', 'pin-goodbye', 'joining', 'muted', 'unmuted', 'locked', 'unavailable'] as const;
/** A prompt's name (the file prompts/<name>.g722). */
export type PromptName = (typeof PROMPT_NAMES)[number];

/** Decoded prompts: 48 kHz mono, a whole number of frames each. */
export type PromptLibrary = ReadonlyMap<PromptName, Int16Array>;

/** The prompts/ folder of this package (when running from source). */
export const DEFAULT_PROMPTS_DIRECTORY = fileURLToPath(new URL('../../prompts/', import.meta.url));

/** Reads and decodes every prompt; throws if a file is missing (a broken install, found at startup). */
export function loadPrompts(directory: string = DEFAULT_PROMPTS_DIRECTORY): PromptLibrary {
  const library = new Map<PromptName, Int16Array>();
  for (const name of PROMPT_NAMES) library.set(name, decodePrompt(readFileSync(join(directory, `${name}.g722`))));
  return library;
}

/** G.722 octets (16 kHz) → 48 kHz PCM padded to whole 20 ms frames. */
export function decodePrompt(g722: Uint8Array): Int16Array {
  const wide = new Int16Array(g722.length * 2);
  new G722Decoder().decode(g722, wide);
  const block = 320;
  const frames = Math.ceil(wide.length / block);
  const out = new Int16Array(frames * FRAME_SAMPLES);
  const up = createUpsampler(16000);
  const input = new Int16Array(block);
  const frame = new Int16Array(FRAME_SAMPLES);
  for (let f = 0; f < frames; f++) {
    input.fill(0);
    input.set(wide.subarray(f * block, Math.min(wide.length, (f + 1) * block)));
    up.process(input, frame);
    out.set(frame, f * FRAME_SAMPLES);
  }
  return out;
}

/** What the player needs from the frame clock. */
export type PromptTicker = { onTick(tick: () => void): () => void };

/** Plays prompts to phones on the shared clock. */
export class PromptPlayer {
  readonly #ticker: PromptTicker;
  readonly #prompts: PromptLibrary;

  constructor(deps: { ticker: PromptTicker; prompts: PromptLibrary }) {
    this.#ticker = deps.ticker;
    this.#prompts = deps.prompts;
  }

  /** Duration of a prompt in milliseconds. */
  durationMs(prompt: PromptName): number {
    return ((this.#prompts.get(prompt)?.length ?? 0) / FRAME_SAMPLES) * 20;
  }

  /** Writes `prompt` to `port` frame by frame; resolves when it has all been written or `signal` aborts. */
  play(port: PhoneAudioPort, prompt: PromptName, signal?: AbortSignal): Promise<void> {
    const pcm = this.#prompts.get(prompt);
    if (pcm === undefined || signal?.aborted === true) return Promise.resolve();
    const frame = new Int16Array(FRAME_SAMPLES);
    return new Promise((resolve) => {
      let offset = 0;
      const finish = (): void => {
        off();
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const off = this.#ticker.onTick(() => {
        if (offset >= pcm.length) {
          finish();
          return;
        }
        for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = pcm[offset + i]!;
        offset += FRAME_SAMPLES;
        port.writeFrame(frame);
      });
      signal?.addEventListener('abort', finish, { once: true });
    });
  }
}
