// One source written as it arrives, without transcoding: its RTP becomes frames (rtp-frame-reader.ts)
// and the frames a one-track WebM file (webm/webm-layout.ts), in this process. No ffmpeg and no
// loopback socket per source: a Cluster (about a second of frames) is one write, and a recording of
// many sources costs little more than receiving them.
//
// The file is made when the first frame can be written (a video's first key frame, which gives its
// size), so a source that never sent leaves no file. Clusters start at a video's key frames (a
// player seeks to them) and at least every CLUSTER_MS; each is written whole, so a recorder that
// dies leaves a file that plays up to its last Cluster. finish() writes the last one and the Cues
// and fills in the Segment's size, the Duration and the SeekHead, as a finished file has them.
import { randomInt } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import type { RecordedSource } from './recorded-source.ts';
import type { FrameReaderCounts, TimedFrame } from './rtp-frame-reader.ts';
import { RtpFrameReader } from './rtp-frame-reader.ts';
import type { WebmBlock, WebmHeader } from './webm/webm-layout.ts';
import { cluster, cues, durationElement, seekSpace, segmentSize, simpleBlockBytes, webmHeader } from './webm/webm-layout.ts';

/** A Cluster holds at most this much time (ffmpeg's default for live WebM is about the same). */
export const CLUSTER_MS = 1_000;
/** A Cluster held in memory is written at this size at the latest (a sender whose clock stands still cannot grow it without bound). */
export const MAX_CLUSTER_BYTES = 4 * 1024 * 1024;
/** Block times are signed 16-bit ms from their Cluster's. */
const MAX_RELATIVE_MS = 32_767;
/** Bytes written but not yet on disk, at most: past it (a stalled disk) Clusters are dropped and counted, not queued without bound. */
export const MAX_PENDING_WRITE_BYTES = 32 * 1024 * 1024;

export type TrackWriterDeps = {
  readonly log: Logger;
  /** The source's video wants a key frame (start, or a loss): the caller asks the sender, rate-limited. */
  readonly wantKeyFrame: (ssrc: number) => void;
};

export class WebmTrackWriter {
  /** Arrivals (epoch ms) of the source's packets. */
  firstMs: number | undefined;
  lastMs: number | undefined;
  packets = 0;
  /** Clusters not written because the disk fell behind by MAX_PENDING_WRITE_BYTES. */
  droppedClusters = 0;
  readonly segment = 0;
  readonly file: string;
  readonly #reader: RtpFrameReader;
  #header: WebmHeader | undefined;
  #file: Promise<FileHandle> | undefined;
  /** Bytes appended to the file so far (where the next Cluster goes). */
  #end = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #pendingBytes = 0;
  #clusterMs = 0;
  /** The open Cluster's frames (their bytes are copied once, when it is written). */
  #clusterBlocks: WebmBlock[] = [];
  #clusterBytes = 0;
  #clusterHasKeyFrame = false;
  readonly #cuePoints: { timeMs: number; position: number }[] = [];
  #lastFrameMs = 0;
  #writeError: Error | undefined;
  #isFinished = false;
  #finished: Promise<void> | undefined;
  #openFailed = false;

  constructor(readonly source: RecordedSource, private readonly dir: string, private readonly deps: TrackWriterDeps) {
    this.file = `${source.name}-${source.ssrc}.webm`;
    this.#reader = new RtpFrameReader(source);
  }

  /** Frames written, and frames left out (a loss until the next key frame, late packets). */
  get counts(): Readonly<FrameReaderCounts> {
    return this.#reader.counts;
  }

  /** True once the file exists (a first frame came and the file could be made). */
  get hasFile(): boolean {
    return this.#file !== undefined && !this.#openFailed;
  }

  /** One decrypted RTP packet of the source. */
  push(packet: Uint8Array, payload: Uint8Array, nowMs: number): void {
    if (this.#isFinished) return;
    this.firstMs ??= nowMs;
    this.lastMs = nowMs;
    this.packets++;
    const droppedBefore = this.#reader.counts.droppedFrames;
    const frame = this.#reader.push(packet, payload);
    if (this.#reader.counts.droppedFrames !== droppedBefore) this.deps.wantKeyFrame(this.source.ssrc);
    if (frame !== undefined) this.#add(frame);
  }

  /** A source gone quiet (muted) still gets its last frames to disk within about a second. */
  flushIfIdle(nowMs: number): void {
    if (this.#clusterBlocks.length > 0 && this.lastMs !== undefined && nowMs - this.lastMs >= CLUSTER_MS) this.#closeCluster();
  }

  /** Writes what is left and completes the file; resolves once it is on disk. Idempotent. */
  finish(): Promise<void> {
    this.#finished ??= this.#finish();
    return this.#finished;
  }

  async #finish(): Promise<void> {
    this.#isFinished = true;
    if (this.#header === undefined) return;
    this.#closeCluster();
    const header = this.#header;
    const cuesAt = this.#end - header.segmentDataOffset;
    this.#append(cues(this.#cuePoints));
    // The header's parts that could only be known now, each written over the space kept for it.
    this.#write(durationElement(this.#lastFrameMs + this.#frameMs()), header.durationOffset);
    this.#write(seekSpace({ ...header.positions, cues: cuesAt }), header.seekSpaceOffset);
    this.#write(segmentSize(this.#end - header.segmentDataOffset), header.segmentSizeOffset);
    await this.#writes;
    // A file that could not be made (disk full, no permission) is reported below, not thrown: the manifest is still written.
    const file = await this.#file?.catch(() => undefined);
    await file?.close().catch(() => undefined);
    if (this.#writeError !== undefined) this.deps.log.warn('track file incomplete: a write failed', { file: this.file, err: this.#writeError.message });
  }

  /** An Opus frame's or a video frame's length, for the Duration's end. */
  #frameMs(): number {
    return this.source.media === 'audio' ? 20 : 0;
  }

  #add(frame: TimedFrame): void {
    if (this.#header === undefined) {
      if (this.source.media === 'video' && frame.size === undefined) return;
      this.#start(frame);
    }
    const startsCluster = this.#clusterBlocks.length === 0 || frame.timeMs - this.#clusterMs >= CLUSTER_MS
      || frame.timeMs - this.#clusterMs > MAX_RELATIVE_MS || (this.source.media === 'video' && frame.isKeyFrame)
      || this.#clusterBytes + frame.data.length > MAX_CLUSTER_BYTES;
    if (startsCluster) {
      this.#closeCluster();
      this.#clusterMs = frame.timeMs;
      this.#clusterHasKeyFrame = frame.isKeyFrame;
    }
    this.#clusterBlocks.push({ relativeMs: frame.timeMs - this.#clusterMs, isKeyFrame: frame.isKeyFrame, data: frame.data });
    this.#clusterBytes += simpleBlockBytes(frame.data.length);
    this.#lastFrameMs = frame.timeMs;
  }

  #start(first: TimedFrame): void {
    const track = this.source.media === 'audio'
      ? { media: 'audio' as const, codec: 'opus' as const, channels: this.source.channels ?? 2 }
      : { media: 'video' as const, codec: 'VP8' as const, width: first.size?.width ?? 0, height: first.size?.height ?? 0 };
    const header = webmHeader(track, randomInt(1, 2 ** 47));
    this.#header = header;
    const path = join(this.dir, this.file);
    this.#file = open(path, 'w');
    this.#file.catch((error: unknown) => {
      this.#openFailed = true;
      this.#writeError ??= error as Error;
    });
    this.#append(header.bytes);
  }

  #closeCluster(): void {
    if (this.#clusterBlocks.length === 0) return;
    const header = this.#header as WebmHeader;
    // Players seek to Clusters that start with a key frame (every Cluster of audio).
    if (this.#clusterHasKeyFrame) this.#cuePoints.push({ timeMs: this.#clusterMs, position: this.#end - header.segmentDataOffset });
    const bytes = cluster(this.#clusterMs, this.#clusterBlocks);
    this.#clusterBlocks = [];
    this.#clusterBytes = 0;
    if (this.#pendingBytes + bytes.length > MAX_PENDING_WRITE_BYTES) {
      // The Cue just added would point past the file: take it back.
      if (this.#clusterHasKeyFrame) this.#cuePoints.pop();
      this.droppedClusters++;
      if (this.droppedClusters === 1) this.deps.log.warn('disk too slow: track data dropped', { file: this.file });
      return;
    }
    this.#append(bytes);
  }

  /** Appends at the file's end, after every write before it. */
  #append(bytes: Buffer): void {
    const position = this.#end;
    this.#end += bytes.length;
    this.#write(bytes, position);
  }

  #write(bytes: Buffer, position: number): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#pendingBytes += bytes.length;
    this.#writes = this.#writes.then(async () => {
      try {
        if (this.#writeError === undefined) await (await file).write(bytes, 0, bytes.length, position);
      } catch (error) {
        this.#writeError ??= error as Error;
      } finally {
        this.#pendingBytes -= bytes.length;
      }
    });
  }
}
