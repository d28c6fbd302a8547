// Node side of the views' tests: bundles the harness page (the app with a FAKE core) with
// esbuild, serves it from 127.0.0.1, and opens it in Debian's Chromium with fake devices.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Harness, HarnessOptions } from './harness/harness-app.ts';

export type { Harness, HarnessOptions };

const here = fileURLToPath(new URL('.', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{margin:0;height:100%;background:#0d0f13;color:#eceef2}</style>
<script type="module" src="/harness.js"></script></head><body></body></html>`;

export type UiHarness = {
  readonly origin: string;
  /** Opens `path` (with hash) in a fresh context (own local storage) at the given viewport size. */
  open(path: string, options?: HarnessOptions & { viewport?: { width: number; height: number }; storage?: Record<string, string> }): Promise<Page>;
  /** Every URL any page requested. */
  readonly requests: string[];
  /** Uncaught errors of any page (a test ends by asserting there were none). */
  readonly pageErrors: string[];
  close(): Promise<void>;
};

export async function startUiHarness(): Promise<UiHarness> {
  const bundle = await build({
    entryPoints: [`${here}harness/harness-app.ts`], bundle: true, format: 'esm', write: false, target: 'es2022',
    tsconfig: `${here}../../tsconfig.json`, logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.contents;
  if (script === undefined) throw new Error('harness bundle is empty');
  const server: Server = createServer((req, res) => {
    if (req.url === '/harness.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const requests: string[] = [];
  const pageErrors: string[] = [];
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  } catch (error) {
    server.close();
    throw error;
  }
  const launched = browser;
  return {
    origin,
    requests,
    pageErrors,
    async open(path, options = {}) {
      const { viewport = { width: 1280, height: 800 }, storage, ...harnessOptions } = options;
      const context = await launched.newContext({ viewport });
      contexts.push(context);
      await context.addInitScript(({ opts, stored }) => {
        (globalThis as { harnessOptions?: unknown }).harnessOptions = opts;
        if (stored !== undefined && sessionStorage.getItem('seeded') === null) {
          for (const [k, v] of Object.entries(stored)) localStorage.setItem(k, v);
          sessionStorage.setItem('seeded', '1');
        }
      }, { opts: harnessOptions, stored: storage });
      // Short enough that a failing step fails the test quickly, long enough for two busy cores.
      context.setDefaultTimeout(8000);
      const page = await context.newPage();
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(`${origin}${path}`);
      await page.waitForFunction(() => (globalThis as { harness?: unknown }).harness !== undefined);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await launched.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `fn` in the page with the harness (serialisable arguments only). */
export function inPage<A, R>(page: Page, fn: (harness: Harness, arg: A) => R, arg: A): Promise<Awaited<R>> {
  return page.evaluate(
    ({ source, a }) => {
      const h = (globalThis as unknown as { harness: Harness }).harness;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the function's source crosses into the page
      return (new Function('h', 'a', `return (${source})(h, a);`) as (h: Harness, a: unknown) => R)(h, a);
    },
    { source: fn.toString(), a: arg as unknown },
  ) as Promise<Awaited<R>>;
}

