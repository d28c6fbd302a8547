// The media a werift room participant sends (werift-room.ts), encoded once up front by Debian's
// ffmpeg and cached under the system's temporary folder: ffmpeg's moving test picture (testsrc2) as
// VP8 (libvpx) twice, as a stream with one key frame at the start of the loop and as key frames only
// (to answer a key frame request at once with the key frame of the picture due next), and a sine
// tone as Opus in 20 ms packets. Both read from their containers: IVF (32-byte file header, 12-byte
// frame headers) and Ogg (RFC 3533 pages; the first two packets are OpusHead and OpusTags).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLIP_WIDTH = 640;
export const CLIP_HEIGHT = 360;
export const CLIP_FPS = 30;
/** Loop length: the stream's only key frame is its first, so the loop restarts cleanly. */
export const CLIP_SECONDS = 10;
/** Target bitrate of the delta stream (libvpx realtime rate control). */
export const CLIP_VIDEO_BITRATE = '500k';
export const CLIP_AUDIO_BITRATE = '32k';

export type Clip = {
  /** Every picture of the loop: the first a key frame, the rest delta frames. */
  readonly frames: readonly Buffer[];
  /** The same pictures, each as a key frame. */
  readonly keyFrames: readonly Buffer[];
  /** 20 ms Opus packets, as many as the loop lasts. */
  readonly opus: readonly Buffer[];
};

const CACHE = join(tmpdir(), 'plenum-bench-join-clip');

function encoded(name: string, args: readonly string[]): Buffer {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, name);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.part`;
    const format = name.endsWith('.ivf') ? 'ivf' : 'ogg';
    execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args, '-f', format, partial]);
    renameSync(partial, file);
  }
  return readFileSync(file);
}

function ivfFrames(ivf: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = ivf.readUInt16LE(6); at + 12 <= ivf.length;) {
    const size = ivf.readUInt32LE(at);
    frames.push(ivf.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}

function oggPackets(ogg: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at + 27 <= ogg.length;) {
    if (ogg.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = ogg[at + 26] ?? 0;
    let body = at + 27 + segments;
    for (let s = 0; s < segments; s++) {
      const lace = ogg[at + 27 + s] ?? 0;
      pending.push(ogg.subarray(body, body + lace));
      body += lace;
      // A lacing value below 255 ends a packet.
      if (lace < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    at = body;
  }
  return packets.slice(2);
}

/** Encodes (first time only; a few seconds) and reads the clip. */
export function loadClip(): Clip {
  const picture = ['-f', 'lavfi', '-i', `testsrc2=size=${CLIP_WIDTH}x${CLIP_HEIGHT}:rate=${CLIP_FPS}`, '-t', String(CLIP_SECONDS)];
  // No alt-ref (hidden) frames: every IVF frame is one shown picture, one RTP frame. Error
  // resilient: no frame carries its entropy (probability) updates over to the next, so a delta
  // frame parses the same after either stream's key frame (otherwise the decoder reads garbage
  // after a substituted key frame, and the receiver asks for another).
  const vp8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '4', '-auto-alt-ref', '0', '-lag-in-frames', '0', '-error-resilient', 'default'];
  const tag = `${CLIP_WIDTH}x${CLIP_HEIGHT}-${CLIP_FPS}-${CLIP_SECONDS}s-er`;
  const frames = ivfFrames(encoded(`delta-${tag}-${CLIP_VIDEO_BITRATE}.ivf`, [...picture, ...vp8, '-g', String(CLIP_FPS * CLIP_SECONDS), '-b:v', CLIP_VIDEO_BITRATE]));
  // High quality, so that the delta frames that follow a substituted key frame (they were coded
  // against the delta stream's own previous picture) drift little until the loop's next key frame.
  const keyFrames = ivfFrames(encoded(`key-${tag}.ivf`, [...picture, ...vp8, '-g', '1', '-crf', '8', '-b:v', '8M']));
  const opus = oggPackets(encoded(`tone-${CLIP_SECONDS}s-${CLIP_AUDIO_BITRATE}.ogg`, [
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(CLIP_SECONDS),
    '-c:a', 'libopus', '-b:a', CLIP_AUDIO_BITRATE, '-frame_duration', '20', '-application', 'audio',
  ]));
  const isKey = (f: Buffer | undefined): boolean => f !== undefined && ((f[0] ?? 1) & 1) === 0;
  if (frames.length !== CLIP_FPS * CLIP_SECONDS || keyFrames.length !== frames.length) throw new Error(`expected ${CLIP_FPS * CLIP_SECONDS} VP8 frames, got ${frames.length} and ${keyFrames.length}`);
  if (!isKey(frames[0]) || !keyFrames.every(isKey) || frames.slice(1).some(isKey)) throw new Error('the VP8 streams are not key + deltas and keys only');
  return { frames, keyFrames, opus };
}
