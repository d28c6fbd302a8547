// Privacy and CSP in real browsers: Debian's Chromium (playwright-core) and Firefox ESR
// (puppeteer-core over WebDriver BiDi) open a room page of the one-command server (whatever
// src/app.ts is at the moment: the app joins directly thanks to Jitsi's URL hash); every request
// the page makes, WebSockets included, goes to the page's own origin, and the console shows no CSP
// violation, no error and no uncaught exception.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { freePort } from '@plenum/testkit';
import type { RunningPlenum } from '../src/index.ts';
import { startAllInOne } from '../src/index.ts';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
];
const FIREFOX_PREFS = { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true, 'media.peerconnection.ice.loopback': true };

// The web-server helper's stand-in for the app makes no connections; the real app must reach XMPP.
const isPlaceholderApp = readFileSync(new URL('../../meet-web/src/app.ts', import.meta.url), 'utf8').includes('PLACEHOLDER written by the web-server helper');

const ROOM_PATH = '/some-room';
// Jitsi's URL convention: straight into the meeting, so the app opens every connection it needs.
const DIRECT_JOIN = '#config.prejoinConfig.enabled=false&userInfo.displayName=%22Tester%22';
// Records CSP violations in the page (the page's own code cannot see or stop this listener).
const RECORD_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) => {
  (window.cspViolations ??= []).push(e.violatedDirective + ' ' + e.blockedURI);
});`;
const APP_MOUNTED = "[...document.body.children].some((e) => !['NOSCRIPT', 'SCRIPT'].includes(e.tagName))";

let plenum: RunningPlenum | undefined;
let port = 0;

test.before(async () => {
  port = await freePort();
  plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port, publicUrl: `http://127.0.0.1:${port}`, log: { level: 'silent' } },
  });
});

test.after(async () => {
  await plenum?.close();
});

/** Resolves when `check` holds, polling; rejects with `what` after `timeoutMs`. */
async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a page did, checked the same way for every browser. */
function assertOnlyOwnOrigin(requested: readonly string[], violations: readonly string[], problems: readonly string[]): void {
  const origin = `http://127.0.0.1:${port}`;
  assert.ok(requested.some((u) => u.startsWith(`${origin}${ROOM_PATH}`)), `the page itself is recorded: ${requested.join(', ')}`);
  assert.ok(requested.includes(`${origin}/config.js`));
  assert.ok(requested.some((u) => u.startsWith(`${origin}/assets/app-`)), 'the bundle is loaded');
  const foreign = requested.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const url = new URL(u);
    return url.host !== `127.0.0.1:${port}` || !['http:', 'ws:'].includes(url.protocol);
  });
  assert.equal(foreign, [], `requests to another origin: ${foreign.join(', ')}`);
  assert.equal(violations, [], 'CSP violations');
  assert.equal(problems, [], 'console errors and page errors');
}

const opensXmpp = (requested: readonly string[]): boolean => requested.some((u) => new URL(u).pathname === '/xmpp-websocket');

test('Chromium: a room page talks only to its own origin, with no CSP violation or error in the console', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    context.on('request', (r) => requested.push(r.url()));
    page.on('websocket', (ws) => requested.push(ws.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(RECORD_CSP_VIOLATIONS);

    await page.goto(`http://127.0.0.1:${port}${ROOM_PATH}${DIRECT_JOIN}`);
    await page.waitForFunction(APP_MOUNTED, undefined, { timeout: 10_000 });
    if (!isPlaceholderApp) await eventually('the app opens /xmpp-websocket on its origin', () => opensXmpp(requested));
    await page.waitForLoadState('networkidle');
    assertOnlyOwnOrigin(requested, await page.evaluate('window.cspViolations ?? []') as string[], problems);
  } finally {
    await browser.close();
  }
});

test('Firefox ESR: the same page, the same origin only, nothing in the console', async () => {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: FIREFOX_PREFS });
  try {
    const page = await browser.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    // Firefox reports WebSocket handshakes as requests (with http: URLs).
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    await page.evaluateOnNewDocument(RECORD_CSP_VIOLATIONS);

    await page.goto(`http://127.0.0.1:${port}${ROOM_PATH}${DIRECT_JOIN}`);
    await page.waitForFunction(APP_MOUNTED, { timeout: 10_000 });
    if (!isPlaceholderApp) await eventually('the app opens /xmpp-websocket on its origin', () => opensXmpp(requested));
    await page.waitForNetworkIdle({ idleTime: 500, timeout: 10_000 });
    assertOnlyOwnOrigin(requested, await page.evaluate('window.cspViolations ?? []') as string[], problems);
  } finally {
    await browser.close();
  }
});

test.run();
