// Real VP8 frames for the E2EE unit tests: ffmpeg's test picture encoded by libvpx (IVF container:
// 32-byte file header, 12-byte frame headers), with whether each is a key frame.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RealFrame = { readonly data: Uint8Array<ArrayBuffer>; readonly kind: 'video-key' | 'video-delta' };

export function realVp8Frames(size = '320x240', seconds = 1): RealFrame[] {
  const dir = mkdtempSync(join(tmpdir(), 'e2ee-vp8-'));
  try {
    const file = join(dir, 'out.ivf');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=15`, '-t', String(seconds), '-c:v', 'libvpx', '-g', '10', '-b:v', '300k', file]);
    const ivf = readFileSync(file);
    const frames: RealFrame[] = [];
    for (let at = 32; at + 12 <= ivf.length;) {
      const size = ivf.readUInt32LE(at);
      const data = new Uint8Array(ivf.subarray(at + 12, at + 12 + size));
      // RFC 6386 §9.1: bit 0 of the frame tag is 0 on a key frame.
      frames.push({ data, kind: ((data[0] as number) & 1) === 0 ? 'video-key' : 'video-delta' });
      at += 12 + size;
    }
    return frames;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
