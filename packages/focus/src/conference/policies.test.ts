import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decideMute } from './mute-policy.ts';
import { startMutedFor, startMutedPolicyFrom } from './start-muted.ts';

const mute = suite('mute rules (protocols.md §8.5)');
const mod = { endpointId: 'aaaa', isModerator: true };
const guest = { endpointId: 'bbbb', isModerator: false };
const rows = [
  ['moderator mutes another', { media: 'audio', mute: true }, mod, 'bbbb', 'force-mute:audio'],
  ['moderator mutes another\'s desktop: video on the bridge', { media: 'desktop', mute: true }, mod, 'bbbb', 'force-mute:video'],
  ['non-moderator mutes another', { media: 'audio', mute: true }, guest, 'aaaa', 'refused:forbidden'],
  ['moderator unmutes another', { media: 'video', mute: false }, mod, 'bbbb', 'refused:not-allowed'],
  ['non-moderator unmutes another', { media: 'video', mute: false }, guest, 'aaaa', 'refused:not-allowed'],
  ['self unmute', { media: 'audio', mute: false }, guest, 'bbbb', 'self:audio:false'],
  ['self mute', { media: 'video', mute: true }, guest, 'bbbb', 'self:video:true'],
] as const;
for (const [name, req, actor, target, expected] of rows) {
  mute(name, () => {
    const d = decideMute(req, actor, target);
    const got = d.kind === 'force-mute' ? `force-mute:${d.bridgeMedia}` : d.kind === 'self' ? `self:${d.bridgeMedia}:${d.mute}` : `refused:${d.condition}`;
    assert.is(got, expected);
  });
}
mute.run();

const start = suite('start muted');
start('N-th participant and later', () => {
  const policy = startMutedPolicyFrom({ startAudioMuted: '2', startVideoMuted: '3' });
  assert.equal([1, 2, 3].map((n) => startMutedFor(policy, n)), [
    { audio: false, video: false }, { audio: true, video: false }, { audio: true, video: true },
  ]);
});
start('absent, zero or garbage: nobody', () => {
  for (const props of [{}, { startAudioMuted: '0' }, { startAudioMuted: 'x' }, { startVideoMuted: '-1' }]) {
    assert.equal(startMutedFor(startMutedPolicyFrom(props), 50), { audio: false, video: false });
  }
});
start.run();
