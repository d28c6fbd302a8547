// Everything the web server sends from memory: the app bundle, the static assets (content-hashed
// like the bundle) and the two pages rendered from static/*.html. Built once at start; requests
// only look paths up in this table, so no request path ever reaches the file system.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip as gzipCompress } from 'node:zlib';
import type { AppBundle } from './app-bundle.ts';
import { ASSETS_PREFIX, contentTypeOf } from './app-bundle.ts';

/** Content codings the server offers, best first. */
export type ContentCoding = 'br' | 'gzip';

/** One response body with its validator and, once made, its compressed forms. */
export type SiteFile = {
  readonly contentType: string;
  readonly body: Buffer;
  /** Strong ETag (quoted). */
  readonly etag: string;
  /** Compressed forms made so far (filled in the background by `startCompressing`). */
  readonly encoded: Map<ContentCoding, Buffer>;
  readonly isCompressible: boolean;
  compressing?: Promise<void>;
};

/** The table: hashed files by URL path, and the two pages. */
export type SiteFiles = {
  /** `/assets/…` files, all content-hashed (cached forever). */
  readonly assets: ReadonlyMap<string, SiteFile>;
  readonly indexPage: SiteFile;
  readonly notFoundPage: SiteFile;
};

const staticDir = new URL('../../static/', import.meta.url);
/** Static files copied into the table; nothing else under static/ is ever served. */
const STATIC_ASSETS = ['favicon.svg', 'base.css'] as const;
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg)/;
const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCompress);

/** A body for the table; per-request answers pass `isCompressible: false` (not worth compressing once). */
export function siteFile(contentType: string, body: Uint8Array, opts: { readonly isCompressible?: boolean } = {}): SiteFile {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const etag = `"${createHash('sha256').update(buf).digest('base64url').slice(0, 22)}"`;
  const isCompressible = (opts.isCompressible ?? true) && buf.length >= 1024 && COMPRESSIBLE.test(contentType);
  return { contentType, body: buf, etag, encoded: new Map(), isCompressible };
}

/**
 * Compresses on zlib's thread pool, once; until it is done the file goes out uncompressed, so
 * neither start-up nor a request ever waits for it (the source map is only compressed if asked for).
 */
export function startCompressing(file: SiteFile): void {
  if (!file.isCompressible || file.compressing !== undefined) return;
  file.compressing = (async () => {
    // Quality 9 of 11: nearly the smallest output at a fraction of the time.
    const params = { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: file.body.length };
    const [br, gz] = await Promise.all([brotli(file.body, { params }), gzip(file.body, { level: 9 })]);
    file.encoded.set('br', br);
    file.encoded.set('gzip', gz);
  })().catch(() => {
    // Nothing to recover: the file keeps going out uncompressed.
  });
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function hashedName(name: string, body: Buffer): string {
  const dot = name.lastIndexOf('.');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10).toUpperCase();
  return `${ASSETS_PREFIX}${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

/** Builds the table from the bundle and static/ (read now, once). */
export function buildSiteFiles(bundle: AppBundle, appName: string): SiteFiles {
  const assets = new Map<string, SiteFile>();
  for (const f of bundle.files) {
    const file = siteFile(f.contentType, f.body);
    assets.set(f.path, file);
    if (!f.path.endsWith('.map')) startCompressing(file);
  }
  const assetPaths = new Map<string, string>();
  for (const name of STATIC_ASSETS) {
    const body = readFileSync(new URL(name, staticDir));
    const path = hashedName(name, body);
    assetPaths.set(name, path);
    assets.set(path, siteFile(contentTypeOf(name), body));
  }
  const render = (template: string): SiteFile => {
    const html = readFileSync(new URL(template, staticDir), 'utf8').replace(/\{\{([a-zA-Z:.]+)\}\}/g, (_, key: string) => {
      if (key === 'appName') return escapeHtml(appName);
      if (key === 'appScript') return bundle.scriptPath;
      if (key === 'appStyle') return bundle.stylePath !== undefined ? `\n  <link rel="stylesheet" href="${bundle.stylePath}">` : '';
      const asset = key.startsWith('asset:') ? assetPaths.get(key.slice(6)) : undefined;
      if (asset === undefined) throw new Error(`static/${template}: unknown placeholder {{${key}}}`);
      return asset;
    });
    return siteFile('text/html; charset=utf-8', Buffer.from(html));
  };
  return { assets, indexPage: render('index.html'), notFoundPage: render('not-found.html') };
}
