import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_WEB_CONFIG } from '../shared/web-config.ts';
import { applyHashOverrides } from './url-overrides.ts';

test('a Jitsi direct-join link skips pre-join, starts muted and names the user', () => {
  const r = applyHashOverrides(DEFAULT_WEB_CONFIG,
    '#config.prejoinConfig.enabled=false&config.startWithAudioMuted=true&userInfo.displayName=%22Alice%22');
  assert.is(r.config.prejoinConfig.enabled, false);
  assert.is(r.config.startWithAudioMuted, true);
  assert.is(r.config.startWithVideoMuted, false);
  assert.is(r.displayName, 'Alice');
  assert.equal(r.ignored, []);
});

test('unencoded quotes and spaces in a hand-typed link still work', () => {
  const r = applyHashOverrides(DEFAULT_WEB_CONFIG, 'userInfo.displayName="Ada Lovelace"&config.channelLastN=4');
  assert.is(r.displayName, 'Ada Lovelace');
  assert.is(r.config.channelLastN, 4);
});

test('the old prejoinPageEnabled spelling is understood', () => {
  assert.is(applyHashOverrides(DEFAULT_WEB_CONFIG, '#config.prejoinPageEnabled=false').config.prejoinConfig.enabled, false);
});

test('a link cannot point the app at another server or STUN', () => {
  const r = applyHashOverrides(DEFAULT_WEB_CONFIG,
    '#config.websocket="wss://evil.example/ws"&config.hosts.domain="evil.example"&config.p2p.stunServers=[{"urls":"stun:evil"}]');
  assert.is(r.config, DEFAULT_WEB_CONFIG);
  assert.equal(r.ignored, ['config.websocket', 'config.hosts.domain', 'config.p2p.stunServers']);
});

test('wrong types, bad JSON and bad escapes are ignored and the rest applies', () => {
  const r = applyHashOverrides(DEFAULT_WEB_CONFIG,
    '#config.startWithVideoMuted="yes"&config.resolution=99999&config.p2p.enabled=fals&%E0%A4%A=1&config.startWithAudioMuted=true&userInfo.displayName=42&config.__proto__={"x":1}');
  assert.is(r.config.startWithVideoMuted, false);
  assert.is(r.config.resolution, 720);
  assert.is(r.config.p2p.enabled, true);
  assert.is(r.config.startWithAudioMuted, true);
  assert.is(r.displayName, undefined);
  assert.equal(r.ignored, ['config.startWithVideoMuted', 'config.resolution', 'config.p2p.enabled', 'userInfo.displayName', 'config.__proto__']);
  assert.is(({} as Record<string, unknown>)['x'], undefined);
});

test('an empty hash changes nothing and a very long name is cut', () => {
  assert.is(applyHashOverrides(DEFAULT_WEB_CONFIG, '').config, DEFAULT_WEB_CONFIG);
  assert.is(applyHashOverrides(DEFAULT_WEB_CONFIG, `#userInfo.displayName="${'x'.repeat(500)}"`).displayName?.length, 64);
});

test.run();
