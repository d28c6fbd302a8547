// The gateway component's XMPP side without a server: what it answers to dial IQs that must be
// refused (only the focus may dial; bad rooms and targets are bad-request), to IQs for calls it
// does not have, and what it announces in the brewery. The stanzas it sends are collected from its
// channel; no call is started, so the call parts are never used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_MUC, child, decodeJigasiStats, el, encodeRayoDial, encodeRayoHangup } from '@plenum/xmpp/codec';
import { errorCondition } from '@plenum/testkit';
import type { CallParts } from '../src/index.ts';
import { SipGateway, loadSipGatewayConfig } from '../src/index.ts';

const GATEWAY = 'sip.plenum.localhost/sip-gateway-1';
const FOCUS = 'focus.plenum.localhost';

function gateway(): { gw: SipGateway; sent: El[] } {
  const sent: El[] = [];
  const unused = (): never => { throw new Error('no call should start'); };
  const parts: CallParts = {
    openPort: unused, joinConference: unused, createMixer: unused, createEncoder: unused, ticker: { onTick: unused },
    prompts: { play: unused }, pins: { lookup: unused }, dtmfFromInfo: unused, sipStatusOf: unused,
  };
  const config = loadSipGatewayConfig({ values: { component: { secret: 's' } } });
  const gw = new SipGateway({
    log: silentLogger, config, parts, placeCall: unused,
    channel: { send: (s) => sent.push(s), request: unused },
  });
  return { gw, sent };
}

const dial = (from: string, to: string, room: string | undefined): El => el('iq', { type: 'set', id: 'd1', from, to: GATEWAY },
  encodeRayoDial({ to, from: '', headers: room === undefined ? {} : { JvbRoomName: room } }));

test('dial IQs: only the focus may dial; a missing or foreign room and an undialable target are bad-request', () => {
  const { gw, sent } = gateway();
  const cases: [El, string][] = [
    [dial('someone@plenum.localhost/web', 'sip:+15550100@127.0.0.1', 'r@conference.plenum.localhost'), 'forbidden'],
    [dial('jigasibrewery@internal.plenum.localhost/someone-else', 'sip:+15550100@127.0.0.1', 'r@conference.plenum.localhost'), 'forbidden'],
    [dial(FOCUS, 'sip:+15550100@127.0.0.1', undefined), 'bad-request'],
    [dial(FOCUS, 'sip:+15550100@127.0.0.1', 'r@conference.elsewhere.example'), 'bad-request'],
    [dial('jigasibrewery@internal.plenum.localhost/focus', '+15550100', 'r@conference.plenum.localhost'), 'bad-request'],
  ];
  for (const [iq, condition] of cases) {
    sent.length = 0;
    gw.handleStanza(iq);
    assert.is(sent.length, 1);
    assert.is(errorCondition(sent[0] as El), condition, `${iq.attrs.from} → ${condition}`);
    assert.is((sent[0] as El).attrs.id, 'd1');
  }
  assert.is(gw.callCount, 0);
});

test('IQs for calls the gateway does not have get item-not-found; other requests service-unavailable; results are ignored', () => {
  const { gw, sent } = gateway();
  gw.handleStanza(el('iq', { type: 'set', id: 'h1', from: 'r@conference.plenum.localhost/abc', to: 'sip.plenum.localhost/deadbeef' }, encodeRayoHangup()));
  assert.is(errorCondition(sent[0] as El), 'item-not-found');
  gw.handleStanza(el('iq', { type: 'get', id: 'q1', from: FOCUS, to: GATEWAY }, el('query', { xmlns: 'jabber:iq:version' })));
  assert.is(errorCondition(sent[1] as El), 'service-unavailable');
  gw.handleStanza(el('iq', { type: 'result', id: 'x', from: FOCUS, to: GATEWAY }));
  gw.handleStanza(el('presence', { from: 'jigasibrewery@internal.plenum.localhost/focus', to: GATEWAY }));
  gw.handleStanza(el('message', { from: 'x@plenum.localhost', to: 'not a jid@@' }));
  assert.is(sent.length, 2, 'nothing answers results, presences or junk');
});

test('the brewery presence: joins with stats (supports_sip, no calls), drain announces graceful_shutdown, close leaves', () => {
  const { gw, sent } = gateway();
  gw.online();
  const join = sent[0] as El;
  assert.is(join.attrs.to, 'jigasibrewery@internal.plenum.localhost/sip-gateway-1');
  assert.ok(child(join, 'x', NS_MUC) !== undefined, 'a MUC join');
  assert.equal(decodeJigasiStats(join), { ok: true, value: { supportsSip: true, supportsTranscription: false, gracefulShutdown: false, participants: 0 } });
  gw.drain();
  const drained = decodeJigasiStats(sent[1] as El);
  assert.ok(drained.ok && drained.value?.gracefulShutdown === true, 'graceful_shutdown announced');
  gw.handleStanza(dial(FOCUS, 'sip:+15550100@127.0.0.1', 'r@conference.plenum.localhost'));
  assert.is(errorCondition(sent[2] as El), 'service-unavailable', 'a draining gateway takes no new calls');
  gw.close();
  assert.is((sent[3] as El).attrs.type, 'unavailable');
});

test.run();
