// `npm start` serves everything on the web server's one origin: the app, /config.js for this
// deployment, the XMPP WebSocket and the bridge channel (which the bridge advertises there), over
// real sockets on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { ScriptedParticipant, WireClient, waitUntil } from '@plenum/testkit';
import type { RunningPlenum } from '../src/index.ts';
import { startAllInOne } from '../src/index.ts';

async function withPlenum(run: (plenum: RunningPlenum) => Promise<void>): Promise<void> {
  const plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port: 0, log: { level: 'silent' } },
  });
  try {
    await run(plenum);
  } finally {
    await plenum.close();
  }
}

/** Opens a WebSocket and resolves with its first message, or rejects with the HTTP status it was refused with. */
function firstMessage(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', (d: Buffer) => {
      resolve(d.toString('utf8'));
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

const refusal = (url: string): Promise<string> => firstMessage(url).then(() => 'accepted', (e: Error) => e.message);

test('the web port serves the app and a /config.js that points at this deployment', () =>
  withPlenum(async (plenum) => {
    const origin = `http://127.0.0.1:${plenum.web.port}`;
    assert.is(plenum.web.url, `http://localhost:${plenum.web.port}`);
    const page = await fetch(`${origin}/some-room`);
    assert.is(page.status, 200);
    assert.match(await page.text(), plenum.web.scriptPath);
    const sandbox: { config?: { hosts: unknown; websocket: string; hiddenDomain?: string } } = {};
    runInNewContext(await (await fetch(`${origin}/config.js`)).text(), sandbox);
    assert.equal(JSON.parse(JSON.stringify(sandbox.config?.hosts)), { domain: 'plenum.localhost', muc: 'conference.plenum.localhost', focus: 'focus.plenum.localhost' });
    // Jitsi's own clients hide the recorder by its domain (there is one when ffmpeg is installed).
    assert.is(sandbox.config?.hiddenDomain, plenum.recorder === undefined ? undefined : plenum.recorder.config.component.domain);
    if (plenum.recorder !== undefined) assert.is(sandbox.config?.hiddenDomain, 'recorder.plenum.localhost');
    assert.is(sandbox.config?.websocket, `ws://127.0.0.1:${plenum.web.port}/xmpp-websocket`);
    // Healthy once the bridge is in the brewery.
    await waitUntil('health 200', async () => (await fetch(`${origin}/about/health`)).status === 200);
  }));

test('XMPP over WebSocket through the web port: anonymous login works; without the xmpp subprotocol it is refused', () =>
  withPlenum(async (plenum) => {
    const client = await WireClient.ws(`ws://127.0.0.1:${plenum.web.port}/xmpp-websocket`);
    try {
      const jid = await client.loginAnonymous();
      assert.match(jid, /@plenum\.localhost\//);
    } finally {
      client.close();
    }
    assert.is(await refusal(`ws://127.0.0.1:${plenum.web.port}/xmpp-websocket`), 'HTTP 400');
  }));

test('the bridge channel is advertised on the web origin and reached through it; a wrong pwd gets the bridge\'s 403; unknown upgrades 404', () =>
  withPlenum(async (plenum) => {
    await waitUntil('bridge healthy', () => plenum.bridge.isHealthy());
    const p = await ScriptedParticipant.join({ port: plenum.xmpp.tcpPort, room: 'channel-room' });
    try {
      const offer = await p.nextJingle('session-initiate');
      const advertised = offer.contents[0]?.transport?.webSocketUrl;
      assert.ok(advertised, 'the offer carries a bridge channel URL');
      const url = new URL(advertised);
      assert.is(url.origin, `ws://localhost:${plenum.web.port}`, 'same origin as the page');
      assert.match(url.pathname, new RegExp(`^/colibri-ws/${plenum.bridge.id}/[^/]+/${p.nick}$`));
      const viaWebPort = `ws://127.0.0.1:${plenum.web.port}${url.pathname}`;
      const hello = JSON.parse(await firstMessage(`${viaWebPort}${url.search}`)) as { colibriClass: string };
      assert.is(hello.colibriClass, 'ServerHello');
      assert.is(await refusal(`${viaWebPort}?pwd=wrong`), 'HTTP 403');
      assert.is(await refusal(`ws://127.0.0.1:${plenum.web.port}/colibri-ws/not-this-bridge/x/y?pwd=z`), 'HTTP 404');
      assert.is(await refusal(`ws://127.0.0.1:${plenum.web.port}/some-room`), 'HTTP 404');
    } finally {
      p.close();
    }
  }));

test.run();
