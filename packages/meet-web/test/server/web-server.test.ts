// The web server as a browser and an attacker see it, over real sockets on 127.0.0.1: the page,
// the bundle and /config.js with their headers, room paths, bad paths and methods, traversal
// attempts, health, and WebSocket upgrades dispatched to the embedder's handlers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import type { WebConfig } from '../../src/shared/web-config.ts';
import type { RunningWebServer } from '../../src/server/index.ts';
import { rawRequest, startTestWebServer } from './web-server.test-helper.ts';

/** Runs a server of its own for one test and always closes it. */
async function withServer(values: Record<string, unknown>, run: (web: RunningWebServer) => Promise<void>, opts: Parameters<typeof startTestWebServer>[1] = {}): Promise<void> {
  const web = await startTestWebServer(values, opts);
  try {
    await run(web);
  } finally {
    await web.close();
  }
}

// Most tests share one server (each start bundles the whole app): operator settings, a health
// switch and one upgrade handler, all observable from outside.
let isHealthy: boolean | 'throws' = true;
const upgradesSeen: string[] = [];
let shared: RunningWebServer | undefined;
const OPERATOR_SETTINGS = {
  p2p: { enabled: false, stunServers: ['stun:stun.example.org:3478', 'turns:turn.example.org:443'], turnUsername: 'u', turnCredential: 'c' },
  channelLastN: 4, resolution: 360, prejoin: false, startWithAudioMuted: true, unsupportedBrowsers: ['Safari'], appName: 'Team <Meet>',
};
test.before(async () => {
  shared = await startTestWebServer(OPERATOR_SETTINGS, {
    health: () => {
      if (isHealthy === 'throws') throw new Error('health check bug');
      return isHealthy;
    },
    upgrades: [(req, socket) => {
      upgradesSeen.push(`first:${req.url}`);
      if (req.url === '/boom') throw new Error('handler bug');
      if (req.url !== '/claimed') return false;
      socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return true;
    }],
  });
});
test.after(async () => {
  await shared?.close();
});

/** Runs a test against the shared server. */
async function withShared(run: (web: RunningWebServer) => Promise<void>): Promise<void> {
  assert.ok(shared, 'the shared server started');
  await run(shared);
}

const base = (web: RunningWebServer): string => `http://127.0.0.1:${web.port}`;

/** Evaluates a /config.js text the way a classic <script> does and returns its `config` global. */
function evalConfigJs(text: string): WebConfig {
  const sandbox: { config?: WebConfig } = {};
  runInNewContext(text, sandbox);
  assert.ok(sandbox.config, 'config.js defines a global `config`');
  // Plain objects of this realm, so deep comparisons see only the values.
  return JSON.parse(JSON.stringify(sandbox.config)) as WebConfig;
}

test('index.html: served for / with a strict CSP, no inline script, and the hashed bundle and /config.js', () =>
  withShared(async (web) => {
    const res = await fetch(`${base(web)}/`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.is(res.headers.get('cache-control'), 'no-cache');
    assert.is(res.headers.get('referrer-policy'), 'no-referrer');
    assert.is(res.headers.get('x-content-type-options'), 'nosniff');
    const permissions = res.headers.get('permissions-policy') ?? '';
    for (const feature of ['camera=(self)', 'microphone=(self)', 'display-capture=(self)']) assert.ok(permissions.includes(feature), `Permissions-Policy has ${feature}: ${permissions}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directive = (name: string): string[] => csp.split(';').map((d) => d.trim().split(/\s+/)).find((d) => d[0] === name)?.slice(1) ?? [];
    assert.equal(directive('default-src'), ["'self'"]);
    assert.equal(directive('script-src'), ["'self'"], 'scripts only from the origin: no inline, no eval');
    assert.equal(directive('style-src'), ["'self'"], 'style sheets only from the origin');
    assert.equal(csp.match(/'unsafe-[a-z]+'/g), ["'unsafe-inline'"], `the only exception is style attributes: ${csp}`);
    assert.equal(directive('style-src-attr'), ["'unsafe-inline'"]);
    assert.equal(directive('connect-src').sort(), ["'self'", `ws://127.0.0.1:${web.port}`, `ws://localhost:${web.port}`].sort(), 'WebSockets to this host (and the public origin) only');
    assert.equal(directive('media-src'), ["'self'", 'blob:', 'mediastream:']);
    assert.equal(directive('img-src'), ["'self'", 'data:', 'blob:']);
    const html = await res.text();
    assert.not.match(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every <script> has a src');
    assert.match(html, /<script src="\/config\.js"><\/script>/);
    assert.match(html, new RegExp(`<script type="module" src="${web.scriptPath}"></script>`));
    assert.match(web.scriptPath, /^\/assets\/app-[A-Z0-9]{8,}\.js$/, 'content-hashed name');
    // Everything the page links to is served.
    for (const [, href] of html.matchAll(/(?:href|src)="(\/[^"]+)"/g)) {
      const linked = await fetch(`${base(web)}${href}`);
      assert.is(linked.status, 200, `${href} is served`);
      await linked.arrayBuffer();
    }
  }));

test('the bundle: JavaScript, cached forever, with its source map; HEAD gives the same headers without a body', () =>
  withShared(async (web) => {
    // Uncompressed both times: whether a compressed form is ready yet must not matter here.
    const identity = { 'accept-encoding': 'identity' };
    const res = await fetch(`${base(web)}${web.scriptPath}`, { headers: identity });
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const js = await res.text();
    const mapName = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(js)?.[1];
    assert.ok(mapName, 'the bundle links its source map');
    const map = await fetch(new URL(mapName, `${base(web)}${web.scriptPath}`));
    assert.is(map.status, 200);
    const parsed = await map.json() as { sources: string[] };
    assert.ok(parsed.sources.some((s) => s.endsWith('src/app.ts')), `the map covers src/app.ts: ${parsed.sources.join(', ')}`);
    const head = await fetch(`${base(web)}${web.scriptPath}`, { method: 'HEAD', headers: identity });
    assert.is(head.status, 200);
    assert.is(head.headers.get('content-length'), res.headers.get('content-length'));
    assert.is(await head.text(), '');
  }));

test('compressed for browsers that ask (brotli, gzip) without delaying anyone, identical once decoded; a matching ETag gets 304', () =>
  withShared(async (web) => {
    const mapPath = `${web.scriptPath}.map`;
    const get = (encoding: string) => new Promise<{ encoding: string | undefined; body: Buffer; etag: string | undefined }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: web.port, path: mapPath, headers: { 'accept-encoding': encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks), etag: res.headers.etag }));
      });
      req.on('error', reject);
      req.end();
    });
    const plain = await get('identity');
    assert.is(plain.encoding, undefined);
    assert.ok(plain.body.length > 1024, 'the source map is big enough to be compressed');
    // The map is compressed in the background once first asked for; until then it goes out as is.
    let br = await get('gzip, deflate, br');
    for (const deadline = Date.now() + 20_000; br.encoding === undefined && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 20));
      br = await get('gzip, deflate, br');
    }
    assert.is(br.encoding, 'br');
    assert.ok(br.body.length < plain.body.length);
    assert.equal(brotliDecompressSync(br.body), plain.body);
    const gz = await get('gzip');
    assert.is(gz.encoding, 'gzip');
    assert.equal(gunzipSync(gz.body), plain.body);
    const again = await fetch(`${base(web)}${mapPath}`, { headers: { 'if-none-match': plain.etag ?? '' } });
    assert.is(again.status, 304);
  }));

test('/config.js: Jitsi-style `var config`, with the operator settings and the WebSocket of the Host the page came from', () =>
  withShared(async (web) => {
    const res = await fetch(`${base(web)}/config.js`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.is(res.headers.get('cache-control'), 'no-cache');
    const config = evalConfigJs(await res.text());
    assert.equal(config.hosts, { domain: 'plenum.localhost', muc: 'conference.plenum.localhost', focus: 'focus.plenum.localhost' });
    assert.is(config.websocket, `ws://127.0.0.1:${web.port}/xmpp-websocket`);
    assert.equal(config.p2p, {
      enabled: false,
      stunServers: [{ urls: 'stun:stun.example.org:3478' }, { urls: 'turns:turn.example.org:443', username: 'u', credential: 'c' }],
    });
    assert.is(config.channelLastN, 4);
    assert.is(config.resolution, 360);
    assert.equal(config.prejoinConfig, { enabled: false });
    assert.is(config.startWithAudioMuted, true);
    assert.is(config.startWithVideoMuted, false);
    assert.equal(config.unsupportedBrowsers, ['safari']);
    assert.is(config.appName, 'Team <Meet>');
    // Reached by another name (a LAN address, a reverse proxy's Host): the WebSocket follows it.
    const other = await rawRequest(web.port, 'GET /config.js HTTP/1.1\r\nHost: meet.example.org:8443');
    assert.is(evalConfigJs(other.body).websocket, 'ws://meet.example.org:8443/xmpp-websocket');
    // The page title carries the name, escaped.
    assert.match(await (await fetch(`${base(web)}/`)).text(), /<title>Team &lt;Meet&gt;<\/title>/);
  }));

test('room paths: every valid name (any case) gets the app; other paths get the 404 page', () =>
  withShared(async (web) => {
    const page = await (await fetch(`${base(web)}/`)).text();
    for (const room of ['some-room', 'SomeRoom', 'team.weekly_2', 'a', 'x'.repeat(128), 'package.json']) {
      const res = await fetch(`${base(web)}/${room}?jwt=abc`);
      assert.is(res.status, 200, room);
      assert.is(await res.text(), page, `${room} gets index.html`);
    }
    for (const path of ['/a/b', '/some-room/', '/bad%20room', '/caf%C3%A9', '/' + 'x'.repeat(129), '/assets/', '/assets/app.js', '/static/index.html', '/src/app.ts']) {
      const res = await fetch(`${base(web)}${path}`);
      assert.is(res.status, 404, path);
      assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.ok(res.headers.get('content-security-policy'), `${path}: the 404 page has the CSP too`);
      assert.match(await res.text(), /There is nothing here/);
    }
  }));

test('methods other than GET and HEAD get 405 with Allow; a bad Host or request target gets 400', () =>
  withShared(async (web) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${base(web)}/`, { method });
      assert.is(res.status, 405, method);
      assert.is(res.headers.get('allow'), 'GET, HEAD');
      await res.arrayBuffer();
    }
    const badHost = await rawRequest(web.port, "GET / HTTP/1.1\r\nHost: evil.example;script-src *");
    assert.is(badHost.status, 400);
    assert.not.match(badHost.headers['content-security-policy'] ?? '', /evil/);
    const absolute = await rawRequest(web.port, 'GET http://127.0.0.1/config.js HTTP/1.1\r\nHost: 127.0.0.1');
    assert.is(absolute.status, 400);
  }));

test('path traversal: no request reaches a file outside the in-memory table', () =>
  withShared(async (web) => {
    const secrets = [
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8').slice(0, 40),
      readFileSync(new URL('../../src/server/web-server.ts', import.meta.url), 'utf8').slice(0, 40),
      readFileSync(new URL('../../static/index.html', import.meta.url), 'utf8').match(/\{\{appScript\}\}/)?.[0] ?? '{{appScript}}',
      'root:x:0:0',
    ];
    const attempts = [
      '/../package.json', '/../../../../etc/passwd', '/assets/../package.json', '/assets/../../package.json', '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json', '/..%5c..%5cpackage.json', '/static/index.html', '/static/../src/server/web-server.ts',
      `${web.scriptPath}/../../package.json`, '/src/server/web-server.ts', '//etc/passwd', '/.%2e/.%2e/etc/passwd', '/%00', '/index.html%00.js',
    ];
    for (const path of attempts) {
      const res = await rawRequest(web.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1`);
      assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
      for (const s of secrets) assert.not.ok(res.body.includes(s), `${path} leaked file contents`);
    }
  }));

test('/about/health follows the embedder\'s callback; the XMPP WebSocket path answers plain GETs (Jitsi\'s keep-alive)', () =>
  withShared(async (web) => {
    isHealthy = true;
    const up = await fetch(`${base(web)}/about/health`);
    assert.is(up.status, 200);
    assert.equal(await up.json(), { healthy: true });
    isHealthy = false;
    const down = await fetch(`${base(web)}/about/health`);
    assert.is(down.status, 503);
    assert.equal(await down.json(), { healthy: false });
    isHealthy = 'throws';
    const broken = await fetch(`${base(web)}/about/health`);
    assert.is(broken.status, 500, 'a throwing callback fails the request');
    await broken.arrayBuffer();
    isHealthy = true;
    assert.is((await fetch(`${base(web)}/about/health`)).status, 200, 'and nothing else');
    const keepAlive = await fetch(`${base(web)}/xmpp-websocket?room=x`);
    assert.is(keepAlive.status, 200);
    await keepAlive.arrayBuffer();
  }));

test('upgrades: the first handler that claims one answers it; unclaimed paths get 404; a throwing handler gets 500', () =>
  withShared(async (web) => {
    const removeLate = web.addUpgradeHandler((req, socket) => {
      if (req.url !== '/late') return false;
      upgradesSeen.push('late');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    });
    const upgrade = (path: string) => rawRequest(web.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`);
    upgradesSeen.length = 0;
    assert.is((await upgrade('/claimed')).status, 418);
    assert.is((await upgrade('/late')).status, 403);
    assert.is((await upgrade('/nobody-serves-this')).status, 404);
    assert.is((await upgrade('/boom')).status, 500);
    assert.equal(upgradesSeen, ['first:/claimed', 'first:/late', 'late', 'first:/nobody-serves-this', 'first:/boom']);
    removeLate();
    assert.is((await upgrade('/late')).status, 404, 'a removed handler is no longer asked');
  }));

test('publicUrl: the URL people open; behind its TLS proxy, pages for that name get wss:// (no mixed content)', () =>
  withServer({ publicUrl: 'https://meet.example.org/' }, async (web) => {
    assert.is(web.url, 'https://meet.example.org');
    const direct = (await fetch(`${base(web)}/`)).headers.get('content-security-policy') ?? '';
    assert.match(direct, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/meet\.example\.org;/);
    const proxied = await rawRequest(web.port, 'GET /config.js HTTP/1.1\r\nHost: meet.example.org');
    assert.is(evalConfigJs(proxied.body).websocket, 'wss://meet.example.org/xmpp-websocket');
    const page = await rawRequest(web.port, 'GET /team HTTP/1.1\r\nHost: Meet.Example.org');
    assert.match(page.headers['content-security-policy'] ?? '', /connect-src 'self' wss:\/\/Meet\.Example\.org wss:\/\/meet\.example\.org;/);
  }));

test.run();
