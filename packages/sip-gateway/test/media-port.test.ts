// The PhoneAudioPort against real peers on 127.0.0.1: ffmpeg sends RTP (μ-law, G.722, SRTP) and
// readFrame yields the tone at 48 kHz (readNativeFrame at the codec's own rate); writeFrame's and
// writeNativeFrame's RTP is received and decoded by ffmpeg; sipp's
// captured RFC 4733 DTMF packets, replayed from its pcaps, give the right digits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@plenum/kit';
import { freeUdpPort } from '@plenum/kit/node';
import { openPhoneAudioPort } from '../src/media/phone-audio-port.ts';
import { DEFAULT_PHONE_MEDIA_CONFIG } from '../src/media/phone-media-config.ts';
import type { PhoneAudioPort, PhoneCodecName } from '../src/media/phone-audio.ts';
import { FrameClock } from '../src/media/frame-clock.ts';
import { concatPcm, dominantFrequency, pcmFromBytes, sineFrame, toneAmplitude } from './tone.ts';
import { startFfmpeg } from './media-ffmpeg.ts';

const config = { ...DEFAULT_PHONE_MEDIA_CONFIG, codecs: ['PCMU', 'PCMA', 'G722', 'opus'] as PhoneCodecName[] };
const offer = (port: number, proto: string, formats: string, ...attributes: string[]): string =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} ${proto} ${formats}`, ...attributes, ''].join('\r\n');

/** Reads `count` frames on a 20 ms clock. */
function readFrames(port: PhoneAudioPort, count: number): Promise<Int16Array> {
  const clock = new FrameClock();
  const frames: Int16Array[] = [];
  return new Promise((resolve) => {
    const off = clock.onTick(() => {
      frames.push(port.readFrame().slice());
      if (frames.length === count) {
        off();
        resolve(concatPcm(frames));
      }
    });
  });
}

async function withPort(run: (port: PhoneAudioPort) => Promise<void>): Promise<void> {
  const port = await openPhoneAudioPort(config, silentLogger);
  try {
    await run(port);
  } finally {
    port.close();
  }
}

const SRTP_KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const senders: { name: string; codec: PhoneCodecName; formats: string; attrs: string[]; ffmpeg: (port: number) => string[] }[] = [
  { name: 'μ-law RTP', codec: 'PCMU', formats: '0', attrs: [],
    ffmpeg: (p) => ['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=8000:duration=2.5', '-af', 'asetnsamples=n=160', '-c:a', 'pcm_mulaw', '-f', 'rtp', `rtp://127.0.0.1:${p}`] },
  { name: 'G.722 RTP', codec: 'G722', formats: '9', attrs: [],
    ffmpeg: (p) => ['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=16000:duration=2.5', '-af', 'asetnsamples=n=320', '-c:a', 'g722', '-f', 'rtp', `rtp://127.0.0.1:${p}`] },
  { name: 'μ-law SRTP (SDES)', codec: 'PCMU', formats: '0', attrs: [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SRTP_KEY}`],
    ffmpeg: (p) => ['-re', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=8000:duration=2.5', '-af', 'asetnsamples=n=160', '-c:a', 'pcm_mulaw',
      '-f', 'rtp', '-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', SRTP_KEY, `srtp://127.0.0.1:${p}`] },
];

for (const s of senders) {
  test(`ffmpeg sends ${s.name}: readFrame yields the 1 kHz tone at 48 kHz`, () => withPort(async (port) => {
    const answer = port.answer(offer(9, s.attrs.length > 0 ? 'RTP/SAVP' : 'RTP/AVP', s.formats, ...s.attrs));
    assert.ok(answer.ok, 'offer accepted');
    assert.is(port.negotiated?.codec, s.codec);
    assert.is(port.negotiated?.srtp, s.attrs.length > 0);
    const ffmpeg = startFfmpeg(s.ffmpeg(port.port));
    try {
      const pcm = await readFrames(port, 110); // 2.2 s
      const body = pcm.subarray(48_000 * 0.6); // after ffmpeg's start-up and the jitter buffer
      assert.is(dominantFrequency(body, 48_000, { minHz: 200, maxHz: 7000 }), 1000);
      // ffmpeg's sine is at 1/8 of full scale.
      assert.ok(Math.abs(toneAmplitude(body, 48_000, 1000) - 4096) < 600, `level ${toneAmplitude(body, 48_000, 1000)}`);
      await ffmpeg.output;
    } finally {
      ffmpeg.kill();
    }
  }));
}

test('ffmpeg sends μ-law: readNativeFrame yields the 1 kHz tone at 8 kHz, 160 samples a frame', () => withPort(async (port) => {
  assert.ok(port.answer(offer(9, 'RTP/AVP', '0')).ok);
  const ffmpeg = startFfmpeg(senders[0]!.ffmpeg(port.port));
  const clock = new FrameClock();
  const frames: Int16Array[] = [];
  try {
    const pcm = await new Promise<Int16Array>((resolve) => {
      const off = clock.onTick(() => {
        const frame = port.readNativeFrame!();
        assert.is(frame.length, 160);
        frames.push(frame.slice());
        if (frames.length === 110) {
          off();
          resolve(concatPcm(frames));
        }
      });
    });
    const body = pcm.subarray(8000 * 0.6);
    assert.is(dominantFrequency(body, 8000, { minHz: 200, maxHz: 3800 }), 1000);
    assert.ok(Math.abs(toneAmplitude(body, 8000, 1000) - 4096) < 600, `level ${toneAmplitude(body, 8000, 1000)}`);
    await ffmpeg.output;
  } finally {
    ffmpeg.kill();
  }
}));

for (const [codec, pt, rate, isNative] of [['PCMU', 0, 8000, false], ['G722', 9, 16000, false], ['PCMU', 0, 8000, true]] as const) {
  test(`${isNative ? 'writeNativeFrame (8 kHz in)' : 'writeFrame'} sends ${codec} that ffmpeg decodes to the tone`, () => withPort(async (port) => {
    const dir = mkdtempSync(join(tmpdir(), 'plenum-media-'));
    const ffmpegPort = await freeUdpPort();
    const sdp = offer(ffmpegPort, 'RTP/AVP', String(pt), `a=rtpmap:${pt} ${codec}/8000`);
    writeFileSync(join(dir, 'in.sdp'), sdp);
    const ffmpeg = startFfmpeg(['-protocol_whitelist', 'file,udp,rtp', '-i', join(dir, 'in.sdp'), '-t', '1.5', '-f', 's16le', '-ac', '1', 'pipe:1']);
    const clock = new FrameClock();
    let frame = 0;
    const off = clock.onTick(() => {
      if (isNative) port.writeNativeFrame?.(sineFrame(1200, { sampleRate: 8000, samples: 160, startSample: 160 * frame++, amplitude: 6000 }));
      else port.writeFrame(sineFrame(1200, { startSample: 960 * frame++, amplitude: 6000 }));
    });
    try {
      assert.ok(port.answer(sdp).ok);
      const pcm = pcmFromBytes(await ffmpeg.output);
      assert.ok(pcm.length >= rate, `ffmpeg wrote ${pcm.length} samples`);
      const body = pcm.subarray(rate / 4);
      assert.is(dominantFrequency(body, rate, { minHz: 200, maxHz: rate / 2 - 200 }), 1200);
      assert.ok(Math.abs(toneAmplitude(body, rate, 1200) - 6000) < 600, `level ${toneAmplitude(body, rate, 1200)}`);
    } finally {
      off();
      ffmpeg.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }));
}

test('a burst of frames written in one go (the frame clock catching up) arrives as that many distinct packets', () => withPort(async (port) => {
  const phone = createSocket('udp4');
  await new Promise<void>((resolve) => phone.bind(0, '127.0.0.1', resolve));
  try {
    const sequences: number[] = [];
    const tenArrived = new Promise<void>((resolve) => phone.on('message', (msg) => {
      sequences.push(msg.readUInt16BE(2));
      if (sequences.length === 10) resolve();
    }));
    assert.ok(port.answer(offer(phone.address().port, 'RTP/AVP', '0')).ok);
    // Ten ticks' worth synchronously: the sends complete only after this loop.
    for (let f = 0; f < 10; f++) port.writeNativeFrame!(sineFrame(1000, { sampleRate: 8000, samples: 160, startSample: 160 * f }));
    await tenArrived;
    assert.equal(sequences.map((s) => (s - sequences[0]!) & 0xffff), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'ten consecutive sequence numbers, none overwritten');
  } finally {
    phone.close();
  }
}));

/** The UDP payloads of a classic pcap (Ethernet / IPv4 / UDP), in capture order. */
function udpPayloadsOfPcap(path: string): Buffer[] {
  const file = readFileSync(path);
  const payloads: Buffer[] = [];
  for (let offset = 24; offset + 16 <= file.length;) {
    const captured = file.readUInt32LE(offset + 8);
    const frame = file.subarray(offset + 16, offset + 16 + captured);
    offset += 16 + captured;
    const ipHeader = (frame[14]! & 0x0f) * 4;
    payloads.push(frame.subarray(14 + ipHeader + 8));
  }
  return payloads;
}

test('sipp\'s RFC 4733 DTMF captures replayed into the port give one digit per key press', () => withPort(async (port) => {
  assert.ok(port.answer(offer(9, 'RTP/AVP', '0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15')).ok);
  assert.is(port.negotiated?.telephoneEventPayloadType, 101);
  const digits: string[] = [];
  port.events.on('dtmf', (d) => digits.push(d));
  const socket = createSocket('udp4');
  try {
    for (const name of ['1', '2', '2', 'pound', 'star', '0']) {
      for (const packet of udpPayloadsOfPcap(`/usr/share/sip-tester/dtmf_2833_${name}.pcap`)) {
        await new Promise<void>((resolve, reject) => socket.send(packet, port.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      }
    }
    const deadline = Date.now() + 3000;
    while (digits.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(digits, ['1', '2', '2', '#', '*', '0']);
  } finally {
    socket.close();
  }
}));

test('an offer without a common codec or with unusable SRTP is refused with a typed error', () => withPort(async (port) => {
  const noCodec = port.answer(offer(5000, 'RTP/AVP', '18', 'a=rtpmap:18 G729/8000'));
  assert.ok(!noCodec.ok && noCodec.error.code === 'no-common-codec');
  const badSrtp = port.answer(offer(5000, 'RTP/SAVP', '0', 'a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:abc'));
  assert.ok(!badSrtp.ok && badSrtp.error.code === 'srtp-required');
  assert.is(port.negotiated, undefined, 'nothing was negotiated');
}));

test('SRTP policy: required refuses plain RTP, off refuses RTP/SAVP', async () => {
  for (const [policy, proto] of [['required', 'RTP/AVP'], ['off', 'RTP/SAVP']] as const) {
    const port = await openPhoneAudioPort({ ...config, srtpPolicy: policy }, silentLogger);
    try {
      const r = port.answer(offer(5000, proto, '0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SRTP_KEY}`));
      assert.ok(!r.ok && r.error.code === 'srtp-required', `${policy} refuses ${proto}`);
    } finally {
      port.close();
    }
  }
});

test.run();
