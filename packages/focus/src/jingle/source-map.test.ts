import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSources, MediaSource } from '@plenum/xmpp/codec';
import { addSources, diffConferenceSources, EMPTY_SOURCES, removeSources, withOwner } from './source-map.ts';

const src = (ssrc: number, name?: string): MediaSource => ({ ssrc, ...(name !== undefined ? { name } : {}), parameters: [] });
const ep = (over: Partial<EndpointSources>): EndpointSources => ({ ...EMPTY_SOURCES, ...over });

const camera = ep({
  audio: [src(1, 'aaaa-a0')],
  video: [src(10, 'aaaa-v0'), src(11, 'aaaa-v0')],
  videoGroups: [{ semantics: 'FID', ssrcs: [10, 11] }],
});
const screen = ep({ video: [src(20, 'aaaa-v1'), src(21, 'aaaa-v1')], videoGroups: [{ semantics: 'FID', ssrcs: [20, 21] }] });

const t = suite('source map');

t('add and remove are inverse for whole sources and their groups', () => {
  const both = addSources(camera, screen);
  assert.equal(both.video.map((s) => s.ssrc), [10, 11, 20, 21]);
  assert.is(both.videoGroups.length, 2);
  assert.equal(addSources(both, screen), both, 'adding twice changes nothing');
  assert.equal(removeSources(both, screen), camera);
});

t('removing one SSRC of a group removes the group', () => {
  const r = removeSources(camera, ep({ video: [src(11)] }));
  assert.equal(r.video.map((s) => s.ssrc), [10]);
  assert.equal(r.videoGroups, []);
});

t('diff: new owner, grown owner, shrunk owner, gone owner', () => {
  const known = new Map([['aaaa', camera], ['bbbb', ep({ audio: [src(2)] })], ['cccc', ep({ audio: [src(3)] })]]);
  const target = new Map([['aaaa', addSources(camera, screen)], ['bbbb', EMPTY_SOURCES], ['dddd', ep({ audio: [src(4)] })]]);
  const d = diffConferenceSources(known, target);
  assert.equal([...d.add.keys()], ['aaaa', 'dddd']);
  assert.equal(d.add.get('aaaa'), screen);
  assert.equal([...d.remove.keys()].sort(), ['bbbb', 'cccc']);
  assert.equal(diffConferenceSources(target, target), { add: new Map(), remove: new Map() });
});

t('withOwner stamps every source', () => {
  const o = withOwner(camera, 'room@conference.x/aaaa');
  assert.ok([...o.audio, ...o.video].every((s) => s.owner === 'room@conference.x/aaaa'));
});

t.run();
