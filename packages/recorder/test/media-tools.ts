// ffmpeg and ffprobe as the recorder's tests use them: a one-shot RTMP server to stream to, and the
// checks on what was recorded or received (streams, decoding, a tone's level, a region's colour).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ReapedProcess } from '@plenum/testkit';
import { spawnReaped } from '@plenum/testkit';

const run = promisify(execFile);

/** A one-shot RTMP server: ffmpeg listening on `port` for the stream `key`, copying it into `file`; it ends with that connection. */
export function rtmpServer(port: number, key: string, file: string): Promise<ReapedProcess> {
  return spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv',
    '-i', `rtmp://127.0.0.1:${port}/live/${key}`, '-c', 'copy', '-y', file]);
}

export type Probe = {
  format: { duration?: string };
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
};

/** The container's duration and its streams' codecs and frame sizes (`file` may be a URL). */
export async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}

/** The presentation times (s) of the first video stream's packets, in file order. */
export async function videoPacketTimes(file: string): Promise<number[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { maxBuffer: 8 * 1024 * 1024 });
  return stdout.trim().split('\n').map(Number);
}

/** How many video frames of `file` decode. */
export async function decodedVideoFrames(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/**
 * The null muxer's notes that are no decoding error: "non monotonically increasing dts" says two
 * decoded frames fell on one output tick (seen now and then after segments are joined or a stream
 * is spliced; the frames themselves decode), and ffmpeg's "Last message repeated" folds such notes.
 */
export const NOT_A_DECODING_ERROR = /Application provided invalid, non monotonically increasing dts|Last message repeated/;

/** Decodes the whole file; resolves with ffmpeg's error lines (none when it decoded cleanly), less those `ignore` matches. */
export async function decodeErrors(file: string, ignore?: RegExp): Promise<string[]> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.split('\n').filter((l) => l.trim() !== '' && ignore?.test(l) !== true);
}

/** Mean level (dB) of `file`'s audio in a narrow band around `hz`: all of it, or between `window.fromS` and `window.toS`. */
export async function bandLevel(file: string, hz: number, window?: { readonly fromS: number; readonly toS: number }): Promise<number> {
  const span = window === undefined ? [] : ['-ss', window.fromS.toFixed(2), '-t', (window.toS - window.fromS).toFixed(2)];
  const { stderr } = await run('ffmpeg', ['-v', 'info', ...span, '-i', file, '-vn', '-af', `bandpass=f=${hz}:width_type=h:w=30,volumedetect`, '-f', 'null', '-']);
  const m = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`no volumedetect output for ${file}${window === undefined ? '' : ` ${window.fromS}-${window.toS}`}`);
  return Number(m[1]);
}

/** Share of pixels in the left three quarters of the `width`×`height` frame at `atS` that are clearly red (where a screen share is shown large). */
export async function redShareOfLeft(file: string, atS: number, width: number, height: number): Promise<number> {
  const { stdout: rgb } = await run('ffmpeg', ['-v', 'error', '-ss', atS.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `crop=${width * 3 / 4}:${height}:0:0`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
  let red = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) if ((rgb[i] ?? 0) > 160 && (rgb[i + 1] ?? 0) < 90 && (rgb[i + 2] ?? 0) < 90) red++;
  return red / (rgb.length / 3);
}
