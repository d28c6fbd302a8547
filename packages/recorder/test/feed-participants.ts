// Two participants without a conference around them, for the composer's tests: each is an ffmpeg
// sending a tone (Opus) and a picture (VP8) as RTP to loopback sockets, whose packets go into a
// ComposerFeed as the media leg's do. FeedTestBed owns all of it and a scratch directory, and
// closes it all.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReapedProcess } from '@plenum/testkit';
import { spawnReaped } from '@plenum/testkit';
import { ComposerFeed } from '../src/media/composer-feed.ts';
import type { RecordedSource } from '../src/media/recorded-source.ts';

/** Participant i's audio or video source as the session would describe it. */
const source = (i: number, media: 'audio' | 'video'): RecordedSource => ({
  ssrc: 1000 + 2 * i + (media === 'video' ? 1 : 0), name: `p${i}-${media === 'audio' ? 'a0' : 'v0'}`, owner: `p${i}`, media,
  payloadType: media === 'audio' ? 111 : 100, codec: media === 'audio' ? 'opus' : 'VP8', clockRate: media === 'audio' ? 48_000 : 90_000,
  ...(media === 'audio' ? { channels: 2 } : {}),
});

/** p0's audio and video, then p1's. */
export const SOURCES = [source(0, 'audio'), source(0, 'video'), source(1, 'audio'), source(1, 'video')] as const;

/** A solid colour with a little noise, so every frame is coded. */
export const colourPicture = (colour: string): string => `color=c=${colour}:size=320x240:rate=15,noise=alls=12:allf=t`;

const TEST_PATTERN = 'testsrc2=size=320x240:rate=15';

/** One loopback socket per source; every RTP packet that arrives goes into `feed` (RTCP is dropped). */
async function relayInto(feed: ComposerFeed): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < SOURCES.length; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    s.on('message', (m) => {
      const pt = (m[1] ?? 0) & 0x7f;
      if (m.length > 12 && (pt < 64 || pt > 95)) feed.push(m.readUInt32BE(8), m, m.subarray(12), Date.now());
    });
    sockets.push(s);
  }
  return sockets;
}

export class FeedTestBed {
  readonly #senders: ReapedProcess[] = [];

  private constructor(readonly dir: string, readonly feed: ComposerFeed, private readonly sockets: readonly Socket[]) {}

  /** A scratch directory named `prefix…`, a feed on the wall clock, and its relay sockets. */
  static async open(prefix: string): Promise<FeedTestBed> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const feed = new ComposerFeed(() => Date.now());
    return new FeedTestBed(dir, feed, await relayInto(feed));
  }

  /** Participant i sends a `hz` tone and `picture` (an ffmpeg lavfi source) in real time, until stopped or {@link stopFeeding}. */
  async startSender(i: number, hz: number, picture = TEST_PATTERN): Promise<ReapedProcess> {
    const port = (k: number): string => `rtp://127.0.0.1:${this.sockets[k]?.address().port ?? 0}`;
    const sender = await spawnReaped('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-re', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000`, '-re', '-f', 'lavfi', '-i', picture,
      '-map', '0:a', '-c:a', 'libopus', '-f', 'rtp', '-payload_type', '111', '-ssrc', String(1000 + 2 * i), port(2 * i),
      '-map', '1:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-f', 'rtp', '-payload_type', '100', '-ssrc', String(1001 + 2 * i),
      port(2 * i + 1),
    ]);
    this.#senders.push(sender);
    return sender;
  }

  /** Stops every participant and closes the feed: the composer's inputs go idle. Idempotent. */
  async stopFeeding(): Promise<void> {
    for (const s of this.#senders) await s.stop(1_000);
    await this.feed.close();
  }

  /** Stops feeding, closes the sockets and removes the directory (kept, and said where, when KEEP is set). */
  async close(): Promise<void> {
    await this.stopFeeding();
    for (const s of this.sockets) s.close();
    if (process.env.KEEP === undefined) await rm(this.dir, { recursive: true, force: true });
    else console.log(`kept in ${this.dir}`);
  }
}
