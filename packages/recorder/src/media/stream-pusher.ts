// Live streaming (protocols.md §6 stream mode): the composed view pushed to an RTMP server by one
// composing ffmpeg (composer.ts, FLV output). An RTMP server that drops the connection or refuses
// it ends that ffmpeg; the pusher starts a fresh one after a delay that doubles per failed attempt
// (bounded), so the session survives a restarting ingest. Down for longer than `giveUpAfterMs` in a
// row (or never up): the stream has failed and the session ends. "Live" means ffmpeg reports output
// bytes written (`-progress`), i.e. the RTMP handshake succeeded and media flows.
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { ComposerOptions } from './composer.ts';
import { Composer } from './composer.ts';
import type { RecordedSource } from './recorded-source.ts';
import type { StreamTarget } from './stream-target.ts';

export type StreamPusherOptions = {
  readonly target: StreamTarget;
  readonly composed: ComposerOptions;
  readonly videoBitrateKbps: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly giveUpAfterMs: number;
  /** Scratch directory for ffmpeg's SDP file. */
  readonly dir: string;
  readonly ffmpegPath: string;
  readonly log: Logger;
};

export type StreamPusherEvents = {
  /** A composer started: its SSRC → port map replaces the previous one (undefined at first). */
  ports: [ports: ReadonlyMap<number, number>, previous: ReadonlyMap<number, number> | undefined];
  /** Media reaches the RTMP server (first time, or again after a drop). */
  live: [];
  /** Down for longer than giveUpAfterMs: no more attempts. */
  failed: [reason: string];
  /** finish() was called: no more attempts. */
  finishing: [];
};

export class StreamPusher {
  readonly events: TypedEmitter<StreamPusherEvents>;
  #composer: Composer | undefined;
  #isLive = false;
  #isStopping = false;
  #hasFailed = false;
  #delayMs: number;
  #retry: NodeJS.Timeout | undefined;
  #giveUp: NodeJS.Timeout | undefined;
  #attempts = 0;

  constructor(private readonly sources: readonly RecordedSource[], private readonly o: StreamPusherOptions) {
    this.events = new TypedEmitter<StreamPusherEvents>(o.log);
    this.#delayMs = o.reconnectMinDelayMs;
  }

  get isLive(): boolean {
    return this.#isLive;
  }

  /** Connection attempts so far (1 + reconnections). */
  get attempts(): number {
    return this.#attempts;
  }

  /** Starts the first attempt; `live` or `failed` follow. */
  async start(): Promise<void> {
    this.#armGiveUp();
    await this.#launch();
  }

  /** No more attempts; the running ffmpeg finishes (its inputs go idle once forwarding stops). */
  async finish(timeoutMs: number): Promise<void> {
    if (!this.#isStopping) {
      this.#isStopping = true;
      clearTimeout(this.#retry);
      clearTimeout(this.#giveUp);
      this.events.emit('finishing');
    }
    await this.#composer?.finish(timeoutMs);
  }

  async #launch(): Promise<void> {
    if (this.#isStopping || this.#hasFailed) return;
    this.#attempts++;
    const previous = this.#composer?.ports;
    const composer = await Composer.start(this.sources, this.o.dir, this.o.ffmpegPath, this.o.composed, this.o.log, {
      kind: 'rtmp', target: this.o.target, videoBitrateKbps: this.o.videoBitrateKbps,
      onProgress: (key, value) => {
        if (key === 'total_size' && Number(value) > 0 && this.#composer === composer) this.#onLive();
      },
    });
    if (this.#isStopping || this.#hasFailed) {
      // Finished or failed while this one was starting: it has no stream to push.
      void composer.finish(1_000);
      return;
    }
    this.#composer = composer;
    this.events.emit('ports', composer.ports, previous);
    void composer.exited.then((status) => {
      if (this.#composer === composer) this.#onDown(status);
    });
  }

  #onLive(): void {
    if (this.#isLive) return;
    this.#isLive = true;
    this.#delayMs = this.o.reconnectMinDelayMs;
    clearTimeout(this.#giveUp);
    this.o.log.info('live stream up', { target: this.o.target.redacted, attempt: this.#attempts });
    this.events.emit('live');
  }

  #onDown(status: string): void {
    if (this.#isStopping || this.#hasFailed) return;
    if (this.#isLive) {
      this.#isLive = false;
      this.#armGiveUp();
      this.o.log.warn('live stream dropped: reconnecting', { target: this.o.target.redacted, status });
    }
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, this.o.reconnectMaxDelayMs);
    this.#retry = setTimeout(() => {
      this.#launch().catch((error: unknown) => this.#fail(`stream could not restart: ${(error as Error).message}`));
    }, delay);
  }

  /** Fails the stream if it is still down `giveUpAfterMs` after it went down. */
  #armGiveUp(): void {
    clearTimeout(this.#giveUp);
    this.#giveUp = setTimeout(() => {
      if (!this.#isLive) this.#fail(`the RTMP server was unreachable for ${Math.round(this.o.giveUpAfterMs / 1000)} s`);
    }, this.o.giveUpAfterMs);
  }

  #fail(reason: string): void {
    if (this.#hasFailed || this.#isStopping) return;
    this.#hasFailed = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#giveUp);
    this.o.log.warn('live stream failed', { target: this.o.target.redacted, reason });
    this.events.emit('failed', reason);
  }
}
