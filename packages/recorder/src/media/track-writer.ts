// One source written as it arrives, without transcoding: ffmpeg reads the RTP from a loopback port
// (an SDP file says which codec) and copies the frames into WebM (Opus and VP8 both fit). The
// cheapest correct path: Node does no depacketizing or muxing, ffmpeg does no decoding, and
// Matroska stays playable up to the last cluster if the process dies.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { freePortPair } from './loopback-ports.ts';
import type { RecordedSource } from './recorded-source.ts';
import { rtpSdp } from './recorded-source.ts';

/**
 * Seconds without a packet after which ffmpeg ends an RTP input as if the stream had ended. This is
 * how a recording stops cleanly: the recorder stops forwarding and every ffmpeg finishes its file
 * (a signal cannot be used: a single-input ffmpeg blocked on an idle socket only sees it when the
 * next packet arrives). A source silent for longer (muted video) ends its segment; the next packet
 * starts a new one (recording-session.ts).
 */
export const RTP_IDLE_END_S = 2;

/**
 * How long (stream time) ffmpeg may look for a video source's first key frame before it must know
 * the frame size: longer than a sender's key frame interval and than the recorder's key frame
 * retries (KEY_FRAME_RETRY_MS), since a file cannot be started without it. Probing ends as soon as
 * the size is known and buffers what it read, so this costs nothing when a key frame comes early.
 */
export const VIDEO_ANALYZE_US = 4_000_000;

/** ffmpeg input options for one live RTP source from an SDP file, bound to loopback only. */
export const rtpInputArgs = (sdpPath: string, analyzeDurationUs = 1_000_000): string[] => [
  '-protocol_whitelist', 'file,udp,rtp', '-localaddr', '127.0.0.1', '-listen_timeout', String(RTP_IDLE_END_S),
  '-reorder_queue_size', '64', '-thread_queue_size', '1024', '-analyzeduration', String(analyzeDurationUs), '-probesize', '500000', '-i', sdpPath,
];

export class TrackWriter {
  /** Arrivals (epoch ms) of the packets forwarded to this segment. */
  firstMs: number | undefined;
  lastMs: number | undefined;
  packets = 0;

  private constructor(readonly source: RecordedSource, readonly port: number, readonly file: string, readonly segment: number, private readonly ffmpeg: FfmpegProcess) {}

  /** Starts writing `source` (segment 0, or a later one after the source was idle). */
  static async start(source: RecordedSource, dir: string, ffmpegPath: string, segment: number, log: Logger): Promise<TrackWriter> {
    const port = await freePortPair();
    const base = segment === 0 ? `${source.name}-${source.ssrc}` : `${source.name}-${source.ssrc}-${segment}`;
    const sdpPath = join(dir, `.${base}.sdp`);
    await writeFile(sdpPath, rtpSdp(source, port));
    const file = `${base}.webm`;
    // Clusters of at most a second, flushed as written: a killed ffmpeg leaves a playable file.
    const ffmpeg = await FfmpegProcess.start(ffmpegPath, [
      ...rtpInputArgs(sdpPath, source.media === 'video' ? VIDEO_ANALYZE_US : undefined), '-map', '0', '-c', 'copy', '-cluster_time_limit', '1000', '-flush_packets', '1', '-f', 'webm', '-y', join(dir, file),
    ], `track ${base}`, log);
    return new TrackWriter(source, port, file, segment, ffmpeg);
  }

  /** ffmpeg ended: stopped, idle for RTP_IDLE_END_S, or failed. */
  get hasEnded(): boolean {
    return this.ffmpeg.hasExited;
  }

  noteArrival(nowMs: number): void {
    this.firstMs ??= nowMs;
    this.lastMs = nowMs;
    this.packets++;
  }

  /** Waits for ffmpeg to finish after the packets stopped; signals it after `timeoutMs`. */
  finish(timeoutMs: number): Promise<string> {
    return this.ffmpeg.finish(timeoutMs);
  }
}
