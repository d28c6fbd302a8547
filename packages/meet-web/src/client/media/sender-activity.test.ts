// Which simulcast layers run for the bridge's SenderSourceConstraints, and switching them with the
// browser's own parameters object (transactionId kept), setting nothing when nothing changes. The
// real browser's behaviour (encoders that stop and start) is in test/e2e/sender-layers.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activeEncodings, setSenderEncodings, type ParameterizedSender } from './sender-activity.ts';

function fakeSender(encodings: RTCRtpEncodingParameters[]): { sender: ParameterizedSender; set: RTCRtpSendParameters[] } {
  const set: RTCRtpSendParameters[] = [];
  let current: RTCRtpSendParameters = { transactionId: 't1', encodings, codecs: [], headerExtensions: [], rtcp: {} };
  const sender: ParameterizedSender = {
    getParameters: () => structuredClone(current),
    setParameters: async (p: RTCRtpSendParameters) => {
      set.push(p);
      current = structuredClone(p);
    },
  };
  return { sender, set };
}

// Chromium's legacy simulcast of a 720p camera: 180p, 360p, 720p, with no scale stated.
const SIMULCAST = [{}, {}, {}];
const camera = (maxHeight: number | undefined) => ({ hasTrack: true, maxHeight, trackShortSide: 720 });

test('a layer runs when it is no taller than anyone watches', () => {
  assert.equal(activeEncodings(SIMULCAST, camera(180)), [true, false, false]);
  assert.equal(activeEncodings(SIMULCAST, camera(360)), [true, true, false]);
  assert.equal(activeEncodings(SIMULCAST, camera(540)), [true, true, false], 'between two layers: the smaller');
  assert.equal(activeEncodings(SIMULCAST, camera(720)), [true, true, true]);
  assert.equal(activeEncodings(SIMULCAST, camera(1080)), [true, true, true]);
});

test('nobody watching stops every layer; no limit or no word yet runs them all', () => {
  assert.equal(activeEncodings(SIMULCAST, camera(0)), [false, false, false]);
  assert.equal(activeEncodings(SIMULCAST, camera(-1)), [true, true, true]);
  assert.equal(activeEncodings(SIMULCAST, camera(undefined)), [true, true, true]);
});

test('when every layer is taller than wanted, the smallest still runs', () => {
  assert.equal(activeEncodings(SIMULCAST, camera(90)), [true, false, false]);
  // A camera that opened at 360p: its layers are 90, 180 and 360.
  assert.equal(activeEncodings(SIMULCAST, { hasTrack: true, maxHeight: 180, trackShortSide: 360 }), [true, true, false]);
});

test("the browser's stated scales win over the default halving", () => {
  const stated = [{ scaleResolutionDownBy: 1 }, { scaleResolutionDownBy: 4 }];
  assert.equal(activeEncodings(stated, camera(360)), [false, true]);
});

test('no track sends nothing; one encoding (Firefox, the screen) runs unless nobody watches', () => {
  assert.equal(activeEncodings(SIMULCAST, { hasTrack: false, maxHeight: 720, trackShortSide: 720 }), [false, false, false]);
  assert.equal(activeEncodings([{}], camera(180)), [true]);
  assert.equal(activeEncodings([{}], camera(0)), [false]);
  assert.equal(activeEncodings(SIMULCAST, { hasTrack: true, maxHeight: 180, trackShortSide: undefined }), [true, true, true], 'size unknown: everything');
});

test('switches layers with the browser\'s parameters object, then all off and on again', async () => {
  const { sender, set } = fakeSender([{ rid: 'l0' }, { rid: 'l1', active: true }, { rid: 'l2' }]);
  await setSenderEncodings(sender, [true, true, false]);
  assert.equal(set[0]?.encodings.map((e) => e.active), [true, true, false]);
  assert.is(set[0]?.transactionId, 't1', "the browser's parameters object is handed back");
  await setSenderEncodings(sender, false);
  assert.equal(set[1]?.encodings.map((e) => e.active), [false, false, false]);
  await setSenderEncodings(sender, true);
  assert.equal(set[2]?.encodings.map((e) => e.active), [true, true, true]);
});

test('sets nothing when the encodings already are as asked, or when there are none', async () => {
  const on = fakeSender([{}, { active: true }]);
  await setSenderEncodings(on.sender, true);
  await setSenderEncodings(on.sender, [true, true]);
  assert.is(on.set.length, 0);
  const none = fakeSender([]);
  await setSenderEncodings(none.sender, false);
  assert.is(none.set.length, 0);
});

test.run();
