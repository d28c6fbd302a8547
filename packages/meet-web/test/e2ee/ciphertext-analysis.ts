// What a curious bridge could learn from the payloads it forwards: VP8 frames put back together
// from their RTP packets (RFC 7741 payload descriptor), Opus packets as they are, and the checks
// that tell an E2EE frame (JFrame-style trailer, high-entropy bytes past the clear header) from a
// codec's own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parts of a received RTP packet read here (werift's RtpPacket has them). */
export type CapturedRtp = {
  readonly header: { readonly payloadType: number; readonly ssrc: number; readonly timestamp: number; readonly sequenceNumber: number; readonly marker: boolean };
  readonly payload: Uint8Array;
};

/** Bytes of the VP8 payload descriptor at the start of `payload` (RFC 7741 §4.2), and its S bit and PID. */
export function vp8Descriptor(payload: Uint8Array): { readonly length: number; readonly isStart: boolean } {
  const b0 = payload[0] ?? 0;
  let at = 1;
  if (b0 & 0x80) {
    const x = payload[at++] ?? 0;
    if (x & 0x80) at += (payload[at] ?? 0) & 0x80 ? 2 : 1;
    if (x & 0x40) at += 1;
    if (x & 0x30) at += 1;
  }
  return { length: at, isStart: (b0 & 0x10) !== 0 && (b0 & 0x07) === 0 };
}

/** Whole VP8 frames (descriptor stripped, packets in order, start to marker, no gap), of every SSRC. */
export function vp8Frames(packets: readonly CapturedRtp[], payloadType: number): Uint8Array[] {
  return [...vp8FramesBySsrc(packets, payloadType).values()].flat();
}

/** Whole VP8 frames by SSRC. */
export function vp8FramesBySsrc(packets: readonly CapturedRtp[], payloadType: number): Map<number, Uint8Array[]> {
  const byFrame = new Map<string, CapturedRtp[]>();
  for (const p of packets) {
    if (p.header.payloadType !== payloadType || p.payload.length === 0) continue;
    const key = `${p.header.ssrc}/${p.header.timestamp}`;
    byFrame.set(key, [...(byFrame.get(key) ?? []), p]);
  }
  const frames = new Map<number, Uint8Array[]>();
  for (const parts of byFrame.values()) {
    parts.sort((a, b) => a.header.sequenceNumber - b.header.sequenceNumber);
    const first = parts[0];
    const last = parts[parts.length - 1];
    if (first === undefined || last === undefined || !vp8Descriptor(first.payload).isStart || !last.header.marker) continue;
    if (parts.some((p, i) => i > 0 && p.header.sequenceNumber !== (parts[i - 1] as CapturedRtp).header.sequenceNumber + 1)) continue;
    const bodies = parts.map((p) => p.payload.subarray(vp8Descriptor(p.payload).length));
    const frame = new Uint8Array(bodies.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bodies) {
      frame.set(b, at);
      at += b.length;
    }
    frames.set(first.header.ssrc, [...(frames.get(first.header.ssrc) ?? []), frame]);
  }
  return frames;
}

/** RFC 6386 §9.1: bit 0 of the frame tag is 0 on a key frame. */
export const isVp8KeyFrame = (frame: Uint8Array): boolean => ((frame[0] ?? 1) & 1) === 0;

/** The frame ends with `IV (12) | 12 | keyIndex < 16` (protocols.md §8.7). */
export const hasE2eeTrailer = (frame: Uint8Array): boolean => frame.length > 30 && frame[frame.length - 2] === 12 && (frame[frame.length - 1] ?? 99) < 16;

/** Shannon entropy in bits per byte. */
export function entropyBitsPerByte(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / bytes.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Feeds the frames to libvpx (ffmpeg, IVF container) and returns how many it decoded and its error
 * lines: what anyone holding the bridge's view would get out of them.
 */
export function decodeWithLibvpx(frames: readonly Uint8Array[], width = 1280, height = 720): { readonly decoded: number; readonly errors: string } {
  const dir = mkdtempSync(join(tmpdir(), 'e2ee-capture-'));
  try {
    const header = Buffer.alloc(32);
    header.write('DKIF', 0);
    header.writeUInt16LE(0, 4);
    header.writeUInt16LE(32, 6);
    header.write('VP80', 8);
    header.writeUInt16LE(width, 12);
    header.writeUInt16LE(height, 14);
    header.writeUInt32LE(30, 16);
    header.writeUInt32LE(1, 20);
    header.writeUInt32LE(frames.length, 24);
    const chunks: Buffer[] = [header];
    frames.forEach((f, i) => {
      const h = Buffer.alloc(12);
      h.writeUInt32LE(f.length, 0);
      h.writeBigUInt64LE(BigInt(i), 4);
      chunks.push(h, Buffer.from(f));
    });
    const file = join(dir, 'capture.ivf');
    writeFileSync(file, Buffer.concat(chunks));
    let errors = '';
    let out = '';
    try {
      out = execFileSync('ffmpeg', ['-hide_banner', '-nostats', '-v', 'error', '-err_detect', 'explode', '-c:v', 'libvpx', '-i', file, '-f', 'framemd5', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      out = e.stdout ?? '';
      errors = e.stderr ?? String(error);
    }
    return { decoded: out.split('\n').filter((l) => /^\d+,/.test(l)).length, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
