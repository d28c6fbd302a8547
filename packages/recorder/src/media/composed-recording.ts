// The composed file of a recording that follows the meeting. ffmpeg's filter graph is fixed once it
// runs, so each layout (who is shown, names, camera on/off, a screen share, whose audio is mixed) is
// its own segment: a fresh composer (composer.ts) writes `composed-<n>.mp4`, and only once it listens
// does the feed switch over to it; the previous one then sees its inputs go idle and finishes, its
// file ending at the switch. Both are stamped with arrival time, so no time is lost or doubled at a
// switch. At the end the segments are joined without re-encoding (ffmpeg's concat demuxer) into
// `composed.mp4`; should that fail, the segments stay as they are (each plays on its own).
import { execFile } from 'node:child_process';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@plenum/kit';
import type { ComposedScene } from './composed-layout.ts';
import { sceneKey, sceneSources } from './composed-layout.ts';
import type { ComposerOptions } from './composer.ts';
import { Composer } from './composer.ts';
import type { ComposerFeed } from './composer-feed.ts';
import { waitUntilBound } from './loopback-ports.ts';
import type { RecordedSource } from './recorded-source.ts';

const run = promisify(execFile);

export const COMPOSED_FILE = 'composed.mp4';
/** Changes that come together (a joiner's audio and video source-add, a presence) make one switch. */
const SETTLE_MS = 250;
const READY_TIMEOUT_MS = 5_000;
/**
 * A segment runs at least this long: a composer switched away from while it is still starting
 * (probing its inputs) writes less than it was shown, and the file would come out short. A joiner's
 * video that follows their audio by a moment waits for this instead.
 */
const MIN_SEGMENT_MS = 2_500;
/** A segment smaller than this never got media (a composer started as the recording ended). */
const MIN_SEGMENT_BYTES = 1_024;

export type ComposedRecordingDeps = {
  readonly dir: string;
  readonly ffmpegPath: string;
  readonly options: ComposerOptions;
  readonly log: Logger;
  readonly feed: ComposerFeed;
  /** What the view should show now (asked at each switch). */
  readonly scene: () => ComposedScene;
  /** A new composer reads these videos from a key frame: ask their senders for one. */
  readonly askKeyFrames: (videos: readonly RecordedSource[]) => void;
};

export class ComposedRecording {
  readonly #segments: { readonly composer: Composer; readonly file: string }[] = [];
  /** Every source that was in some segment (for the manifest). */
  readonly #composed = new Map<number, RecordedSource>();
  #current: Composer | undefined;
  #currentKey = '';
  #switching: Promise<void> = Promise.resolve();
  #settle: NodeJS.Timeout | undefined;
  #currentSinceMs = 0;
  #isFinishing = false;

  constructor(private readonly deps: ComposedRecordingDeps) {}

  /** Sources shown or heard in the composed file so far. */
  get sources(): RecordedSource[] {
    return [...this.#composed.values()];
  }

  /** The ports the current segment reads (empty before the first). */
  get ports(): readonly number[] {
    return [...(this.#current?.ports.values() ?? [])];
  }

  /** True when the segment being written shows or mixes `ssrc`. */
  isComposed(ssrc: number): boolean {
    return this.#current?.ports.has(ssrc) ?? false;
  }

  /** Switches to the current scene now; resolves once the new segment receives. */
  show(): Promise<void> {
    this.#switching = this.#switching.then(() => this.#switch()).catch((error: unknown) => {
      this.deps.log.warn('composed layout could not change', { err: (error as Error).message });
    });
    return this.#switching;
  }

  /** The scene may have changed: switch after a moment (changes arriving together make one segment). */
  relayout(): void {
    if (this.#isFinishing) return;
    clearTimeout(this.#settle);
    const age = Date.now() - this.#currentSinceMs;
    this.#settle = setTimeout(() => void this.show(), Math.max(SETTLE_MS, MIN_SEGMENT_MS - age));
    this.#settle.unref();
  }

  /**
   * Call when forwarding stops: every segment finishes, then they become `composed.mp4`. Resolves
   * with the file name (a segment's name if joining failed; undefined when nothing was composed).
   */
  async finish(timeoutMs: number): Promise<string | undefined> {
    this.#isFinishing = true;
    clearTimeout(this.#settle);
    await this.#switching;
    await Promise.all(this.#segments.map((s) => s.composer.finish(timeoutMs)));
    const parts: string[] = [];
    for (const s of this.#segments) {
      const size = await stat(join(this.deps.dir, s.file)).then((st) => st.size, () => 0);
      if (size >= MIN_SEGMENT_BYTES) parts.push(s.file);
      else await rm(join(this.deps.dir, s.file), { force: true });
    }
    if (parts.length === 0) return undefined;
    if (parts.length === 1) {
      await rename(join(this.deps.dir, parts[0] as string), join(this.deps.dir, COMPOSED_FILE));
      return COMPOSED_FILE;
    }
    return this.#join(parts);
  }

  async #switch(): Promise<void> {
    if (this.#isFinishing) return;
    const scene = this.deps.scene();
    const key = sceneKey(scene);
    const sources = sceneSources(scene);
    // Nobody sends anything: the last layout stays (its inputs are kept flowing by the feed).
    if (key === this.#currentKey || sources.length === 0) return;
    const file = `composed-${this.#segments.length}.mp4`;
    const composer = await Composer.start(scene, this.deps.dir, this.deps.ffmpegPath, this.deps.options, this.deps.log, { kind: 'file', file });
    this.#segments.push({ composer, file });
    await waitUntilBound([...composer.ports.values()], READY_TIMEOUT_MS);
    // The recording ended while this one started: it gets no packets and finish() drops its file.
    if (this.#isFinishing) return;
    const previous = this.#current;
    for (const s of previous?.sources ?? []) if (!composer.ports.has(s.ssrc)) this.deps.feed.unroute(s.ssrc);
    for (const s of sources) {
      this.deps.feed.route(s, composer.ports.get(s.ssrc) as number);
      this.#composed.set(s.ssrc, s);
    }
    this.#current = composer;
    this.#currentKey = key;
    this.#currentSinceMs = Date.now();
    this.deps.askKeyFrames(sources.filter((s) => s.media === 'video'));
    this.deps.log.info('composed layout', { segment: this.#segments.length - 1, tiles: scene.tiles.length, share: scene.share !== undefined, audios: scene.audios.length });
  }

  /** The segments one after the other, copied (no re-encoding) into composed.mp4; the parts are removed after. */
  async #join(parts: readonly string[]): Promise<string> {
    const list = join(this.deps.dir, '.composed-parts.txt');
    await writeFile(list, parts.map((p) => `file '${p}'\n`).join(''));
    try {
      await run(this.deps.ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list,
        '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-y', join(this.deps.dir, COMPOSED_FILE)]);
    } catch (error) {
      this.deps.log.warn('composed segments could not be joined: kept as they are', { segments: parts.length, err: (error as Error).message.slice(-300) });
      await rm(join(this.deps.dir, COMPOSED_FILE), { force: true });
      return parts[0] as string;
    } finally {
      await rm(list, { force: true });
    }
    await Promise.all(parts.map((p) => rm(join(this.deps.dir, p), { force: true })));
    return COMPOSED_FILE;
  }
}
