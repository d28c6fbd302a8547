import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSources } from '@plenum/xmpp/codec';
import { EMPTY_SOURCES } from '../jingle/source-map.ts';
import type { NewParticipant } from './participant-registry.ts';
import { ParticipantRegistry } from './participant-registry.ts';

const np = (endpointId: string): NewParticipant => ({
  endpointId, occupantJid: `r@c/${endpointId}`, realJid: `${endpointId}@d/x`, identity: { kind: 'anonymous' }, isService: false, wantsBatchedDelivery: false,
  affiliation: 'none', role: 'participant', region: undefined, statsId: undefined, caps: undefined,
});
const audio = (...ssrcs: number[]): EndpointSources => ({ ...EMPTY_SOURCES, audio: ssrcs.map((ssrc) => ({ ssrc, parameters: [] })) });
const unmuted = { audio: false, video: false };

test('join order, lookup, removal', () => {
  const r = new ParticipantRegistry();
  const a = r.add(np('aaaa'), unmuted);
  const b = r.add(np('bbbb'), unmuted);
  assert.ok(a.joinOrder < b.joinOrder);
  assert.is(a.session.phase, 'new');
  assert.equal(r.all().map((p) => p.endpointId), ['aaaa', 'bbbb']);
  assert.is(r.remove('aaaa')?.endpointId, 'aaaa');
  assert.is(r.remove('aaaa'), undefined);
  assert.is(r.size, 1);
});

test('an SSRC has one owner: a colliding claim changes nothing', () => {
  const r = new ParticipantRegistry();
  r.add(np('aaaa'), unmuted);
  r.add(np('bbbb'), unmuted);
  assert.is(r.claimSources('aaaa', audio(1, 2)), undefined);
  assert.match(r.claimSources('bbbb', audio(3, 2)) ?? '', /SSRC 2/);
  assert.equal(r.get('bbbb')?.sources, EMPTY_SOURCES);
  assert.is(r.ownerOfSsrc(3), undefined);
  assert.is(r.claimSources('aaaa', audio(2, 5)), undefined, 'an owner may re-announce its own SSRCs');
  assert.is(r.ownerOfSsrc(1), undefined, 'released when no longer announced');
  assert.is(r.claimSources('bbbb', audio(1)), undefined);
});

test('leaving releases SSRCs; sourcesFor leaves out the receiver', () => {
  const r = new ParticipantRegistry();
  r.add(np('aaaa'), unmuted);
  r.add(np('bbbb'), unmuted);
  r.claimSources('aaaa', audio(1));
  r.claimSources('bbbb', audio(2));
  const jvb = new Map([['jvb', audio(9)]]);
  assert.equal([...r.sourcesFor('aaaa', jvb).keys()], ['jvb', 'bbbb']);
  r.remove('bbbb');
  assert.is(r.ownerOfSsrc(2), undefined);
  assert.equal([...r.sources().keys()], ['aaaa']);
  r.clearSources('aaaa');
  assert.is(r.sources().size, 0);
});

test.run();
