// The live stream's reconnection bound, with real ffmpeg processes: an audio source (ffmpeg
// encoding a tone to RTP, forwarded by the recorder's own fanout to whichever composer runs) pushed
// to an RTMP address where nothing listens. Every attempt is refused; after giveUpAfterMs the
// pusher gives up and says so (the session then ends with status off + failure).
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import { freePort, spawnReaped } from '@plenum/kit/node';
import type { RecordedSource } from './recorded-source.ts';
import { RtpFanout } from './rtp-fanout.ts';
import { StreamPusher } from './stream-pusher.ts';
import { resolveStreamTarget } from './stream-target.ts';

const TONE: RecordedSource = { ssrc: 0x1234, name: 'tone-a0', owner: 'tone', media: 'audio', payloadType: 111, codec: 'opus', clockRate: 48_000, channels: 2 };

test('an RTMP server that never answers: bounded retries, then the stream is reported failed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-pusher-'));
  const fanout = new RtpFanout();
  const inbound = createSocket('udp4');
  await new Promise<void>((resolve) => inbound.bind(0, '127.0.0.1', () => resolve()));
  inbound.on('message', (m) => fanout.send(TONE.ssrc, m, Date.now()));
  const tone = await spawnReaped('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:a', 'libopus', '-f', 'rtp', '-payload_type', '111', '-ssrc', String(TONE.ssrc), `rtp://127.0.0.1:${inbound.address().port}`]);
  const target = resolveStreamTarget(`rtmp://127.0.0.1:${await freePort()}/live/nobody-home`, 'rtmp://unused');
  assert.ok(target.ok);
  const pusher = new StreamPusher([TONE], {
    target: target.value, composed: { width: 160, height: 90, frameRate: 5 }, videoBitrateKbps: 100,
    reconnectMinDelayMs: 100, reconnectMaxDelayMs: 400, giveUpAfterMs: 4_000, dir, ffmpegPath: 'ffmpeg', log: silentLogger,
  });
  try {
    pusher.events.on('ports', (ports, previous) => {
      for (const [ssrc, port] of previous ?? []) fanout.unroute(ssrc, port);
      for (const [ssrc, port] of ports) fanout.route(ssrc, port);
    });
    let wentLive = false;
    pusher.events.on('live', () => {
      wentLive = true;
    });
    const failed = new Promise<string>((resolve) => pusher.events.once('failed', resolve));
    const startedAt = Date.now();
    await pusher.start();
    let timer: NodeJS.Timeout | undefined;
    const reason = await Promise.race([failed, new Promise<string>((_, reject) => {
      timer = setTimeout(() => reject(new Error('never gave up')), 20_000);
    })]).finally(() => clearTimeout(timer));
    assert.match(reason, /unreachable/);
    assert.ok(Date.now() - startedAt >= 4_000, 'not before giveUpAfterMs');
    assert.ok(pusher.attempts >= 2, `it retried (${pusher.attempts} attempts)`);
    assert.not.ok(wentLive);
    const attempts = pusher.attempts;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.is(pusher.attempts, attempts, 'no attempt after giving up');
  } finally {
    await pusher.finish(1_000);
    await tone.stop(2_000);
    inbound.close();
    await fanout.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
