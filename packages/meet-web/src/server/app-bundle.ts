// Builds the browser app (src/app.ts) with esbuild into memory once at start: content-hashed
// file names under /assets/, linked source maps, minified unless asked not to. Lit's decorators
// need packages/meet-web/tsconfig.json (experimentalDecorators, useDefineForClassFields false).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { PlenumError } from '@plenum/kit';

/** URL prefix of every built (and hashed) file. */
export const ASSETS_PREFIX = '/assets/';

/** One built file: its URL path, MIME type and bytes. */
export type BuiltFile = { readonly path: string; readonly contentType: string; readonly body: Uint8Array };

/** The bundle: every output file, and which of them index.html loads. */
export type AppBundle = {
  readonly files: readonly BuiltFile[];
  /** URL path of the entry script (`/assets/app-<hash>.js`). */
  readonly scriptPath: string;
  /** URL path of the stylesheet, when the app imports CSS. */
  readonly stylePath?: string;
  /** URL path of the end-to-end encryption frame worker (`/assets/e2ee-worker-<hash>.js`). */
  readonly workerPath: string;
};

const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/**
 * @xmpp/resolve imports `./lib/dns.js` while its `browser` map names `./lib/dns`, so the Node DNS
 * module would be bundled (dependencies.md §2). An empty module makes it skip DNS lookups.
 */
export const xmppDnsStubPlugin: Plugin = {
  name: 'xmpp-resolve-dns-stub',
  setup(b) {
    b.onResolve({ filter: /^\.\/lib\/dns(\.js)?$/ }, (args) =>
      /[\\/]@xmpp[\\/]resolve[\\/]/.test(args.importer) ? { path: 'xmpp-resolve-dns', namespace: 'plenum-stub' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'plenum-stub' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export const contentTypeOf = (path: string): string => CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/** Bundles `entry` (default: the app) for browsers; throws a PlenumError listing esbuild's errors. */
export async function buildAppBundle(opts: { readonly minify: boolean; readonly entry?: string }): Promise<AppBundle> {
  const entry = opts.entry ?? `${packageDir}src/app.ts`;
  let result;
  try {
    result = await build({
      // The E2EE worker is its own script (a dedicated Worker cannot share the app's module graph).
      entryPoints: { app: entry, 'e2ee-worker': `${packageDir}src/client/e2ee/e2ee-worker.ts` },
      absWorkingDir: packageDir,
      tsconfig: `${packageDir}tsconfig.json`,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      target: ['es2022'],
      minify: opts.minify,
      sourcemap: 'linked',
      outdir: `${packageDir}dist-memory`,
      entryNames: '[name]-[hash]',
      assetNames: '[name]-[hash]',
      publicPath: ASSETS_PREFIX,
      loader: { '.svg': 'file', '.png': 'file', '.woff2': 'file' },
      define: { 'process.env.NODE_ENV': opts.minify ? '"production"' : '"development"' },
      logLevel: 'silent',
      plugins: [xmppDnsStubPlugin],
    });
  } catch (error) {
    const messages = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const text = messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text)).join('; ');
    throw new PlenumError('bundle-failed', `the web app did not build: ${text || String(error)}`, { cause: error });
  }
  const outRoot = `${packageDir}dist-memory/`;
  const files = result.outputFiles.map((o): BuiltFile => {
    const path = ASSETS_PREFIX + o.path.slice(outRoot.length).replace(/\\/g, '/');
    return { path, contentType: contentTypeOf(path), body: o.contents };
  });
  const scriptPath = files.find((f) => /\/app-[^/]+\.js$/.test(f.path))?.path;
  if (scriptPath === undefined) throw new PlenumError('bundle-failed', 'the web app build produced no app script');
  const stylePath = files.find((f) => /\/app-[^/]+\.css$/.test(f.path))?.path;
  const workerPath = files.find((f) => /\/e2ee-worker-[^/]+\.js$/.test(f.path))?.path;
  if (workerPath === undefined) throw new PlenumError('bundle-failed', 'the web app build produced no E2EE worker script');
  return { files, scriptPath, workerPath, ...(stylePath !== undefined ? { stylePath } : {}) };
}
