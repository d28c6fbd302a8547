// setSenderActive: every encoding (all simulcast layers) goes off together and comes back on, with
// the browser's own parameters object (transactionId kept), and nothing is set when nothing changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setSenderActive, type ParameterizedSender } from './sender-activity.ts';

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

test('stops every layer, then starts every layer again', async () => {
  const { sender, set } = fakeSender([{ rid: 'l0' }, { rid: 'l1', active: true }, { rid: 'l2' }]);
  await setSenderActive(sender, false);
  assert.equal(set[0]?.encodings.map((e) => e.active), [false, false, false]);
  assert.is(set[0]?.transactionId, 't1', "the browser's parameters object is handed back");
  await setSenderActive(sender, true);
  assert.equal(set[1]?.encodings.map((e) => e.active), [true, true, true]);
});

test('sets nothing when the encodings already are as asked, or when there are none', async () => {
  const on = fakeSender([{}, { active: true }]);
  await setSenderActive(on.sender, true);
  assert.is(on.set.length, 0);
  const none = fakeSender([]);
  await setSenderActive(none.sender, false);
  assert.is(none.set.length, 0);
});

test.run();
