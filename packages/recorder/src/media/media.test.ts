import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeFilter } from './composer.ts';
import type { ComposedScene } from './composed-layout.ts';
import { gridLayout, safeLabel, sceneBoxes, sceneKey, sceneOf, sceneSources } from './composed-layout.ts';
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

test('the filter reads the videos first, then the audios (sceneSources order), stacks the videos and mixes the audios', () => {
  const sources = [audio('a', 1), video('a', 2), audio('b', 3), video('b', 4)];
  assert.equal(sceneSources(sceneOf(sources)).map((s) => s.ssrc), [2, 4, 1, 3]);
  const f = composeFilter(sources, { width: 640, height: 360, frameRate: 15 });
  assert.match(f, '[0:0]scale=320:360');
  assert.match(f, '[0:1]scale=320:360');
  assert.match(f, 'xstack=inputs=2:layout=0_0|320_0:fill=black:shortest=1');
  assert.match(f, '[0:2]aresample=48000:async=1000:first_pts=0[s0]');
  assert.match(f, '[0:3]aresample=48000:async=1000:first_pts=0[s1]');
  assert.match(f, '[s0][s1]amix=inputs=2:duration=longest');
});

test('no video: a blank frame as long as the audio; no audio: silence (the file still has both streams)', () => {
  const onlyAudio = composeFilter([audio('a', 1)], { width: 320, height: 240, frameRate: 10 });
  assert.match(onlyAudio, '[0:0]showwaves=s=320x240:r=10');
  const onlyVideo = composeFilter([video('a', 1)], { width: 320, height: 240, frameRate: 10 });
  assert.match(onlyVideo, 'anullsrc');
});

test('names: drawn on each tile; a camera that is off is a dark tile with the name; a name cannot break the filter graph', () => {
  const o = { width: 640, height: 360, frameRate: 15, fontFile: '/f.ttf' };
  const scene: ComposedScene = {
    tiles: [{ owner: 'a', label: 'Ada', video: video('a', 2) }, { owner: 'b', label: 'Bo', video: undefined }], share: undefined, audios: [audio('a', 1), audio('b', 3)],
  };
  const f = composeFilter(scene, o);
  assert.match(f, "[0:0]scale=320:360:force_original_aspect_ratio=decrease,pad=320:360:(ow-iw)/2:(oh-ih)/2:color=0x202020,setsar=1,fps=15,drawtext=fontfile='/f.ttf':expansion=none:text='Ada'");
  assert.match(f, "color=c=0x202020:s=320x360:r=15,setsar=1,drawtext=fontfile='/f.ttf':expansion=none:text='Bo'");
  assert.match(f, 'x=(w-tw)/2:y=(h-th)/2');
  assert.is(safeLabel("Zoë O'Brien: \\[x];,%{pts}", 'ep1'), 'Zoë OBrien xpts');
  assert.is(safeLabel('  ', 'ep1'), 'ep1');
  assert.is(safeLabel('李小龍', 'ep1'), '李小龍');
  assert.not.match(composeFilter({ ...scene, tiles: [{ owner: 'a', label: '', video: video('a', 2) }] }, o), 'drawtext');
});

test('a screen share is drawn large on the left, the tiles in a column on the right', () => {
  const boxes = sceneBoxes(2, true, 640, 360);
  assert.equal(boxes.share, { x: 0, y: 0, w: 480, h: 360 });
  assert.equal(boxes.tiles, [{ x: 480, y: 0, w: 160, h: 90 }, { x: 480, y: 90, w: 160, h: 90 }]);
  const scene: ComposedScene = { tiles: [{ owner: 'a', label: '', video: video('a', 2) }], share: { label: '', video: { ...video('a', 5), videoType: 'desktop' } }, audios: [audio('a', 1)] };
  assert.equal(sceneSources(scene).map((s) => s.ssrc), [5, 2, 1]);
  const f = composeFilter(scene, { width: 640, height: 360, frameRate: 15 });
  assert.match(f, '[0:0]scale=480:360');
  assert.match(f, '[0:1]scale=160:90');
  assert.match(f, 'xstack=inputs=2:layout=0_0|480_0');
  assert.is(sceneOf([video('a', 2), { ...video('a', 5), videoType: 'desktop' }]).share?.video.ssrc, 5, 'a desktop source is the share');
});

test('the scene key changes with what is drawn or mixed, not otherwise', () => {
  const scene: ComposedScene = { tiles: [{ owner: 'a', label: 'Ada', video: video('a', 2) }], share: undefined, audios: [audio('a', 1)] };
  assert.is(sceneKey(scene), sceneKey({ ...scene, tiles: [{ owner: 'a', label: 'Ada', video: video('a', 2) }] }));
  assert.is.not(sceneKey(scene), sceneKey({ ...scene, tiles: [{ owner: 'a', label: 'Ada L.', video: video('a', 2) }] }), 'renamed');
  assert.is.not(sceneKey(scene), sceneKey({ ...scene, tiles: [{ owner: 'a', label: 'Ada', video: undefined }] }), 'camera off');
  assert.is.not(sceneKey(scene), sceneKey({ ...scene, audios: [] }), 'audio gone');
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
