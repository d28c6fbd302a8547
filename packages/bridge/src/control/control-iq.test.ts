import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { el, NS_HEALTHCHECK, decodeConferenceModified, encodeConferenceModify } from '@plenum/xmpp/codec';
import { BreweryRoster } from '../brewery/brewery-roster.ts';
import { ConferenceRegistry } from '../conference/conference-registry.ts';
import type { ConferenceEvent } from '../conference/apply-modify.ts';
import type { ControlDeps } from './control-iq.ts';
import { handleControlIq } from './control-iq.ts';

const FOCUS = 'focus.plenum.localhost/focus';
function deps(over: Partial<ControlDeps> = {}): ControlDeps & { events: ConferenceEvent[] } {
  const events: ConferenceEvent[] = [];
  return {
    log: silentLogger, roster: new BreweryRoster('jvbbrewery@internal.plenum.localhost', 'jvb-a1'), registry: new ConferenceRegistry(),
    focusAllowed: ['focus.plenum.localhost'], isHealthy: () => true, onConferenceEvents: (e) => events.push(...e),
    modifyContext: () => ({ nowMs: 0, maxEndpoints: 5, isAcceptingConferences: true, newTransport: () => ({ fingerprints: [], candidates: [], rtcpMux: true }), newSsrc: () => 1 }),
    ...over, events,
  };
}
const iq = (from: string, type: string, payload?: El) => el('iq', { from, to: 'jvb-a1.bridge.plenum.localhost', type, id: '1' }, payload);
const create = encodeConferenceModify({ meetingId: 'm', create: true, endpoints: [{ id: 'a', create: true, media: [], capabilities: ['source-names'], transport: {} }] });

test('conference-modify from the focus: result with conference-modified, events reported', () => {
  const d = deps();
  const out = handleControlIq(iq(FOCUS, 'set', create), d);
  assert.is(out.kind, 'result');
  assert.ok(out.kind === 'result' && out.payload !== undefined && decodeConferenceModified(out.payload).ok);
  assert.equal(d.events.map((e) => e.kind), ['conference-created', 'endpoint-created']);
});

test('refusals: forbidden sender, wrong IQ types, malformed payload, unserved namespaces', () => {
  const cond = (x: ReturnType<typeof handleControlIq>): string => (x.kind === 'error' ? x.error.condition : 'result');
  assert.is(cond(handleControlIq(iq('someone@plenum.localhost/x', 'set', create), deps())), 'forbidden');
  assert.is(cond(handleControlIq(iq('someone@plenum.localhost/x', 'get', el('healthcheck', { xmlns: NS_HEALTHCHECK })), deps())), 'forbidden');
  assert.is(cond(handleControlIq(iq(FOCUS, 'get', create), deps())), 'bad-request');
  assert.is(cond(handleControlIq(iq(FOCUS, 'set', el('conference-modify', { xmlns: 'jitsi:colibri2' })), deps())), 'bad-request');
  assert.is(cond(handleControlIq(iq(FOCUS, 'get', el('query', { xmlns: 'jabber:iq:version' })), deps())), 'service-unavailable');
  assert.is(cond(handleControlIq(iq(FOCUS, 'get'), deps())), 'bad-request');
});

test('health check: empty result when healthy, internal-server-error when not; ping for anyone', () => {
  const health = el('healthcheck', { xmlns: NS_HEALTHCHECK });
  assert.equal(handleControlIq(iq(FOCUS, 'get', health), deps()), { kind: 'result' });
  const sick = handleControlIq(iq(FOCUS, 'get', health), deps({ isHealthy: () => false }));
  assert.is(sick.kind === 'error' && sick.error.condition, 'internal-server-error');
  assert.equal(handleControlIq(iq('anyone@plenum.localhost/x', 'get', el('ping', { xmlns: 'urn:xmpp:ping' })), deps()), { kind: 'result' });
});

test('COLIBRI2 failures carry the reason element (and the endpoint beside it)', () => {
  const out = handleControlIq(iq(FOCUS, 'set', encodeConferenceModify({ meetingId: 'nope', endpoints: [] })), deps());
  assert.ok(out.kind === 'error');
  assert.equal(out.extra.map((e) => [e.name, e.attrs.xmlns, e.attrs.reason]), [['error', 'jitsi:colibri2', 'conference_not_found']]);
  const d = deps();
  handleControlIq(iq(FOCUS, 'set', create), d);
  const unknown = handleControlIq(iq(FOCUS, 'set', encodeConferenceModify({ meetingId: 'm', endpoints: [{ id: 'zz', media: [], capabilities: [], sources: [] }] })), d);
  assert.ok(unknown.kind === 'error');
  assert.equal(unknown.extra.map((e) => [e.name, e.attrs.reason ?? e.attrs.id]), [['error', 'unknown_endpoint'], ['endpoint', 'zz']]);
});

test.run();
