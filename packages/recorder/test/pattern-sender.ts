// Known media for a test participant: ffmpeg encodes a sine tone (Opus) and a 320×240 test pattern
// (VP8) in real time and packetizes them as RTP to two loopback sockets; each packet is sent on
// through the participant's SRTP context under its signalled SSRC and payload type (ffmpeg's -ssrc
// option is a signed 32-bit integer, hence the `| 0`).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { RtpHeader } from 'werift';
import { RtpPacket } from 'werift';
import type { ReapedProcess } from '@plenum/testkit';
import { spawnReaped } from '@plenum/testkit';
import type { MediaParticipant } from '@plenum/testkit/media-participant';

export const PATTERN_WIDTH = 320;
export const PATTERN_HEIGHT = 240;

const bound = (): Promise<Socket> => new Promise((resolve, reject) => {
  const s = createSocket('udp4');
  s.once('error', reject);
  s.bind(0, '127.0.0.1', () => resolve(s));
});

/** Changes a packet's payload before it is sent (e.g. encrypts it); undefined: the packet is not sent. Packets of a medium stay in order. */
export type PayloadTransform = (media: 'audio' | 'video', header: RtpHeader, payload: Buffer) => Promise<Buffer | undefined>;

export class PatternSender {
  private constructor(private readonly ffmpeg: ReapedProcess, private readonly sockets: readonly Socket[]) {}

  /** Starts sending `toneHz` and the test pattern from `p` until {@link stop}. */
  static async start(p: MediaParticipant, toneHz: number, transform?: PayloadTransform): Promise<PatternSender> {
    const audio = await bound();
    const video = await bound();
    const forward = (s: Socket, media: 'audio' | 'video'): void => {
      let chain = Promise.resolve();
      s.on('message', (msg) => {
        // ffmpeg also sends RTCP to port+1; only RTP (payload types below 64 after the marker bit) arrives here.
        const pt = (msg[1] ?? 0) & 0x7f;
        if (pt >= 64 && pt <= 95) return;
        const packet = RtpPacket.deSerialize(msg);
        if (transform === undefined) {
          void p.sendRtp(packet.header, packet.payload).catch(() => undefined);
          return;
        }
        chain = chain.then(async () => {
          const payload = await transform(media, packet.header, packet.payload);
          if (payload !== undefined) await p.sendRtp(packet.header, payload);
        }).catch(() => undefined);
      });
    };
    forward(audio, 'audio');
    forward(video, 'video');
    const { opusPayloadType, vp8PayloadType } = p.negotiated;
    const ffmpeg = await spawnReaped('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-re', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`,
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=${PATTERN_WIDTH}x${PATTERN_HEIGHT}:rate=15`,
      '-map', '0:a', '-c:a', 'libopus', '-b:a', '32k', '-f', 'rtp', '-payload_type', String(opusPayloadType), '-ssrc', String(p.audioSsrc | 0),
      `rtp://127.0.0.1:${audio.address().port}?pkt_size=1100`,
      '-map', '1:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-b:v', '200k',
      '-f', 'rtp', '-payload_type', String(vp8PayloadType), '-ssrc', String((p.videoSsrcs[0] ?? 0) | 0),
      `rtp://127.0.0.1:${video.address().port}?pkt_size=1100`,
    ]);
    return new PatternSender(ffmpeg, [audio, video]);
  }

  /** Sends only video from `p` under `ssrc` (e.g. a screen share's source): `lavfi` is the picture (default red with a little noise, so every frame is coded). */
  static async startVideo(p: MediaParticipant, ssrc: number, lavfi = `color=c=red:size=${PATTERN_WIDTH}x${PATTERN_HEIGHT}:rate=15,noise=alls=12:allf=t`): Promise<PatternSender> {
    const video = await bound();
    video.on('message', (msg) => {
      const pt = (msg[1] ?? 0) & 0x7f;
      if (pt >= 64 && pt <= 95) return;
      const packet = RtpPacket.deSerialize(msg);
      void p.sendRtp(packet.header, packet.payload).catch(() => undefined);
    });
    const ffmpeg = await spawnReaped('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', lavfi,
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-b:v', '200k',
      '-f', 'rtp', '-payload_type', String(p.negotiated.vp8PayloadType), '-ssrc', String(ssrc | 0), `rtp://127.0.0.1:${video.address().port}?pkt_size=1100`,
    ]);
    return new PatternSender(ffmpeg, [video]);
  }

  #isStopped = false;

  /** Idempotent. */
  async stop(): Promise<void> {
    if (this.#isStopped) return;
    this.#isStopped = true;
    await this.ffmpeg.stop(2000);
    for (const s of this.sockets) s.close();
  }
}
