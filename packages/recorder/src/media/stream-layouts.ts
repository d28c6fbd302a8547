// A live stream that follows the meeting. ffmpeg's filter graph is fixed once it runs, so, as for
// the composed file (composed-recording.ts), each layout is its own composer: when the scene changes
// a new composer starts, writing MPEG-TS to a private Unix socket; once it listens the feed moves
// every source to it (a video gets its last key frame there at once), and the moment its first
// packets arrive they go on air in place of the previous composer's, which had its inputs taken
// away at the move and so has shown everything up to it. The publisher (stream-publisher.ts) sees
// one MPEG-TS stream and keeps its one RTMP connection: only whole 188-byte packets cross a switch
// (ts-packets.ts), and their timestamps and counters are rewritten to run on (ts-splice.ts).
// A composer that dies on air (it should not) is replaced by a fresh one of the current scene.
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import type { ComposedScene } from './composed-layout.ts';
import { sceneKey, sceneSources } from './composed-layout.ts';
import type { ComposerOptions } from './composer.ts';
import { Composer } from './composer.ts';
import type { ComposerFeed } from './composer-feed.ts';
import { waitUntilBound } from './loopback-ports.ts';
import { listenOnce } from './private-socket.ts';
import type { RecordedSource } from './recorded-source.ts';
import { TsPacketCutter } from './ts-packets.ts';
import { TsSplicer } from './ts-splice.ts';

/** Changes that come together (a joiner's audio and video source-add, a presence) make one switch. */
const SETTLE_MS = 250;
/** Layouts change at most this often: each switch costs a composer start (CPU, a fraction of a second of delay). */
const MIN_LAYOUT_MS = 2_000;
const READY_TIMEOUT_MS = 5_000;
/** A composer probes its inputs for up to 5 s (composer.ts); one that has not written by then is given up. */
const FIRST_OUTPUT_TIMEOUT_MS = 7_000;

export type StreamLayoutsDeps = {
  /** The session's scratch directory (SDP files). */
  readonly dir: string;
  /** A directory only this process can enter (the composers' sockets). */
  readonly socketDir: string;
  readonly ffmpegPath: string;
  readonly options: ComposerOptions;
  readonly videoBitrateKbps: number;
  readonly log: Logger;
  readonly feed: ComposerFeed;
  /** What the view should show now (asked at each switch). */
  readonly scene: () => ComposedScene;
  /** A new composer reads these videos from a key frame: ask their senders for one. */
  readonly askKeyFrames: (videos: readonly RecordedSource[]) => void;
  /** Whole MPEG-TS packets of the layout on air, in order. */
  readonly output: (packets: Buffer) => void;
};

/** One layout's composer and the socket it writes to. */
class Layout {
  readonly cutter = new TsPacketCutter();
  composer: Composer | undefined;
  hasBeenOnAir = false;
  #onAir: (() => void) | undefined;
  /** Resolves when its first packets went on air. */
  readonly onAir = new Promise<void>((resolve) => {
    this.#onAir = resolve;
  });

  constructor(readonly n: number, readonly server: Server) {}

  wentOnAir(): void {
    this.hasBeenOnAir = true;
    this.#onAir?.();
    this.#onAir = undefined;
  }
}

export class StreamLayouts {
  readonly #running = new Set<Layout>();
  readonly #splicer = new TsSplicer();
  /** The layout the feed sends to, and the one whose packets go out (the same once it has written). */
  #fed: Layout | undefined;
  #onAir: Layout | undefined;
  #fedKey = '';
  #count = 0;
  #switching: Promise<void> = Promise.resolve();
  #settle: NodeJS.Timeout | undefined;
  #fedSinceMs = 0;
  #isFinishing = false;

  constructor(private readonly deps: StreamLayoutsDeps) {}

  /** Layouts started so far. */
  get count(): number {
    return this.#count;
  }

  /** True when the layout being fed shows or mixes `ssrc`. */
  isComposed(ssrc: number): boolean {
    return this.#fed?.composer?.ports.has(ssrc) ?? false;
  }

  /** Switches to the current scene now; resolves once the new layout is on air (or given up). */
  show(): Promise<void> {
    this.#switching = this.#switching.then(() => this.#switch()).catch((error: unknown) => {
      this.deps.log.warn('stream layout could not change', { err: (error as Error).message });
    });
    return this.#switching;
  }

  /** The scene may have changed: switch after a moment (changes arriving together make one layout). */
  relayout(): void {
    if (this.#isFinishing || this.#fed === undefined) return;
    clearTimeout(this.#settle);
    const age = Date.now() - this.#fedSinceMs;
    this.#settle = setTimeout(() => void this.show(), Math.max(SETTLE_MS, MIN_LAYOUT_MS - age));
    this.#settle.unref();
  }

  /** Call before forwarding stops: no more switches; resolves once every composer has ended (their inputs went idle). */
  async finish(timeoutMs: number): Promise<void> {
    this.#isFinishing = true;
    clearTimeout(this.#settle);
    await this.#switching;
    await Promise.all([...this.#running].map((l) => l.composer?.finish(timeoutMs)));
  }

  async #switch(): Promise<void> {
    if (this.#isFinishing) return;
    const scene = this.deps.scene();
    const key = sceneKey(scene);
    const sources = sceneSources(scene);
    // Nobody sends anything: the last layout stays (its inputs are kept flowing by the feed).
    if (key === this.#fedKey || sources.length === 0) return;
    const n = this.#count++;
    const path = join(this.deps.socketDir, `layout-${n}.sock`);
    let layout: Layout | undefined;
    const server = await listenOnce(path, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        if (layout !== undefined) layout.cutter.cut(chunk, (packets) => this.#onPackets(layout as Layout, packets));
      });
    });
    layout = new Layout(n, server);
    try {
      layout.composer = await Composer.start(scene, this.deps.dir, this.deps.ffmpegPath, this.deps.options, this.deps.log,
        { kind: 'stream', output: `unix:${path}`, videoBitrateKbps: this.deps.videoBitrateKbps });
    } catch (error) {
      server.close();
      throw error;
    }
    const started = layout;
    this.#running.add(started);
    void started.composer?.exited.then((status) => this.#onExit(started, status));
    await waitUntilBound([...(started.composer?.ports.values() ?? [])], READY_TIMEOUT_MS);
    // The stream ended while this one started: it gets no packets and ends by itself.
    if (this.#isFinishing) return;
    const previous = this.#fed?.composer;
    const ports = started.composer?.ports ?? new Map<number, number>();
    for (const s of previous?.sources ?? []) if (!ports.has(s.ssrc)) this.deps.feed.unroute(s.ssrc);
    for (const s of sources) this.deps.feed.route(s, ports.get(s.ssrc) as number);
    this.#fed = started;
    this.#fedKey = key;
    this.#fedSinceMs = Date.now();
    this.deps.askKeyFrames(sources.filter((s) => s.media === 'video'));
    this.deps.log.debug('stream layout fed', { layout: n });
    let timer: NodeJS.Timeout | undefined;
    const onAir = await Promise.race([started.onAir.then(() => true), new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), FIRST_OUTPUT_TIMEOUT_MS);
    })]).finally(() => clearTimeout(timer));
    if (!onAir) this.deps.log.warn('stream layout wrote nothing yet', { layout: n });
    else this.deps.log.info('stream layout', { layout: n, tiles: scene.tiles.length, share: scene.share !== undefined, audios: scene.audios.length });
  }

  #onPackets(layout: Layout, packets: Buffer): void {
    // The layout being fed goes on air with its first packets; until then the previous one's go out.
    if (layout === this.#fed && this.#onAir !== layout) {
      this.#onAir = layout;
      layout.wentOnAir();
    }
    if (layout !== this.#onAir) return;
    this.#splicer.splice(layout.n, packets, this.deps.output);
  }

  #onExit(layout: Layout, status: string): void {
    this.#running.delete(layout);
    layout.server.close();
    if (this.#isFinishing || layout !== this.#fed) return;
    if (!layout.hasBeenOnAir) {
      // It never worked: starting the same at once would fail the same way. The next change of any kind tries anew.
      this.deps.log.warn('stream layout failed to start', { layout: layout.n, status });
      this.#fedKey = '';
      return;
    }
    // The layout on air died: the current scene afresh.
    this.deps.log.warn('stream layout ended unexpectedly: restarting it', { layout: layout.n, status });
    this.#fedKey = '';
    this.relayout();
  }
}
