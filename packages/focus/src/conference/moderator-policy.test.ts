import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModeratorCandidate, ModeratorPolicy } from './moderator-policy.ts';
import { moderatorsToGrant } from './moderator-policy.ts';
import type { Identity } from './identity.ts';

const anon: Identity = { kind: 'anonymous' };
const alice: Identity = { kind: 'account', username: 'alice' };
const tokenMod: Identity = { kind: 'token', userId: 'u1', isModerator: true };
const tokenPlain: Identity = { kind: 'token', userId: 'u2' };
const p = (endpointId: string, joinOrder: number, identity: Identity = anon, over: Partial<ModeratorCandidate> = {}): ModeratorCandidate =>
  ({ endpointId, joinOrder, identity, isService: false, affiliation: 'none', ...over });

const AUTO: ModeratorPolicy = { kind: 'auto-owner' };
const AUTH: ModeratorPolicy = { kind: 'authenticated', jwtModeratorClaim: false };
const CLAIM: ModeratorPolicy = { kind: 'authenticated', jwtModeratorClaim: true };

type Row = readonly [string, ModeratorPolicy, ModeratorCandidate[], string[]];
const rows: Row[] = [
  ['auto-owner: nobody present', AUTO, [], []],
  ['auto-owner: the first arrival', AUTO, [p('bbb', 2), p('aaa', 1)], ['aaa']],
  ['auto-owner: an owner is present: nobody more', AUTO, [p('aaa', 1, anon, { affiliation: 'owner' }), p('bbb', 2)], []],
  ['auto-owner: services are skipped', AUTO, [p('jibri', 1, anon, { isService: true }), p('bbb', 2)], ['bbb']],
  ['auto-owner: only services: nobody', AUTO, [p('jibri', 1, anon, { isService: true })], []],
  ['auto-owner: an owning service does not count', AUTO, [p('jibri', 1, anon, { isService: true, affiliation: 'owner' }), p('bbb', 2)], ['bbb']],
  ['auto-owner: the moderator left: the next one in join order', AUTO, [p('ccc', 3), p('bbb', 2)], ['bbb']],
  ['authenticated: accounts and token users, not guests', AUTH, [p('g', 1), p('a', 2, alice), p('t', 3, tokenPlain)], ['a', 't']],
  ['authenticated: already owners are not granted again', AUTH, [p('a', 2, alice, { affiliation: 'owner' }), p('t', 3, tokenMod)], ['t']],
  ['authenticated: guests only: nobody', AUTH, [p('g', 1), p('h', 2)], []],
  ['jwt claim: only tokens saying moderator', CLAIM, [p('a', 1, alice), p('t', 2, tokenPlain), p('m', 3, tokenMod)], ['m']],
  ['jwt claim: moderator false is not enough', CLAIM, [p('t', 1, { kind: 'token', isModerator: false })], []],
];

const test = suite('moderatorsToGrant');
for (const [name, policy, participants, expected] of rows) {
  test(name, () => assert.equal(moderatorsToGrant(policy, participants), expected));
}
test.run();
