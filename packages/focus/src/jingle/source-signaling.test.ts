import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '@plenum/kit';
import type { EndpointSources } from '@plenum/xmpp/codec';
import { EMPTY_SOURCES } from './source-map.ts';
import type { ConferenceSources, SourceDiff } from './source-map.ts';
import { SourceSignaling } from './source-signaling.ts';

const audio = (ssrc: number): EndpointSources => ({ ...EMPTY_SOURCES, audio: [{ ssrc, parameters: [] }] });

test('views: offers set them, activation catches up, changes are batched, removals and adds in one flush', () => {
  const clock = new FakeClock();
  const conference = new Map<string, EndpointSources>([['aaaa', audio(1)]]);
  const sent: [string, string, string][] = [];
  const describe = (d: ConferenceSources): string => [...d].map(([o, s]) => `${o}:${s.audio.map((x) => x.ssrc).join('+')}`).join(',');
  const s = new SourceSignaling({
    clock, delayMs: 100,
    target: (id) => new Map([...conference].filter(([owner]) => owner !== id)),
    send: (id, diff: SourceDiff) => sent.push([id, describe(diff.remove), describe(diff.add)]),
  });
  s.offered('bbbb', new Map([['aaaa', audio(1)]]));
  conference.set('cccc', audio(3));
  s.changed();
  clock.advance(100);
  assert.equal(sent, [], 'bbbb has not accepted yet');
  s.activate('bbbb');
  assert.equal(sent, [['bbbb', '', 'cccc:3']], 'caught up at accept');
  conference.delete('aaaa');
  conference.set('cccc', audio(4));
  s.changed();
  s.changed();
  clock.advance(99);
  assert.is(sent.length, 1, 'batched until the delay');
  clock.advance(1);
  assert.equal(sent[1], ['bbbb', 'cccc:3,aaaa:1', 'cccc:4']);
  s.forget('bbbb');
  conference.set('dddd', audio(5));
  s.changed();
  s.close();
  clock.advance(1000);
  assert.is(sent.length, 2, 'forgotten and closed: nothing more');
});

test.run();
