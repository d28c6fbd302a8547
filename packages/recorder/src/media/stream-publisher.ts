// The live stream's one RTMP connection (protocols.md §6 stream mode). An ffmpeg reads MPEG-TS from
// a Unix socket in the session's private directory and copies it, without re-encoding, as FLV to
// the RTMP server; the layouts (stream-layouts.ts) come and go behind it, so a layout change never
// touches the connection. When the server drops the connection (or refuses it) ffmpeg ends; a fresh
// one is started after a delay that doubles per failed attempt (bounded), so the session survives a
// restarting ingest. Down for longer than `giveUpAfterMs` in a row (or never up): the stream has
// failed. "Live" means ffmpeg reports output bytes written (`-progress`): the RTMP handshake
// succeeded and media flows.
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { listenOnce } from './private-socket.ts';
import type { StreamTarget } from './stream-target.ts';
import { redactStreamTarget } from './stream-target.ts';

/**
 * Bytes waiting for a publisher that does not keep up (the RTMP server is slow) before packets are
 * dropped: ~20 s of a 1.5 Mb/s stream. Memory stays bounded; the viewer sees a glitch, not a stall.
 */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
const ANALYZE_US = 3_000_000;

export type StreamPublisherOptions = {
  readonly target: StreamTarget;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly giveUpAfterMs: number;
  /** A directory only this process can enter (the publisher's socket lives there). */
  readonly socketDir: string;
  readonly ffmpegPath: string;
  readonly log: Logger;
};

export type StreamPublisherEvents = {
  /** Media reaches the RTMP server (first time, or again after a drop). */
  live: [];
  /** Down for longer than giveUpAfterMs: no more attempts. */
  failed: [reason: string];
};

/** One ffmpeg and the socket it reads from. */
type Attempt = { readonly server: Server; ffmpeg: FfmpegProcess | undefined; input: Socket | undefined };

export class StreamPublisher {
  readonly events: TypedEmitter<StreamPublisherEvents>;
  #attempt: Attempt | undefined;
  #isLive = false;
  #isStopping = false;
  #hasFailed = false;
  #delayMs: number;
  #retry: NodeJS.Timeout | undefined;
  #giveUp: NodeJS.Timeout | undefined;
  #attempts = 0;
  #droppedBytes = 0;

  constructor(private readonly o: StreamPublisherOptions) {
    this.events = new TypedEmitter<StreamPublisherEvents>(o.log);
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

  /**
   * Whole MPEG-TS packets for the stream. While no publisher reads (starting, reconnecting) they are
   * dropped: a publisher starting mid-stream waits for the next key frame anyway.
   */
  write(packets: Buffer): void {
    const input = this.#attempt?.input;
    if (input === undefined || input.destroyed) return;
    if (input.writableLength > MAX_BACKLOG_BYTES) {
      if (this.#droppedBytes === 0) this.o.log.warn('live stream: the RTMP server does not keep up, dropping', { target: this.o.target.redacted });
      this.#droppedBytes += packets.length;
      return;
    }
    input.write(packets);
  }

  /** No more attempts. */
  stopRetrying(): void {
    this.#isStopping = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#giveUp);
  }

  /** No more attempts; the running ffmpeg reads to the end of its input, closes the RTMP connection and ends. */
  async finish(timeoutMs: number): Promise<void> {
    this.stopRetrying();
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    attempt.input?.end();
    attempt.server.close();
    await attempt.ffmpeg?.finish(timeoutMs);
    if (this.#droppedBytes > 0) this.o.log.warn('live stream: bytes dropped while the RTMP server lagged', { bytes: this.#droppedBytes });
  }

  async #launch(): Promise<void> {
    if (this.#isStopping || this.#hasFailed) return;
    this.#attempts++;
    const path = join(this.o.socketDir, `publisher-${this.#attempts}.sock`);
    let connected: (() => void) | undefined;
    const isConnected = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const attempt: Attempt = { server: await listenOnce(path, (socket) => {
      attempt.input = socket;
      connected?.();
    }), ffmpeg: undefined, input: undefined };
    this.#attempt = attempt;
    try {
      attempt.ffmpeg = await FfmpegProcess.start(this.o.ffmpegPath, [
        // MPEG-TS has no header: ffmpeg reads ahead for analyzeduration to learn the streams. 3 s of the
        // stream holds a key frame even when it starts mid-picture (one every 2 s), the first layout's
        // packets meanwhile are kept and sent on at once.
        '-fpsprobesize', '0', '-analyzeduration', String(ANALYZE_US), '-f', 'mpegts', '-i', `unix:${path}`, '-map', '0', '-c', 'copy',
        '-progress', 'pipe:2', '-flvflags', 'no_duration_filesize', '-f', 'flv', this.o.target.url,
      ], 'stream-publisher', this.o.log, {
        redact: (text) => redactStreamTarget(text, this.o.target),
        onProgress: (key, value) => {
          if (key === 'total_size' && Number(value) > 0 && this.#attempt === attempt) this.#onLive();
        },
      });
    } catch (error) {
      attempt.server.close();
      throw error;
    }
    if (this.#isStopping || this.#hasFailed) {
      // Finished or failed while this one was starting.
      void attempt.ffmpeg.finish(1_000);
      return;
    }
    void attempt.ffmpeg.exited.then((status) => {
      attempt.server.close();
      attempt.input?.destroy();
      if (this.#attempt === attempt) this.#onDown(status);
    });
    // ffmpeg connects as it starts: packets written from then on reach it (the first layout's first frame included).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([isConnected, attempt.ffmpeg.exited, new Promise((resolve) => {
      timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
    })]).finally(() => clearTimeout(timer));
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
