import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRoute, roomPath } from './route.ts';
import { detectBrowser, isBrowserRefused } from './browser-support.ts';

test('/ is the welcome page, /<room> a meeting, with the jwt passed through', () => {
  assert.equal(parseRoute('/', ''), { kind: 'welcome', jwt: undefined });
  assert.equal(parseRoute('/Standup', '?jwt=abc.def'), { kind: 'room', room: 'Standup', jwt: 'abc.def' });
  assert.equal(parseRoute('/tenant/Daily%20Sync/', ''), { kind: 'room', room: 'DailySync', jwt: undefined });
});

test('paths that are no room show the welcome page', () => {
  assert.equal(parseRoute('/%E0%A4%A', ''), { kind: 'welcome', jwt: undefined });
  assert.equal(parseRoute('/%3F%23', ''), { kind: 'welcome', jwt: undefined });
});

test('roomPath round-trips through parseRoute', () => {
  const path = roomPath('Team.sync-1', 'a&b');
  const url = new URL(path, 'http://x');
  assert.equal(parseRoute(url.pathname, url.search), { kind: 'room', room: 'Team.sync-1', jwt: 'a&b' });
});

test('browsers are told apart and refused by the operator list', () => {
  const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
  const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36';
  const edge = `${chrome} Edg/140.0.0.0`;
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
  const safari = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
  assert.equal([chrome, headless, edge, firefox, safari, 'curl/8'].map(detectBrowser), ['chrome', 'chrome', 'edge', 'firefox', 'safari', 'other']);
  assert.ok(isBrowserRefused('chrome', ['Chromium']));
  assert.ok(isBrowserRefused('safari', ['safari', 'firefox']));
  assert.not.ok(isBrowserRefused('edge', ['chrome']));
  assert.not.ok(isBrowserRefused('firefox', []));
});

test.run();
