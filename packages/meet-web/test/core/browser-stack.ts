// Test plumbing for the conference-core browser tests: Plenum in-process (XMPP server, focus, one
// bridge: testkit's startStack on free loopback ports, silent; not the all-in-one, whose web server
// is someone else's work in progress), the harness page bundled with esbuild and
// served by a tiny HTTP server on 127.0.0.1, and Debian's Chromium with fake camera and microphone.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WebSocket, WebSocketServer } from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { startStack } from '@plenum/testkit';
import type { RunningStack, StackOptions } from '@plenum/testkit';
import type { WebConfig } from '../../src/shared/web-config.ts';
import { DEFAULT_WEB_CONFIG } from '../../src/shared/web-config.ts';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

export type BrowserStack = {
  readonly plenum: RunningStack;
  readonly config: WebConfig;
  readonly pageUrl: string;
  readonly browser: Browser;
  /** A fresh browser profile (own local storage) with the harness page loaded. */
  newTab(): Promise<Page>;
  close(): Promise<void>;
};

/** Bundles test/core/harness-entry.ts for the browser (the same way the app is bundled). */
async function bundleHarness(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./harness-entry.ts', import.meta.url))],
    bundle: true, write: false, format: 'esm', platform: 'browser', target: 'chrome120', sourcemap: 'inline', logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** How the browser is started. */
export type BrowserOptions = {
  /** A WAV file the fake microphone plays (in a loop) instead of Chromium's beep. */
  readonly fakeAudioFile?: string;
};

export async function startBrowserStack(options: StackOptions = {}, browserOptions: BrowserOptions = {}): Promise<BrowserStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const plenum = await startStack(options);
    closers.push(() => plenum.close());
    const script = await bundleHarness();
    const http = createServer((req, res) => {
      if (req.url === '/harness.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(script);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><head><meta charset="utf-8"><title>core harness</title></head><body><script type="module" src="/harness.js"></script></body></html>');
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    closers.push(() => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }));
    const pageUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const audioFile = browserOptions.fakeAudioFile === undefined ? [] : [`--use-file-for-fake-audio-capture=${browserOptions.fakeAudioFile}`];
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...audioFile] });
    closers.push(() => browser.close());
    const config: WebConfig = {
      ...DEFAULT_WEB_CONFIG,
      websocket: `ws://127.0.0.1:${plenum.server.httpPort}/xmpp-websocket`,
      p2p: { enabled: false, stunServers: [] },
      prejoinConfig: { enabled: false },
    };
    const contexts: BrowserContext[] = [];
    return {
      plenum, config, pageUrl, browser,
      async newTab() {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        await page.goto(pageUrl);
        await page.waitForFunction(() => 'harness' in globalThis);
        return page;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A WebSocket relay in front of the XMPP endpoint whose connections a test can cut, as a network drop would. */
export type CuttableRelay = { readonly url: string; cut(): void; close(): Promise<void> };

export async function startCuttableRelay(target: string): Promise<CuttableRelay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false) });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const live = new Set<WebSocket>();
  server.on('connection', (client) => {
    const upstream = new WebSocket(target, ['xmpp']);
    live.add(client);
    live.add(upstream);
    const pending: string[] = [];
    client.on('message', (d) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(d.toString());
      else pending.push(d.toString());
    });
    upstream.on('open', () => {
      for (const m of pending.splice(0)) upstream.send(m);
    });
    upstream.on('message', (d) => client.send(d.toString()));
    const end = (): void => {
      client.terminate();
      upstream.terminate();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/xmpp-websocket`,
    cut: () => {
      for (const ws of [...live]) ws.terminate();
    },
    close: () => new Promise<void>((resolve) => {
      for (const ws of [...live]) ws.terminate();
      server.close(() => resolve());
    }),
  };
}

/**
 * A UDP relay in front of the bridge's media port: the bridge advertises `listenHost:port`, the
 * relay forwards to the bridge at `target`:port. `cut()` drops every packet both ways, as a broken
 * network path would; `restore()` lets them through again.
 */
export type UdpRelay = { cut(): void; restore(): void; close(): Promise<void> };

export async function startUdpRelay(listenHost: string, port: number, target: string): Promise<UdpRelay> {
  const front = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(port, listenHost, () => resolve());
  });
  const legs = new Map<string, UdpSocket>();
  let isCut = false;
  front.on('message', (msg, from) => {
    if (isCut) return;
    const key = `${from.address}:${from.port}`;
    let leg = legs.get(key);
    if (leg === undefined) {
      const created = createSocket('udp4');
      created.bind(0, target);
      created.on('message', (back) => {
        if (!isCut) front.send(back, from.port, from.address);
      });
      created.on('error', () => undefined);
      legs.set(key, created);
      leg = created;
    }
    leg.send(msg, port, target);
  });
  return {
    cut: () => {
      isCut = true;
    },
    restore: () => {
      isCut = false;
    },
    close: async () => {
      for (const leg of legs.values()) leg.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

/** Polls `read` until `ok` holds for its value; fails with the last value after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
