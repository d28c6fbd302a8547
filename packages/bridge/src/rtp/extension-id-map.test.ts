import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExtensionIdMap } from './extension-id-map.ts';

const MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const LEVEL = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const TWCC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const ABS = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
const ORIENT = 'urn:3gpp:video-orientation';

test('forwarded extensions follow the receiver ids; hop-by-hop ones and unknown ones are dropped', () => {
  const sender = [
    { id: 1, uri: LEVEL },
    { id: 3, uri: ABS },
    { id: 4, uri: MID },
    { id: 5, uri: TWCC },
    { id: 10, uri: RID },
    { id: 13, uri: ORIENT },
    { id: 14, uri: 'urn:example:unknown' },
  ];
  const receiver = [
    { id: 1, uri: LEVEL },
    { id: 2, uri: ABS },
    { id: 9, uri: MID },
    { id: 3, uri: TWCC },
  ];
  const map = buildExtensionIdMap(sender, receiver);
  assert.equal([...map.subarray(0, 16)], [0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(map.reduce((n, v) => n + (v ? 1 : 0), 0), 2, 'level and transport-cc only; orientation not negotiated by the receiver');
});

test('odd ids are ignored', () => {
  const map = buildExtensionIdMap([{ id: 0, uri: LEVEL }, { id: 300, uri: TWCC }, { id: -1, uri: LEVEL }], [{ id: 1, uri: LEVEL }, { id: 256, uri: TWCC }]);
  assert.is(map.reduce((n, v) => n + v, 0), 0);
});

test.run();
