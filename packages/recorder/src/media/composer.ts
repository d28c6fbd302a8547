// The composed view in one ffmpeg: one SDP input with an m-line (and loopback port) per source, so
// ffmpeg opens every socket at once and the streams start together; the videos are laid out (tiles with
// names, a screen share large: composed-layout.ts) and the audios mixed (amix), encoded as H.264 + AAC
// in fragmented MP4 — cheap to encode, plays everywhere, and stays playable when the process dies
// because every fragment carries its own index — or, for a live stream, in MPEG-TS for the publisher
// that joins the layouts into one RTMP stream (stream-layouts.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { freePortPairs } from './loopback-ports.ts';
import type { RecordedSource } from './recorded-source.ts';
import { rtpSdpSession } from './recorded-source.ts';
import { rtpInputArgs } from './ffmpeg-rtp-input.ts';
import type { ComposedScene } from './composed-layout.ts';
import { sceneOf, sceneSources, videoFilter } from './composed-layout.ts';

const COMPOSER_ANALYZE_US = 5_000_000;

const isScene = (what: readonly RecordedSource[] | ComposedScene): what is ComposedScene => !Array.isArray(what);

export type ComposerOptions = {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  /** A TrueType font for the participants' names on their tiles; undefined: no names. */
  readonly fontFile?: string | undefined;
};

/** The -filter_complex for a scene (or bare sources: one tile per video); stream i of input 0 = sceneSources(scene)[i]; outputs [v] and [a]. */
export function composeFilter(what: readonly RecordedSource[] | ComposedScene, o: ComposerOptions): string {
  const scene = isScene(what) ? what : sceneOf(what);
  const sources = sceneSources(scene);
  const parts = [videoFilter(scene, o)];
  const audios = sources.flatMap((s, i) => (s.media === 'audio' ? [i] : []));
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

/**
 * Where the composed view goes: `composed.mp4` in the recording's directory, or a live stream's
 * layout segment as MPEG-TS to `output` (an ffmpeg URL; the publisher joins the segments).
 */
export type ComposerTarget =
  | { readonly kind: 'file'; readonly file?: string }
  | { readonly kind: 'stream'; readonly output: string; readonly videoBitrateKbps: number };

/** ffmpeg output options for a target (after the filter graph's [v] and [a]). */
function outputArgs(dir: string, o: ComposerOptions, t: ComposerTarget): { args: string[]; file: string | undefined } {
  const gop = String(o.frameRate * 2);
  if (t.kind === 'file') {
    const file = t.file ?? 'composed.mp4';
    return {
      file,
      // Constant frame rate: segments joined later keep an even frame spacing (players and ffmpeg's
      // own checks dislike two frames on one tick).
      args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-r', String(o.frameRate), '-fps_mode', 'cfr', '-g', gop,
        '-c:a', 'aac', '-b:a', '96k', '-ar', '48000',
        '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', '-y', join(dir, file)],
    };
  }
  const kbps = t.videoBitrateKbps;
  return {
    file: undefined,
    // Live services want a constant-ish bitrate and a key frame every 2 s (YouTube's ingest rules).
    // Each packet is written at once and each audio frame in its own PES, so what the segment
    // showed up to the switch (its inputs stop) is out before the next segment goes on air.
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-r', String(o.frameRate), '-g', gop, '-keyint_min', gop,
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`, '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
      '-flush_packets', '1', '-pes_payload_size', '0', '-f', 'mpegts', t.output],
  };
}

export class Composer {
  private constructor(readonly file: string | undefined, readonly ports: ReadonlyMap<number, number>, readonly sources: readonly RecordedSource[], private readonly ffmpeg: FfmpegProcess) {}

  /** Starts the composing ffmpeg for a scene (or bare sources); `ports` maps each SSRC to the port it reads it on. */
  static async start(what: readonly RecordedSource[] | ComposedScene, dir: string, ffmpegPath: string, o: ComposerOptions, log: Logger,
    target: ComposerTarget = { kind: 'file' }): Promise<Composer> {
    const scene = isScene(what) ? what : sceneOf(what);
    const sources = sceneSources(scene);
    const free = await freePortPairs(sources.length);
    const ports = new Map<number, number>(sources.map((s, i) => [s.ssrc, free[i] as number]));
    const out = outputArgs(dir, o, target);
    // Live segments overlap for a moment (the next starts before the last ends): each has its own SDP.
    const sdpPath = join(dir, `.${out.file ?? `stream-${free[0] ?? 0}`}.sdp`);
    await writeFile(sdpPath, rtpSdpSession('composed', sources.map((s) => ({ source: s, port: ports.get(s.ssrc) as number }))));
    // Stamped with arrival time, not RTP time: the composed timeline is the room's wall clock, so a
    // sender that stalled and caught up, or joined late, stays in place.
    // Probing may wait for a video's next key frame (ffmpeg needs its size): the packets meanwhile are
    // buffered with their arrival times, so a longer probe delays the output but loses nothing.
    // A live segment needs no frame-rate estimate (the output's rate is fixed): it starts as soon as every video's size is known.
    const inputs = ['-use_wallclock_as_timestamps', '1', ...(target.kind === 'stream' ? ['-fpsprobesize', '0'] : []), ...rtpInputArgs(sdpPath, COMPOSER_ANALYZE_US)];
    const ffmpeg = await FfmpegProcess.start(ffmpegPath, [
      ...inputs, '-filter_complex', composeFilter(scene, o), '-map', '[v]', '-map', '[a]',
      // A scene without audio has endless silence (anullsrc): the output ends with the RTP video.
      ...(scene.audios.length === 0 ? ['-shortest'] : []), ...out.args,
    ], target.kind === 'file' ? 'composed' : 'stream', log);
    return new Composer(out.file, ports, sources, ffmpeg);
  }

  get hasEnded(): boolean {
    return this.ffmpeg.hasExited;
  }

  /** Resolves with the exit status when ffmpeg ends (a closed output ends it too). */
  get exited(): Promise<string> {
    return this.ffmpeg.exited;
  }

  /** Waits for ffmpeg to finish after the packets stopped; signals it after `timeoutMs`. */
  finish(timeoutMs: number): Promise<string> {
    return this.ffmpeg.finish(timeoutMs);
  }
}
