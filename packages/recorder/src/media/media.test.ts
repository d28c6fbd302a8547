import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeFilter, gridLayout } from './composer.ts';
import type { RecordedSource } from './recorded-source.ts';
import { rtpSdpSession } from './recorded-source.ts';
import { isVp8KeyFrameStart } from './vp8-keyframe.ts';

const audio = (owner: string, ssrc: number): RecordedSource => ({ ssrc, name: `${owner}-a0`, owner, media: 'audio', payloadType: 111, codec: 'opus', clockRate: 48000, channels: 2 });
const video = (owner: string, ssrc: number): RecordedSource => ({ ssrc, name: `${owner}-v0`, owner, media: 'video', payloadType: 100, codec: 'VP8', clockRate: 90000 });

test('the grid places 1, 3 and 4 tiles inside the frame without overlap', () => {
  assert.equal(gridLayout(1, 640, 360), { tileWidth: 640, tileHeight: 360, positions: ['0_0'] });
  assert.equal(gridLayout(3, 640, 360), { tileWidth: 320, tileHeight: 180, positions: ['0_0', '320_0', '0_180'] });
  assert.equal(gridLayout(4, 640, 360).positions, ['0_0', '320_0', '0_180', '320_180']);
});

test('the filter mixes every audio stream and stacks every video stream of the one SDP input', () => {
  const f = composeFilter([audio('a', 1), video('a', 2), audio('b', 3), video('b', 4)], { width: 640, height: 360, frameRate: 15 });
  assert.match(f, '[0:1]scale=320:360');
  assert.match(f, '[0:3]scale=320:360');
  assert.match(f, 'xstack=inputs=2:layout=0_0|320_0');
  assert.match(f, '[0:0]aresample=48000:async=1000:first_pts=0[s0]');
  assert.match(f, '[0:2]aresample=48000:async=1000:first_pts=0[s1]');
  assert.match(f, '[s0][s1]amix=inputs=2:duration=longest');
});

test('no video: a black frame; no audio: silence (the file still has both streams)', () => {
  const onlyAudio = composeFilter([audio('a', 1)], { width: 320, height: 240, frameRate: 10 });
  assert.match(onlyAudio, 'color=c=black:s=320x240:r=10[v]');
  const onlyVideo = composeFilter([video('a', 1)], { width: 320, height: 240, frameRate: 10 });
  assert.match(onlyVideo, 'anullsrc');
});

test('the SDP has one m-line per source, in order, with its port and codec', () => {
  const sdp = rtpSdpSession('composed', [{ source: audio('a', 1), port: 5000 }, { source: video('a', 2), port: 5002 }]);
  assert.match(sdp, 'm=audio 5000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 5002 RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\n');
});

test('VP8 key frame starts are told apart from inter frames and continuation packets', () => {
  // Descriptor S=1 PID=0, no extension; payload header P bit 0 = key frame.
  assert.ok(isVp8KeyFrameStart(Uint8Array.from([0x10, 0x00, 0x9d, 0x01, 0x2a])));
  assert.not.ok(isVp8KeyFrameStart(Uint8Array.from([0x10, 0x01])), 'inter frame');
  assert.not.ok(isVp8KeyFrameStart(Uint8Array.from([0x00, 0x00])), 'not the start of a partition');
  // X=1 with a 2-byte picture id (I=1, M=1), then the key frame header.
  assert.ok(isVp8KeyFrameStart(Uint8Array.from([0x90, 0x80, 0x81, 0x23, 0x00])));
  assert.not.ok(isVp8KeyFrameStart(Uint8Array.from([])));
  assert.not.ok(isVp8KeyFrameStart(Uint8Array.from([0x90, 0x80])), 'truncated');
});

test.run();
