// Live streaming (protocols.md §6 stream mode): the composed view, following the meeting, pushed to
// an RTMP server. Two parts with separate lifetimes: the layouts (stream-layouts.ts: a composer per
// layout, switched as people join, leave, mute or share) and the one RTMP connection
// (stream-publisher.ts: reconnects with back-off when the server drops it, gives up after
// `giveUpAfterMs` down). A layout change never touches the connection; a reconnection never
// restarts a layout. The sockets between them live in a directory only this process can enter.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { ComposedScene } from './composed-layout.ts';
import type { ComposerOptions } from './composer.ts';
import type { ComposerFeed } from './composer-feed.ts';
import type { RecordedSource } from './recorded-source.ts';
import { StreamLayouts } from './stream-layouts.ts';
import { StreamPublisher } from './stream-publisher.ts';
import type { StreamTarget } from './stream-target.ts';

export type StreamPusherOptions = {
  readonly target: StreamTarget;
  readonly composed: ComposerOptions;
  readonly videoBitrateKbps: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly giveUpAfterMs: number;
  /** Scratch directory (SDP files, the private socket directory); removed by the session at the end. */
  readonly dir: string;
  readonly ffmpegPath: string;
  readonly log: Logger;
  /** Carries the sources to whichever composer shows them. */
  readonly feed: ComposerFeed;
  /** What the view should show now (asked at each layout switch). */
  readonly scene: () => ComposedScene;
  /** A new composer reads these videos from a key frame: ask their senders for one. */
  readonly askKeyFrames: (videos: readonly RecordedSource[]) => void;
};

export type StreamPusherEvents = {
  /** Media reaches the RTMP server (first time, or again after a drop). */
  live: [];
  /** Down for longer than giveUpAfterMs: no more attempts. */
  failed: [reason: string];
  /** finish() was called: no more attempts. */
  finishing: [];
};

export class StreamPusher {
  readonly events: TypedEmitter<StreamPusherEvents>;
  #publisher: StreamPublisher | undefined;
  #layouts: StreamLayouts | undefined;
  #finishing: Promise<void> | undefined;

  constructor(private readonly o: StreamPusherOptions) {
    this.events = new TypedEmitter<StreamPusherEvents>(o.log);
  }

  get isLive(): boolean {
    return this.#publisher?.isLive ?? false;
  }

  /** Connection attempts so far (1 + reconnections). */
  get attempts(): number {
    return this.#publisher?.attempts ?? 0;
  }

  /** Layouts composed so far. */
  get layouts(): number {
    return this.#layouts?.count ?? 0;
  }

  /** Connects and composes the current scene; `live` or `failed` follow. */
  async start(): Promise<void> {
    const { o } = this;
    // mkdtemp makes it 0700: the meeting's stream passes through sockets in it.
    const socketDir = await mkdtemp(join(o.dir, 'sockets-'));
    const publisher = new StreamPublisher({
      target: o.target, reconnectMinDelayMs: o.reconnectMinDelayMs, reconnectMaxDelayMs: o.reconnectMaxDelayMs, giveUpAfterMs: o.giveUpAfterMs,
      socketDir, ffmpegPath: o.ffmpegPath, log: o.log,
    });
    this.#publisher = publisher;
    publisher.events.on('live', () => this.events.emit('live'));
    publisher.events.on('failed', (reason) => this.events.emit('failed', reason));
    this.#layouts = new StreamLayouts({
      dir: o.dir, socketDir, ffmpegPath: o.ffmpegPath, options: o.composed, videoBitrateKbps: o.videoBitrateKbps, log: o.log,
      feed: o.feed, scene: o.scene, askKeyFrames: o.askKeyFrames, output: (packets) => publisher.write(packets),
    });
    // The publisher reads before the first layout writes, so the stream starts at the first layout's first frame.
    await publisher.start();
    await this.#layouts.show();
  }

  /** The scene may have changed: the layout follows after a moment. */
  relayout(): void {
    if (this.#finishing === undefined) this.#layouts?.relayout();
  }

  /** True when the current layout shows or mixes `ssrc`. */
  isComposed(ssrc: number): boolean {
    return this.#layouts?.isComposed(ssrc) ?? false;
  }

  /**
   * Call before forwarding stops: no more layouts or reconnections; once the composers have ended
   * (their inputs idle) and their last packets are out, the RTMP connection is closed. Idempotent.
   */
  finish(timeoutMs: number): Promise<void> {
    this.#finishing ??= (async () => {
      this.#publisher?.stopRetrying();
      this.events.emit('finishing');
      await this.#layouts?.finish(timeoutMs);
      await this.#publisher?.finish(timeoutMs);
    })();
    return this.#finishing;
  }
}
