// L0: who may open a bridge channel, as a table of request URLs and answers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AccessDecision, EndpointLookup } from './channel-access.ts';
import { decideChannelAccess, isChannelPath, isSameSecret } from './channel-access.ts';
import { TokenBucket } from './token-bucket.ts';

const PWD = 'Xy7kP2mQ9rT4vW8zA1bC3dE5';
const lookup = (conferenceId: string, endpointId: string): EndpointLookup => {
  if (conferenceId !== 'meet 1') return { kind: 'no-conference' };
  if (endpointId === '1a2b3c4d') return { kind: 'found', pwd: PWD };
  if (endpointId === 'nopwd') return { kind: 'found', pwd: '' };
  return { kind: 'no-endpoint' };
};
const allowed: AccessDecision = { isAllowed: true, conferenceId: 'meet 1', endpointId: '1a2b3c4d' };
const refused = (status: 403 | 404, text: string): AccessDecision => ({ isAllowed: false, status, text });

const access = suite('bridge channel access');

const ROWS: [string, string, AccessDecision][] = [
  ['the URL the bridge advertised', `/colibri-ws/a1/meet%201/1a2b3c4d?pwd=${PWD}`, allowed],
  ['extra query parameters are fine', `/colibri-ws/a1/meet%201/1a2b3c4d?x=1&pwd=${PWD}`, allowed],
  ['wrong bridge id', `/colibri-ws/b2/meet%201/1a2b3c4d?pwd=${PWD}`, refused(404, 'bridge id mismatch')],
  ['unknown conference', `/colibri-ws/a1/other/1a2b3c4d?pwd=${PWD}`, refused(404, 'conference not found')],
  ['unknown endpoint', `/colibri-ws/a1/meet%201/9f8e7d6c?pwd=${PWD}`, refused(404, 'endpoint not found')],
  ['no pwd', '/colibri-ws/a1/meet%201/1a2b3c4d', refused(403, 'missing pwd')],
  ['empty pwd', '/colibri-ws/a1/meet%201/1a2b3c4d?pwd=', refused(403, 'missing pwd')],
  ['wrong pwd', '/colibri-ws/a1/meet%201/1a2b3c4d?pwd=Xy7kP2mQ9rT4vW8zA1bC3dE6', refused(403, 'wrong pwd')],
  ['a prefix of the pwd', '/colibri-ws/a1/meet%201/1a2b3c4d?pwd=Xy7k', refused(403, 'wrong pwd')],
  ['an endpoint without a password admits nobody', '/colibri-ws/a1/meet%201/nopwd?pwd=x', refused(403, 'wrong pwd')],
  ['too few segments', `/colibri-ws/a1/meet%201?pwd=${PWD}`, refused(404, 'expected /colibri-ws/<bridge-id>/<conference-id>/<endpoint-id>')],
  ['too many segments', `/colibri-ws/a1/meet%201/1a2b3c4d/x?pwd=${PWD}`, refused(404, 'expected /colibri-ws/<bridge-id>/<conference-id>/<endpoint-id>')],
  ['an empty segment', `/colibri-ws/a1//1a2b3c4d?pwd=${PWD}`, refused(404, 'expected /colibri-ws/<bridge-id>/<conference-id>/<endpoint-id>')],
  ['bad percent-encoding', `/colibri-ws/a1/%E0%A4%A/1a2b3c4d?pwd=${PWD}`, refused(404, 'malformed bridge channel URL')],
  ['the relay path is not served', `/colibri-relay-ws/a1/meet%201/r1?pwd=${PWD}`, refused(404, 'not a bridge channel URL')],
  ['dot segments cannot climb out of the prefix', `/colibri-ws/../colibri/stats?pwd=${PWD}`, refused(404, 'not a bridge channel URL')],
];

for (const [name, url, expected] of ROWS) {
  access(name, () => {
    assert.equal(decideChannelAccess(url, 'a1', lookup), expected);
  });
}

access('isChannelPath: only /colibri-ws/ requests are the channel\'s', () => {
  assert.equal([isChannelPath('/colibri-ws/a/b/c'), isChannelPath('/xmpp-websocket'), isChannelPath(undefined), isChannelPath('/colibri-wsx')], [true, false, false, false]);
});

access('isSameSecret: equal only when equal, whatever the lengths', () => {
  assert.equal([isSameSecret('abc', 'abc'), isSameSecret('abc', 'abd'), isSameSecret('ab', 'abc'), isSameSecret('', '')], [true, false, false, true]);
});

const bucket = suite('token bucket');

bucket('a burst, then the sustained rate; a clock stepping back refills nothing', () => {
  const b = new TokenBucket(10, 3, 0);
  assert.equal([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal([b.take(50), b.take(100), b.take(100)], [false, true, false], 'one token per 100 ms');
  assert.is(b.take(50), false, 'time going back');
  assert.equal([b.take(10_000), b.take(10_000), b.take(10_000), b.take(10_000)], [true, true, true, false], 'never more than the burst');
});

access.run();
bucket.run();
