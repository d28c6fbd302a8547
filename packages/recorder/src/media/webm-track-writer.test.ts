// The per-source WebM writer with RTP from an independent sender: ffmpeg encodes a tone (libopus) and
// a test picture (libvpx) and packetizes them itself (its RTP muxer, RFC 7587 / RFC 7741); the
// files are then read back by ffprobe and decoded by ffmpeg, as a user opening them would.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { RecordedSource } from './recorded-source.ts';
import { vp8DescriptorBytes } from './vp8-rtp.ts';
import { WebmTrackWriter } from './webm-track-writer.ts';

const run = promisify(execFile);
const AUDIO: RecordedSource = { ssrc: 1111, name: 'alice-a0', owner: 'alice', media: 'audio', payloadType: 97, codec: 'opus', clockRate: 48_000, channels: 2 };
const VIDEO: RecordedSource = { ssrc: 2222, name: 'alice-v0', owner: 'alice', media: 'video', payloadType: 96, codec: 'VP8', clockRate: 90_000 };

/** What ffmpeg's RTP muxer sends for `input` encoded with `codecArgs`, every packet in order. */
async function ffmpegRtp(input: string[], codecArgs: string[]): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    // -re paces the packets as a live sender would (and no burst overflows the socket's buffer).
    await run('ffmpeg', ['-v', 'error', '-re', ...input, ...codecArgs, '-f', 'rtp', `rtp://127.0.0.1:${socket.address().port}?pkt_size=1200`]);
    await new Promise((r) => setTimeout(r, 100));
    return packets;
  } finally {
    socket.close();
  }
}

// Sent once, both at the same time, and read by every test (ffmpeg sends in real time).
const OPUS = ffmpegRtp(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3'], ['-c:a', 'libopus', '-b:a', '48k', '-payload_type', '97']);
const VP8 = ffmpegRtp(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15:duration=3'], ['-c:v', 'libvpx', '-g', '15', '-b:v', '300k', '-deadline', 'realtime', '-payload_type', '96']);
/** 3 s of a 440 Hz tone, 20 ms per packet. */
const opusPackets = async (seconds: number): Promise<Buffer[]> => (await OPUS).slice(0, seconds * 50);
/** 3 s of a test picture, 15 frames per second, a key frame a second. */
const vp8Packets = (): Promise<Buffer[]> => VP8;

/** The RTP payload, padding removed (RFC 3550 §5.1), as the recorder's leg hands it on. */
const payloadOf = (p: Buffer): Buffer => {
  const cc = (p[0] as number) & 0x0f;
  let at = 12 + 4 * cc;
  if (((p[0] as number) & 0x10) !== 0) at += 4 + 4 * p.readUInt16BE(at + 2);
  const padding = ((p[0] as number) & 0x20) !== 0 ? (p[p.length - 1] as number) : 0;
  return p.subarray(at, p.length - padding);
};

type Probe = { streams: { codec_name: string; width?: number; height?: number; nb_read_frames?: string }[]; format: { duration?: string } };
async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}
/** What ffmpeg says when it decodes the whole file (empty: clean). */
async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.trim();
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'webm-writer-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function write(writer: WebmTrackWriter, packets: readonly Buffer[], startMs = 0): void {
  packets.forEach((p, i) => writer.push(p, payloadOf(p), startMs + i));
}

test('an Opus source becomes a WebM file that plays for as long as it was sent, with its tone', () => withDir(async (dir) => {
  const packets = await opusPackets(3);
  const writer = new WebmTrackWriter(AUDIO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  write(writer, packets);
  await writer.finish();
  const file = join(dir, writer.file);
  const info = await probe(file);
  assert.is(info.streams[0]?.codec_name, 'opus');
  assert.ok(Math.abs(Number(info.format.duration) - 3) < 0.1, `duration ${info.format.duration} s`);
  assert.is(Number(info.streams[0]?.nb_read_frames), packets.length, 'every packet is a frame in the file');
  assert.is(await decodeErrors(file), '');
  // The 440 Hz tone is there: a band-pass around it keeps the level, one around 2 kHz does not.
  const level = async (hz: number): Promise<number> => {
    const { stderr } = await run('ffmpeg', ['-v', 'info', '-i', file, '-af', `bandpass=f=${hz}:width_type=q:w=8,volumedetect`, '-f', 'null', '-']);
    return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? '-200');
  };
  assert.ok(await level(440) > await level(2000) + 20, 'the tone is in the file');
}));

test('a VP8 source becomes a WebM file with its frame size, every frame and clean decoding; Cues and Duration are written', () => withDir(async (dir) => {
  const packets = await vp8Packets();
  const asked: number[] = [];
  const writer = new WebmTrackWriter(VIDEO, dir, { log: silentLogger, wantKeyFrame: (ssrc) => asked.push(ssrc) });
  write(writer, packets);
  await writer.finish();
  const file = join(dir, writer.file);
  const info = await probe(file);
  assert.is(info.streams[0]?.codec_name, 'vp8');
  assert.equal([info.streams[0]?.width, info.streams[0]?.height], [320, 240]);
  assert.is(Number(info.streams[0]?.nb_read_frames), 45, '3 s at 15 frames per second');
  assert.ok(Math.abs(Number(info.format.duration) - 3) < 0.15, `duration ${info.format.duration} s`);
  assert.is(await decodeErrors(file), '');
  assert.equal(asked, [], 'no key frame was wanted: the stream starts with one and loses nothing');
  // Seeking to the last second lands on a Cue (a key frame) and decodes cleanly.
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-ss', '2', '-i', file, '-f', 'null', '-']);
  assert.is(stderr.trim(), '');
}));

test('a lost video packet: frames up to the next key frame are left out and a key frame is asked for, the file decodes cleanly', () => withDir(async (dir) => {
  const packets = await vp8Packets();
  // The first packet of a delta frame past the middle (S bit; the frame tag's bit 0 after the descriptor).
  const startsDelta = (payload: Buffer): boolean => ((payload[0] as number) & 0x10) !== 0 && ((payload[vp8DescriptorBytes(payload) ?? 0] as number) & 0x01) === 1;
  const lostAt = packets.findIndex((p, i) => i > packets.length / 2 && startsDelta(payloadOf(p)));
  assert.ok(lostAt > 0);
  const asked: number[] = [];
  const writer = new WebmTrackWriter(VIDEO, dir, { log: silentLogger, wantKeyFrame: (ssrc) => asked.push(ssrc) });
  write(writer, packets.filter((_, i) => i !== lostAt));
  await writer.finish();
  const file = join(dir, writer.file);
  const frames = Number((await probe(file)).streams[0]?.nb_read_frames);
  assert.ok(frames < 45 && frames >= 30, `frames after the loss up to the key frame left out (${frames} of 45)`);
  // The frames left out are counted; the lost packet's own frame only when another of its packets came.
  const unseen = 45 - frames - writer.counts.droppedFrames;
  assert.ok(unseen === 0 || unseen === 1, `${writer.counts.droppedFrames} counted of ${45 - frames} left out`);
  assert.ok(asked.length > 0 && asked.every((s) => s === VIDEO.ssrc), 'a key frame was wanted');
  assert.is(await decodeErrors(file), '', 'no frame decodes against a missing reference');
}));

test('padding-only packets between frames (a sender probing bandwidth) are no loss', () => withDir(async (dir) => {
  const packets = await vp8Packets();
  const probed: Buffer[] = [];
  let added = 0;
  for (const p of packets) {
    const q = Buffer.from(p);
    q.writeUInt16BE((q.readUInt16BE(2) + added) & 0xffff, 2);
    probed.push(q);
    if (((q[1] as number) & 0x80) !== 0 && added < 10) {
      // After a frame's last packet: 12-byte header, P set, 200 bytes of padding, next sequence number.
      const pad = Buffer.alloc(212);
      q.copy(pad, 0, 0, 12);
      pad[0] = 0xa0;
      pad[1] = (q[1] as number) & 0x7f;
      pad.writeUInt16BE((q.readUInt16BE(2) + 1) & 0xffff, 2);
      pad[211] = 200;
      probed.push(pad);
      added++;
    }
  }
  const writer = new WebmTrackWriter(VIDEO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  write(writer, probed);
  await writer.finish();
  assert.is(writer.counts.droppedFrames, 0);
  assert.is(Number((await probe(join(dir, writer.file))).streams[0]?.nb_read_frames), 45);
}));

test('a recorder that dies mid-way leaves a file that plays up to its last whole Cluster', () => withDir(async (dir) => {
  const packets = await opusPackets(3);
  const writer = new WebmTrackWriter(AUDIO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  write(writer, packets.slice(0, 120));
  // What is on disk before finish(): header and whole Clusters only (the copy stands for the file left by a crash).
  await new Promise((r) => setTimeout(r, 200));
  await copyFile(join(dir, writer.file), join(dir, 'crashed.webm'));
  await writer.finish();
  const crashed = join(dir, 'crashed.webm');
  assert.is(await decodeErrors(crashed), '');
  const frames = Number((await probe(crashed)).streams[0]?.nb_read_frames);
  assert.ok(frames >= 100 && frames < 120, `${frames} frames: the whole Clusters written (≤ 1 s kept in memory)`);
}));

test('a muted stretch is a gap in the file\'s timeline; a clock that jumps back goes on after the last frame', () => withDir(async (dir) => {
  const packets = await opusPackets(2);
  const half = packets.length / 2;
  const shifted = packets.map((p, i) => {
    const q = Buffer.from(p);
    // The second half comes 5 s later on the sender's clock (camera or microphone muted meanwhile).
    if (i >= half) q.writeUInt32BE((q.readUInt32BE(4) + 5 * 48_000) >>> 0, 4);
    return q;
  });
  const writer = new WebmTrackWriter(AUDIO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  write(writer, shifted);
  await writer.finish();
  const gapped = await probe(join(dir, writer.file));
  assert.ok(Math.abs(Number(gapped.format.duration) - 7) < 0.15, `2 s sent over 7 s (${gapped.format.duration} s)`);

  const back = packets.map((p, i) => {
    const q = Buffer.from(p);
    if (i >= half) q.writeUInt32BE((q.readUInt32BE(4) - 60 * 48_000) >>> 0, 4);
    return q;
  });
  const dir2 = join(dir, 'back');
  await run('mkdir', [dir2]);
  const w2 = new WebmTrackWriter(AUDIO, dir2, { log: silentLogger, wantKeyFrame: () => undefined });
  write(w2, back);
  await w2.finish();
  const restarted = await probe(join(dir2, w2.file));
  assert.ok(Math.abs(Number(restarted.format.duration) - 2) < 0.15, `times go on (${restarted.format.duration} s)`);
  assert.is(await decodeErrors(join(dir2, w2.file)), '');
}));

test('a sender whose clock stands still cannot make the recorder hold its frames in memory', () => withDir(async (dir) => {
  const writer = new WebmTrackWriter(AUDIO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  const packet = Buffer.alloc(12 + 1000, 0x55);
  packet[0] = 0x80;
  packet[1] = 97;
  packet.writeUInt32BE(AUDIO.ssrc, 8);
  // 10 MB of frames all stamped with one time: no Cluster would ever end by time.
  for (let i = 0; i < 10_000; i++) {
    packet.writeUInt16BE(i & 0xffff, 2);
    writer.push(packet, packet.subarray(12), i);
  }
  await new Promise((r) => setTimeout(r, 300));
  const { size } = await stat(join(dir, writer.file));
  assert.ok(size >= 8 * 1024 * 1024, `written as it came (${size} bytes on disk before the end)`);
  await writer.finish();
}));

test('a file that cannot be made (no such directory) is reported, not thrown, and not listed', async () => {
  const writer = new WebmTrackWriter(AUDIO, '/nonexistent/plenum-recordings', { log: silentLogger, wantKeyFrame: () => undefined });
  write(writer, await opusPackets(1));
  await writer.finish();
  assert.not.ok(writer.hasFile);
});

test('garbage and late packets are dropped without a throw; a source that never sent leaves no file', () => withDir(async (dir) => {
  const packets = await opusPackets(1);
  const writer = new WebmTrackWriter(AUDIO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  const junk = [Buffer.alloc(0), Buffer.alloc(5), Buffer.from('not an rtp packet at all, just text')];
  for (const j of junk) writer.push(j, j.subarray(12), 0);
  write(writer, packets);
  // Duplicates and late packets (the first ten again).
  write(writer, packets.slice(0, 10));
  await writer.finish();
  assert.is(writer.counts.latePackets, 10);
  assert.is(await decodeErrors(join(dir, writer.file)), '');

  const video = new WebmTrackWriter(VIDEO, dir, { log: silentLogger, wantKeyFrame: () => undefined });
  for (let i = 0; i < 50; i++) {
    const p = Buffer.alloc(40, i);
    p[0] = 0x80;
    video.push(p, p.subarray(12), i);
  }
  await video.finish();
  assert.not.ok(video.hasFile);
  assert.equal((await readdir(dir)).filter((f) => f.includes('v0')), [], 'no file for a video that never sent a key frame');
}));

test.run();
