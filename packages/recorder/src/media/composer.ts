// The composed view in one ffmpeg: one SDP input with an m-line (and loopback port) per source, so
// ffmpeg opens every socket at once and the streams start together; the videos are scaled into a
// grid (xstack) and the audios mixed (amix), encoded as H.264 + AAC
// in fragmented MP4 — cheap to encode, plays everywhere, and stays playable when the process dies
// because every fragment carries its own index — or, for a live stream, in FLV to an RTMP server.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { freePortPairs } from './loopback-ports.ts';
import type { RecordedSource } from './recorded-source.ts';
import { rtpSdpSession } from './recorded-source.ts';
import type { StreamTarget } from './stream-target.ts';
import { redactStreamTarget } from './stream-target.ts';
import { rtpInputArgs } from './track-writer.ts';

export type ComposerOptions = { readonly width: number; readonly height: number; readonly frameRate: number };

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/** A grid of `n` tiles inside width × height: positions for xstack and the tile size. */
export function gridLayout(n: number, width: number, height: number): { readonly tileWidth: number; readonly tileHeight: number; readonly positions: readonly string[] } {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const tileWidth = even(width / cols);
  const tileHeight = even(height / rows);
  const positions = Array.from({ length: n }, (_, i) => `${(i % cols) * tileWidth}_${Math.floor(i / cols) * tileHeight}`);
  return { tileWidth, tileHeight, positions };
}

/** The -filter_complex for these sources (stream i of input 0 = sources[i]); outputs [v] and [a]. */
export function composeFilter(sources: readonly RecordedSource[], o: ComposerOptions): string {
  const parts: string[] = [];
  const videos = sources.flatMap((s, i) => (s.media === 'video' ? [i] : []));
  const audios = sources.flatMap((s, i) => (s.media === 'audio' ? [i] : []));
  if (videos.length === 0) parts.push(`color=c=black:s=${o.width}x${o.height}:r=${o.frameRate}[v]`);
  else {
    const grid = gridLayout(videos.length, o.width, o.height);
    videos.forEach((input, k) => parts.push(
      `[0:${input}]scale=${grid.tileWidth}:${grid.tileHeight}:force_original_aspect_ratio=decrease,pad=${grid.tileWidth}:${grid.tileHeight}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${o.frameRate}[t${k}]`));
    const tiles = videos.map((_, k) => `[t${k}]`).join('');
    const stacked = videos.length === 1 ? `${tiles}null[g]` : `${tiles}xstack=inputs=${videos.length}:layout=${grid.positions.join('|')}:fill=black[g]`;
    parts.push(stacked, `[g]pad=${o.width}:${o.height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p[v]`);
  }
  // Arrival-time stamps jitter by a few ms: aresample stretches or pads each audio to its timeline.
  const resampled = (i: number, label: string): string => `[0:${i}]aresample=48000:async=1000:first_pts=0[${label}]`;
  if (audios.length === 0) parts.push('anullsrc=r=48000:cl=stereo[a]');
  else if (audios.length === 1) parts.push(resampled(audios[0] as number, 'a'));
  else {
    audios.forEach((input, k) => parts.push(resampled(input, `s${k}`)));
    parts.push(`${audios.map((_, k) => `[s${k}]`).join('')}amix=inputs=${audios.length}:duration=longest:normalize=0[a]`);
  }
  return parts.join(';');
}

/** Where the composed view goes: `composed.mp4` in the recording's directory, or a live RTMP stream. */
export type ComposerTarget =
  | { readonly kind: 'file' }
  | { readonly kind: 'rtmp'; readonly target: StreamTarget; readonly videoBitrateKbps: number; readonly onProgress: (key: string, value: string) => void };

/** ffmpeg output options for a target (after the filter graph's [v] and [a]). */
function outputArgs(dir: string, o: ComposerOptions, t: ComposerTarget): { args: string[]; file: string | undefined } {
  const gop = String(o.frameRate * 2);
  if (t.kind === 'file') {
    return {
      file: 'composed.mp4',
      args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-r', String(o.frameRate), '-g', gop,
        '-c:a', 'aac', '-b:a', '96k', '-ar', '48000',
        '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', '-y', join(dir, 'composed.mp4')],
    };
  }
  // Live services want a constant-ish bitrate and a key frame every 2 s (YouTube's ingest rules).
  const kbps = t.videoBitrateKbps;
  return {
    file: undefined,
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-r', String(o.frameRate), '-g', gop, '-keyint_min', gop,
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
      '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
      '-progress', 'pipe:2', '-flvflags', 'no_duration_filesize', '-f', 'flv', t.target.url],
  };
}

export class Composer {
  private constructor(readonly file: string | undefined, readonly ports: ReadonlyMap<number, number>, readonly sources: readonly RecordedSource[], private readonly ffmpeg: FfmpegProcess) {}

  /** Starts the composing ffmpeg for `sources`; `ports` maps each SSRC to the port it reads it on. */
  static async start(sources: readonly RecordedSource[], dir: string, ffmpegPath: string, o: ComposerOptions, log: Logger,
    target: ComposerTarget = { kind: 'file' }): Promise<Composer> {
    const free = await freePortPairs(sources.length);
    const ports = new Map<number, number>(sources.map((s, i) => [s.ssrc, free[i] as number]));
    const sdpPath = join(dir, '.composed.sdp');
    await writeFile(sdpPath, rtpSdpSession('composed', sources.map((s) => ({ source: s, port: ports.get(s.ssrc) as number }))));
    // Stamped with arrival time, not RTP time: the composed timeline is the room's wall clock, so a
    // sender that stalled and caught up, or joined late, stays in place.
    const inputs = ['-use_wallclock_as_timestamps', '1', ...rtpInputArgs(sdpPath)];
    const out = outputArgs(dir, o, target);
    const ffmpeg = await FfmpegProcess.start(ffmpegPath, [
      ...inputs, '-filter_complex', composeFilter(sources, o), '-map', '[v]', '-map', '[a]', ...out.args,
    ], target.kind === 'file' ? 'composed' : 'stream', log, target.kind === 'file' ? {} : {
      redact: (text) => redactStreamTarget(text, target.target), onProgress: target.onProgress,
    });
    return new Composer(out.file, ports, sources, ffmpeg);
  }

  get hasEnded(): boolean {
    return this.ffmpeg.hasExited;
  }

  /** Resolves with the exit status when ffmpeg ends (a dropped RTMP connection ends it too). */
  get exited(): Promise<string> {
    return this.ffmpeg.exited;
  }

  /** Waits for ffmpeg to finish after the packets stopped; signals it after `timeoutMs`. */
  finish(timeoutMs: number): Promise<string> {
    return this.ffmpeg.finish(timeoutMs);
  }
}
